"""Federated authentication (Entra ID access tokens) in PRELOGIN and LOGIN7 (MS-TDS 2.2.6.4).

With ``SQL_COPT_SS_ACCESS_TOKEN`` the Microsoft ODBC driver sends PRELOGIN's FEDAUTHREQUIRED
option, then LOGIN7 without user name or password but with the FEDAUTH feature extension,
library SECURITYTOKEN: one options byte, a 4-byte little-endian length and the token as
UTF-16-LE, optionally followed by a 32-byte nonce. The server echoes FEDAUTHREQUIRED in its
PRELOGIN answer and acknowledges FEDAUTH in FEATUREEXTACK with no data (the drivers refuse an
ack that carries any for this library).
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
