"""`devstack up / down / status`: the three local stand-ins as one stack.

`up` starts Azurite, the Intercom sandbox and the SQL DW emulator on free loopback ports, in
the background, waits until each answers, and writes ``<dir>/env`` and ``<dir>/stack.json``
(pids, ports, URLs). `down` stops exactly the processes `up` recorded. The pytest session
fixture uses the same :class:`Stack`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import secrets
import typing as t

from devstack import envfile, processes, services
from devstack.processes import ServiceStartError
from devstack.services import ServiceRecord

if t.TYPE_CHECKING:
    from collections.abc import Sequence

ALL_SERVICES = ("azurite", "intercom", "sqldw")
DEFAULT_DIR = pathlib.Path(".devstack")


class StackError(RuntimeError):
    """A stack operation that cannot go on (already running, nothing to stop, ...)."""


@dataclasses.dataclass(slots=True)
class StackOptions:
    """What `devstack up` starts and how.

    Attributes:
        services: Which services to start (default all three).
        seed: Seed of the generated Intercom workspace.
        size: Intercom workspace size (small, medium, large).
        timezone: The Intercom workspace's time zone (contacts search matches whole days in it).
        rate_limit_per_10s: Intercom sandbox rate limit per 10-second window (None: its default).
        latency_ms: Added latency of every Intercom sandbox response.
        persist: Keep data under the stack directory (Azurite files, a DuckDB file) instead
            of in memory, so it survives a restart.
        start_date: The tap's start date written to the env file.
        timeout: Seconds to wait for each service to answer.
        sqldw_memory_limit: The SQL DW emulator's DuckDB memory limit (e.g. ``1GB``; None:
            DuckDB's default).
        flavor: What the SQL DW emulator plays: ``synapse`` (a dedicated SQL pool) or
            ``fabric`` (a Fabric Warehouse, Entra ID tokens only).
    """

    services: Sequence[str] = ALL_SERVICES
    seed: int = 42
    size: str = "small"
    timezone: str = "America/Los_Angeles"
    rate_limit_per_10s: int | None = None
    latency_ms: float = 0.0
    persist: bool = False
    start_date: str = "2015-01-01T00:00:00Z"
    timeout: float = 60.0
    sqldw_memory_limit: str | None = None
    flavor: str = "synapse"


class Stack:
    """The devstack rooted at one directory (``.devstack`` by default)."""

    def __init__(self, directory: pathlib.Path = DEFAULT_DIR) -> None:
        self.directory = directory.resolve()

    @property
    def env_path(self) -> pathlib.Path:
        """The shell-sourceable env file."""
        return self.directory / "env"

    @property
    def state_path(self) -> pathlib.Path:
        """The record of what `up` started."""
        return self.directory / "stack.json"

    def records(self) -> list[ServiceRecord]:
        """The services recorded by the last `up` (empty when none)."""
        if not self.state_path.exists():
            return []
        state = json.loads(self.state_path.read_text())
        return [ServiceRecord(**record) for record in state["services"]]

    def running(self) -> list[ServiceRecord]:
        """Recorded services whose processes are still alive."""
        return [record for record in self.records() if record.process.is_alive()]

    def env(self) -> dict[str, str]:
        """The env file's values.

        Raises:
            StackError: when the stack has not been started.
        """
        if not self.env_path.exists():
            msg = f"no devstack env file at {self.env_path}: run `devstack up` first"
            raise StackError(msg)
        return envfile.read(self.env_path)

    def up(self, options: StackOptions | None = None) -> dict[str, str]:
        """Start the stack, write the env file and return its values.

        Raises:
            StackError: when a stack is already running from this directory, or a service
                fails to start (whatever had started is stopped again).
        """
        options = options or StackOptions()
        unknown = set(options.services) - set(ALL_SERVICES)
        if unknown:
            msg = f"unknown service(s): {', '.join(sorted(unknown))}"
            raise StackError(msg)
        alive = self.running()
        if alive:
            names = ", ".join(f"{r.name} (pid {r.pid})" for r in alive)
            msg = f"a devstack is already running from {self.directory}: {names}"
            raise StackError(msg)
        self.directory.mkdir(parents=True, exist_ok=True)
        started: list[ServiceRecord] = []
        values: dict[str, str] = {}
        earlier_children = processes.children()
        try:
            for name in ALL_SERVICES:
                if name in options.services:
                    record, service_env = _START[name](self, options, values)
                    started.append(record)
                    self._save(started)
                    values.update(service_env)
        except Exception as exc:
            # Whatever this start spawned goes, including a service that failed mid-start.
            processes.stop_children_except(earlier_children)
            self.state_path.unlink(missing_ok=True)
            if isinstance(exc, (ServiceStartError, OSError, RuntimeError)):
                raise StackError(str(exc)) from exc
            raise
        envfile.write(self.env_path, values)
        return values

    def down(self) -> list[ServiceRecord]:
        """Stop every service `up` recorded; return those that were running.

        Raises:
            StackError: when nothing was recorded in this directory.
        """
        records = self.records()
        if not records:
            msg = f"no devstack recorded in {self.directory}"
            raise StackError(msg)
        stopped = [record for record in reversed(records) if record.process.stop()]
        self.state_path.unlink(missing_ok=True)
        self.env_path.unlink(missing_ok=True)
        return stopped

    def status(self) -> list[tuple[ServiceRecord, bool]]:
        """Each recorded service and whether it runs."""
        return [(record, record.process.is_alive()) for record in self.records()]

    def log_path(self, name: str) -> pathlib.Path:
        """Where service ``name`` writes its output."""
        return self.directory / "logs" / f"{name}.log"

    def _save(self, records: list[ServiceRecord]) -> None:
        state = {
            "started_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "services": [dataclasses.asdict(record) for record in records],
        }
        self.state_path.write_text(json.dumps(state, indent=2) + "\n")


def _start_azurite(
    stack: Stack, options: StackOptions, _env: dict[str, str]
) -> tuple[ServiceRecord, dict[str, str]]:
    location = stack.directory / "azurite" if options.persist else None
    return services.start_azurite(stack.log_path("azurite"), location, options.timeout)


def _start_intercom(
    stack: Stack, options: StackOptions, env: dict[str, str]
) -> tuple[ServiceRecord, dict[str, str]]:
    token = env.get("TAP_INTERCOM_ACCESS_TOKEN") or "sandbox-" + secrets.token_urlsafe(24)
    record, values = services.start_intercom_sandbox(
        stack.log_path("intercom"),
        seed=options.seed,
        size=options.size,
        timezone=options.timezone,
        access_token=token,
        rate_limit_per_10s=options.rate_limit_per_10s,
        latency_ms=options.latency_ms,
        timeout=options.timeout,
    )
    values["TAP_INTERCOM_START_DATE"] = options.start_date
    return record, values


def _start_sqldw(
    stack: Stack, options: StackOptions, env: dict[str, str]
) -> tuple[ServiceRecord, dict[str, str]]:
    data_file = stack.directory / "sqldw.duckdb" if options.persist else None
    return services.start_sqldw_emulator(
        stack.log_path("sqldw"),
        odbc_dir=stack.directory / "odbc",
        data_file=data_file,
        azurite_env=env,
        timeout=options.timeout,
        memory_limit=options.sqldw_memory_limit,
        flavor=options.flavor,
    )


_START = {"azurite": _start_azurite, "intercom": _start_intercom, "sqldw": _start_sqldw}
