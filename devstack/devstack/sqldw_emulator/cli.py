"""``python -m devstack.sqldw_emulator``: run the SQL DW emulator in the foreground."""

from __future__ import annotations

import importlib
import logging
import pathlib
import signal
import sys
import typing as t

import click

from devstack.sqldw_emulator.server import SQLDWEmulatorServer

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import Engine

# The engine's fault kinds (engine/faults.py KINDS), listed here so --help works without it.
FAULT_KINDS = ("off", "transient", "deadlock", "drop", "40613", "40501", "42109")

# The warehouse flavors (engine.engine.FLAVORS), listed here so --help works without it.
FLAVORS = ("synapse", "fabric")

# Azurite's documented development account; public, not a secret.
AZURITE_ACCOUNT = "devstoreaccount1"


def build_engine(
    *,
    user: str,
    password: str,
    database: str,
    azurite_blob_endpoint: str | None,
    azurite_account: str,
    azurite_key: str | None,
    data_file: pathlib.Path | None,
    faults: dict[str, t.Any] | None = None,
    memory_limit: str | None = None,
    flavor: str = "synapse",
    token_key: str | None = None,
) -> Engine:
    """Construct the DuckDB engine from ``devstack.sqldw_emulator.engine``.

    Args:
        user: The SQL login.
        password: Its password.
        database: The database name.
        azurite_blob_endpoint: Azurite's blob URL (None: no PolyBase / COPY INTO).
        azurite_account: Azurite's account name.
        azurite_key: Azurite's account key (None: the well-known development key).
        data_file: A DuckDB file for the warehouse (None: in memory).
        faults: Fault injection from start-up: ``kind``, ``count``, ``rate``, ``seed``
            (``FaultSettings``' fields; None: off).
        memory_limit: DuckDB's memory limit, e.g. ``1GB`` (None: DuckDB's default).
        flavor: ``synapse`` (dedicated SQL pool) or ``fabric`` (Fabric Warehouse).
        token_key: The key Entra ID access tokens are signed with (None: no token logins).

    Raises:
        click.ClickException: when the engine package is missing or rejects the settings.
    """
    try:
        module = importlib.import_module("devstack.sqldw_emulator.engine")
    except ImportError as exc:
        msg = f"the SQL engine (devstack.sqldw_emulator.engine) cannot be imported: {exc}"
        raise click.ClickException(msg) from exc
    try:
        config = module.EngineConfig(
            login=user,
            password=password,
            database=database,
            azurite_blob_endpoint=azurite_blob_endpoint,
            azurite_account=azurite_account,
            azurite_key=azurite_key,
            data_file=data_file,
            faults=module.FaultSettings(**(faults or {})),
            memory_limit=memory_limit,
            flavor=flavor,
            token_key=token_key,
        )
        engine: Engine = module.DuckDBEngine(config)
    except (TypeError, ValueError, OSError) as exc:
        msg = f"the SQL engine rejected its settings: {exc}"
        raise click.ClickException(msg) from exc
    return engine


