"""Byte streams under the TDS packets: the plain socket, and TLS carried the way TDS 7.x does.

Reads and writes the client socket.
"""

from __future__ import annotations

import select
import ssl
import typing as t

from devstack.sqldw_emulator.tds.packets import (
    HEADER,
    HEADER_SIZE,
    STATUS_EOM,
    PacketType,
    wrap_packets,
)
from devstack.sqldw_emulator.tds.wire import ProtocolError

if t.TYPE_CHECKING:
    import socket

_RECV_CHUNK = 65536


class SocketTransport:
    """A plain TCP stream with a small read buffer.

    Args:
        sock: The connected socket.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()

    def recv_exact(self, n: int, *, allow_eof: bool) -> bytes | None:
        """Read exactly ``n`` bytes.

        Raises:
            ProtocolError: when the peer closes mid-read (or at all, unless ``allow_eof``).
        """
        while len(self._buffer) < n:
            chunk = self.sock.recv(_RECV_CHUNK)
            if not chunk:
                if allow_eof and not self._buffer:
                    return None
                msg = "connection closed by the client"
                raise ProtocolError(msg)
            self._buffer += chunk
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    def sendall(self, data: bytes) -> None:
        """Send all bytes."""
        self.sock.sendall(data)

    def take_buffered(self) -> bytes:
        """Hand over bytes read ahead (TLS takes over the stream after its handshake)."""
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    def readable(self) -> bool:
        """Whether bytes are buffered or waiting on the socket."""
        if self._buffer:
            return True
        ready, _, _ = select.select([self.sock], [], [], 0)
        return bool(ready)

    def peek_nowait(self) -> bytes | None:
        """The bytes readable without blocking, kept in the buffer (None: the peer closed)."""
        while select.select([self.sock], [], [], 0)[0]:
            chunk = self.sock.recv(_RECV_CHUNK)
            if not chunk:
                return None
            self._buffer += chunk
        return bytes(self._buffer)


class TLSTransport:
    """TLS over a :class:`SocketTransport`, with the handshake wrapped in PRELOGIN packets.

    Args:
        raw: The plain transport underneath.
        context: A server-side SSL context.
    """

    def __init__(self, raw: SocketTransport, context: ssl.SSLContext) -> None:
        self.raw = raw
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._in, self._out, server_side=True)
        self._plain = bytearray()

    def handshake(self) -> None:
        """Run the server side of the handshake through PRELOGIN-framed records.

        Raises:
            ProtocolError: when the client sends something other than PRELOGIN packets or
                the TLS handshake fails.
        """
        while True:
            try:
                self._tls.do_handshake()
            except ssl.SSLWantReadError:
                self._flush_wrapped()
                self._in.write(self._read_prelogin_payload())
                continue
            except ssl.SSLError as exc:
                msg = f"TLS handshake failed: {exc.reason or exc}"
                raise ProtocolError(msg) from exc
            self._flush_wrapped()
            return

    def _flush_wrapped(self) -> None:
        pending = self._out.read()
        if pending:
            self.raw.sendall(wrap_packets(PacketType.PRELOGIN, pending))

    def _read_prelogin_payload(self) -> bytes:
        parts = []
        while True:
            header = self.raw.recv_exact(HEADER_SIZE, allow_eof=False) or b""
            ptype, status, length, *_ = HEADER.unpack(header)
            if ptype != PacketType.PRELOGIN or length < HEADER_SIZE:
                msg = f"expected a TLS handshake packet, got packet type {ptype:#x}"
                raise ProtocolError(msg)
            parts.append(self.raw.recv_exact(length - HEADER_SIZE, allow_eof=False) or b"")
            if status & STATUS_EOM:
                return b"".join(parts)

    def recv_exact(self, n: int, *, allow_eof: bool) -> bytes | None:
        """Read exactly ``n`` decrypted bytes.

        Raises:
            ProtocolError: when the stream ends mid-read or TLS fails.
        """
        while len(self._plain) < n:
            try:
                chunk = self._tls.read(_RECV_CHUNK)
            except ssl.SSLWantReadError:
                if not self._fill(allow_eof=allow_eof and not self._plain):
                    return None
                continue
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                chunk = b""
            except ssl.SSLError as exc:
                msg = f"TLS error: {exc.reason or exc}"
                raise ProtocolError(msg) from exc
            if not chunk:
                if allow_eof and not self._plain:
                    return None
                msg = "connection closed by the client"
                raise ProtocolError(msg)
            self._plain += chunk
        data = bytes(self._plain[:n])
        del self._plain[:n]
        return data

    def _fill(self, *, allow_eof: bool) -> bool:
        chunk = self.raw.take_buffered() or self.raw.sock.recv(_RECV_CHUNK)
        if not chunk:
            if allow_eof:
                return False
            msg = "connection closed by the client"
            raise ProtocolError(msg)
        self._in.write(chunk)
        return True

    def sendall(self, data: bytes) -> None:
        """Encrypt and send all bytes."""
        self._tls.write(data)
        self.raw.sendall(self._out.read())

    def readable(self) -> bool:
        """Whether decrypted or raw bytes are waiting."""
        return bool(self._plain) or self._tls.pending() > 0 or self.raw.readable()

    def peek_nowait(self) -> bytes | None:
        """Decrypted bytes readable without blocking, kept (None: the peer closed).

        TLS records that carry no application data (alerts, tickets) yield nothing here.
        """
        raw = self.raw.peek_nowait()
        if raw is None:
            return None
        if raw:
            self._in.write(self.raw.take_buffered())
        while True:
            try:
                chunk = self._tls.read(_RECV_CHUNK)
            except ssl.SSLWantReadError:
                break
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return None
            except ssl.SSLError:
                return None
            if not chunk:
                return None
            self._plain += chunk
        return bytes(self._plain)
