"""Fault injection: fail the next N statements, or a fraction of them, like Azure does.

One injector per engine, shared by its sessions under a lock.
"""

from __future__ import annotations

import dataclasses
import random
import threading

from devstack.sqldw_emulator.api import ConnectionDropped, SQLError

_MESSAGES = {
    40613: (
        "Database '{db}' on server 'devstack' is not currently available. Please retry the "
        "connection later."
    ),
    40501: "The service is currently busy. Retry the request after 10 seconds.",
    42109: "The SQL pool is warming up. Please try again.",
    1205: (
        "Transaction (Process ID 51) was deadlocked on lock resources with another process and "
        "has been chosen as the deadlock victim. Rerun the transaction."
    ),
}
KINDS = ("transient", "deadlock", "drop", "40613", "40501", "42109", "off")


@dataclasses.dataclass
class FaultSettings:
    """What to inject.

    Attributes:
        kind: One of :data:`KINDS`.
        count: Fail the next ``count`` statements.
        rate: Additionally fail this fraction (0-1) of statements at random.
        seed: Seed of the random choice, for reproducible runs.
    """

    kind: str = "off"
    count: int = 0
    rate: float = 0.0
    seed: int | None = None


class FaultInjector:
    """Decides, statement by statement, whether to fail (thread-safe)."""

    def __init__(self, settings: FaultSettings) -> None:
        self._lock = threading.Lock()
        self.configure(settings)
        self.injected = 0

    def configure(self, settings: FaultSettings) -> None:
        """Replace the settings.

        Raises:
            ValueError: for an unknown kind or a rate outside 0-1.
        """
        if settings.kind not in KINDS:
            msg = f"unknown fault kind {settings.kind!r}; expected one of {', '.join(KINDS)}"
            raise ValueError(msg)
        if not 0.0 <= settings.rate <= 1.0:
            msg = f"fault rate must be between 0 and 1, got {settings.rate}"
            raise ValueError(msg)
        with self._lock:
            self.settings = settings
            self._remaining = settings.count
            self._random = random.Random(settings.seed)  # noqa: S311 - not cryptographic
            self._cycle = 0

    def check(self, database: str) -> None:
        """Raise the configured fault if this statement is to fail.

        Raises:
            SQLError: a transient error or deadlock.
            ConnectionDropped: when the connection is to be dropped.
        """
        with self._lock:
            settings = self.settings
            if settings.kind == "off":
                return
            fire = False
            if self._remaining > 0:
                self._remaining -= 1
                fire = True
            elif settings.rate > 0 and self._random.random() < settings.rate:
                fire = True
            if not fire:
                return
            self.injected += 1
            kind = settings.kind
            if kind == "transient":
                number = (40613, 40501, 42109)[self._cycle % 3]
                self._cycle += 1
            elif kind == "deadlock":
                number = 1205
            elif kind == "drop":
                number = 0
            else:
                number = int(kind)
        if number == 0:
            raise ConnectionDropped("fault injection: connection dropped")
        severity = 13 if number == 1205 else 17 if number == 40613 else 16
        raise SQLError(number, _MESSAGES[number].format(db=database), severity=severity)
