"""The pool: concurrent requests keyed by identity, results taken in a deterministic order."""

from __future__ import annotations

import threading
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor

if t.TYPE_CHECKING:
    from collections.abc import Callable, Hashable


class Prefetcher:
    """A bounded thread pool keyed by request identity.

    Args:
        max_workers: Concurrent requests; 1 disables the pool (requests run inline).
    """

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max(1, max_workers)
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[Hashable, Future[t.Any]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether requests run in the background."""
        return self.max_workers > 1

    def submit(self, key: Hashable, fn: Callable[[], t.Any]) -> None:
        """Start ``fn`` in the background unless ``key`` is already pending.

        Args:
            key: Identity of the request, e.g. ``("conversation", "123")``.
            fn: Performs the request and returns its result.
        """
        if not self.enabled:
            return
        with self._lock:
            if key in self._futures:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.max_workers, thread_name_prefix="tap-intercom"
                )
            self._futures[key] = self._pool.submit(fn)

    def take(self, key: Hashable, fn: Callable[[], t.Any]) -> t.Any:
        """The result for ``key``: from its background request, or ``fn()`` run now.

        Args:
            key: Identity of the request.
            fn: Performs the request when it was not prefetched.

        Returns:
            The request's result; its exception is raised here.
        """
        with self._lock:
            future = self._futures.pop(key, None)
        if future is None:
            return fn()
        return future.result()

    def discard(self, key: Hashable) -> None:
        """Forget a prefetched request whose result will not be used.

        Args:
            key: Identity of the request.
        """
        with self._lock:
            future = self._futures.pop(key, None)
        if future is not None:
            future.cancel()

    def close(self) -> None:
        """Stop the pool, cancelling requests nobody will consume."""
        with self._lock:
            pool, self._pool = self._pool, None
            for future in self._futures.values():
                future.cancel()
            self._futures.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
