"""Working with other Singer plugins from PyPI, over real processes.

- tap-intercom piped into target-jsonl (singer-python based, a different Singer stack);
- target-azure-sqldw fed by tap-jsonl (singer-sdk based), rows checked in the warehouse.

Each third-party plugin gets its own virtualenv (their pins clash with ours), kept under
``.venv-plugins/`` so later runs reuse it.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pyodbc
import pytest

from tests.pipeline.plugin_venvs import plugin_venv
from tests.pipeline.selection import PIPELINE_STREAMS, selected_catalog

BIN = pathlib.Path(sys.executable).parent


@pytest.mark.slow
def test_tap_intercom_into_target_jsonl(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    target_bin = plugin_venv("target-jsonl", "target-jsonl==0.1.4")
    output = tmp_path / "jsonl"
    output.mkdir()
    (tmp_path / "target.json").write_text(json.dumps({"destination_path": str(output)}))
    tap_out = tmp_path / "tap.singer"
    catalog = selected_catalog(devstack_env, tmp_path / "catalog.json")
    script = (
        f"set -o pipefail; {BIN}/tap-intercom --config ENV --catalog {catalog}"
        f" 2>{tmp_path}/tap.log"
        f" | tee {tap_out} | {target_bin}/target-jsonl --config {tmp_path}/target.json"
        f" >{tmp_path}/state.jsonl 2>{tmp_path}/target.log"
    )
    done = subprocess.run(
        ["bash", "-c", script], env={**os.environ, **devstack_env}, timeout=600, check=False
    )
    assert done.returncode == 0, (tmp_path / "target.log").read_text()[-2000:]

    sent: dict[str, int] = {}
    for line in tap_out.read_text().splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            sent[message["stream"]] = sent.get(message["stream"], 0) + 1
    written = {
        path.name.split("-")[0]: len(path.read_text().splitlines())
        for path in output.glob("*.jsonl")
    }
    assert written == sent
    assert set(sent) == set(PIPELINE_STREAMS)
    assert sent["contacts"] > 0
    assert sent["conversation_parts"] > 0
    state = json.loads((tmp_path / "state.jsonl").read_text().splitlines()[-1])
    assert "contacts" in state["bookmarks"]


@pytest.mark.slow
def test_target_fed_by_tap_jsonl(devstack_env: dict[str, str], tmp_path: pathlib.Path) -> None:
    tap_bin = plugin_venv("tap-jsonl", "tap-jsonl==0.3.1")
    source = tmp_path / "people.jsonl"
    people = [
        {"id": 1, "name": "Zoë", "score": 1.5, "active": True},
        {"id": 2, "name": "Ωmega 🚀", "score": -2.25, "active": False},
        {"id": 3, "name": 'quote " and, comma', "score": 0.0, "active": True},
    ]
    source.write_text("".join(json.dumps(person) + "\n" for person in people))
    config = {"path": str(source), "stream_name": "people", "primary_keys": ["id"]}
    (tmp_path / "tap.json").write_text(json.dumps(config))
    env = {
        **os.environ,
        **devstack_env,
        "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": "interop",
    }
    script = (
        f"set -o pipefail; {tap_bin}/tap-jsonl --config {tmp_path}/tap.json 2>{tmp_path}/tap.log"
        f" | {BIN}/target-azure-sqldw --config ENV >{tmp_path}/state.jsonl"
        f" 2>{tmp_path}/target.log"
    )
    done = subprocess.run(["bash", "-c", script], env=env, timeout=600, check=False)
    logs = (tmp_path / "tap.log").read_text()[-1500:] + (tmp_path / "target.log").read_text()[
        -1500:
    ]
    assert done.returncode == 0, logs

    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    rows = connection.execute(
        "SELECT id, name, score, active FROM [interop].[people] ORDER BY id"
    ).fetchall()
    assert [tuple(row) for row in rows] == [
        (p["id"], p["name"], p["score"], p["active"]) for p in people
    ]
