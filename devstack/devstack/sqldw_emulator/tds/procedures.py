"""The system procedures drivers call by RPC: sp_executesql, the prepare family, catalog calls.

Runs statements on the connection's engine session; writes their results.
"""

from __future__ import annotations

import itertools
import logging
import typing as t

from devstack.sqldw_emulator.api import ConnectionDropped, SQLError, SQLType, StatementResult
from devstack.sqldw_emulator.declarations import Declared, parse_declarations
from devstack.sqldw_emulator.tds import tokens
from devstack.sqldw_emulator.tds.catalog import datatype_info, describe_parameters
from devstack.sqldw_emulator.tds.datatypes import codec_for
from devstack.sqldw_emulator.tds.inference import infer_parameter_types
from devstack.sqldw_emulator.tds.param_binding import bind
from devstack.sqldw_emulator.tds.results import Cancelled
from devstack.sqldw_emulator.tds.rpc import RpcCall, normalize_proc_name
from devstack.sqldw_emulator.tds.wire import ProtocolError

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from devstack.sqldw_emulator.api import ResultSet, Session
    from devstack.sqldw_emulator.tds.packets import MessageWriter
    from devstack.sqldw_emulator.tds.results import StatementSink
    from devstack.sqldw_emulator.tds.rpc import RpcParam

LOG = logging.getLogger("devstack.sqldw_emulator.tds")
_PREPARE_FAMILY = frozenset(
    {"sp_prepare", "sp_prepexec", "sp_prepexecrpc", "sp_execute", "sp_unprepare"}
)
_INT = codec_for(SQLType("int"))


class RpcConnection(t.Protocol):
    """What the procedures need from their connection (``connection.Connection`` is one)."""

    @property
    def session(self) -> Session | None:
        """The engine session, once logged in."""
        ...

    def make_sink(self, writer: MessageWriter, *, in_proc: bool, text: str = "") -> StatementSink:
        """A statement sink wired to the connection's attention and transaction tracking."""
        ...

    def execute(self, sql: str, params: t.Sequence[t.Any] = ()) -> Iterator[StatementResult]:
        """Run a batch on the session."""
        ...


class Prepared(t.NamedTuple):
    """A statement prepared with sp_prepare / sp_prepexec."""

    declared: list[Declared]
    sql: str


def _text(param: RpcParam | None) -> str:
    if param is None or param.value is None:
        return ""
    value = param.value
    return value if isinstance(value, str) else str(value)


def _int(param: RpcParam | None) -> int | None:
    if param is None or param.value is None:
        return None
    return int(param.value)


