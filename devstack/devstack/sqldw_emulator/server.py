"""The SQL DW emulator's TCP server: one thread per client connection.

Owns the listening socket; hands each connection to tds/ with the engine it was given.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import typing as t

from devstack.sqldw_emulator.tds.connection import Connection, LoginRecord
from devstack.sqldw_emulator.tds.tls import server_context

if t.TYPE_CHECKING:
    import ssl

    from devstack.sqldw_emulator.api import Engine

LOG = logging.getLogger("devstack.sqldw_emulator")


class SQLDWEmulatorServer:
    """A TDS 7.4 listener that hands each connection to the engine.

    Args:
        engine: The SQL engine shared by all sessions.
        host: Address to bind (loopback by default).
        port: TCP port; 0 picks a free one (read :attr:`port` after :meth:`start`).
        tls: Offer TLS (self-signed certificate) so ``Encrypt=yes`` clients connect; without
            it the server answers ENCRYPT_NOT_SUP and only ``Encrypt=no`` clients connect.
        default_database: Database name reported when a login names none.
    """

    def __init__(
        self,
        engine: Engine,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: bool = True,
        default_database: str = "master",
    ) -> None:
        self.engine = engine
        self.host = host
        self._requested_port = port
        self.default_database = default_database
        self._tls_context: ssl.SSLContext | None = server_context() if tls else None
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.logins: list[LoginRecord] = []

    @property
    def port(self) -> int:
        """The bound port (valid after :meth:`start`)."""
        if self._listener is None:
            msg = "the server is not started"
            raise RuntimeError(msg)
        return int(self._listener.getsockname()[1])

    def start(self) -> SQLDWEmulatorServer:
        """Bind, listen and accept in a background thread.

        Returns:
            The server itself, so ``server = SQLDWEmulatorServer(...).start()`` reads well.
        """
        listener = socket.create_server((self.host, self._requested_port), backlog=128)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept_loop, name="tds-accept", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Block until :meth:`stop` is called from another thread (or a signal)."""
        self._stopping.wait()

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                sock, _address = listener.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connections.add(sock)
            threading.Thread(
                target=self._serve, args=(sock,), name="tds-connection", daemon=True
            ).start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            Connection(
                sock,
                self.engine,
                self._tls_context,
                self.default_database,
                on_login=self.logins.append,
            ).serve()
        finally:
            with self._lock:
                self._connections.discard(sock)

    def stop(self) -> None:
        """Stop accepting and close every open connection."""
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                # shutdown wakes the thread blocked in accept(); close alone does not on Linux.
                self._listener.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SQLDWEmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
