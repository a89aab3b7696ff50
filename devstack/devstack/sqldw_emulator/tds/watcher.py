"""Interrupting a long statement when ATTENTION arrives while the engine is busy.

A thread that watches the client socket and calls the session's ``interrupt()``.
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
        is_attention: Called on the watcher thread while the connection thread is inside the
            engine, when bytes arrive: True when the unread input starts with an ATTENTION or
            the client closed. It may move the bytes into the connection's read buffer.
    """

    def __init__(
        self,
        sock: socket.socket,
        interrupt: t.Callable[[], None],
        is_attention: t.Callable[[], bool],
    ) -> None:
        self._sock = sock
        self._interrupt = interrupt
        self._is_attention = is_attention
        self._running = False
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="tds-attention", daemon=True)
        self._thread.start()

    def __enter__(self) -> AttentionWatcher:
        self._running = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Waits for a check in progress: afterwards the connection thread owns the stream.
        with self._lock:
            self._running = False

    def close(self) -> None:
        """Stop the watcher thread."""
        self._closed.set()

    def _run(self) -> None:
        while not self._closed.is_set():
            if not self._running:
                self._closed.wait(_POLL_SECONDS)
                continue
            try:
                ready, _, _ = select.select([self._sock], [], [], _POLL_SECONDS)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            with self._lock:
                # The select may have begun during an earlier statement and seen the next
                # request: only input checked while a statement still runs may interrupt it.
                if self._running and not self._closed.is_set() and self._is_attention():
                    self._running = False  # one interrupt per statement
                    try:
                        self._interrupt()
                    except Exception:  # a session closing under us has nothing to stop
                        return
                    continue
            # Not a cancel. The check normally drained the socket into the connection's
            # buffer; if it could not, do not spin on the same bytes.
            self._closed.wait(_POLL_SECONDS)
