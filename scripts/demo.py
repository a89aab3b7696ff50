"""`make demo`: the whole pipeline against the devstack, as a user runs it.

Starts the devstack, runs `meltano run tap-intercom target-azure-sqldw`, prints what landed
(tables, row counts, a query), mutates the Intercom sandbox, runs again from Meltano's stored
state to show the incremental delta, and stops the devstack (``KEEP=1`` keeps it up).
``FLAVOR=fabric`` starts the SQL DW emulator as a Fabric Warehouse: the stack's env file then
sets the target's ``flavor: fabric`` and an Entra ID access token instead of a SQL login.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import subprocess
import sys
import time
import typing as t
import urllib.request

import pyodbc

from devstack.stack import Stack, StackError, StackOptions
from target_azure_sqldw.load.odbc import access_token_attrs

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "output" / "demo"
BIN = pathlib.Path(sys.executable).parent
FLAVORS = {"synapse": "a Synapse dedicated SQL pool", "fabric": "a Fabric Warehouse"}

# created_at lands as a timestamp column (the tap's timestamp_format: iso).
TEAM_WEEKS = """
SELECT TOP 8 t.name AS team,
       DATEPART(year, c.created_at) AS year,
       DATEPART(week, c.created_at) AS week,
       COUNT(*) AS conversations
