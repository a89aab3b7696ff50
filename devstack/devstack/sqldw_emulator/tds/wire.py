"""Byte-level helpers shared by the decoders and encoders: a cursor over a buffer, TDS strings.

Pure.
"""

from __future__ import annotations

import struct

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")


class ProtocolError(Exception):
    """The client sent bytes that do not follow TDS; the connection cannot continue."""


class ByteReader:
    """A forward-only cursor over a received message.

    Args:
        data: The message payload.
        offset: Where to start reading.
    """

    __slots__ = ("data", "offset")

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def remaining(self) -> int:
        """Bytes left after the cursor."""
        return len(self.data) - self.offset

    def peek(self) -> int:
        """The next byte, without consuming it (-1 at the end)."""
        return self.data[self.offset] if self.offset < len(self.data) else -1

    def take(self, n: int) -> bytes:
        """Consume ``n`` bytes.

        Raises:
            ProtocolError: when fewer than ``n`` bytes are left.
        """
        end = self.offset + n
        if end > len(self.data):
            msg = f"truncated message: wanted {n} bytes at offset {self.offset}"
            raise ProtocolError(msg)
        chunk = self.data[self.offset : end]
        self.offset = end
        return chunk

    def u8(self) -> int:
        """Consume an unsigned byte."""
        return self.take(1)[0]

    def u16(self) -> int:
        """Consume a little-endian USHORT."""
        return int(_U16.unpack(self.take(2))[0])

    def u32(self) -> int:
        """Consume a little-endian ULONG."""
        return int(_U32.unpack(self.take(4))[0])

    def i32(self) -> int:
        """Consume a little-endian LONG."""
        return int(_I32.unpack(self.take(4))[0])

    def u64(self) -> int:
        """Consume a little-endian ULONGLONG."""
        return int(_U64.unpack(self.take(8))[0])

    def b_varchar(self) -> str:
        """Consume a B_VARCHAR: a character count byte, then UCS-2."""
        return self.take(self.u8() * 2).decode("utf-16-le")

    def us_varchar(self) -> str:
        """Consume a US_VARCHAR: a USHORT character count, then UCS-2."""
        return self.take(self.u16() * 2).decode("utf-16-le")


def b_varchar(text: str) -> bytes:
    """Encode a B_VARCHAR (at most 255 UTF-16 code units; longer text is cut)."""
    raw = text.encode("utf-16-le")[: 255 * 2]
    return bytes((len(raw) // 2,)) + raw


def us_varchar(text: str) -> bytes:
    """Encode a US_VARCHAR (at most 65535 UTF-16 code units; longer text is cut)."""
    raw = text.encode("utf-16-le")[: 65535 * 2]
    return _U16.pack(len(raw) // 2) + raw


def b_varbyte(data: bytes) -> bytes:
    """Encode a B_VARBYTE: a length byte, then the bytes."""
    return bytes((len(data),)) + data
