"""How each flavor names itself: ``SERVERPROPERTY(...)`` and ``@@VERSION``.

Tools tell a Fabric Warehouse from a dedicated pool by these answers. Microsoft's own
management objects (microsoft/sqlmanagementobjects, ``ServerInformation``) decide
``IsFabricServer`` as ``SERVERPROPERTY('EngineEdition') = 11 AND @@VERSION LIKE 'Microsoft
Azure SQL Data Warehouse%'`` (12 is SQL database in Fabric); a dedicated pool answers
EngineEdition 6 (sql-docs ``serverproperty-transact-sql.md``). Both report Edition
``SQL Azure``.
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
    "fabric": "Microsoft Azure SQL Data Warehouse 12.0.2000.8 (devstack emulator on DuckDB, "
    "Fabric Warehouse)",
}


def server_property(flavor: str, name: str) -> str | int | None:
    """``SERVERPROPERTY(name)`` of ``flavor`` (None: NULL, as for an unknown property)."""
    table = _FABRIC if flavor == "fabric" else _SYNAPSE
    return table.get(name.lower())


def version(flavor: str) -> str:
    """``@@VERSION`` of ``flavor``."""
    return _VERSIONS.get(flavor, _VERSIONS["synapse"])
