"""Fixtures for target-azure-sqldw tests: a private Azurite blob service."""

from __future__ import annotations

import os
import pathlib
import re
import socket
import subprocess
import sys
import time
import typing as t
import uuid

import pytest

from target_azure_sqldw.blobstore import BlobStage

if t.TYPE_CHECKING:
    from collections.abc import Iterator

REPO = pathlib.Path(__file__).resolve().parents[2]
AZURITE = REPO / "devstack" / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "devstoreaccount1"
# Azurite's published development key (not a secret).
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def azurite_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start Azurite (blob only, in memory) on a free loopback port; stop it by pid after."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("azurite") / "stderr.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            str(AZURITE),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = log_path.read_text(errors="replace")
                    pytest.fail(f"Azurite did not start on port {port}: {err[:500]}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/{ACCOUNT}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def blob_stage(azurite_endpoint: str) -> BlobStage:
    """A BlobStage on a fresh container of the session's Azurite."""
    stage = BlobStage(
        account=ACCOUNT,
        container=f"t{uuid.uuid4().hex[:12]}",
        account_key=ACCOUNT_KEY,
        endpoint=azurite_endpoint,
    )
    stage.ensure_container()
    return stage


EMULATOR_PASSWORD = "Target-Tests-1"  # a throwaway login of a private, loopback-only emulator


@pytest.fixture(scope="session")
def sqldw_config(
    azurite_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, t.Any]]:
    """Target settings for a private SQL DW emulator (and the session's Azurite).

    The emulator runs as ``python -m devstack.sqldw_emulator --port 0`` and is stopped by
    pid. The Microsoft driver is named by its library path: unixODBC reads ``ODBCSYSINI``
    only once per process, so a registration made after the first connect would be ignored.
    """
    from devstack.odbc import ms_driver_path

    ms_driver = ms_driver_path()
    driver = str(ms_driver) if ms_driver is not None else "FreeTDS"
    log_path = tmp_path_factory.mktemp("emulator") / "stderr.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack.sqldw_emulator",
            "--port",
            "0",
            "--azurite-blob-endpoint",
            azurite_endpoint,
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        env={**os.environ, "DEVSTACK_SQLDW_PASSWORD": EMULATOR_PASSWORD},
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"ready on ([\d.]+),(\d+)", line)
        if not match:
            process.kill()
            pytest.fail(f"SQL DW emulator did not start: {line!r} {log_path.read_text()[:800]}")
        BlobStage(
            account=ACCOUNT, container="stage", account_key=ACCOUNT_KEY, endpoint=azurite_endpoint
        ).ensure_container()
        yield {
            "host": match.group(1),
            "port": int(match.group(2)),
            "database": "sqldw",
            "user": "sqladmin",
            "password": EMULATOR_PASSWORD,
            "driver": driver,
            "trust_server_certificate": True,
            "storage_account": ACCOUNT,
            "storage_account_key": ACCOUNT_KEY,
            "storage_container": "stage",
            "storage_blob_endpoint": azurite_endpoint,
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        log.close()
