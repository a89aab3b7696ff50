"""TDS packet framing: the 8-byte header, multi-packet messages, and the message writer.

Reads and writes through a transport.
"""

from __future__ import annotations

import enum
import struct
import typing as t

from devstack.sqldw_emulator.tds.wire import ProtocolError

HEADER = struct.Struct(">BBHHBB")
HEADER_SIZE = HEADER.size
STATUS_EOM = 0x01
STATUS_IGNORE = 0x02
DEFAULT_PACKET_SIZE = 4096
# A message larger than this is refused: no loader sends one (bulk data goes through blobs).
MAX_MESSAGE_BYTES = 512 * 1024 * 1024


class Transport(t.Protocol):
    """What the packet layer needs from a byte stream."""

    def recv_exact(self, n: int, *, allow_eof: bool) -> bytes | None:
        """Read exactly ``n`` bytes; ``None`` on a clean EOF when ``allow_eof``."""
        ...

    def sendall(self, data: bytes) -> None:
        """Send all bytes."""
        ...

    def readable(self) -> bool:
        """Whether bytes are waiting (used to notice ATTENTION while a batch runs)."""
        ...

    def peek_nowait(self) -> bytes | None:
        """The bytes that can be read without blocking, left unread (None: the peer closed)."""
        ...


class PacketType(enum.IntEnum):
    """Message types of the packet header (MS-TDS 2.2.3.1.1)."""

    SQL_BATCH = 0x01
    RPC = 0x03
    TABULAR_RESULT = 0x04
    ATTENTION = 0x06
    BULK_LOAD = 0x07
    FEDAUTH_TOKEN = 0x08
    TRANSACTION_MANAGER = 0x0E
    LOGIN7 = 0x10
    SSPI = 0x11
    PRELOGIN = 0x12


class Message(t.NamedTuple):
    """One complete client message: its type and the payloads of its packets joined."""

    type: int
    payload: bytes


def read_message(transport: Transport) -> Message | None:
    """Read packets until end-of-message.

    Returns:
        The message, or ``None`` when the peer closed the connection before a header.

    Raises:
        ProtocolError: on a malformed header or a connection closed mid-message.
    """
    parts: list[bytes] = []
    total = 0
    first_type: int | None = None
    while True:
        header = transport.recv_exact(HEADER_SIZE, allow_eof=first_type is None)
        if header is None:
            return None
        ptype, status, length, _spid, _packet_id, _window = HEADER.unpack(header)
        if length < HEADER_SIZE:
            msg = f"bad packet length {length}"
            raise ProtocolError(msg)
        body = transport.recv_exact(length - HEADER_SIZE, allow_eof=False) or b""
        if first_type is None:
            first_type = ptype
        total += len(body)
        if total > MAX_MESSAGE_BYTES:
            msg = "message too large"
            raise ProtocolError(msg)
        if status & STATUS_IGNORE:
            # The client abandoned this message part-way; drop what was collected.
            parts.clear()
            total = 0
        else:
            parts.append(body)
        if status & STATUS_EOM:
            return Message(first_type, b"".join(parts))


class MessageWriter:
    """Builds one response message, cutting it into packets of the negotiated size.

    Full packets are sent as soon as they fill, so large results stream instead of
    accumulating in memory; :meth:`finish` sends the last packet with end-of-message.

    Args:
        transport: Where packets go.
        packet_size: The negotiated packet size, header included.
        spid: The session id written in each header.
        ptype: The packet type (tabular result for every server response).
    """

    def __init__(
        self,
        transport: Transport,
        packet_size: int,
        spid: int,
        ptype: int = PacketType.TABULAR_RESULT,
    ) -> None:
        self._transport = transport
        self._body = packet_size - HEADER_SIZE
        self._spid = spid
        self._type = ptype
        self._packet_id = 1
        self.buffer = bytearray()

    def write(self, data: bytes | bytearray) -> None:
        """Append token bytes, sending every packet that fills."""
        self.buffer += data
        if len(self.buffer) >= self._body * 8:
            self._send_full_packets()

    def _send_full_packets(self) -> None:
        out = bytearray()
        body = self._body
        view = memoryview(self.buffer)
        start = 0
        while len(self.buffer) - start > body:
            out += self._header(0, body) + view[start : start + body]
            start += body
        view.release()
        del self.buffer[:start]
        if out:
            self._transport.sendall(bytes(out))

    def _header(self, status: int, length: int) -> bytes:
        header = HEADER.pack(
            self._type, status, length + HEADER_SIZE, self._spid, self._packet_id, 0
        )
        self._packet_id = (self._packet_id + 1) % 256
        return header

    def discard(self) -> None:
        """Forget unsent bytes (after ATTENTION, the client drops them anyway)."""
        self.buffer.clear()

    def finish(self) -> None:
        """Send what is buffered; the last packet carries end-of-message."""
        self._send_full_packets()
        self._transport.sendall(self._header(STATUS_EOM, len(self.buffer)) + bytes(self.buffer))
        self.buffer.clear()
        self._packet_id = 1


def wrap_packets(ptype: int, payload: bytes, packet_size: int = DEFAULT_PACKET_SIZE) -> bytes:
    """Frame a payload as packets (used for PRELOGIN and the TLS handshake).

    Args:
        ptype: The packet type.
        payload: The message body.
        packet_size: Maximum packet size including the header.

    Returns:
        The framed bytes, last packet marked end-of-message.
    """
    body = packet_size - HEADER_SIZE
    out = bytearray()
    chunks = [payload[i : i + body] for i in range(0, len(payload), body)] or [b""]
    for index, chunk in enumerate(chunks):
        status = STATUS_EOM if index == len(chunks) - 1 else 0
        out += HEADER.pack(ptype, status, len(chunk) + HEADER_SIZE, 0, (index + 1) % 256, 0)
        out += chunk
    return bytes(out)
