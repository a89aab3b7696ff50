"""Federated authentication (Entra ID access tokens) and UTF-8 support in PRELOGIN / LOGIN7.

Pure encoding and decoding (MS-TDS 2.2.6.4).
"""

from __future__ import annotations

import struct

from devstack.sqldw_emulator.tds.wire import ProtocolError

#: LOGIN7 feature id of federated authentication.
FEATURE_FEDAUTH = 0x02
#: LOGIN7 feature id of UTF-8 support (the client reads UTF-8 collated char data).
FEATURE_UTF8_SUPPORT = 0x0A
#: bFedAuthLibrary values (the options byte's upper seven bits).
LIBRARY_SECURITYTOKEN = 0x01
LIBRARY_ADAL = 0x02
_NONCE = 32


def fedauth_token(data: bytes) -> str:
    """The access token of a FEDAUTH feature (library SECURITYTOKEN).

    Args:
        data: The feature's data, after its id and length.

    Returns:
        The token text.

    Raises:
        ProtocolError: for another library (the driver's own Entra ID sign-in, which needs
            a round trip to Entra ID the devstack cannot answer) or a malformed feature.
    """
    if not data:
        msg = "FEDAUTH feature without data"
        raise ProtocolError(msg)
    library = data[0] >> 1
    if library != LIBRARY_SECURITYTOKEN:
        msg = (
            f"FEDAUTH library {library:#x} is not supported: pass an access token "
            "(SQL_COPT_SS_ACCESS_TOKEN) instead of Authentication=ActiveDirectory*"
        )
        raise ProtocolError(msg)
    if len(data) < 5:
        msg = "FEDAUTH feature too short"
        raise ProtocolError(msg)
    (length,) = struct.unpack_from("<I", data, 1)
    raw = data[5 : 5 + length]
    if len(raw) != length or len(data) - 5 - length not in (0, _NONCE):
        msg = "FEDAUTH token length does not match the feature"
        raise ProtocolError(msg)
    try:
        return raw.decode("utf-16-le")
    except UnicodeDecodeError as exc:
        msg = "FEDAUTH token is not UTF-16-LE"
        raise ProtocolError(msg) from exc


def fedauth_ack() -> bytes:
    """The FEATUREEXTACK entry acknowledging FEDAUTH (SECURITYTOKEN: no data)."""
    return bytes((FEATURE_FEDAUTH,)) + struct.pack("<I", 0)


def utf8_ack() -> bytes:
    """The FEATUREEXTACK entry acknowledging UTF8_SUPPORT (one byte: supported)."""
    return bytes((FEATURE_UTF8_SUPPORT,)) + struct.pack("<I", 1) + b"\x01"
