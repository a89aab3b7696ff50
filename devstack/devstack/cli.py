"""The `devstack` command: start, stop and inspect the local stand-ins (DESIGN.md §4)."""

from __future__ import annotations

import pathlib
import sys
import typing as t

import click

from devstack.intercom_sandbox.cli import intercom_sandbox_command
from devstack.services import SQLDW_APP_ID
from devstack.sqldw_emulator.cli import sqldw_emulator_command
from devstack.sqldw_emulator.entra import issue_token
from devstack.stack import ALL_SERVICES, DEFAULT_DIR, Stack, StackError, StackOptions

_DIR_OPTION = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=pathlib.Path),
    default=DEFAULT_DIR,
    show_default=True,
    help="Where the stack keeps its env file, pids, logs and (with --persist) data.",
)


@click.group()
def main() -> None:
    """Local stand-ins for Intercom, Azure Blob Storage and Azure SQL Data Warehouse."""


@main.command()
@_DIR_OPTION
@click.option(
    "--service",
    "services",
    type=click.Choice(ALL_SERVICES),
    multiple=True,
    help="Start only this service (repeatable). Default: all three.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Workspace seed.")
@click.option(
    "--size",
    type=click.Choice(["tiny", "small", "medium", "large"]),
    default="small",
    show_default=True,
    help="Intercom workspace size.",
)
@click.option(
    "--timezone",
    default="America/Los_Angeles",
    show_default=True,
    help="The Intercom workspace's time zone.",
)
@click.option("--rate-limit", type=int, default=None, help="Intercom requests per 10 s window.")
@click.option("--latency-ms", type=float, default=0.0, help="Added Intercom response latency.")
@click.option("--persist", is_flag=True, help="Keep blob and warehouse data under --dir.")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Start-up wait.")
@click.option(
    "--sqldw-memory-limit",
    envvar="DEVSTACK_SQLDW_MEMORY_LIMIT",
    default=None,
    help="The SQL DW emulator's DuckDB memory limit, e.g. 1GB (or env "
    "DEVSTACK_SQLDW_MEMORY_LIMIT). Default: DuckDB's own (80 % of RAM).",
)
@click.option(
    "--flavor",
    type=click.Choice(["synapse", "fabric"]),
    default="synapse",
    show_default=True,
    help="What the SQL DW emulator plays: a Synapse dedicated SQL pool, or a Fabric "
    "Warehouse (Fabric's type and DDL rules, UTF-8 collation, Entra ID access tokens only).",
)
def up(
    directory: pathlib.Path,
    services: tuple[str, ...],
    seed: int,
    size: str,
    timezone: str,
    rate_limit: int | None,
    latency_ms: float,
    persist: bool,
    timeout: float,
    sqldw_memory_limit: str | None,
    flavor: str,
) -> None:
    """Start the stack in the background and write DIR/env."""
    stack = Stack(directory)
    options = StackOptions(
        services=services or ALL_SERVICES,
        seed=seed,
        size=size,
        timezone=timezone,
        rate_limit_per_10s=rate_limit,
        latency_ms=latency_ms,
        persist=persist,
        timeout=timeout,
        sqldw_memory_limit=sqldw_memory_limit,
        flavor=flavor,
    )
    try:
        stack.up(options)
    except StackError as exc:
        _fail(str(exc))
    for record in stack.records():
        click.echo(f"{record.name:<9} pid {record.pid:<7} {record.url}")
    click.echo(f"env file: {stack.env_path}  (set -a; . {stack.env_path}; set +a)")


@main.command()
@_DIR_OPTION
def down(directory: pathlib.Path) -> None:
    """Stop exactly the processes `up` started from DIR."""
    stack = Stack(directory)
    try:
        stopped = stack.down()
    except StackError as exc:
        _fail(str(exc))
    if not stopped:
        click.echo("nothing was running")
    for record in stopped:
        click.echo(f"stopped {record.name} (pid {record.pid})")


@main.command()
@_DIR_OPTION
def status(directory: pathlib.Path) -> None:
    """Report each service of the stack in DIR; exit 1 unless all run."""
    stack = Stack(directory)
    rows = stack.status()
    if not rows:
        click.echo(f"no devstack recorded in {stack.directory}")
        sys.exit(1)
    for record, alive in rows:
        state = "running" if alive else "stopped"
        click.echo(f"{record.name:<9} {state:<8} pid {record.pid:<7} {record.url}")
    if not all(alive for _, alive in rows):
        sys.exit(1)


@main.command()
@_DIR_OPTION
@click.option(
    "--lifetime",
    type=float,
    default=3600.0,
    show_default=True,
    help="Seconds the token stays valid (negative: an expired one, for tests).",
)
def token(directory: pathlib.Path, lifetime: float) -> None:
    """Print a new Entra ID access token the stack's SQL DW emulator accepts.

    As `az account get-access-token --resource https://database.windows.net/` does for a
    real warehouse: pass it as the target's `access_token`.
    """
    stack = Stack(directory)
    try:
        key = stack.env().get("DEVSTACK_SQLDW_TOKEN_KEY")
    except StackError as exc:
        _fail(str(exc))
    if not key:
        _fail(f"the devstack in {stack.directory} runs no SQL DW emulator")
    click.echo(issue_token(key, app_id=SQLDW_APP_ID, lifetime=lifetime))


# Each service can also run on its own in the foreground.
main.add_command(intercom_sandbox_command, "intercom-sandbox")
main.add_command(sqldw_emulator_command, "sqldw-emulator")


def _fail(message: str) -> t.NoReturn:
    click.echo(f"devstack: {message}", err=True)
    sys.exit(1)
