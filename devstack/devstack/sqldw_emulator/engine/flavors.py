"""What differs between the flavors in pure terms: names, versions, collation, text limits.

A leaf: imports nothing of the engine.
"""

from __future__ import annotations

# SERVERPROPERTY answers of a dedicated SQL pool (EngineEdition 6 = Azure Synapse).
_SYNAPSE: dict[str, str | int] = {
    "engineedition": 6,
    "edition": "SQL Azure",
    "productversion": "10.0.15665.0",
    "productlevel": "RTM",
    "servername": "devstack",
    "collation": "SQL_Latin1_General_CP1_CI_AS",
    "isintegratedsecurityonly": 0,
}
# A Fabric Warehouse: EngineEdition 11, its default UTF-8 collation, Entra ID only.
_FABRIC: dict[str, str | int] = {
    **_SYNAPSE,
    "engineedition": 11,
    "productversion": "12.0.2000.8",
    "collation": "Latin1_General_100_BIN2_UTF8",
    "isexternalauthenticationonly": 1,
}
_VERSIONS = {
    "synapse": "Microsoft Azure SQL Data Warehouse - 10.0.15665.0 (devstack emulator on DuckDB)",
    "fabric": "Microsoft Azure SQL Data Warehouse (RTM) - 12.0.2000.8 (devstack emulator on "
    "DuckDB, Fabric Warehouse)",
}
#: The collation of a Fabric Warehouse's character columns unless they name another.
FABRIC_COLLATION = "Latin1_General_100_BIN2_UTF8"
#: Bytes a Fabric varchar(max) / varbinary(max) value holds: "16 MB" (data-types.md).
FABRIC_MAX_LOB_BYTES = 16 * 1024 * 1024


def server_property(flavor: str, name: str) -> str | int | None:
    """``SERVERPROPERTY(name)`` of ``flavor`` (None: NULL, as for an unknown property)."""
    table = _FABRIC if flavor == "fabric" else _SYNAPSE
    return table.get(name.lower())


def database_property(flavor: str, name: str) -> str | None:
    """``DATABASEPROPERTYEX(DB_NAME(), name)`` of ``flavor``: ``Edition`` and ``Collation``.

    Both a dedicated pool and a Fabric Warehouse answer Edition ``DataWarehouse`` (what
    Microsoft's management objects test together with EngineEdition 11 to tell a Fabric
    warehouse from a serverless pool); other properties are NULL here.
    """
    key = name.lower()
    if key == "edition":
        return "DataWarehouse"
    if key == "collation":
        return str(server_property(flavor, "collation"))
    return None


def version(flavor: str) -> str:
    """``@@VERSION`` of ``flavor``."""
    return _VERSIONS.get(flavor, _VERSIONS["synapse"])


def utf8_length_check(column_sql: str, name: str, length: int | None) -> str | None:
    """A DuckDB CHECK for a Fabric character or binary column: its limit counts bytes.

    Args:
        column_sql: The column (or value) expression.
        name: The T-SQL base type (``char``, ``varchar``, ``binary``, ``varbinary``).
        length: The declared length; -1 for ``(max)``.

    Returns:
        ``strlen``/``octet_length`` (UTF-8 bytes) against n, or against 16 MB for ``(max)``;
        None for other types.
    """
    if length is None:
        return None
    limit = FABRIC_MAX_LOB_BYTES if length == -1 else length
    if name in ("binary", "varbinary"):
        return f"octet_length({column_sql}) <= {limit}"
    if name in ("char", "varchar"):
        return f"strlen({column_sql}) <= {limit}"
    return None