FROM dbo.conversations AS c
JOIN dbo.teams AS t ON t.id = c.team_assignee_id
GROUP BY t.name, DATEPART(year, c.created_at), DATEPART(week, c.created_at)
ORDER BY year DESC, week DESC, team
"""


# README.md's block for exploring a kept stack (tests/pipeline runs that block as written and
# checks that these lines are in it).
EXPLORE = (
    "set -a; . .devstack/env; set +a",
    ".venv/bin/devstack status",
    ".venv/bin/python -c 'import os, pyodbc; "
    'c = pyodbc.connect(os.environ["DEVSTACK_SQLDW_ODBC"]); '
    'print(c.execute("SELECT COUNT(*) FROM dbo.contacts").fetchone())\'',
    ".venv/bin/meltano run tap-intercom target-azure-sqldw",
    ".venv/bin/devstack down",
)
# The same for FLAVOR=fabric (target-azure-sqldw/README.md, "Fabric Warehouse"): Fabric has no
# SQL logins, so the client signs in with the stack's access token.
EXPLORE_FABRIC = (
    EXPLORE[0],
    EXPLORE[1],
    ".venv/bin/python -c 'import os, pyodbc; from target_azure_sqldw.load.odbc import "
    'access_token_attrs; token = access_token_attrs(os.environ["DEVSTACK_SQLDW_ACCESS_TOKEN"]); '
    'c = pyodbc.connect(os.environ["DEVSTACK_SQLDW_ODBC"], attrs_before=token); '
    'print(c.execute("SELECT COUNT(*) FROM dbo.contacts").fetchone())\'',
    *EXPLORE[3:],
)


def say(message: str) -> None:
    """Print a progress line a person can follow."""
    print(f"demo: {message}", flush=True)


def meltano(env: dict[str, str], *args: str, log: str) -> float:
    """Run a meltano command with its output in output/demo/LOG; return seconds taken."""
    started = time.monotonic()
    with (OUTPUT / log).open("w") as handle:
        done = subprocess.run(
            [str(BIN / "meltano"), *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        say(f"`meltano {' '.join(args)}` failed; see output/demo/{log}")
        sys.exit(done.returncode)
    return time.monotonic() - started


def connect(env: dict[str, str]) -> pyodbc.Connection:
    """The stack's warehouse; a Fabric one takes the stack's access token (no SQL logins)."""
    token = env.get("DEVSTACK_SQLDW_ACCESS_TOKEN")
    attrs = (
        access_token_attrs(token)
        if token and env.get("DEVSTACK_SQLDW_FLAVOR") == "fabric"
        else None
    )
    return pyodbc.connect(env["DEVSTACK_SQLDW_ODBC"], autocommit=True, attrs_before=attrs)


def table_counts(connection: pyodbc.Connection) -> dict[str, int]:
    """Row count of every table in dbo."""
    # Catalog names as spelled in the catalog: Fabric's default collation is case-sensitive.
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'dbo' "
            "ORDER BY TABLE_NAME"
        ).fetchall()
    ]
    counts = {}
    for table in tables:
        row = connection.execute(f"SELECT COUNT(*) FROM [dbo].[{table}]").fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def loaded_since(
    connection: pyodbc.Connection, tables: t.Iterable[str], since: dt.datetime
) -> dict[str, int]:
    """Rows each table received in batches after ``since`` (by ``_sdc_batched_at``)."""
    moved = {}
    for table in tables:
        row = connection.execute(
            f"SELECT COUNT(*) FROM [dbo].[{table}] WHERE _sdc_batched_at >= ?", since
        ).fetchone()
        if row and row[0]:
            moved[table] = int(row[0])
    return moved


def mutate(env: dict[str, str]) -> dict[str, t.Any]:
    """Change the sandbox between the runs: updated contacts, new and deleted conversations."""
    body = {
        "mutations": [
            {"op": "update", "kind": "contacts", "n": 25},
            {"op": "add", "kind": "conversations", "n": 5},
            {"op": "add_parts", "kind": "conversations", "n": 3, "parts": 2},
            {"op": "delete", "kind": "conversations", "n": 2},
        ]
    }
    request = urllib.request.Request(  # noqa: S310 - the sandbox on loopback
        env["DEVSTACK_INTERCOM_URL"] + "/_sandbox/control",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        answer: dict[str, t.Any] = json.load(response)
    return answer


def print_table(rows: dict[str, int], header: str) -> None:
    """Print name/number pairs as an aligned table."""
    width = max((len(name) for name in rows), default=10)
    print(f"  {'table':<{width}}  {header:>8}")
    for name, value in rows.items():
        print(f"  {name:<{width}}  {value:>8}")


def main() -> None:
    """Run the demo."""
    keep = os.environ.get("KEEP", "") not in ("", "0")
    flavor = os.environ.get("FLAVOR") or "synapse"
    if flavor not in FLAVORS:
        say(f"FLAVOR must be one of {', '.join(FLAVORS)}, not {flavor!r}")
        sys.exit(2)
    stack = Stack(ROOT / ".devstack")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    say(
        "starting the devstack: Azurite, the Intercom sandbox, the SQL DW emulator as "
        f"{FLAVORS[flavor]}"
    )
    try:
        stack.up(StackOptions(flavor=flavor))
    except StackError as exc:
        say(f"{exc}; stop it with `.venv/bin/devstack down` first")
        sys.exit(1)
    try:
        env = stack.env()
        say("installing the Meltano plugins from this repository (meltano install)")
        meltano(env, "install", log="meltano-install.log")
        say("first run: meltano run tap-intercom target-azure-sqldw (full refresh)")
        seconds = meltano(
            env, "run", "--full-refresh", "tap-intercom", "target-azure-sqldw", log="run-1.log"
        )
        # unixODBC finds the driver through ODBCSYSINI when pyodbc first loads it.
        os.environ["ODBCSYSINI"] = env["ODBCSYSINI"]
        connection = connect(env)
        counts = table_counts(connection)
        say(f"loaded {sum(counts.values())} rows into {len(counts)} tables in {seconds:.0f} s:")
        print_table(counts, "rows")
        say("conversations per team per week (latest weeks):")
        for team, year, week, conversations in connection.execute(TEAM_WEEKS).fetchall():
            print(f"  {team:<12} {year}-W{week:02d}  {conversations}")

        changed = mutate(env)
        say(
            f"changed the sandbox with {len(changed['results'])} mutations: 25 contacts "
            "updated, 5 conversations added, 3 given new parts, 2 deleted"
        )
        second_start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        say("second run: meltano run tap-intercom target-azure-sqldw (incremental, from state)")
        seconds = meltano(env, "run", "tap-intercom", "target-azure-sqldw", log="run-2.log")
        connection.close()
        connection = connect(env)
        moved = loaded_since(connection, counts, second_start)
        say(
            f"the incremental run took {seconds:.0f} s; rows it wrote (streams with a bookmark: "
            "only what changed; small lists without one, such as admins and tags, in full):"
        )
        print_table(moved, "rows")
        say("logs and Meltano output are in output/demo/")
    finally:
        if keep:
            readme = "target-azure-sqldw/README.md" if flavor == "fabric" else "README.md"
            say(f"KEEP=1: the devstack stays up. To explore it, from this folder (as in {readme}):")
            for command in EXPLORE_FABRIC if flavor == "fabric" else EXPLORE:
                print(f"  {command}")
        else:
            stack.down()
            say("devstack stopped")


if __name__ == "__main__":
    main()
