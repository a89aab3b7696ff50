"""Entra ID access tokens: issued by the devstack, checked by the engine at login.

Pure (no I/O); the reasons are in devstack/README.md ("Layout").
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import time
import typing as t
import uuid

#: The audience of Azure SQL, Synapse SQL and Fabric Warehouse tokens (v1 tokens).
DATABASE_AUDIENCE = "https://database.windows.net/"
# v2 tokens and some clients write the audience without its slash.
_AUDIENCES = frozenset({DATABASE_AUDIENCE, DATABASE_AUDIENCE.rstrip("/")})
#: The devstack's tenant: a fixed, made-up id so tokens and logs read like real ones.
DEVSTACK_TENANT = "72f988bf-0000-4000-8000-00000000d5ac"
_ALGORITHM = "HS256"


class TokenError(ValueError):
    """An access token the service would refuse.

    Attributes:
        expired: The token was valid once but is past ``exp`` (the service says so).
    """

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


@dataclasses.dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid token names.

    Attributes:
        name: The login name the session reports (``upn`` of a user, ``appid`` of a service
            principal).
        object_id: The ``oid`` claim.
        expires_on: ``exp``, seconds since the epoch.
    """

    name: str
    object_id: str
    expires_on: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def _sign(key: str, signing_input: str) -> str:
    digest = hmac.new(key.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256)
    return _b64(digest.digest())


def issue_token(
    key: str,
    *,
    app_id: str | None = None,
    upn: str | None = None,
    lifetime: float = 3600.0,
    audience: str = DATABASE_AUDIENCE,
    now: float | None = None,
) -> str:
    """A signed access token with the claims Entra ID puts in database tokens.

    Args:
        key: The stack's signing key (the emulator's ``--token-key``).
        app_id: A service principal's application id (``appid``; the default principal).
        upn: A user's name (``upn``); when given, the token is a user token.
        lifetime: Seconds until ``exp`` (negative: already expired, for tests).
        audience: ``aud`` (anything but the database audience is refused at login).
        now: The issue time (default: the clock).

    Returns:
        The compact JWT.
    """
    issued = int(time.time() if now is None else now)
    claims: dict[str, t.Any] = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{DEVSTACK_TENANT}/",
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(lifetime),
        "tid": DEVSTACK_TENANT,
        "oid": str(uuid.uuid4()),
        "appid": app_id or "devstack-loader",
        "ver": "1.0",
    }
    if upn:
        claims["upn"] = upn
    header = {"alg": _ALGORITHM, "typ": "JWT"}
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(claims, separators=(",", ":")).encode())
    )
    return signing_input + "." + _sign(key, signing_input)


def validate_token(token: str, key: str, *, now: float | None = None) -> Principal:
    """Check a token as the service would at login.

    Args:
        token: The compact JWT the driver sent.
        key: The stack's signing key.
        now: The time to check ``nbf``/``exp`` against (default: the clock).

    Returns:
        The principal the token names.

    Raises:
        TokenError: for a malformed token, another algorithm, a bad signature, a wrong
            audience, a token not yet valid, or an expired one (``expired`` set).
    """
    parts = token.split(".")
    if len(parts) != 3:
        msg = "not a JWT"
        raise TokenError(msg)
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        msg = "the token's header or claims are not base64url JSON"
        raise TokenError(msg) from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        msg = "the token's header or claims are not JSON objects"
        raise TokenError(msg)
    if header.get("alg") != _ALGORITHM:
        msg = f"unexpected signing algorithm {header.get('alg')!r}"
        raise TokenError(msg)
    expected = _sign(key, parts[0] + "." + parts[1])
    if not hmac.compare_digest(expected.encode("ascii"), parts[2].encode("ascii", "replace")):
        msg = "the token's signature does not verify"
        raise TokenError(msg)
    if claims.get("aud") not in _AUDIENCES:
        msg = f"the token's audience {claims.get('aud')!r} is not {DATABASE_AUDIENCE}"
        raise TokenError(msg)
    moment = time.time() if now is None else now
    expires = claims.get("exp")
    not_before = claims.get("nbf", 0)
    if not isinstance(expires, int) or not isinstance(not_before, int):
        msg = "the token has no numeric exp / nbf"
        raise TokenError(msg)
    if moment < not_before:
        msg = "the token is not valid yet"
        raise TokenError(msg)
    if moment >= expires:
        msg = "the token is expired"
        raise TokenError(msg, expired=True)
    name = claims.get("upn") or claims.get("appid") or claims.get("oid") or "unknown"
    return Principal(name=str(name), object_id=str(claims.get("oid", "")), expires_on=expires)
