"""One rate limiter for every request of a run, paced by Intercom's X-RateLimit headers (pure).

Clock and sleep are injectable; how it paces: tap README, "Code layout".
"""

from __future__ import annotations

import threading
import time
import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# A 429 whose Reset is already past (clock skew, a window that just rolled) waits this long
# before the retry, so a refusing server is not hammered in a tight loop.
MIN_429_WAIT = 0.05


@dataclass(slots=True)
class RateLimitStats:
    """What the limiter saw and did, for logs and benchmarks."""

    requests: int = 0
    throttled_responses: int = 0
    waits: int = 0
    waited_seconds: float = 0.0
    limit: int | None = None


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


class RateLimiter:
    """Thread-safe, header-driven limiter with an optional requests-per-minute ceiling."""

    def __init__(
        self,
        *,
        max_requests_per_minute: float | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._limit: int | None = None
        self._in_flight = 0
        self._rate = max_requests_per_minute / 60.0 if max_requests_per_minute else None
        # One 10-second window's worth of burst, as Intercom itself allows.
        self._capacity = max(1.0, self._rate * 10.0) if self._rate else 0.0
        self._tokens = self._capacity
        self._refilled_at = clock()
        self.stats = RateLimitStats()

    def acquire(self) -> None:
        """Block until one request may be sent, then count it as in flight."""
        while True:
            with self._lock:
                wait = self._wait_needed(self._clock())
                if wait <= 0:
                    self._take()
                    return
                self.stats.waits += 1
                self.stats.waited_seconds += wait
            self._sleep(wait)

    def observe(self, headers: Mapping[str, str], status: int) -> None:
        """Record a response's rate-limit headers; call once per acquired request.

        Args:
            headers: The response headers.
            status: The HTTP status code.
        """
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            limit = _header_int(headers, "X-RateLimit-Limit")
            remaining = _header_int(headers, "X-RateLimit-Remaining")
            reset = _header_int(headers, "X-RateLimit-Reset")
            if limit is not None:
                self._limit = limit
                self.stats.limit = limit
            if status == 429:
                self.stats.throttled_responses += 1
                self._remaining = 0
                now = self._clock()
                self._reset_at = max(float(reset), now + MIN_429_WAIT) if reset else None
                if self._reset_at is None:
                    self._reset_at = now + MIN_429_WAIT
                return
            if remaining is None:
                return
            estimate = remaining - self._in_flight
            if reset is not None and (self._reset_at is None or reset > self._reset_at):
                # A newer window: the server's count replaces ours.
                self._reset_at = float(reset)
                self._remaining = estimate
            elif reset is None or reset == self._reset_at:
                current = self._remaining if self._remaining is not None else estimate
                self._remaining = min(current, estimate)
            # A response from an older window (reset < ours) says nothing about now.

    def release(self) -> None:
        """Forget an acquired request that got no response (timeout, connection reset)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    def _wait_needed(self, now: float) -> float:
        if self._reset_at is not None and now >= self._reset_at:
            # The server's window rolled over: its allowance is back.
            self._reset_at = None
            self._remaining = None if self._limit is None else self._limit - self._in_flight
        wait = 0.0
        if self._remaining is not None and self._remaining <= 0:
            wait = (self._reset_at - now) if self._reset_at is not None else MIN_429_WAIT
        if self._rate:
            self._refill(now)
            if self._tokens < 1.0:
                wait = max(wait, (1.0 - self._tokens) / self._rate)
        return wait

    def _refill(self, now: float) -> None:
        assert self._rate is not None
        elapsed = max(0.0, now - self._refilled_at)
        self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
        self._refilled_at = now

    def _take(self) -> None:
        self._in_flight += 1
        self.stats.requests += 1
        if self._remaining is not None:
            self._remaining -= 1
        if self._rate:
            self._tokens -= 1.0
