"""Webhooks into the warehouse, end to end, through faults on both ends.

The sandbox sends a signed notification for every mutation, with duplicates, late (reordered)
deliveries, forged signatures and dropped connections; the tap and the target are each
killed with SIGKILL once in the middle and restarted from the last STATE the target
committed. At the end every entity the mutations touched is compared, column by column,
with what the sandbox's API serves now.
"""

from __future__ import annotations

import itertools
import json
import random
import typing as t

import pyodbc
import pytest
import requests

from devstack.intercom_sandbox import Sandbox, SandboxConfig
from devstack.intercom_sandbox.config import DEFAULT_ANCHOR
from tests.pipeline.selection import selected_catalog
from tests.pipeline.webhook_pipeline import Pipeline, epoch, last_committed_state, wait_for
from tests.tap.webhook_helpers import SECRET, free_port, webhook_config

if t.TYPE_CHECKING:
    import pathlib

TOKEN = "webhook-pipeline-token"
#: The mutations start a day after the generated history ends.
CLOCK = DEFAULT_ANCHOR + 86_400
MUTATIONS = 1_000
SCHEMA = "webhooks_e2e"


def mutation_plan(sandbox: Sandbox, count: int, seed: int = 5) -> list[dict[str, t.Any]]:
    """Mixed mutations over small pools, so each entity gets many versions."""
    ws = sandbox.workspace
    contacts = [ws.contact_id(i) for i in range(25)]
    companies = [ws.company_id(i) for i in range(12)]
    conversations = [ws.conversation_id(i) for i in range(2, 22)]
    tickets = [ws.ticket_id(i) for i in range(10)]
    rng = random.Random(seed)
    plan: list[dict[str, t.Any]] = []
    deleted: list[str] = []
    for k in range(count):
        roll = rng.random()
        if roll < 0.3:
            plan.append(
                {
                    "op": "update",
                    "kind": "contacts",
                    "ids": [rng.choice(contacts)],
                    "fields": {"name": f"Contact v{k}"},
                }
            )
        elif roll < 0.5:
            plan.append(
                {
                    "op": "update",
                    "kind": "companies",
                    "ids": [rng.choice(companies)],
                    "fields": {"name": f"Company v{k}"},
                }
            )
        elif roll < 0.75:
            live = [c for c in conversations if c not in deleted]
            plan.append(
                {
                    "op": "add_parts",
                    "kind": "conversations",
                    "ids": [rng.choice(live)],
                    "parts": rng.choice((1, 2)),
                }
            )
        elif roll < 0.83:
            live = [c for c in conversations if c not in deleted]
            state = rng.choice(("open", "closed", "snoozed"))
            plan.append(
                {
                    "op": "update",
                    "kind": "conversations",
                    "ids": [rng.choice(live)],
                    "fields": {"state": state},
                }
            )
        elif roll < 0.97:
            plan.append(
                {
                    "op": "update",
                    "kind": "tickets",
                    "ids": [rng.choice(tickets)],
                    "fields": {"open": rng.random() < 0.5},
                }
            )
        elif len(deleted) < 4:
            victim = rng.choice([c for c in conversations if c not in deleted])
            deleted.append(victim)
            plan.append({"op": "delete", "kind": "conversations", "ids": [victim]})
    return plan


def run_mutations(sandbox: Sandbox, plan: list[dict[str, t.Any]]) -> None:
    for mutation in plan:
        # One second per mutation: versions of one entity never share an updated_at.
        sandbox.control(advance_clock=1, mutations=[mutation])


