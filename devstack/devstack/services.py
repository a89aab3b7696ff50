"""How each devstack service is started in the background and what it adds to the env file."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import pathlib
import secrets
import shutil
import sys
import typing as t

from devstack.processes import (
    RunningProcess,
    ServiceStartError,
    free_port,
    http_ready,
    spawn,
    tcp_ready,
    wait_until_ready,
)

if t.TYPE_CHECKING:
    from collections.abc import Mapping

HOST = "127.0.0.1"

# Azurite's well-known development account: public, documented by Microsoft, not a secret.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
STORAGE_CONTAINER = "singer-staging"
SQLDW_DATABASE = "sqldw"
SQLDW_USER = "sqladmin"
#: The application id of the service principal the devstack's access tokens name.
SQLDW_APP_ID = "devstack-loader"
#: Seconds the env file's access token stays valid: longer than any test session, where a
#: real Entra ID token lasts 60-90 minutes (mint short ones with ``devstack token``).
TOKEN_LIFETIME = 12 * 3600.0


@dataclasses.dataclass(slots=True)
class ServiceRecord:
    """A started service as recorded in stack.json."""

    name: str
    pid: int
    marker: str
    port: int
    url: str
    log: str

    @property
    def process(self) -> RunningProcess:
        """The recorded process."""
        return RunningProcess(pid=self.pid, marker=self.marker)


def python_command(module: str, *args: str) -> list[str]:
    """The command that runs ``python -m module`` with this interpreter."""
    return [sys.executable, "-m", module, *args]


def find_azurite() -> pathlib.Path:
    """Locate the ``azurite-blob`` launcher installed by `make bootstrap`.

    Raises:
        ServiceStartError: when it is not installed.
    """
    override = os.environ.get("DEVSTACK_AZURITE_BLOB")
    candidates = [pathlib.Path(override)] if override else []
    candidates.append(
        pathlib.Path(__file__).resolve().parents[1] / "node_modules/.bin/azurite-blob"
    )
    on_path = shutil.which("azurite-blob")
    if on_path:
        candidates.append(pathlib.Path(on_path))
    for candidate in candidates:
        if candidate.exists():
            return candidate
    msg = "azurite-blob is not installed: run `make bootstrap` (npm install --prefix devstack)"
    raise ServiceStartError(msg)


def azurite_command(port: int, location: pathlib.Path | None) -> list[str]:
    """The Azurite blob service command line (blob only, loopback, no telemetry)."""
    storage = ["--location", str(location)] if location else ["--inMemoryPersistence"]
    return [
        str(find_azurite()),
        "--blobHost",
        HOST,
        "--blobPort",
        str(port),
        *storage,
        # The SDK's x-ms-version runs ahead of Azurite's; real Azure accepts it.
        "--skipApiVersionCheck",
        "--disableTelemetry",
    ]


def start_azurite(
    log: pathlib.Path, location: pathlib.Path | None, timeout: float
) -> tuple[ServiceRecord, dict[str, str]]:
    """Start Azurite's blob service and return its record and env values."""
    port = free_port()
    if location:
        location.mkdir(parents=True, exist_ok=True)
    # Launched directly (not through npx) so the pid we record is the server itself.
    process = spawn(azurite_command(port, location), log_path=log, marker="azurite")
    wait_until_ready(
        "azurite", process, lambda: tcp_ready(HOST, port), log_path=log, timeout=timeout
    )
    blob_url = f"http://{HOST}:{port}/{AZURITE_ACCOUNT}"
    _create_container(blob_url, STORAGE_CONTAINER)
    record = ServiceRecord("azurite", process.pid, process.marker, port, blob_url, str(log))
    return record, {
        "DEVSTACK_AZURITE_BLOB_URL": blob_url,
        "TARGET_AZURE_SQLDW_STORAGE_ACCOUNT": AZURITE_ACCOUNT,
        "TARGET_AZURE_SQLDW_STORAGE_ACCOUNT_KEY": AZURITE_KEY,
        "TARGET_AZURE_SQLDW_STORAGE_CONTAINER": STORAGE_CONTAINER,
        "TARGET_AZURE_SQLDW_STORAGE_BLOB_ENDPOINT": blob_url,
    }


def _create_container(blob_url: str, name: str) -> None:
    """Create the staging container, as a real deployment's setup would have."""
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    client = BlobServiceClient(
        blob_url, credential={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY}
    )
    with contextlib.suppress(ResourceExistsError):
        client.create_container(name)


