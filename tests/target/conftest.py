"""Fixtures for target-azure-sqldw tests: a private Azurite blob service."""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import secrets
import subprocess
import sys
import typing as t
import uuid

import pytest

from devstack.services import start_azurite
from devstack.sqldw_emulator.entra import issue_token
from target_azure_sqldw.stage.blob_store import BlobStage

if t.TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "devstoreaccount1"
# Azurite's published development key (not a secret).
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


@pytest.fixture(scope="session")
def azurite_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start Azurite (blob only, in memory) as `devstack up` does; stop it by pid after."""
    log_path = tmp_path_factory.mktemp("azurite") / "azurite.log"
    record, _ = start_azurite(log_path, None, timeout=30)
    try:
        yield record.url
    finally:
        record.process.stop()


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


@contextlib.contextmanager
def private_emulator(
    azurite_endpoint: str,
    log_path: pathlib.Path,
    flavor: str = "synapse",
    token_key: str | None = None,
) -> Iterator[dict[str, t.Any]]:
    """Run a SQL DW emulator of its own and yield target settings for it; stop it by pid.

    The emulator runs as ``python -m devstack.sqldw_emulator --port 0``. The Microsoft driver
    is named by its library path: unixODBC reads ``ODBCSYSINI`` only once per process, so a
    registration made after the first connect would be ignored.

    ``flavor="fabric"`` plays a Fabric Warehouse, which has no SQL logins: the settings sign
    in with an Entra ID access token signed with ``token_key`` (the emulator's key; a new one
    when None). Only the Microsoft driver sends access tokens.
    """
    from devstack.odbc import ms_driver_path

    ms_driver = ms_driver_path()
    driver = str(ms_driver) if ms_driver is not None else "FreeTDS"
    token_key = token_key or secrets.token_urlsafe(32)
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
            "--flavor",
            flavor,
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        env={
            **os.environ,
            "DEVSTACK_SQLDW_PASSWORD": EMULATOR_PASSWORD,
            "DEVSTACK_SQLDW_TOKEN_KEY": token_key,
        },
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
        if flavor == "fabric":
            login: dict[str, t.Any] = {
                "flavor": "fabric",
                "auth_method": "access_token",
                "access_token": issue_token(token_key, app_id="target-tests"),
            }
        else:
            login = {"user": "sqladmin", "password": EMULATOR_PASSWORD}
        yield {
            "host": match.group(1),
            "port": int(match.group(2)),
            "database": "sqldw",
            **login,
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


@pytest.fixture(scope="session")
def synapse_config(
    azurite_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, t.Any]]:
    """Target settings for the session's SQL DW emulator (and the session's Azurite)."""
    log_path = tmp_path_factory.mktemp("emulator") / "stderr.log"
    with private_emulator(azurite_endpoint, log_path) as config:
        yield config


@pytest.hookimpl(trylast=True)  # after @pytest.mark.parametrize: ids read [<case>-fabric]
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each ``fabric_too`` test twice: on the Synapse emulator and on the Fabric one.

    The ``warehouse_flavor`` parameter picks the emulator ``sqldw_config`` is for. A test
    marked ``fabric_too(bulk_load_method=[...])`` runs once per method on Synapse (ids as
    before: ``[copy]``, ``[polybase]``) and once on Fabric with the setting left out, as Fabric
    loads with COPY INTO whatever it says.
    """
    marker = metafunc.definition.get_closest_marker("fabric_too")
    if marker is None:
        return
    methods = marker.kwargs.get("bulk_load_method")
    if methods is None:
        metafunc.parametrize("warehouse_flavor", ["synapse", "fabric"], indirect=True)
        return
    metafunc.parametrize(
        ("warehouse_flavor", "bulk_load_method"),
        [
            *(pytest.param("synapse", method, id=method) for method in methods),
            pytest.param("fabric", None, id="fabric"),
        ],
        indirect=["warehouse_flavor"],
    )


@pytest.fixture
def warehouse_flavor(request: pytest.FixtureRequest) -> str:
    """``synapse``, or ``fabric`` in a ``fabric_too`` test's Fabric run."""
    return str(getattr(request, "param", "synapse"))


@pytest.fixture
def sqldw_config(warehouse_flavor: str, request: pytest.FixtureRequest) -> dict[str, t.Any]:
    """Target settings for the session's emulator of the test's ``warehouse_flavor``.

    Each emulator starts when a test first needs it, so a run without Fabric tests starts
    no Fabric emulator.
    """
    config: dict[str, t.Any] = request.getfixturevalue(f"{warehouse_flavor}_config")
    return config


@pytest.fixture
def fresh_sqldw_config(azurite_endpoint: str, tmp_path: pathlib.Path) -> Iterator[dict[str, t.Any]]:
    """Target settings for an emulator started for one test: an empty database."""
    with private_emulator(azurite_endpoint, tmp_path / "emulator.log") as config:
        yield config


@pytest.fixture(scope="session")
def fabric_token_key() -> str:
    """The key the session's Fabric emulator checks access tokens with (to mint others)."""
    return secrets.token_urlsafe(32)


@pytest.fixture(scope="session")
def fabric_config(
    azurite_endpoint: str, fabric_token_key: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, t.Any]]:
    """Target settings (``flavor: fabric``, an access token) for the session's Fabric emulator."""
    log_path = tmp_path_factory.mktemp("fabric-emulator") / "stderr.log"
    with private_emulator(
        azurite_endpoint, log_path, flavor="fabric", token_key=fabric_token_key
    ) as config:
        yield config
