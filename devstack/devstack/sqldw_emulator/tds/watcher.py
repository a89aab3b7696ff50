"""Interrupting a long statement when ATTENTION arrives while the engine is busy.

Between statements and result rows the connection thread notices ATTENTION itself. Inside one
long engine call (a big CTAS, COPY INTO) it cannot, so this helper watches the socket and, when
bytes arrive (the client may only send ATTENTION then), calls the session's optional
``interrupt()`` method. The connection thread still reads and answers the ATTENTION.
"""

from __future__ import annotations

import select
import threading
import typing as t

if t.TYPE_CHECKING:
    import socket

_POLL_SECONDS = 0.05


class AttentionWatcher:
    """Watches one socket while the engine executes.

    Args:
        sock: The client socket (raw; TLS records count as bytes too).
        interrupt: The session's ``interrupt()``.
    """

    def __init__(self, sock: socket.socket, interrupt: t.Callable[[], None]) -> None:
        self._sock = sock
        self._interrupt = interrupt
        self._active = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="tds-attention", daemon=True)
        self._thread.start()

    def __enter__(self) -> AttentionWatcher:
        self._active.set()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._active.clear()

    def close(self) -> None:
        """Stop the watcher thread."""
        self._closed.set()
        self._active.set()

    def _run(self) -> None:
        while not self._closed.is_set():
            self._active.wait()
            if self._closed.is_set():
                return
            try:
                ready, _, _ = select.select([self._sock], [], [], _POLL_SECONDS)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            with self._lock:
                if self._active.is_set():
                    self._active.clear()
                    self._interrupt()
