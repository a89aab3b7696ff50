"""ODBC connection strings, access-token packing and error classification.

Pure: no connection is opened here.
"""

from __future__ import annotations

import importlib
import re
import struct
import typing as t

from target_azure_sqldw.settings import Settings

if t.TYPE_CHECKING:
    from collections.abc import Mapping

# pyodbc's stub file is not PEP 561-installed, so mypy cannot see it; typed as Any here.
pyodbc: t.Any = importlib.import_module("pyodbc")

#: SQL_COPT_SS_ACCESS_TOKEN: pre-connect attribute carrying an Entra ID token.
SQL_COPT_SS_ACCESS_TOKEN = 1256
#: auth_method values that sign in with an Entra ID token rather than the connection string.
TOKEN_METHODS = frozenset({"service_principal", "managed_identity", "access_token"})
#: Error numbers worth a retry (Microsoft's transient lists, Synapse's paused / warming-up
#: pool, Fabric's snapshot conflict).
#: Fabric's write-write conflicts under snapshot isolation, found at COMMIT: the transaction
#: was rolled back, and Microsoft's advice is to retry it ("Resolving Write Conflicts in
#: Microsoft Fabric Data Warehouse", Fabric blog, 2025; background compaction can cause them
#: with a single writer).
SNAPSHOT_CONFLICTS = frozenset({24556, 24706})
TRANSIENT_ERRORS = frozenset(
    {20, 64, 121, 233, 997, 1204, 1205, 1222, 3961, 4060, 4221, 10053, 10054, 10060}
    | {10928, 10929, 40143, 40197, 40501, 40540, 40613, 41301, 41302, 41305, 41325, 41839}
    | {42108, 42109, 49918, 49919, 49920}
    | SNAPSHOT_CONFLICTS
)


def _odbc_value(value: str) -> str:
    """Quote an ODBC connection-string value when it needs braces."""
    if any(ch in value for ch in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


def build_connection_string(config: Mapping[str, t.Any] | Settings, *, redact: bool = False) -> str:
    """Build the ODBC connection string from settings.

    Args:
        config: The settings (or a configuration mapping).
        redact: Replace secrets with ``***`` (for logs and errors).

    Returns:
        The connection string. For the Entra ID methods (``service_principal``,
        ``managed_identity``, ``access_token``) it carries no credentials: a token goes in
        ``attrs_before`` (see :func:`access_token_attrs`).

    Raises:
        ValueError: When the settings for the chosen ``auth_method`` are missing.
    """
    settings = Settings.of(config)
    driver = settings.driver
    host, port = settings.host, settings.port
    freetds = "freetds" in driver.lower()
    parts = [f"Driver={{{driver}}}"]
    if freetds:
        parts += [f"Server={host}", f"Port={port}", "TDS_Version=7.4", "ClientCharset=UTF-8"]
    else:
        parts.append(f"Server=tcp:{host},{port}")
    parts.append(f"Database={_odbc_value(settings.database)}")
    if not freetds:
        parts.append(f"Encrypt={'yes' if settings.encrypt else 'no'}")
        trust = "yes" if settings.trust_server_certificate else "no"
        parts.append(f"TrustServerCertificate={trust}")
        # Synapse rejects the legacy text/ntext bindings used for (max) values otherwise.
        parts.append("LongAsMax=yes")

    def secret(value: str) -> str:
        return "***" if redact else _odbc_value(value)

    method = settings.auth_method
    if method == "sql":
        _require(settings, "user", "password", method=method)
        parts += [
            f"UID={_odbc_value(settings.user or '')}",
            f"PWD={secret(settings.password or '')}",
        ]
    elif method not in TOKEN_METHODS:
        msg = f"Unknown auth_method {method!r}"
        raise ValueError(msg)
    if settings.odbc_options:
        parts.append(str(settings.odbc_options).strip(";"))
    return ";".join(parts) + ";"


def _require(settings: Settings, *names: str, method: str) -> None:
    missing = [n for n in names if not getattr(settings, n)]
    if missing:
        msg = f"auth_method {method!r} needs the setting(s): {', '.join(missing)}"
        raise ValueError(msg)


def access_token_attrs(token: str) -> dict[int, bytes]:
    """The ``attrs_before`` carrying an access token (the driver's ACCESSTOKEN structure).

    Args:
        token: The Entra ID access token (ASCII).

    Returns:
        ``{1256: <4-byte little-endian length><token as UTF-16-LE>}``.
    """
    raw = token.encode("utf-16-le")
    return {SQL_COPT_SS_ACCESS_TOKEN: struct.pack("<I", len(raw)) + raw}


def error_number(exc: BaseException) -> int | None:
    """The SQL Server error number in a pyodbc error, if any.

    Args:
        exc: The exception.

    Returns:
        The number, parsed from the driver message (``... (42109) ...``), or None.
    """
    text = " ".join(str(a) for a in getattr(exc, "args", ()))
    match = re.search(r"\((\d{2,6})\)", text)
    return int(match.group(1)) if match else None


class CommitOutcomeUnknownError(RuntimeError):
    """COMMIT failed: the transaction may or may not have committed, so it is not retried."""


def is_transient(exc: BaseException) -> bool:
    """Whether an error is worth retrying (after a reconnect).

    Timeouts are not retried (the statement may have completed), nor a failed COMMIT.

    Args:
        exc: The exception.

    Returns:
        True for the transient error numbers and dropped connections.
    """
    if isinstance(exc, CommitOutcomeUnknownError):
        return False
    if error_number(exc) in TRANSIENT_ERRORS:
        return True
    args = getattr(exc, "args", ())
    state = str(args[0]) if args else ""
    return isinstance(exc, pyodbc.Error) and state in {"08S01", "08001", "08003", "08004"}