class Procedures:
    """Dispatches RPC calls for one connection; owns its prepared-statement handles.

    Args:
        connection: The connection whose session runs the statements.
    """

    def __init__(self, connection: RpcConnection) -> None:
        self.connection = connection
        self.prepared: dict[int, Prepared] = {}
        self._handles = itertools.count(1)
        self._dispatch: dict[str, Callable[[MessageWriter, RpcCall], int | None]] = {
            "sp_executesql": self._executesql,
            "sp_prepare": self._prepare,
            "sp_prepexec": self._prepexec,
            "sp_execute": self._execute,
            "sp_prepexecrpc": self._prepexecrpc,
            "sp_unprepare": self._unprepare,
            "sp_datatype_info_100": self._datatype_info,
            "sp_datatype_info_90": self._datatype_info,
            "sp_datatype_info": self._datatype_info,
            "sp_describe_undeclared_parameters": self._describe_undeclared,
        }

    def call(self, writer: MessageWriter, call: RpcCall, *, more: bool) -> None:
        """Run one RPC call and end it with DONEPROC.

        Args:
            writer: The response message.
            call: The decoded call.
            more: Whether another call of the same message follows.
        """
        handler = self._dispatch.get(call.name)
        status = 0
        handle: int | None = None
        self._last_failed = False
        try:
            if handler is None:
                raise SQLError(2812, f"Could not find stored procedure '{call.name}'.", state=62)
            handle = handler(writer, call)
        except Exception as exc:
            if not isinstance(exc, SQLError):
                if isinstance(exc, (Cancelled, ConnectionDropped, ProtocolError)):
                    raise
                LOG.exception("internal error in %s", call.name)
                exc = SQLError(50000, f"Internal error in the SQL DW emulator: {exc}")
            writer.write(
                tokens.error(exc.number, exc.message, "sqldw-emulator", state=exc.state,
                             severity=exc.severity, proc=call.name, line=exc.line)
            )  # fmt: skip
            status = tokens.DONE_ERROR
        else:
            if self._last_failed:
                status = tokens.DONE_ERROR
            writer.write(tokens.returnstatus(0))
            if handle is not None and call.params:
                info = _INT.type_info
                value = bytearray()
                _INT.encode(handle, value)
                writer.write(tokens.returnvalue(0, call.params[0].name, info, bytes(value)))
        writer.write(tokens.done(status | (tokens.DONE_MORE if more else 0), 0, 0,
                                 tokens.DONEPROC))  # fmt: skip

    _last_failed = False

    def _run(self, writer: MessageWriter, sql: str, results: Iterator[StatementResult]) -> None:
        sink = self.connection.make_sink(writer, in_proc=True, text=sql)
        sink.consume(results)
        sink.finish(more=True)
        self._last_failed = sink.failed

    def _run_bound(
        self, writer: MessageWriter, declared: list[Declared], sql: str, values: list[RpcParam]
    ) -> None:
        self._last_failed = False
        params = bind(declared, values)
        self._run(writer, sql, self.connection.execute(sql, params))

    def _executesql(self, writer: MessageWriter, call: RpcCall) -> None:
        params = call.params
        sql = _text(params[0]) if params else ""
        declared = parse_declarations(_text(params[1])) if len(params) > 1 else []
        self._run_bound(writer, declared, sql, params[2:])

    def _store(self, call: RpcCall, declarations: str, sql: str) -> int:
        requested = _int(call.params[0]) if call.params else None
        handle = requested if requested else next(self._handles)
        self.prepared[handle] = Prepared(parse_declarations(declarations), sql)
        return handle

    def _prepare(self, writer: MessageWriter, call: RpcCall) -> int:
        params = call.params
        if len(params) < 3:
            raise SQLError(201, "Procedure or function 'sp_prepare' expects parameter '@stmt'.")
        self._last_failed = False
        return self._store(call, _text(params[1]), _text(params[2]))

    def _prepexec(self, writer: MessageWriter, call: RpcCall) -> int:
        params = call.params
        if len(params) < 3:
            raise SQLError(201, "Procedure or function 'sp_prepexec' expects parameter '@stmt'.")
        handle = self._store(call, _text(params[1]), _text(params[2]))
        prepared = self.prepared[handle]
        self._run_bound(writer, prepared.declared, prepared.sql, params[3:])
        return handle

    def _prepexecrpc(self, writer: MessageWriter, call: RpcCall) -> int:
        # What MS ODBC sends for a prepared ODBC {call proc(?, ...)}: @handle OUTPUT,
        # @procname, then the procedure's own parameters. It sends the whole call again for
        # every execution, so the handle is returned but never looked up.
        params = call.params
        if len(params) < 2:
            raise SQLError(201, "Procedure or function 'sp_prepexecrpc' expects '@procname'.")
        name = normalize_proc_name(_text(params[1]))
        if name not in self._dispatch or name in _PREPARE_FAMILY:
            raise SQLError(2812, f"Could not find stored procedure '{_text(params[1])}'.")
        handle = _int(params[0]) or next(self._handles)
        self._dispatch[name](writer, RpcCall(name, params[2:]))
        return handle

    def _execute(self, writer: MessageWriter, call: RpcCall) -> None:
        handle = _int(call.params[0]) if call.params else None
        prepared = self.prepared.get(handle or 0)
        if prepared is None:
            raise SQLError(8179, f"Could not find prepared statement with handle {handle}.")
        self._run_bound(writer, prepared.declared, prepared.sql, call.params[1:])

    def _unprepare(self, writer: MessageWriter, call: RpcCall) -> None:
        self._last_failed = False
        self.prepared.pop((_int(call.params[0]) if call.params else None) or 0, None)

    def _emit(self, writer: MessageWriter, result: ResultSet) -> None:
        self._last_failed = False
        self._run(writer, "", iter([StatementResult(result_set=result)]))

    def _datatype_info(self, writer: MessageWriter, call: RpcCall) -> None:
        self._emit(writer, datatype_info(_int(call.params[0]) if call.params else None))

    def _describe_undeclared(self, writer: MessageWriter, call: RpcCall) -> None:
        sql = _text(call.params[0]) if call.params else ""
        session = self.connection.session
        if session is None:
            raise SQLError(18456, "Not logged in.")
        names, types = infer_parameter_types(session, sql)
        self._emit(writer, describe_parameters(names, types))

    def datatype_info_batch(self, writer: MessageWriter, data_type: int | None) -> None:
        """Answer ``sp_datatype_info_100 N,3`` sent as a SQL batch (FreeTDS does)."""
        sink = self.connection.make_sink(writer, in_proc=False)
        sink.consume(iter([StatementResult(result_set=datatype_info(data_type))]))
        sink.finish(more=False)
