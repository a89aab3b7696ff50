"""LOGIN7 decoding (MS-TDS 2.2.6.4) and the server's login response.

Pure.
"""

from __future__ import annotations

import dataclasses
import struct

from devstack.sqldw_emulator.tds import tokens
from devstack.sqldw_emulator.tds.prelogin import SERVER_VERSION
from devstack.sqldw_emulator.tds.wire import ProtocolError

_FIXED = struct.Struct("<IIIIIIBBBBiI")
_FIELD = struct.Struct("<HH")
_OPTION_FLAGS3_EXTENSION = 0x10
FEATURE_TERMINATOR = 0xFF
TDS74 = 0x74000004


@dataclasses.dataclass(frozen=True, slots=True)
class Login7:
    """The fields of LOGIN7 the server uses. ``password`` is never logged."""

    tds_version: int
    packet_size: int
    host_name: str
    user_name: str
    password: str = dataclasses.field(repr=False)
    app_name: str
    server_name: str
    library_name: str
    language: str
    database: str
    features: dict[int, bytes]


def _decode_password(raw: bytes) -> str:
    # The obfuscation: each byte had its nibbles swapped then was XORed with 0xA5.
    plain = bytes((((b ^ 0xA5) << 4) & 0xF0) | (((b ^ 0xA5) >> 4) & 0x0F) for b in raw)
    return plain.decode("utf-16-le")


def parse_login7(payload: bytes) -> Login7:
    """Decode a LOGIN7 message.

    Raises:
        ProtocolError: when offsets point outside the message.
    """
    if len(payload) < _FIXED.size + 9 * _FIELD.size:
        msg = "LOGIN7 too short"
        raise ProtocolError(msg)
    fixed = _FIXED.unpack_from(payload, 0)
    tds_version, packet_size = fixed[1], fixed[2]
    option_flags3 = fixed[9]

    def text(index: int, *, password: bool = False) -> str:
        offset, chars = _FIELD.unpack_from(payload, _FIXED.size + index * _FIELD.size)
        raw = payload[offset : offset + chars * 2]
        if len(raw) != chars * 2:
            msg = "LOGIN7 field outside the message"
            raise ProtocolError(msg)
        return _decode_password(raw) if password else raw.decode("utf-16-le")

    features: dict[int, bytes] = {}
    if option_flags3 & _OPTION_FLAGS3_EXTENSION:
        offset, length = _FIELD.unpack_from(payload, _FIXED.size + 5 * _FIELD.size)
        if length >= 4 and offset + 4 <= len(payload):
            (feature_offset,) = struct.unpack_from("<I", payload, offset)
            features = _parse_features(payload, feature_offset)
    return Login7(
        tds_version=tds_version,
        packet_size=packet_size,
        host_name=text(0),
        user_name=text(1),
        password=text(2, password=True),
        app_name=text(3),
        server_name=text(4),
        library_name=text(6),
        language=text(7),
        database=text(8),
        features=features,
    )


def _parse_features(payload: bytes, position: int) -> dict[int, bytes]:
    features: dict[int, bytes] = {}
    while position < len(payload):
        feature = payload[position]
        if feature == FEATURE_TERMINATOR:
            break
        if position + 5 > len(payload):
            break
        (length,) = struct.unpack_from("<I", payload, position + 1)
        features[feature] = payload[position + 5 : position + 5 + length]
        position += 5 + length
    return features


def choose_packet_size(requested: int) -> int:
    """The packet size the server answers (0 asks the server to decide)."""
    if 512 <= requested <= 32767:
        return requested
    return 4096


def login_response(
    *,
    database: str,
    packet_size: int,
    server_name: str,
    with_feature_ack: bool,
    acknowledged: bytes = b"",
    collation: bytes = tokens.DEFAULT_COLLATION,
) -> bytes:
    """The token stream that accepts a login, in SQL Server's order.

    Args:
        database: The session's database.
        packet_size: The negotiated packet size.
        server_name: Name reported in INFO tokens.
        with_feature_ack: Whether the client sent feature extensions (it then expects
            FEATUREEXTACK; only the features in ``acknowledged`` are, so the drivers use no
            other).
        acknowledged: FEATUREEXTACK entries (``fedauth.fedauth_ack()`` after a token login).
        collation: The database collation sent in ENVCHANGE (a Fabric Warehouse's is UTF-8).

    Returns:
        ENVCHANGE(database), INFO 5701, ENVCHANGE(collation), ENVCHANGE(language), INFO 5703,
        ENVCHANGE(packet size), LOGINACK, [FEATUREEXTACK], DONE.
    """
    out = bytearray()
    out += tokens.envchange_text(tokens.ENV_DATABASE, database, "master")
    out += tokens.info(5701, f"Changed database context to '{database}'.", server_name, state=2)
    out += tokens.envchange_bytes(tokens.ENV_COLLATION, collation, b"")
    out += tokens.envchange_text(tokens.ENV_LANGUAGE, "us_english", "")
    out += tokens.info(5703, "Changed language setting to us_english.", server_name, state=1)
    out += tokens.envchange_text(tokens.ENV_PACKET_SIZE, str(packet_size), str(packet_size))
    major, minor, build, _sub = SERVER_VERSION
    body = (
        bytes((1,))
        + struct.pack(">I", TDS74)
        + tokens.b_varchar("Microsoft SQL Server")
        + bytes((major, minor, build >> 8, build & 0xFF))
    )
    out += struct.pack("<BH", tokens.LOGINACK, len(body)) + body
    if with_feature_ack:
        out += bytes((tokens.FEATUREEXTACK,)) + acknowledged + bytes((FEATURE_TERMINATOR,))
    out += tokens.done(0, 0, 0)
    return bytes(out)
