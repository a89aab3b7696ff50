"""`tap-intercom` (webhook mode) | `target-azure-sqldw` as two real processes, restartable.

Each run starts from the last STATE the target committed (the last line it printed in any
earlier run), as Meltano or a shell loop would restart them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import typing as t

BIN = pathlib.Path(sys.executable).parent


class Pipeline:
    """One run of the pipe: the tap's stdout is the target's stdin."""

    def __init__(
        self,
        workdir: pathlib.Path,
        tap_config: dict[str, t.Any],
        env: dict[str, str],
        name: str,
        target_config: dict[str, t.Any] | None = None,
        catalog: pathlib.Path | None = None,
    ) -> None:
        """Start the tap and the target; ``catalog`` (None: every stream) is the tap's."""
        self.workdir = workdir
        self.name = name
        config = workdir / f"{name}.tap.json"
        config.write_text(json.dumps(tap_config))
        args = [str(BIN / "tap-intercom"), "--config", str(config)]
        if catalog is not None:
            args += ["--catalog", str(catalog)]
        state = last_committed_state(workdir)
        if state is not None:
            state_file = workdir / f"{name}.state.json"
            state_file.write_text(json.dumps(state))
            args += ["--state", str(state_file)]
        clean = {k: v for k, v in os.environ.items() if not k.startswith("TAP_INTERCOM_")}
        self.tap_log = (workdir / f"{name}.tap.log").open("wb")
        self.target_log = (workdir / f"{name}.target.log").open("wb")
        self.states = (workdir / f"{name}.states.jsonl").open("wb")
        self.tap = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.tap_log, env=clean)
        target_file = workdir / f"{name}.target.json"
        target_file.write_text(json.dumps(target_config or {}))
        self.target = subprocess.Popen(
            [str(BIN / "target-azure-sqldw"), "--config", "ENV", "--config", str(target_file)],
            stdin=self.tap.stdout,
            stdout=self.states,
            stderr=self.target_log,
            env={**os.environ, **env},
        )
        assert self.tap.stdout is not None
        self.tap.stdout.close()  # the target holds the only reading end

    def wait(self, timeout: float = 120) -> tuple[int, int]:
        """Both exit statuses; closes the log files."""
        statuses = (self.tap.wait(timeout), self.target.wait(timeout))
        for handle in (self.tap_log, self.target_log, self.states):
            handle.close()
        return statuses

    def stop(self) -> tuple[int, int]:
        """SIGTERM to the tap: it drains and exits; the target commits and exits."""
        self.tap.send_signal(signal.SIGTERM)
        return self.wait()

    def kill_target(self) -> tuple[int, int]:
        """kill -9 the target; the tap fails on its next write (or is killed too)."""
        self.target.kill()
        try:
            self.tap.wait(5)
        except subprocess.TimeoutExpired:
            self.tap.kill()
        return self.wait()

    def kill_tap(self) -> tuple[int, int]:
        """kill -9 the tap; the target sees end of input, commits what it has and exits."""
        self.tap.kill()
        return self.wait()

    def log(self, which: str = "tap") -> str:
        """A run's log."""
        return (self.workdir / f"{self.name}.{which}.log").read_text(errors="replace")


def last_committed_state(workdir: pathlib.Path) -> dict[str, t.Any] | None:
    """The newest STATE any run's target printed (runs are named in order)."""
    newest: dict[str, t.Any] | None = None
    for path in sorted(workdir.glob("*.states.jsonl"), key=lambda p: p.stat().st_mtime):
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        if lines:
            newest = json.loads(lines[-1])
    return newest


def epoch(value: t.Any) -> int | None:
    """Unix seconds from a warehouse value (integer, datetime or ISO text)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return int(moment.timestamp())
    if isinstance(value, str) and not value.lstrip("-").isdigit():
        return epoch(dt.datetime.fromisoformat(value))
    return int(value)


def wait_for(predicate: t.Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until ``predicate()``; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    msg = f"timed out waiting for {what}"
    raise AssertionError(msg)
