"""`meltano run intercom-webhooks-to-sqldw`: the webhook job as a user runs it, then SIGTERM."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import typing as t

import pyodbc
import pytest

from devstack.intercom_sandbox import Sandbox, SandboxConfig
from devstack.intercom_sandbox.config import DEFAULT_ANCHOR
from tests.pipeline.webhook_pipeline import wait_for
from tests.tap.webhook_helpers import SECRET, free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
TOKEN = "webhook-meltano-token"
STATE_ID = "devstack:tap-intercom-webhooks-to-target-azure-sqldw-realtime"


@pytest.mark.slow
def test_meltano_webhook_job_lands_pushed_changes_and_stores_the_spool_position(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    sandbox = Sandbox(
        SandboxConfig(seed=31, size="small", access_token=TOKEN, clock=DEFAULT_ANCHOR + 60)
    ).start()
    port = free_port()
    env = {
        **os.environ,
        **devstack_env,
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TAP_INTERCOM_ACCESS_TOKEN": TOKEN,
        "TAP_INTERCOM_API_URL": sandbox.url,
        "TAP_INTERCOM_WEBHOOK_PORT": str(port),
        "TAP_INTERCOM_WEBHOOK_CLIENT_SECRET": SECRET,
        "TAP_INTERCOM_WEBHOOK_SPOOL_DIR": str(tmp_path / "spool"),
        "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": "webhooks_meltano",
    }
    meltano = [str(BIN / "meltano")]
    try:
        installed = subprocess.run(
            [*meltano, "install"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert installed.returncode == 0, installed.stderr[-3000:]
        log = (tmp_path / "meltano.log").open("wb")
        run = subprocess.Popen(
            [*meltano, "run", "intercom-webhooks-to-sqldw"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/intercom/webhooks"
        sandbox.control(
            webhooks={
                "url": url,
                "client_secret": SECRET,
                "backoff_seconds": 0.2,
                "max_backoff_seconds": 1.0,
                "max_attempts": 1000,
            }
        )
        changed = sandbox.control(
            mutations=[{"op": "update", "kind": "contacts", "n": 10, "fields": {"name": "Pushed"}}]
        )["results"][0]
        hooks = sandbox.controller.webhooks
        assert hooks.wait_idle(180), (tmp_path / "meltano.log").read_text()[-3000:]
        connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)

        def landed() -> bool:
            try:
                rows = connection.execute(
                    "SELECT id FROM [webhooks_meltano].[contacts] WHERE name = 'Pushed'"
                ).fetchall()
            except pyodbc.Error:
                return False
            return {str(r[0]) for r in rows} == set(changed)

        # batch_max_age_seconds 5 (the realtime loader): rows land while the job runs.
        wait_for(landed, 60, "the pushed rows")
        run.send_signal(signal.SIGTERM)
        status = run.wait(120)
        log.close()
        output = (tmp_path / "meltano.log").read_text()
        # Meltano passes SIGTERM to the tap and the target at once and then reports the run
        # as terminated (status 143, 128 + SIGTERM), after both have shut down cleanly.
        assert status == 128 + signal.SIGTERM, output[-3000:]
        assert "The process was terminated" in output
        assert "tap-intercom-webhooks Webhooks: 10 accepted" in output
        assert "Traceback" not in output
        state = subprocess.run(
            [*meltano, "state", "get", STATE_ID],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert state.returncode == 0, state.stderr[-2000:]
        stored: dict[str, t.Any] = json.loads(state.stdout)
        assert stored["singer_state"]["bookmarks"]["webhook_spool"] == {"position": 10}
        assert SECRET not in output
    finally:
        sandbox.stop()
