"""The shared rate limiter: header-driven waits, 429 handling and the optional ceiling."""

from __future__ import annotations

import pytest

from tap_intercom.ratelimit import MIN_429_WAIT, RateLimiter


class FakeClock:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }


def make(clock: FakeClock, per_minute: float | None = None) -> RateLimiter:
    return RateLimiter(max_requests_per_minute=per_minute, clock=clock.time, sleep=clock.sleep)


def test_no_headers_no_ceiling_never_waits() -> None:
    clock = FakeClock()
    limiter = make(clock)
    for _ in range(1_000):
        limiter.acquire()
        limiter.observe({}, 200)
    assert clock.sleeps == []
    assert limiter.stats.requests == 1_000


def test_waits_until_reset_when_remaining_is_spent() -> None:
    clock = FakeClock(1_000.0)
    limiter = make(clock)
    limiter.acquire()
    limiter.observe(headers(10, 2, 1_007), 200)
    limiter.acquire()
    limiter.acquire()
    assert clock.sleeps == []
    limiter.acquire()  # the window has nothing left: wait for X-RateLimit-Reset
    assert clock.sleeps == [pytest.approx(7.0)]
    assert clock.now == pytest.approx(1_007.0)


def test_in_flight_requests_count_against_the_window() -> None:
    clock = FakeClock(1_000.0)
    limiter = make(clock)
    for _ in range(3):
        limiter.acquire()
    # The first response says 3 remain, but two requests are still in flight.
    limiter.observe(headers(10, 3, 1_005), 200)
    limiter.acquire()
    assert clock.sleeps == []
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(5.0)]


def test_429_waits_for_reset_not_a_fixed_sleep() -> None:
    clock = FakeClock(1_000.0)
    limiter = make(clock)
    limiter.acquire()
    limiter.observe(headers(167, 0, 1_003), 429)
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(3.0)]
    assert limiter.stats.throttled_responses == 1


def test_429_with_reset_in_the_past_waits_briefly() -> None:
    clock = FakeClock(1_000.0)
    limiter = make(clock)
    limiter.acquire()
    limiter.observe(headers(167, 0, 990), 429)
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(MIN_429_WAIT)]


def test_new_window_restores_the_allowance() -> None:
    clock = FakeClock(1_000.0)
    limiter = make(clock)
    limiter.acquire()
    limiter.observe(headers(5, 0, 1_010), 200)
    limiter.acquire()  # waits 10 s for the reset
    limiter.observe(headers(5, 4, 1_020), 200)
    for _ in range(4):
        limiter.acquire()
    assert clock.sleeps == [pytest.approx(10.0)]


def test_older_window_response_does_not_reset_the_estimate() -> None:
    clock = FakeClock(1_000.0)
    limiter = make(clock)
    limiter.acquire()
    limiter.acquire()
    limiter.observe(headers(10, 0, 1_010), 200)
    # A late response from an older window claims plenty remain: ignored.
    limiter.observe(headers(10, 9, 1_000), 200)
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(10.0)]


def test_ceiling_spreads_requests_at_the_configured_rate() -> None:
    clock = FakeClock(0.0)
    limiter = make(clock, per_minute=60)  # 1/s, burst of one 10-second window
    for _ in range(30):
        limiter.acquire()
        limiter.observe({}, 200)
    # 10 burst requests, then one per second.
    assert clock.now == pytest.approx(20.0)


def test_release_frees_an_in_flight_slot() -> None:
    clock = FakeClock(1_000.0)
    limiter = make(clock)
    limiter.acquire()
    limiter.acquire()
    limiter.release()
    limiter.observe(headers(10, 2, 1_010), 200)
    limiter.acquire()
    limiter.acquire()
    assert clock.sleeps == []
