"""ODBC driver discovery and registration, and connection strings for the SQL DW emulator.

The Microsoft ODBC Driver 18 ships inside the ``mssql-python-odbc`` wheel; FreeTDS comes from
the system (Debian's ``tdsodbc``). Both are registered in a private ``odbcinst.ini`` that
unixODBC finds through ``ODBCSYSINI``, so nothing under /etc is touched.
"""

from __future__ import annotations

import importlib.util
import pathlib
import platform

MS_DRIVER = "ODBC Driver 18 for SQL Server"
FREETDS_DRIVER = "FreeTDS"
_FREETDS_DIRS = (
    "/usr/lib/x86_64-linux-gnu/odbc",
    "/usr/lib/aarch64-linux-gnu/odbc",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
)


class DriverNotFoundError(RuntimeError):
    """No usable ODBC driver for SQL Server is installed."""


def ms_driver_path() -> pathlib.Path | None:
    """The Microsoft ODBC Driver 18 library inside the installed mssql-python-odbc wheel."""
    spec = importlib.util.find_spec("mssql_python_odbc")
    if spec is None or not spec.submodule_search_locations:
        return None
    machine = platform.machine().lower()
    arch = "aarch64" if machine in ("aarch64", "arm64") else "x86_64"
    for location in spec.submodule_search_locations:
        lib_dir = pathlib.Path(location) / "libs" / "linux" / "debian_ubuntu" / arch / "lib"
        candidates = sorted(lib_dir.glob("libmsodbcsql-18*.so*"))
        if candidates:
            return candidates[-1]
    return None


def freetds_driver_path() -> pathlib.Path | None:
    """FreeTDS's ODBC driver (libtdsodbc.so), if installed."""
    for directory in _FREETDS_DIRS:
        candidate = pathlib.Path(directory) / "libtdsodbc.so"
        if candidate.exists():
            return candidate
    return None


def available_drivers() -> dict[str, pathlib.Path]:
    """Driver name → library path for every driver found."""
    found: dict[str, pathlib.Path] = {}
    ms = ms_driver_path()
    if ms is not None:
        found[MS_DRIVER] = ms
    freetds = freetds_driver_path()
    if freetds is not None:
        found[FREETDS_DRIVER] = freetds
    return found


def odbcinst_text(drivers: dict[str, pathlib.Path]) -> str:
    """The contents of an odbcinst.ini registering ``drivers`` (pure)."""
    sections = [f"[{name}]\nDescription={name}\nDriver={path}\n" for name, path in drivers.items()]
    return "\n".join(sections)


def register_drivers(directory: pathlib.Path | str) -> str:
    """Write ``directory/odbcinst.ini`` with every driver found; return the preferred one.

    Point ``ODBCSYSINI`` at ``directory`` before pyodbc loads a driver.

    Returns:
        The Microsoft driver's name when present (production uses it), else FreeTDS.

    Raises:
        DriverNotFoundError: when neither driver is installed.
    """
    drivers = available_drivers()
    if not drivers:
        msg = (
            "no ODBC driver for SQL Server found: install the mssql-python-odbc wheel "
            "(`make bootstrap`) or FreeTDS (`apt-get install tdsodbc`)"
        )
        raise DriverNotFoundError(msg)
    path = pathlib.Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    (path / "odbcinst.ini").write_text(odbcinst_text(drivers), encoding="utf-8")
    (path / "odbc.ini").touch()
    return MS_DRIVER if MS_DRIVER in drivers else FREETDS_DRIVER


def _quote(value: str, *, driver: str = MS_DRIVER) -> str:
    # ODBC connection-string values with separators or braces must be braced, } doubled.
    if not any(char in value for char in ";{}=") and value == value.strip():
        return value
    if driver == FREETDS_DRIVER and "}" in value:
        # FreeTDS 1.3 does not undo the doubling, so such a value cannot reach the server.
        msg = "FreeTDS cannot take a connection-string value containing '}'"
        raise ValueError(msg)
    return "{" + value.replace("}", "}}") + "}"


def connection_string(
    *,
    driver: str,
    host: str,
    port: int,
    database: str,
    user: str | None,
    password: str | None,
    encrypt: bool = True,
    trust_server_certificate: bool = True,
    extra: dict[str, str] | None = None,
) -> str:
    """A complete ODBC connection string for the emulator (or a real server).

    Args:
        driver: ``ODBC Driver 18 for SQL Server`` or ``FreeTDS`` (as registered).
        host: Server address.
        port: TCP port.
        database: Database name.
        user: SQL login (None: none, for an access token passed in ``attrs_before``).
        password: Its password (None with ``user``).
        encrypt: Use TLS (the production default).
        trust_server_certificate: Accept a self-signed certificate (the emulator's).
        extra: More ``KEY=value`` pairs.

    Returns:
        The connection string.

    Raises:
        ValueError: for a value FreeTDS cannot be given (one containing ``}``).
    """
    pairs: list[tuple[str, str]] = [("DRIVER", "{" + driver + "}")]
    # A token login must not name a user or password (the driver refuses the mix).
    login = [] if user is None else [("UID", user), ("PWD", password or "")]
    if driver == FREETDS_DRIVER:
        pairs += [
            ("SERVER", host),
            ("PORT", str(port)),
            ("DATABASE", _quote(database, driver=driver)),
            *[(key, _quote(value, driver=driver)) for key, value in login],
            ("TDS_Version", "7.4"),
            ("ClientCharset", "UTF-8"),
            ("Encryption", "require" if encrypt else "off"),
        ]
    else:
        pairs += [
            ("SERVER", f"{host},{port}"),
            ("DATABASE", _quote(database)),
            *[(key, _quote(value)) for key, value in login],
            ("Encrypt", "yes" if encrypt else "no"),
            ("TrustServerCertificate", "yes" if trust_server_certificate else "no"),
        ]
    pairs += [(key, _quote(value, driver=driver)) for key, value in (extra or {}).items()]
    return ";".join(f"{key}={value}" for key, value in pairs) + ";"
