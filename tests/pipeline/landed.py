"""What the pipeline tests compare: the sandbox's own counts, and what landed in the warehouse.

The expected counts come from the Intercom sandbox's API with plain HTTP (its list endpoints'
``total_count`` and list lengths), not from the tap's output, so a record the tap never emitted
shows up as a difference.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import pathlib
import subprocess
import sys
import typing as t
import urllib.request

import pyodbc

# Streams whose row count the sandbox states directly: stream -> (path, how to count).
SANDBOX_TOTALS = {
    "contacts": ("/contacts?per_page=1", "total_count"),
    "conversations": ("/conversations?per_page=1", "total_count"),
    "admins": ("/admins", "admins"),
    "teams": ("/teams", "teams"),
    "tags": ("/tags", "data"),
}


def intercom_get(env: dict[str, str], path: str) -> dict[str, t.Any]:
    """GET a sandbox API path with the stack's token."""
    request = urllib.request.Request(
        env["DEVSTACK_INTERCOM_URL"] + path,
        headers={
            "Authorization": f"Bearer {env['TAP_INTERCOM_ACCESS_TOKEN']}",
            "Intercom-Version": "2.16",
            "Accept": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, t.Any] = json.load(response)
    return answer


def sandbox_totals(env: dict[str, str]) -> dict[str, int]:
    """Records the sandbox serves now, for the streams in SANDBOX_TOTALS."""
    totals = {}
    for stream, (path, field) in SANDBOX_TOTALS.items():
        answer = intercom_get(env, path)
        value = answer[field]
        totals[stream] = int(value) if field == "total_count" else len(value)
    return totals


def control(env: dict[str, str], body: dict[str, t.Any]) -> dict[str, t.Any]:
    """POST the sandbox's control endpoint (mutations, knobs); return its answer."""
    request = urllib.request.Request(
        env["DEVSTACK_INTERCOM_URL"] + "/_sandbox/control",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, t.Any] = json.load(response)
    return answer


def row_counts(
    connection: pyodbc.Connection, schema: str, tables: t.Iterable[str]
) -> dict[str, int]:
    """COUNT(*) of each table in ``schema``, without rows marked deleted (``_sdc_deleted_at``)."""
    counts = {}
    for table in tables:
        marked = connection.execute(
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS "
            "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = '_sdc_deleted_at'",
            schema,
            table,
        ).fetchone()
        live = " WHERE _sdc_deleted_at IS NULL" if marked and marked[0] else ""
        row = connection.execute(f"SELECT COUNT(*) FROM [{schema}].[{table}]{live}").fetchone()
        assert row is not None
        counts[table] = int(row[0])
    return counts


def batches(connection: pyodbc.Connection, schema: str, table: str) -> dict[str, t.Any]:
    """Each row's id and the ``_sdc_batched_at`` of the batch that last wrote it."""
    rows = connection.execute(f"SELECT id, _sdc_batched_at FROM [{schema}].[{table}]").fetchall()
    return {str(row[0]): row[1] for row in rows}


def bookmark_moment(bookmark: int | str) -> dt.datetime:
    """A bookmark (ISO 8601 text by default, Unix seconds with ``timestamp_format: unix``)."""
    if isinstance(bookmark, str):
        return dt.datetime.fromisoformat(bookmark.replace("Z", "+00:00")).astimezone(
            dt.timezone.utc
        )
    return dt.datetime.fromtimestamp(bookmark, tz=dt.timezone.utc)


def ids_updated_since(
    connection: pyodbc.Connection, schema: str, table: str, bookmark: int | str
) -> set[str]:
    """Ids whose ``updated_at`` is at or after a bookmark (an inclusive window re-reads them)."""
    # An ISO bookmark meets a datetime2 column (UTC), seconds a bigint one.
    value: t.Any = bookmark
    if isinstance(bookmark, str):
        value = bookmark_moment(bookmark).replace(tzinfo=None)
    rows = connection.execute(
        f"SELECT id FROM [{schema}].[{table}] WHERE updated_at >= ?", value
    ).fetchall()
    return {str(row[0]) for row in rows}


def ids_deleted_since(
    connection: pyodbc.Connection, schema: str, table: str, bookmark: int | str
) -> set[str]:
    """Ids of rows marked deleted at or after a deletions bookmark (the next run re-sends them)."""
    rows = connection.execute(
        f"SELECT id, _sdc_deleted_at FROM [{schema}].[{table}] WHERE _sdc_deleted_at IS NOT NULL"
    ).fetchall()
    since = bookmark_moment(bookmark)
    found = set()
    for key, at in rows:
        moment = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        if moment >= since:
            found.add(str(key))
    return found


def rewritten(before: dict[str, t.Any], after: dict[str, t.Any]) -> set[str]:
    """Ids that are new in ``after`` or were written by a later batch."""
    return {key for key, batched in after.items() if before.get(key) != batched}


def settings_file(
    path: pathlib.Path, env: dict[str, str], prefix: str, schema: dict[str, t.Any]
) -> pathlib.Path:
    """Write a plugin's JSON config from ``PREFIX_*`` variables, typed by its config schema.

    This is the file a user writes by hand from the plugin's README settings table.
    """
    config: dict[str, t.Any] = {}
    for key, value in env.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :].lower()
        kind = schema["properties"].get(name, {}).get("type", "string")
        kinds = kind if isinstance(kind, list) else [kind]
        if "boolean" in kinds:
            config[name] = value.lower() in ("1", "true", "yes")
        elif "integer" in kinds:
            config[name] = int(value)
        elif "number" in kinds:
            config[name] = float(value)
        else:
            config[name] = value
    path.write_text(json.dumps(config))
    return path