@click.command(name="sqldw-emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=1433, show_default=True, help="TCP port (0: free).")
@click.option("--user", default="sqladmin", show_default=True, help="The SQL login.")
@click.option(
    "--password",
    envvar="DEVSTACK_SQLDW_PASSWORD",
    default=None,
    help="The login's password (or env DEVSTACK_SQLDW_PASSWORD, which keeps it out of ps); "
    "required for --flavor synapse.",
)
@click.option(
    "--flavor",
    type=click.Choice(FLAVORS),
    default="synapse",
    show_default=True,
    help="Play a Synapse dedicated SQL pool or a Fabric Warehouse (its types, DDL, UTF-8 "
    "collation, Entra ID logins only).",
)
@click.option(
    "--token-key",
    envvar="DEVSTACK_SQLDW_TOKEN_KEY",
    default=None,
    help="Accept Entra ID access tokens signed with this key (env DEVSTACK_SQLDW_TOKEN_KEY, "
    "which keeps it out of ps); required for --flavor fabric.",
)
@click.option("--database", default="sqldw", show_default=True, help="The database name.")
@click.option("--azurite-blob-endpoint", default=None, help="Azurite blob URL for PolyBase/COPY.")
@click.option(
    "--azurite-account", default=AZURITE_ACCOUNT, show_default=True, help="Azurite account."
)
@click.option(
    "--azurite-key",
    envvar="DEVSTACK_AZURITE_KEY",
    default=None,
    help="Azurite account key (default: Azurite's well-known development key).",
)
@click.option(
    "--data-file",
    type=click.Path(dir_okay=False, path_type=pathlib.Path),
    default=None,
    help="Keep the warehouse in this DuckDB file (default: in memory).",
)
@click.option(
    "--fault-kind",
    type=click.Choice(FAULT_KINDS),
    default="off",
    show_default=True,
    help="Fault injection: transient (40613/40501/42109 in turn), one of those numbers, "
    "deadlock (1205) or drop (the connection is closed).",
)
@click.option(
    "--fault-count",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Fail the first N statements (of any session) with --fault-kind.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Also fail this fraction of statements at random with --fault-kind.",
)
@click.option("--fault-seed", type=int, default=None, help="Seed of --fault-rate's choice.")
@click.option(
    "--memory-limit",
    envvar="DEVSTACK_SQLDW_MEMORY_LIMIT",
    default=None,
    help="DuckDB's memory limit, e.g. 1GB (or env DEVSTACK_SQLDW_MEMORY_LIMIT); past it, "
    "data spills to a temporary folder. Default: DuckDB's own (80 % of RAM).",
)
@click.option("--no-tls", is_flag=True, help="Refuse encryption (only Encrypt=no clients).")
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    default="WARNING",
    show_default=True,
)
def sqldw_emulator_command(
    host: str,
    port: int,
    user: str,
    password: str | None,
    flavor: str,
    token_key: str | None,
    database: str,
    azurite_blob_endpoint: str | None,
    azurite_account: str,
    azurite_key: str | None,
    data_file: pathlib.Path | None,
    fault_kind: str,
    fault_count: int,
    fault_rate: float,
    fault_seed: int | None,
    memory_limit: str | None,
    no_tls: bool,
    log_level: str,
) -> None:
    """Run the SQL DW emulator (TDS 7.4, dedicated-SQL-pool dialect on DuckDB)."""
    if fault_kind == "off" and (fault_count or fault_rate):
        msg = "--fault-count / --fault-rate need --fault-kind"
        raise click.UsageError(msg)
    if flavor == "synapse" and not password:
        msg = "--flavor synapse needs --password (or env DEVSTACK_SQLDW_PASSWORD)"
        raise click.UsageError(msg)
    if flavor == "fabric" and not token_key:
        # Fabric has no SQL logins: without a token key nobody could sign in.
        msg = "--flavor fabric needs --token-key (or env DEVSTACK_SQLDW_TOKEN_KEY)"
        raise click.UsageError(msg)
    logging.basicConfig(level=log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    engine = build_engine(
        user=user,
        password=password or "",
        database=database,
        azurite_blob_endpoint=azurite_blob_endpoint,
        azurite_account=azurite_account,
        azurite_key=azurite_key,
        data_file=data_file,
        faults={"kind": fault_kind, "count": fault_count, "rate": fault_rate, "seed": fault_seed},
        memory_limit=memory_limit,
        flavor=flavor,
        token_key=token_key,
    )
    server = SQLDWEmulatorServer(engine, host, port, tls=not no_tls, default_database=database)
    try:
        server.start()
    except OSError as exc:
        msg = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        raise click.ClickException(msg) from exc

    def _stop(signum: int, _frame: object) -> None:
        server.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(
        f"sqldw-emulator ready on {host},{server.port} database={database} user={user} "
        f"tls={'off' if no_tls else 'on'} flavor={flavor}"
    )
    sys.stdout.flush()
    server.serve_forever()


def main() -> None:
    """Entry point of ``python -m devstack.sqldw_emulator``."""
    sqldw_emulator_command()
