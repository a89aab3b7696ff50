"""The engine's settings (``EngineConfig``) and the values they default to.

A leaf: imports only the fault settings, so any engine module may name the settings' type.
"""

from __future__ import annotations

import dataclasses
import pathlib

from devstack.sqldw_emulator.engine.faults import FaultSettings

# Azurite's documented development account and key: public values, not secrets.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
#: The warehouse flavors the engine plays.
FLAVORS = ("synapse", "fabric")


@dataclasses.dataclass
class EngineConfig:
    """Settings of the SQL engine.

    Attributes:
        login: The SQL login name.
        password: Its password.
        database: The one database the emulator serves (``master`` is accepted as an alias).
        azurite_blob_endpoint: Azurite's blob URL, e.g. ``http://127.0.0.1:10000/devstoreaccount1``;
            None disables PolyBase and COPY INTO.
        azurite_account: The Azurite account every Azure storage account name maps to.
        azurite_key: That account's key (Azurite's well-known key by default).
        storage_accounts: Azure account names accepted in SQL (``name.blob.core.windows.net``)
            and their keys; an empty mapping accepts any name with ``azurite_key``.
        sas_tokens: SAS tokens accepted as credentials (an empty list accepts any SAS that
            Azurite itself accepts).
        data_file: A DuckDB file to keep the warehouse in (None: in memory).
        faults: Fault-injection settings applied from start-up.
        memory_limit: DuckDB's memory limit, e.g. ``1GB`` (None: DuckDB's default, 80 % of
            RAM). Past it, DuckDB writes data to a spill folder, so loads bigger than the limit
            still run, with less memory.
        flavor: ``synapse`` (a dedicated SQL pool) or ``fabric`` (a Fabric Warehouse: its type
            and DDL rules, its UTF-8 collation, Entra ID logins only; ``fabric_rules``).
        token_key: The key Entra ID access tokens are signed with (``entra``); None refuses
            token logins.
    """

    login: str = "sqladmin"
    password: str = ""
    database: str = "sqldw"
    azurite_blob_endpoint: str | None = None
    azurite_account: str = AZURITE_ACCOUNT
    azurite_key: str | None = None
    storage_accounts: dict[str, str] = dataclasses.field(default_factory=dict)
    sas_tokens: list[str] = dataclasses.field(default_factory=list)
    data_file: pathlib.Path | str | None = None
    faults: FaultSettings = dataclasses.field(default_factory=FaultSettings)
    memory_limit: str | None = None
    flavor: str = "synapse"
    token_key: str | None = dataclasses.field(default=None, repr=False)

    def account_key(self) -> str:
        """The Azurite account key in use."""
        return self.azurite_key or AZURITE_KEY
