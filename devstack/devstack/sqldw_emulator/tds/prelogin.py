"""PRELOGIN: parse the client's options and build the server's answer (MS-TDS 2.2.6.5).

Pure.
"""

from __future__ import annotations

import dataclasses
import enum
import struct

from devstack.sqldw_emulator.tds.wire import ProtocolError

_OPTION = struct.Struct(">BHH")
_TERMINATOR = 0xFF
# The product version the server reports: Azure Synapse dedicated pools answer 12.0.x.
SERVER_VERSION = (12, 0, 2000, 0)


class Encryption(enum.IntEnum):
    """The ENCRYPTION option's values."""

    OFF = 0x00
    ON = 0x01
    NOT_SUP = 0x02
    REQ = 0x03


class Option(enum.IntEnum):
    """PRELOGIN option tokens."""

    VERSION = 0x00
    ENCRYPTION = 0x01
    INSTOPT = 0x02
    THREADID = 0x03
    MARS = 0x04
    TRACEID = 0x05
    FEDAUTHREQUIRED = 0x06
    NONCEOPT = 0x07


@dataclasses.dataclass(frozen=True, slots=True)
class ClientPrelogin:
    """What matters of the client's PRELOGIN."""

    encryption: Encryption
    mars: bool
    options: dict[int, bytes]

    @property
    def fedauth_required(self) -> bool:
        """Whether the client announced federated authentication (an Entra ID token)."""
        return Option.FEDAUTHREQUIRED in self.options


def parse_prelogin(payload: bytes) -> ClientPrelogin:
    """Decode the option table of a client PRELOGIN.

    Raises:
        ProtocolError: on a malformed table.
    """
    options: dict[int, bytes] = {}
    position = 0
    while True:
        if position >= len(payload):
            msg = "PRELOGIN without terminator"
            raise ProtocolError(msg)
        if payload[position] == _TERMINATOR:
            break
        if position + _OPTION.size > len(payload):
            msg = "truncated PRELOGIN option table"
            raise ProtocolError(msg)
        token, offset, length = _OPTION.unpack_from(payload, position)
        options[token] = payload[offset : offset + length]
        position += _OPTION.size
    raw = options.get(Option.ENCRYPTION, b"\x02")
    try:
        encryption = Encryption(raw[0] & 0x0F if raw else Encryption.NOT_SUP)
    except ValueError:
        encryption = Encryption.NOT_SUP
    mars = bool(options.get(Option.MARS, b"\x00")[:1] == b"\x01")
    return ClientPrelogin(encryption=encryption, mars=mars, options=options)


def negotiate(client: Encryption, *, tls_available: bool) -> Encryption:
    """The server's ENCRYPTION answer, as SQL Server decides it.

    Args:
        client: What the client asked.
        tls_available: Whether this server has a certificate.

    Returns:
        ``ON`` (everything encrypted), ``OFF`` (only LOGIN7 encrypted) or ``NOT_SUP``.
    """
    if not tls_available or client == Encryption.NOT_SUP:
        return Encryption.NOT_SUP
    if client in (Encryption.ON, Encryption.REQ):
        return Encryption.ON
    return Encryption.OFF


def build_prelogin_response(encryption: Encryption, *, fedauth: bool = False) -> bytes:
    """Build the server's PRELOGIN answer (VERSION, ENCRYPTION, INSTOPT, THREADID, MARS).

    Args:
        encryption: The negotiated ENCRYPTION value.
        fedauth: Echo FEDAUTHREQUIRED (the client announced an Entra ID token; the server
            answers the option only when the client sent it).
    """
    major, minor, build, sub = SERVER_VERSION
    entries = [
        (Option.VERSION, struct.pack(">BBHH", major, minor, build, sub)),
        (Option.ENCRYPTION, bytes((encryption,))),
        (Option.INSTOPT, b"\x00"),
        (Option.THREADID, b""),
        (Option.MARS, b"\x00"),
    ]
    if fedauth:
        entries.append((Option.FEDAUTHREQUIRED, b"\x01"))
    offset = len(entries) * _OPTION.size + 1
    table = bytearray()
    data = bytearray()
    for token, value in entries:
        table += _OPTION.pack(token, offset + len(data), len(value))
        data += value
    return bytes(table) + bytes((_TERMINATOR,)) + bytes(data)