INCREMENTAL = ("contacts", "conversations")


@dataclasses.dataclass
class Snapshot:
    """Which batch wrote each row, and which rows the next run re-reads at its bookmark."""

    batches: dict[str, dict[str, t.Any]]
    reread: dict[str, set[str]]


def snapshot(connection: pyodbc.Connection, schema: str, bookmarks: dict[str, t.Any]) -> Snapshot:
    """Take a Snapshot of the INCREMENTAL tables after a run that left ``bookmarks``."""
    return Snapshot(
        batches={table: batches(connection, schema, table) for table in INCREMENTAL},
        # The inclusive window re-reads what sits at the bookmark; all else must stay put.
        reread={
            table: ids_updated_since(
                connection, schema, table, bookmarks[table]["replication_key_value"]
            )
            | reread_deletions(connection, schema, table, bookmarks)
            for table in INCREMENTAL
        },
    )


def reread_deletions(
    connection: pyodbc.Connection, schema: str, table: str, bookmarks: dict[str, t.Any]
) -> set[str]:
    """Conversations whose deletion the next run re-sends (deleted_conversations' window)."""
    deleted = bookmarks.get("deleted_conversations", {}).get("replication_key_value")
    if table != "conversations" or deleted is None:
        return set()
    return ids_deleted_since(connection, schema, table, deleted)


def mutate(env: dict[str, str], contacts: int, conversations: int) -> dict[str, set[str]]:
    """Update ``contacts`` contacts and add ``conversations`` conversations; their ids."""
    changed = control(
        env,
        {
            "mutations": [
                {"op": "update", "kind": "contacts", "n": contacts},
                {"op": "add", "kind": "conversations", "n": conversations},
            ]
        },
    )
    updated, added = (set(map(str, result)) for result in changed["results"])
    assert (len(updated), len(added)) == (contacts, conversations)
    return {"contacts": updated, "conversations": added}


def assert_delta(
    connection: pyodbc.Connection, schema: str, before: Snapshot, changed: dict[str, set[str]]
) -> None:
    """The rows a run rewrote are exactly the changed ids plus those at the old bookmark."""
    for table in INCREMENTAL:
        moved = rewritten(before.batches[table], batches(connection, schema, table))
        assert moved == changed[table] | before.reread[table], table


BIN = pathlib.Path(sys.executable).parent


def pipe_once(
    env: dict[str, str],
    workdir: pathlib.Path,
    name: str,
    state: str | None,
    catalog: pathlib.Path | None,
) -> str:
    """Run the pipe once; return the last STATE the target emitted (as JSON text).

    ``catalog`` (None: every default stream) is the tap's ``--catalog``.
    """
    state_arg = f"--state {state}" if state else ""
    catalog_arg = f"--catalog {catalog}" if catalog else ""
    script = (
        f"set -o pipefail; {BIN}/tap-intercom --config ENV {catalog_arg} {state_arg}"
        f" 2>{workdir}/{name}.tap.log"
        f" | {BIN}/target-azure-sqldw --config ENV >{workdir}/{name}.out"
        f" 2>{workdir}/{name}.target.log"
    )
    done = subprocess.run(
        ["bash", "-c", script], env={**os.environ, **env}, timeout=600, check=False
    )
    assert done.returncode == 0, (workdir / f"{name}.target.log").read_text()[-2000:]
    states = (workdir / f"{name}.out").read_text().splitlines()
    assert states, "the target emitted no STATE"
    return states[-1]
