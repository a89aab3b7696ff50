"""Interrupting a long statement when ATTENTION arrives while the engine is busy.

Between statements and result rows the connection thread notices ATTENTION itself. Inside one
long engine call (a big CTAS, COPY INTO) it cannot, so this helper watches the socket and, when
bytes arrive, asks the connection whether they start an ATTENTION (or the client went away);
only then does it call the session's optional ``interrupt()`` method. Anything else (a TLS
record without data, a late request) never interrupts: a statement must not be cancelled by
bytes that are not a cancel. The connection thread still reads and answers the ATTENTION.
"""

from __future__ import annotations

import select
import socket
import threading
import time
import typing as t

_POLL_SECONDS = 0.05


class AttentionWatcher:
    """Watches one socket while the engine executes.

    Args:
        sock: The client socket (raw; TLS records count as bytes too).
        interrupt: The session's ``interrupt()``.
        is_attention: Called (on the watcher thread, while the connection thread waits on the
            engine) when bytes arrive; True when they start an ATTENTION or the client closed.
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
            if not _attention_pending(self._sock):
                # Readiness without an ATTENTION behind it (no bytes yet, or a socket our
                # own thread is closing) must not cancel the statement: look again shortly.
                time.sleep(_POLL_SECONDS)
                continue
            with self._lock:
                # The select may have started during an earlier statement: only an
                # ATTENTION seen while this statement runs may interrupt it.
                if self._active.is_set() and self._is_attention():
                    self._active.clear()
                    try:
                        self._interrupt()
                    except Exception:  # a session closing under us has nothing to stop
                        return


# First byte of what a client may send while a statement runs: an ATTENTION packet (type 6),
# or, on an encrypted connection, the TLS application-data record (23) that carries it.
_ATTENTION_FIRST_BYTES = frozenset({0x06, 0x17})


def _attention_pending(sock: socket.socket) -> bool:
    """Whether the bytes waiting on ``sock`` can be an ATTENTION (or the client hung up)."""
    try:
        head = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except OSError:
        return False
    # An empty read is the client closing the connection: the statement has no one to answer.
    return not head or head[0] in _ATTENTION_FIRST_BYTES
