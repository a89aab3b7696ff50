"""The one HTTP path: headers, auth, timeouts, the shared rate limiter, retries, error mapping."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlparse

import requests

from tap_intercom.errors import (
    IntercomRateLimitedError,
    IntercomServerError,
    IntercomTransportError,
    classify,
)
from tap_intercom.pagination import decode
from tap_intercom.ratelimit import RateLimiter

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

LOGGER = logging.getLogger("tap-intercom")

RETRIABLE_NETWORK_ERRORS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    ConnectionResetError,
)
#: Seconds of retries a connection that cannot even be opened gets (refused, unknown host):
#: long enough for a blip, short enough that a wrong ``api_url`` fails in seconds.
CONNECT_RETRY_SECONDS = 15.0
#: Seconds to wait for a connection to open (the read timeout is ``request_timeout``): a
#: host that drops packets fails in seconds, not after ``request_timeout``.
CONNECT_TIMEOUT_SECONDS = 10.0


@dataclass(slots=True)
class RetryPolicy:
    """How failed requests are retried.

    Attributes:
        max_retries: Retries after the first attempt for 5xx, timeouts and resets.
        backoff_seconds: Base of the exponential backoff (attempt n waits about base * 2**n,
            with full jitter).
        max_backoff_seconds: Upper bound of one backoff wait.
        max_rate_limited: How many 429s in a row one request may receive before giving up.
    """

    max_retries: int = 5
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0
    max_rate_limited: int = 20

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Jittered exponential wait before retry number ``attempt`` (1-based).

        Args:
            attempt: The retry number, starting at 1.
            rng: A source of floats in [0, 1), injectable for tests.

        Returns:
            Seconds to wait.
        """
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * (2 ** (attempt - 1)))
        # Half fixed, half random: retries from parallel threads spread out, yet never
        # come back immediately.
        return ceiling / 2 + rng() * ceiling / 2


