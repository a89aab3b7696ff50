"""One client connection: PRELOGIN, TLS, LOGIN7, then the request loop.

Owns the client socket and the engine session it opens through api.Engine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import re
import struct
import threading
import typing as t

from devstack.sqldw_emulator.api import ConnectionDropped, SQLError
from devstack.sqldw_emulator.tds import tokens
from devstack.sqldw_emulator.tds.fedauth import (
    FEATURE_FEDAUTH,
    FEATURE_UTF8_SUPPORT,
    fedauth_ack,
    fedauth_token,
    utf8_ack,
)
from devstack.sqldw_emulator.tds.login import (
    Login7,
    choose_packet_size,
    login_response,
    parse_login7,
)
from devstack.sqldw_emulator.tds.packets import (
    DEFAULT_PACKET_SIZE,
    Message,
    MessageWriter,
    PacketType,
    Transport,
    read_message,
    wrap_packets,
)
from devstack.sqldw_emulator.tds.prelogin import (
    Encryption,
    build_prelogin_response,
    negotiate,
    parse_prelogin,
)
from devstack.sqldw_emulator.tds.procedures import Procedures
from devstack.sqldw_emulator.tds.results import Cancelled, StatementSink
from devstack.sqldw_emulator.tds.rpc import (
    TM_BEGIN_XACT,
    TM_COMMIT_XACT,
    TM_ROLLBACK_XACT,
    parse_rpc,
    parse_sql_batch,
    parse_transaction_request,
)
from devstack.sqldw_emulator.tds.transport import SocketTransport, TLSTransport
from devstack.sqldw_emulator.tds.watcher import AttentionWatcher
from devstack.sqldw_emulator.tds.wire import ProtocolError

if t.TYPE_CHECKING:
    import socket
    import ssl

    from devstack.sqldw_emulator.api import Engine, Session, StatementResult

LOG = logging.getLogger("devstack.sqldw_emulator.tds")
SERVER_NAME = "sqldw-emulator"
_SPIDS = itertools.count(51)
_SPID_LOCK = threading.Lock()
# FreeTDS asks for type information with a batch, not an RPC.
_DATATYPE_BATCH = re.compile(
    r"^\s*(?:exec(?:ute)?\s+)?(?:\[?sys\]?\.)?\[?(sp_datatype_info(?:_100|_90)?)\]?"
    r"(?:\s+(-?\d+)(?:\s*,\s*(\d+))?)?\s*;?\s*$",
    re.IGNORECASE,
)


@dataclasses.dataclass(frozen=True, slots=True)
class LoginRecord:
    """What a successful login negotiated (for logs and tests).

    Attributes:
        spid: The session id.
        user: The login name.
        app: The client's application name.
        encryption: ``"on"`` (all traffic TLS), ``"login"`` (only LOGIN7) or ``"off"``.
        packet_size: The negotiated packet size.
    """

    spid: int
    user: str
    app: str
    encryption: str
    packet_size: int


class ClientGone(Exception):  # noqa: N818 - names the event
    """The client closed the connection."""


class Connection:
    """Serves one client socket until it disconnects.

    Args:
        sock: The accepted socket.
        engine: The shared SQL engine.
        tls_context: Server TLS context, or ``None`` to answer ENCRYPT_NOT_SUP.
        default_database: Database reported when the login names none.
        on_login: Called with a :class:`LoginRecord` after each successful login.
    """

    def __init__(
        self,
        sock: socket.socket,
        engine: Engine,
        tls_context: ssl.SSLContext | None,
        default_database: str,
        on_login: t.Callable[[LoginRecord], None] | None = None,
    ) -> None:
        self.sock = sock
        self.on_login = on_login
        self.engine = engine
        self.tls_context = tls_context
        self.default_database = default_database
        self.raw = SocketTransport(sock)
        self.transport: Transport = self.raw
        self.packet_size = DEFAULT_PACKET_SIZE
        with _SPID_LOCK:
            self.spid = next(_SPIDS)
        self.session: Session | None = None
        self.utf8 = False
        self.procedures = Procedures(self)
        self._queued: Message | None = None
        self._in_transaction = False
        self._descriptors = itertools.count(1)
        self._descriptor = b"\x00" * 8
        self._writer: MessageWriter | None = None
        self._watcher: AttentionWatcher | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def serve(self) -> None:
        """Run the connection to its end; never raises."""
        try:
            if self._handshake():
                self._loop()
        except (ClientGone, ConnectionDropped, OSError):
            pass
        except ProtocolError as exc:
            LOG.info("spid %s: protocol error: %s", self.spid, exc)
        except Exception:
            LOG.exception("spid %s: internal error", self.spid)
        finally:
            self._close()

    def _close(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
        if self.session is not None:
            try:
                self.session.close()
            except Exception:
                LOG.exception("spid %s: closing the session failed", self.spid)
            self.session = None
        with contextlib.suppress(OSError):
            self.sock.close()

    def _read(self) -> Message:
        if self._queued is not None:
            queued, self._queued = self._queued, None
            return queued
        message = read_message(self.transport)
        if message is None:
            raise ClientGone
        return message

    # -- login -----------------------------------------------------------------------------

    def _handshake(self) -> bool:
        first = self._read()
        if first.type != PacketType.PRELOGIN:
            msg = f"expected PRELOGIN, got packet type {first.type:#x}"
            raise ProtocolError(msg)
        client = parse_prelogin(first.payload)
        answer = negotiate(client.encryption, tls_available=self.tls_context is not None)
        prelogin = build_prelogin_response(answer, fedauth=client.fedauth_required)
        self.raw.sendall(wrap_packets(PacketType.TABULAR_RESULT, prelogin))
        login_only = False
        if answer in (Encryption.ON, Encryption.OFF) and self.tls_context is not None:
            tls = TLSTransport(self.raw, self.tls_context)
            tls.handshake()
            self.transport = tls
            login_only = answer == Encryption.OFF
        message = self._read()
        if login_only:
            # Only LOGIN7 was protected; the rest of the conversation is plain.
            self.transport = self.raw
        if message.type != PacketType.LOGIN7:
            msg = f"expected LOGIN7, got packet type {message.type:#x}"
            raise ProtocolError(msg)
        login = parse_login7(message.payload)
        user = self._authenticate(login)
        if user is None:
            return False
        try:
            self.session = self.engine.open_session(user, login.database or None)
        except SQLError as exc:
            self._send_login_error(exc.number, exc.message, state=exc.state, severity=exc.severity)
            return False
        interrupt = getattr(self.session, "interrupt", None)
        if callable(interrupt):
            self._watcher = AttentionWatcher(self.sock, interrupt, self._attention_waiting)
        self.packet_size = choose_packet_size(login.packet_size)
        # UTF-8 char data (a Fabric Warehouse) only for a client that can read it.
        self.utf8 = self.engine.utf8_varchar and FEATURE_UTF8_SUPPORT in login.features
        acknowledged = fedauth_ack() if FEATURE_FEDAUTH in login.features else b""
        if self.utf8:
            acknowledged += utf8_ack()
        writer = MessageWriter(self.transport, DEFAULT_PACKET_SIZE, self.spid)
        writer.write(
            login_response(
                database=login.database or self.default_database,
                packet_size=self.packet_size,
                server_name=SERVER_NAME,
                with_feature_ack=bool(login.features),
                acknowledged=acknowledged,
                collation=tokens.UTF8_COLLATION if self.utf8 else tokens.DEFAULT_COLLATION,
            )
        )
        writer.finish()
        mode = {Encryption.ON: "on", Encryption.OFF: "login"}.get(answer, "off")
        record = LoginRecord(self.spid, user, login.app_name, mode, self.packet_size)
        LOG.info("%s", record)
        if self.on_login is not None:
            self.on_login(record)
        return True

    def _authenticate(self, login: Login7) -> str | None:
        """The session's login name, or None after sending the login error.

        An Entra ID token (FEDAUTH) is checked by the engine; otherwise the SQL login is.
        """
        if FEATURE_FEDAUTH in login.features:
            try:
                token = fedauth_token(login.features[FEATURE_FEDAUTH])
            except ProtocolError as exc:
                self._send_login_error(18456, f"Login failed: {exc}.", state=1, severity=14)
                return None
            try:
                return self.engine.check_access_token(token)
            except SQLError as exc:
                LOG.info("spid %s: token login failed: %s", self.spid, exc.message)
                self._send_login_error(
                    exc.number, exc.message, state=exc.state, severity=exc.severity
                )
                return None
        if not self.engine.check_login(login.user_name, login.password):
            LOG.info("spid %s: login failed for user %r", self.spid, login.user_name)
            self._send_login_error(
                18456, f"Login failed for user '{login.user_name}'.", state=1, severity=14
            )
            return None
        return login.user_name

    def _send_login_error(self, number: int, message: str, *, state: int, severity: int) -> None:
        writer = MessageWriter(self.transport, DEFAULT_PACKET_SIZE, self.spid)
        writer.write(tokens.error(number, message, SERVER_NAME, state=state, severity=severity))
        writer.write(tokens.done(tokens.DONE_ERROR, 0, 0))
        writer.finish()

    # -- requests --------------------------------------------------------------------------

    def _loop(self) -> None:
        handlers: dict[int, t.Callable[[bytes, MessageWriter], None]] = {
            PacketType.SQL_BATCH: self._sql_batch,
            PacketType.RPC: self._rpc,
            PacketType.TRANSACTION_MANAGER: self._transaction_manager,
        }
        while True:
            message = self._read()
            writer = MessageWriter(self.transport, self.packet_size, self.spid)
            self._writer = writer
            if message.type == PacketType.ATTENTION:
                writer.write(tokens.done(tokens.DONE_ATTN, 0, 0))
                writer.finish()
                continue
            handler = handlers.get(message.type)
            try:
                if handler is None:
                    number, text = 4002, f"Unsupported request (packet type {message.type:#x})."
                    writer.write(tokens.error(number, text, SERVER_NAME))
                    writer.write(tokens.done(tokens.DONE_ERROR, 0, 0))
                else:
                    handler(message.payload, writer)
            except Cancelled:
                # The client discards everything up to the DONE that acknowledges ATTENTION.
                self._sync_transaction(writer)
                writer.write(tokens.done(tokens.DONE_ATTN, 0, 0))
            writer.finish()

    def _attention_waiting(self) -> bool:
        """Whether the unread input starts with ATTENTION, or the client closed (watcher thread).

        Runs only while the connection thread is inside the engine, so the transport is idle.
        """
        if self._queued is not None:
            return False
        try:
            head = self.transport.peek_nowait()
        except (OSError, ValueError, ProtocolError):
            return True  # the socket is closing: stop the work
        if head is None:
            return True
        return bool(head) and head[0] == PacketType.ATTENTION

    def check_attention(self) -> None:
        """Raise :class:`Cancelled` if the client sent ATTENTION; queue any other message.

        Raises:
            Cancelled: when ATTENTION is waiting.
            ClientGone: when the client disconnected.
        """
        if self._queued is not None or not self.transport.readable():
            return
        message = read_message(self.transport)
        if message is None:
            raise ClientGone
        if message.type == PacketType.ATTENTION:
            raise Cancelled
        self._queued = message

    def _sync_transaction(self, writer: MessageWriter, *, rolled_back: bool = False) -> None:
        """Report a change of the session's transaction state with ENVCHANGE."""
        if self.session is None:
            return
        now = self.session.in_transaction
        if now and not self._in_transaction:
            self._descriptor = struct.pack("<Q", next(self._descriptors))
            writer.write(tokens.envchange_bytes(tokens.ENV_BEGIN_TRAN, self._descriptor, b""))
        elif self._in_transaction and not now:
            kind = tokens.ENV_ROLLBACK_TRAN if rolled_back else tokens.ENV_COMMIT_TRAN
            writer.write(tokens.envchange_bytes(kind, b"", self._descriptor))
        self._in_transaction = now

    def make_sink(self, writer: MessageWriter, *, in_proc: bool, text: str = "") -> StatementSink:
        """A statement sink wired to this connection's attention and transaction tracking."""
        rolled_back = "rollback" in text.lower()
        return StatementSink(
            writer,
            in_proc=in_proc,
            check_attention=self.check_attention,
            on_statement=lambda: self._sync_transaction(writer, rolled_back=rolled_back),
            server_name=SERVER_NAME,
            utf8=self.utf8,
        )

    def execute(self, sql: str, params: t.Sequence[t.Any] = ()) -> t.Iterator[StatementResult]:
        """Run a batch on the session, watched for ATTENTION when the engine can interrupt."""
        if self.session is None:
            msg = "no session"
            raise ProtocolError(msg)
        results = self.session.execute(sql, params)
        if self._watcher is None:
            return results
        return self._watched(results, self._watcher)

    @staticmethod
    def _watched(
        results: t.Iterator[StatementResult], watcher: AttentionWatcher
    ) -> t.Iterator[StatementResult]:
        # Only the engine's own work is watched: while tokens are written the connection
        # thread polls for ATTENTION itself.
        iterator = iter(results)
        try:
            while True:
                with watcher:
                    result = next(iterator, None)
                if result is None:
                    return
                yield result
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    def _sql_batch(self, payload: bytes, writer: MessageWriter) -> None:
        text = parse_sql_batch(payload)
        special = _DATATYPE_BATCH.match(text)
        if special:
            data_type = int(special.group(2)) if special.group(2) else None
            self.procedures.datatype_info_batch(writer, data_type)
            return
        sink = self.make_sink(writer, in_proc=False, text=text)
        sink.consume(self.execute(text))
        if sink.failed:
            self.check_attention()  # an interrupted statement answers the ATTENTION
        self._sync_transaction(writer, rolled_back="rollback" in text.lower())
        sink.finish(more=False)

    def _rpc(self, payload: bytes, writer: MessageWriter) -> None:
        try:
            calls = parse_rpc(payload)
        except SQLError as exc:
            writer.write(tokens.error(exc.number, exc.message, SERVER_NAME, state=exc.state))
            writer.write(tokens.done(tokens.DONE_ERROR, 0, 0))
            return
        for index, call in enumerate(calls):
            self.procedures.call(writer, call, more=index < len(calls) - 1)

    def _transaction_manager(self, payload: bytes, writer: MessageWriter) -> None:
        request = parse_transaction_request(payload)
        session = self.session
        if session is None:
            msg = "no session"
            raise ProtocolError(msg)
        try:
            if request.kind == TM_BEGIN_XACT:
                session.begin_transaction()
                self._sync_transaction(writer)
            elif request.kind in (TM_COMMIT_XACT, TM_ROLLBACK_XACT):
                rollback = request.kind == TM_ROLLBACK_XACT
                if not session.in_transaction:
                    number = 3903 if rollback else 3902
                    verb = "ROLLBACK" if rollback else "COMMIT"
                    text = f"The {verb} TRANSACTION request has no corresponding BEGIN TRANSACTION."
                    raise SQLError(number, text)
                if rollback:
                    session.rollback()
                else:
                    session.commit()
                self._sync_transaction(writer, rolled_back=rollback)
                if request.begin_after:
                    session.begin_transaction()
                    self._sync_transaction(writer)
            else:
                raise SQLError(40000, "Distributed transactions are not supported.")
        except SQLError as exc:
            self._sync_transaction(writer)
            writer.write(tokens.error(exc.number, exc.message, SERVER_NAME, state=exc.state,
                                      severity=exc.severity))  # fmt: skip
            writer.write(tokens.done(tokens.DONE_ERROR, 0, 0))
            return
        writer.write(tokens.done(0, 0, 0))