@pytest.mark.slow
def test_webhooks_land_latest_versions_through_kills_and_faults(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    sandbox = Sandbox(
        SandboxConfig(seed=23, size="small", access_token=TOKEN, clock=CLOCK, port=0)
    ).start()
    try:
        _run(sandbox, devstack_env, tmp_path)
    finally:
        sandbox.stop()


def _run(sandbox: Sandbox, devstack_env: dict[str, str], tmp_path: pathlib.Path) -> None:
    port = free_port()
    tap_config = webhook_config(
        sandbox.url, TOKEN, tmp_path / "spool", webhook_port=port, indexing_delay=0
    )
    env = {
        **devstack_env,
        "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": SCHEMA,
    }
    # Small batches: rows land within seconds of their delivery.
    target_config = {"batch_max_age_seconds": 1}
    sandbox.control(
        webhooks={
            "url": f"http://127.0.0.1:{port}/intercom/webhooks",
            "client_secret": SECRET,
            "duplicate_rate": 0.05,
            "reorder_rate": 0.05,
            "reorder_delay_ms": 1500,
            "bad_signature_rate": 0.02,
            "drop_rate": 0.02,
            "backoff_seconds": 0.1,
            "max_backoff_seconds": 1.0,
            # Deliveries keep being retried while the tap is down, as Intercom does.
            "max_attempts": 10_000,
            "workers": 4,
        }
    )
    plan = mutation_plan(sandbox, MUTATIONS)
    cut = [len(plan) * k // 20 for k in (0, 5, 8, 12, 15, 20)]
    phases = [plan[a:b] for a, b in itertools.pairwise(cut)]
    hooks = sandbox.controller.webhooks

    first = Pipeline(tmp_path, tap_config, env, "run1", target_config)
    run_mutations(sandbox, phases[0])
    wait_for(lambda: _committed(tmp_path) > 0, 60, "a first commit")
    first.kill_target()
    # Deliveries fail while nothing listens; the sender retries them.
    run_mutations(sandbox, phases[1])

    second = Pipeline(tmp_path, tap_config, env, "run2", target_config)
    before = _committed(tmp_path)
    run_mutations(sandbox, phases[2])
    wait_for(lambda: _committed(tmp_path) > before, 60, "a commit of the second run")
    second.kill_tap()
    run_mutations(sandbox, phases[3])

    third = Pipeline(tmp_path, tap_config, env, "run3", target_config)
    run_mutations(sandbox, phases[4])
    assert hooks.wait_idle(120), hooks.state()
    assert third.stop() == (0, 0), third.log("target")[-3000:]
    for run in (second, third):
        # Restarted from a committed position, not from scratch.
        assert "from position 0)" not in run.log(), run.log()[-2000:]
    assert "bad signatures" in third.log()

    counts = hooks.state()["counts"]
    assert counts["forged"] > 0
    assert counts.get("forged_refused") == counts["forged"], hooks.state()
    assert counts["duplicated"] > 0
    assert counts["reordered"] > 0
    # Every notification and every duplicate copy was answered 200 in the end.
    assert counts["delivered"] == counts["notifications"] + counts["duplicated"]

    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    _assert_latest(sandbox, connection, plan)


def _committed(workdir: pathlib.Path) -> int:
    state = last_committed_state(workdir)
    if state is None:
        return 0
    return int(state["bookmarks"]["webhook_spool"]["position"])


def _get(sandbox: Sandbox, path: str) -> tuple[int, dict[str, t.Any]]:
    answer = requests.get(
        sandbox.url + path,
        headers={"Authorization": f"Bearer {TOKEN}", "Intercom-Version": "2.16"},
        timeout=30,
    )
    return answer.status_code, answer.json()


def _rows(connection: pyodbc.Connection, table: str, columns: str) -> dict[str, tuple[t.Any, ...]]:
    cursor = connection.execute(f"SELECT id, {columns} FROM [{SCHEMA}].[{table}]")
    return {str(row[0]): tuple(row[1:]) for row in cursor.fetchall()}


def _assert_latest(
    sandbox: Sandbox, connection: pyodbc.Connection, plan: list[dict[str, t.Any]]
) -> None:
    touched: dict[str, set[str]] = {}
    for mutation in plan:
        touched.setdefault(mutation["kind"], set()).update(mutation["ids"])
    contacts = _rows(connection, "contacts", "name, updated_at")
    for cid in sorted(touched["contacts"]):
        _, body = _get(sandbox, f"/contacts/{cid}")
        assert contacts[cid][0] == body["name"], cid
        assert epoch(contacts[cid][1]) == body["updated_at"], cid
    assert set(contacts) == touched["contacts"]
    companies = _rows(connection, "companies", "name, updated_at")
    for cid in sorted(touched["companies"]):
        _, body = _get(sandbox, f"/companies/{cid}")
        assert companies[cid][0] == body["name"], cid
        assert epoch(companies[cid][1]) == body["updated_at"], cid
    assert set(companies) == touched["companies"]
    tickets = _rows(connection, "tickets", "[open], updated_at")
    for tid in sorted(touched["tickets"]):
        _, body = _get(sandbox, f"/tickets/{tid}")
        assert bool(tickets[tid][0]) == body["open"], tid
        assert epoch(tickets[tid][1]) == body["updated_at"], tid
    conversations = _rows(connection, "conversations", "state, updated_at, _sdc_deleted_at")
    deleted = {m["ids"][0] for m in plan if m["op"] == "delete"}
    assert deleted
    parts = _rows(connection, "conversation_parts", "conversation_id")
    for cid in sorted(touched["conversations"]):
        status, body = _get(sandbox, f"/conversations/{cid}")
        if cid in deleted:
            assert status == 404
            assert conversations[cid][2] is not None, cid  # a deleted row, not revived
            continue
        assert conversations[cid][0] == body["state"], cid
        assert epoch(conversations[cid][1]) == body["updated_at"], cid
        assert conversations[cid][2] is None, cid
        new_parts = {
            p["id"]
            for p in body["conversation_parts"]["conversation_parts"]
            if p["created_at"] > CLOCK
        }
        landed = {pid for pid, (conversation_id,) in parts.items() if conversation_id == cid}
        assert new_parts <= landed, cid  # no part lost
    # The forgeries were refused, so nothing of theirs landed.
    for table in ("contacts", "companies"):
        row = connection.execute(
            f"SELECT COUNT(*) FROM [{SCHEMA}].[{table}] WHERE name = 'forged'"
        ).fetchone()
        assert row is not None
        assert row[0] == 0


@pytest.mark.slow
def test_a_delivery_the_sender_lost_is_repaired_by_the_next_poll(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    sandbox = Sandbox(
        SandboxConfig(seed=29, size="small", access_token=TOKEN, clock=CLOCK, port=0)
    ).start()
    try:
        _reconcile(sandbox, devstack_env, tmp_path)
    finally:
        sandbox.stop()


def _reconcile(sandbox: Sandbox, devstack_env: dict[str, str], tmp_path: pathlib.Path) -> None:
    schema = "webhooks_reconcile"
    env = {**devstack_env, "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": schema}
    target_config = {"batch_max_age_seconds": 1}
    port = free_port()
    pushed = tmp_path / "webhooks"
    pushed.mkdir()
    tap_config = webhook_config(sandbox.url, TOKEN, pushed / "spool", webhook_port=port)
    sandbox.control(
        webhooks={
            "url": f"http://127.0.0.1:{port}/intercom/webhooks",
            "client_secret": SECRET,
            "backoff_seconds": 0.1,
            "max_backoff_seconds": 1.0,
            "max_attempts": 1000,
        }
    )
    ws = sandbox.workspace
    kept, lost = ws.contact_id(3), ws.contact_id(4)
    live = Pipeline(pushed, tap_config, env, "webhooks", target_config)
    for cid, name in ((kept, "First"), (lost, "First")):
        sandbox.control(
            advance_clock=1,
            mutations=[
                {"op": "update", "kind": "contacts", "ids": [cid], "fields": {"name": name}}
            ],
        )
    # Intercom never delivers this one (it drops throttled notifications, for instance).
    sandbox.control(webhooks={"lose_next": 1})
    sandbox.control(
        advance_clock=1,
        mutations=[
            {"op": "update", "kind": "contacts", "ids": [lost], "fields": {"name": "Second"}}
        ],
    )
    hooks = sandbox.controller.webhooks
    assert hooks.wait_idle(60)
    assert hooks.state()["counts"]["lost"] == 1
    assert live.stop() == (0, 0), live.log("target")[-3000:]
    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    rows = _names(connection, schema)
    assert rows == {kept: "First", lost: "First"}  # the webhook run missed the second update

    # The scheduled incremental poll (its own state; here its first run, from start_date).
    polled = tmp_path / "poll"
    polled.mkdir()
    poll_config = {
        "access_token": TOKEN,
        "api_url": sandbox.url,
        "start_date": "2026-09-01T00:00:00Z",
        "indexing_delay": 0,
    }
    poll_file = polled / "poll.discover.json"
    poll_file.write_text(json.dumps(poll_config))
    catalog = selected_catalog({}, polled / "catalog.json", config=str(poll_file))
    poll = Pipeline(polled, poll_config, env, "poll", target_config, catalog)
    assert poll.wait(300) == (0, 0), poll.log("target")[-3000:]
    rows = _names(connection, schema)
    assert rows[lost] == "Second"
    assert rows[kept] == "First"
    # One table serves both modes: the poll's rows replaced the pushed ones by key.
    duplicates = connection.execute(
        f"SELECT COUNT(*) - COUNT(DISTINCT id) FROM [{schema}].[contacts]"
    ).fetchone()
    assert duplicates is not None
    assert duplicates[0] == 0


def _names(connection: pyodbc.Connection, schema: str) -> dict[str, str]:
    cursor = connection.execute(f"SELECT id, name FROM [{schema}].[contacts]")
    return {str(row[0]): str(row[1]) for row in cursor.fetchall()}