@dataclass(slots=True)
class TransportStats:
    """Counters for logs and benchmarks."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    by_path: dict[str, int] = field(default_factory=dict)


class Transport:
    """Sends requests to one Intercom base URL with the run's limiter and retry policy."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        timeout: float,
        limiter: RateLimiter,
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers)
        self.timeout = timeout
        self.limiter = limiter
        self.policy = policy
        self.stats = TransportStats()
        self._sleep = sleep
        self._local = threading.local()
        self._stats_lock = threading.Lock()

    def url(self, path_or_url: str) -> str:
        """The absolute URL of an API path (absolute URLs pass through).

        Args:
            path_or_url: ``/contacts/1`` or ``https://...``.

        Returns:
            The absolute URL.
        """
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.base_url + "/" + path_or_url.lstrip("/")

    @property
    def session(self) -> requests.Session:
        """A session for the calling thread (sessions are not shared between threads)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(self.headers)
            self._local.session = session
        return session

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, t.Any] | str | None = None,
        json: t.Any = None,
        retry_server_errors: bool = True,
    ) -> t.Any:
        """Send one request (with retries) and return its decoded JSON body.

        Args:
            method: HTTP method.
            path: API path or absolute URL.
            params: Query parameters (a mapping, or an encoded query string).
            json: JSON body.
            retry_server_errors: False for requests that must not be repeated after a 5xx
                (the companies scroll cannot be resumed).

        Returns:
            The decoded body, with floats as ``Decimal``.
        """
        response = self.send(
            method, path, params=params, json=json, retry_server_errors=retry_server_errors
        )
        return decode(response)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, t.Any] | str | None = None,
        json: t.Any = None,
        retry_server_errors: bool = True,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send one request (with retries) and return the successful response.

        Args:
            method: HTTP method.
            path: API path or absolute URL.
            params: Query parameters (a mapping, or an encoded query string).
            json: JSON body.
            retry_server_errors: False for requests that must not be repeated after a 5xx.
            headers: Headers added to the session's (``Accept: text/plain`` for a file).
            stream: Return once the headers are in; the caller reads the body (a download
                too large to hold) and closes the response.

        Returns:
            The response (its body decoded by :func:`~tap_intercom.pagination.decode`).
        """
        url = self.url(path)
        return self.execute(
            lambda: self.session.request(
                method,
                url,
                params=params,
                json=json,
                headers=headers,
                stream=stream,
                timeout=(min(CONNECT_TIMEOUT_SECONDS, self.timeout), self.timeout),
            ),
            what=f"{method} {_path_of(url)}",
            retry_server_errors=retry_server_errors,
        )

    def execute(
        self,
        send: Callable[[], requests.Response],
        *,
        what: str,
        retry_server_errors: bool = True,
    ) -> requests.Response:
        """Run ``send`` under the limiter, retrying what Intercom says is transient.

        Args:
            send: Sends the request once and returns the response.
            what: ``METHOD /path`` for messages (never includes query strings or tokens).
            retry_server_errors: Whether 5xx responses are retried.

        Returns:
            The successful response.

        Raises:
            IntercomTransportError: A timeout or connection failure outlasted the retries.
            IntercomError: The mapped error of a refused request (see ``errors.classify``).
        """
        attempt = 0
        throttled = 0
        started = time.monotonic()
        while True:
            self.limiter.acquire()
            self._count(what)
            try:
                response = send()
            except RETRIABLE_NETWORK_ERRORS as exc:
                self.limiter.release()
                attempt += 1
                unreachable = connect_failure(exc)
                if unreachable:
                    # Counted from the first attempt: a resolver that hangs spends the
                    # budget too.
                    spent = time.monotonic() - started
                    if (
                        attempt > self.policy.max_retries
                        or spent + self.policy.backoff(attempt, lambda: 1.0) > CONNECT_RETRY_SECONDS
                    ):
                        host = self._host_of(exc)
                        msg = (
                            f"Cannot reach the Intercom API at {host}: {unreachable} "
                            f"({what}, {attempt} attempts); check api_url or region and "
                            "the network"
                        )
                        raise IntercomTransportError(msg) from exc
                    self._retry(what, attempt, f"{unreachable} at {self._host_of(exc)}")
                    continue
                if attempt > self.policy.max_retries:
                    msg = f"{what} failed after {attempt} attempts: {type(exc).__name__}"
                    raise IntercomTransportError(msg) from exc
                self._retry(what, attempt, type(exc).__name__)
                continue
            self.limiter.observe(response.headers, response.status_code)
            error = classify(response, what)
            if error is None:
                return response
            if isinstance(error, IntercomRateLimitedError):
                throttled += 1
                with self._stats_lock:
                    self.stats.rate_limited += 1
                if throttled > self.policy.max_rate_limited:
                    raise error
                # No sleep here: the limiter now knows the window is spent and makes the
                # next acquire() wait until X-RateLimit-Reset.
                continue
            if isinstance(error, IntercomServerError) and retry_server_errors:
                attempt += 1
                if attempt > self.policy.max_retries:
                    raise error
                self._retry(what, attempt, str(response.status_code))
                continue
            raise error

    def _host_of(self, exc: BaseException) -> str:
        request = getattr(exc, "request", None)
        url = getattr(request, "url", None) or self.base_url
        parsed = urlparse(str(url))
        return parsed.netloc.rpartition("@")[2] or str(url)

    def _retry(self, what: str, attempt: int, reason: str) -> None:
        wait = self.policy.backoff(attempt)
        with self._stats_lock:
            self.stats.retries += 1
        LOGGER.warning(
            "%s: %s, retry %d/%d in %.2fs", what, reason, attempt, self.policy.max_retries, wait
        )
        self._sleep(wait)

    def _count(self, what: str) -> None:
        with self._stats_lock:
            self.stats.requests += 1
            key = path_template(what)
            self.stats.by_path[key] = self.stats.by_path.get(key, 0) + 1


def connect_failure(exc: BaseException) -> str | None:
    """What kept a connection from being opened, or None for failures of an open one.

    Args:
        exc: The exception a request raised.

    Returns:
        ``connection refused``, ``host name not found``, ``connect timeout`` or ``no
        connection``; None for read timeouts, resets and broken responses.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect timeout"
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(
        exc, requests.exceptions.ReadTimeout
    ):
        return None
    text = repr(exc)
    if "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return "host name not found"
    if "Temporary failure in name resolution" in text or "nodename nor servname" in text:
        return "host name not found"
    if "ConnectionRefused" in text or "Connection refused" in text:
        return "connection refused"
    if "NewConnectionError" in text or "Failed to establish" in text:
        return "no connection"
    return None


_ID_SEGMENT = re.compile(r"^(?=.*\d)[0-9A-Za-z_-]{1,64}$")


def _path_of(url: str) -> str:
    return urlparse(url).path or "/"


def path_template(what: str) -> str:
    """``GET /conversations/123`` -> ``GET /conversations/{id}`` (for per-endpoint counters).

    Args:
        what: ``METHOD /path``.

    Returns:
        The same with id-like path segments replaced by ``{id}``.
    """
    method, _, path = what.partition(" ")
    segments = ["{id}" if _ID_SEGMENT.match(s) else s for s in path.split("/")]
    return f"{method} {'/'.join(segments)}"
