"""Rate limiting over 10-second windows and the companies scroll's one-at-a-time rule."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
import uuid

from devstack.intercom_sandbox import errors

WINDOW_SECONDS = 10


@dataclasses.dataclass(frozen=True)
class Allowance:
    """What the rate-limit headers report for one request."""

    limit: int
    remaining: int
    reset: int
    allowed: bool

    def headers(self) -> dict[str, str]:
        """``X-RateLimit-*`` headers."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class RateLimiter:
    """Requests per app in fixed 10-second windows aligned to the wall clock.

    Tests may shorten the window (``rate_window_seconds``) so a refill takes a moment.

    ``X-RateLimit-Reset`` is the Unix time the current window ends, when the allowance refills.
    """

    def __init__(self, limit: int, window_seconds: int = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._window = -1
        self._used = 0
        self._lock = threading.Lock()

    def set_limit(self, limit: int) -> None:
        """Change the allowance (takes effect at once)."""
        with self._lock:
            self.limit = limit

    def take(self) -> Allowance:
        """Count one request and say whether it is within the window's allowance."""
        now = time.time()
        window = math.floor(now / self.window_seconds)
        with self._lock:
            if window != self._window:
                self._window, self._used = window, 0
            reset = (window + 1) * self.window_seconds
            if self._used >= self.limit:
                return Allowance(self.limit, 0, reset, allowed=False)
            self._used += 1
            return Allowance(self.limit, self.limit - self._used, reset, allowed=True)


class ScrollManager:
    """The companies scroll: one open per workspace, idle expiry, restart on failure."""

    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self._param: str | None = None
        self._position = 0
        self._last_used = 0.0
        self._lock = threading.Lock()

    def _expired(self) -> bool:
        return time.monotonic() - self._last_used > self.idle_seconds

    def open(self) -> str:
        """Open a new scroll.

        Raises:
            ApiError: 400 ``scroll_exists`` while another scroll is open and not expired.
        """
        with self._lock:
            if self._param is not None and not self._expired():
                raise errors.ApiError(
                    400, "scroll_exists", "scroll already exists for this workspace"
                )
            self._param = str(uuid.uuid4())
            self._position = 0
            self._last_used = time.monotonic()
            return self._param

    def advance(self, param: str, size: int, available: int) -> tuple[int, int]:
        """Take the next ``size`` rows of ``available`` for ``param``: the [start, end) range.

        Raises:
            ApiError: 404 for an unknown, finished or expired scroll param.
        """
        with self._lock:
            if param != self._param or self._expired():
                if param == self._param:
                    self._param = None
                raise errors.not_found("scroll_param is not valid or has expired")
            start = self._position
            end = min(available, start + size)
            self._position = end
            self._last_used = time.monotonic()
            if start >= available:
                # The empty page ends the scroll: its param is no longer valid.
                self._param = None
            return start, end

    def abort(self) -> None:
        """Forget the open scroll (after the 500 that tells clients to restart)."""
        with self._lock:
            self._param = None

    @property
    def is_open(self) -> bool:
        """Whether a scroll is open and not expired."""
        with self._lock:
            return self._param is not None and not self._expired()