def start_intercom_sandbox(
    log: pathlib.Path,
    *,
    seed: int,
    size: str,
    timezone: str,
    access_token: str,
    rate_limit_per_10s: int | None,
    latency_ms: float,
    timeout: float,
) -> tuple[ServiceRecord, dict[str, str]]:
    """Start the Intercom sandbox and return its record and env values."""
    port = free_port()
    args = [
        "--host",
        HOST,
        "--port",
        str(port),
        "--seed",
        str(seed),
        "--size",
        size,
        "--timezone",
        timezone,
        "--latency-ms",
        str(latency_ms),
    ]
    if rate_limit_per_10s is not None:
        args += ["--rate-limit", str(rate_limit_per_10s)]
    # The token goes through the environment, not argv, so `ps` does not show it.
    command = python_command("devstack.intercom_sandbox", *args)
    process = spawn(
        command,
        log_path=log,
        env={"DEVSTACK_INTERCOM_ACCESS_TOKEN": access_token},
        marker="devstack.intercom_sandbox",
    )
    url = f"http://{HOST}:{port}"
    wait_until_ready(
        "intercom-sandbox",
        process,
        lambda: http_ready(f"{url}/_sandbox/health"),
        log_path=log,
        timeout=timeout,
    )
    record = ServiceRecord("intercom", process.pid, process.marker, port, url, str(log))
    return record, {
        "DEVSTACK_INTERCOM_URL": url,
        "TAP_INTERCOM_API_URL": url,
        "TAP_INTERCOM_ACCESS_TOKEN": access_token,
    }


def start_sqldw_emulator(
    log: pathlib.Path,
    *,
    odbc_dir: pathlib.Path,
    data_file: pathlib.Path | None,
    azurite_env: Mapping[str, str],
    timeout: float,
    memory_limit: str | None = None,
    flavor: str = "synapse",
) -> tuple[ServiceRecord, dict[str, str]]:
    """Start the SQL DW emulator and return its record and env values.

    Both flavors accept Entra ID access tokens signed with a key made for this start (the
    env file carries a token valid for :data:`TOKEN_LIFETIME` and the key, so tests can mint
    others); ``fabric`` takes nothing else, so its env file has no SQL login and sets the
    target's ``auth_method`` to ``access_token``.
    """
    # Imported here so the other services start without the ODBC pieces.
    odbc = importlib.import_module("devstack.odbc")
    entra = importlib.import_module("devstack.sqldw_emulator.entra")

    port = free_port()
    password = "Dev-" + secrets.token_urlsafe(18)
    token_key = secrets.token_urlsafe(32)
    args = ["--host", HOST, "--port", str(port), "--user", SQLDW_USER, "--flavor", flavor]
    args += ["--database", SQLDW_DATABASE]
    if "DEVSTACK_AZURITE_BLOB_URL" in azurite_env:
        args += ["--azurite-blob-endpoint", azurite_env["DEVSTACK_AZURITE_BLOB_URL"]]
    if data_file:
        args += ["--data-file", str(data_file)]
    if memory_limit:
        args += ["--memory-limit", memory_limit]
    process = spawn(
        python_command("devstack.sqldw_emulator", *args),
        log_path=log,
        env={"DEVSTACK_SQLDW_PASSWORD": password, "DEVSTACK_SQLDW_TOKEN_KEY": token_key},
        marker="devstack.sqldw_emulator",
    )
    wait_until_ready(
        "sqldw-emulator", process, lambda: tcp_ready(HOST, port), log_path=log, timeout=timeout
    )
    odbc_dir.mkdir(parents=True, exist_ok=True)
    driver = odbc.register_drivers(odbc_dir)
    fabric = flavor == "fabric"
    connection = odbc.connection_string(
        driver=driver,
        host=HOST,
        port=port,
        database=SQLDW_DATABASE,
        user=None if fabric else SQLDW_USER,
        password=None if fabric else password,
    )
    # A token login names no user (the driver refuses UID/PWD with an access token).
    token_connection = odbc.connection_string(
        driver=driver, host=HOST, port=port, database=SQLDW_DATABASE, user=None, password=None
    )
    token = entra.issue_token(token_key, app_id=SQLDW_APP_ID, lifetime=TOKEN_LIFETIME)
    record = ServiceRecord("sqldw", process.pid, process.marker, port, f"{HOST},{port}", str(log))
    values = {
        "TARGET_AZURE_SQLDW_HOST": HOST,
        "TARGET_AZURE_SQLDW_PORT": str(port),
        "TARGET_AZURE_SQLDW_DATABASE": SQLDW_DATABASE,
        "TARGET_AZURE_SQLDW_DRIVER": driver,
        "TARGET_AZURE_SQLDW_TRUST_SERVER_CERTIFICATE": "true",
        "TARGET_AZURE_SQLDW_FLAVOR": flavor,
        "ODBCSYSINI": str(odbc_dir),
        "DEVSTACK_SQLDW_ODBC": connection,
        "DEVSTACK_SQLDW_FLAVOR": flavor,
        "DEVSTACK_SQLDW_ODBC_TOKEN": token_connection,
        "DEVSTACK_SQLDW_ACCESS_TOKEN": token,
        "DEVSTACK_SQLDW_TOKEN_KEY": token_key,
    }
    if fabric:
        values["TARGET_AZURE_SQLDW_AUTH_METHOD"] = "access_token"
        values["TARGET_AZURE_SQLDW_ACCESS_TOKEN"] = token
    else:
        values["TARGET_AZURE_SQLDW_USER"] = SQLDW_USER
        values["TARGET_AZURE_SQLDW_PASSWORD"] = password
    return record, values
