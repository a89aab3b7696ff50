"""Request decoding: ALL_HEADERS, RPC calls with their parameters, transaction requests.

Pure.
"""

from __future__ import annotations

import dataclasses
import typing as t

from devstack.sqldw_emulator.tds.params import TypeInfo, read_type_info, read_value
from devstack.sqldw_emulator.tds.wire import ByteReader, ProtocolError

# Well-known procedure ids (MS-TDS 2.2.6.6, ProcID).
PROC_IDS = {
    10: "sp_executesql",
    11: "sp_prepare",
    12: "sp_execute",
    13: "sp_prepexec",
    14: "sp_prepexecrpc",
    15: "sp_unprepare",
}
_BATCH_SEPARATORS = (0xFF, 0xFE, 0x80)
STATUS_BYREF = 0x01

TM_GET_DTC_ADDRESS = 0
TM_BEGIN_XACT = 5
TM_PROMOTE_XACT = 6
TM_COMMIT_XACT = 7
TM_ROLLBACK_XACT = 8
TM_SAVE_XACT = 9


@dataclasses.dataclass(frozen=True, slots=True)
class RpcParam:
    """One parameter of an RPC call, as sent."""

    name: str
    status: int
    info: TypeInfo
    value: t.Any

    @property
    def is_output(self) -> bool:
        """Whether the client passed it by reference (OUTPUT)."""
        return bool(self.status & STATUS_BYREF)


@dataclasses.dataclass(frozen=True, slots=True)
class RpcCall:
    """One procedure call of an RPC message."""

    name: str
    params: list[RpcParam]


@dataclasses.dataclass(frozen=True, slots=True)
class TransactionRequest:
    """A transaction-manager request."""

    kind: int
    begin_after: bool = False


def skip_all_headers(reader: ByteReader) -> bytes:
    """Consume ALL_HEADERS and return the transaction descriptor found there (or empty).

    Raises:
        ProtocolError: when the header block is inconsistent.
    """
    start = reader.offset
    total = reader.u32()
    if total < 4 or total > reader.remaining() + 4:
        msg = "bad ALL_HEADERS length"
        raise ProtocolError(msg)
    descriptor = b""
    while reader.offset < start + total:
        length = reader.u32()
        kind = reader.u16()
        body = reader.take(length - 6)
        if kind == 2 and len(body) >= 8:
            descriptor = body[:8]
    reader.offset = start + total
    return descriptor


def normalize_proc_name(name: str) -> str:
    """``[sys].[sp_prepexec]`` → ``sp_prepexec``: schema and brackets dropped, lower case."""
    last = name.replace("[", "").replace("]", "").split(".")[-1]
    return last.strip().lower()


def parse_rpc(payload: bytes) -> list[RpcCall]:
    """Decode an RPC message (several calls when the client batches them).

    Raises:
        ProtocolError: on malformed input.
    """
    reader = ByteReader(payload)
    skip_all_headers(reader)
    calls: list[RpcCall] = []
    while reader.remaining() > 0:
        name_length = reader.u16()
        if name_length == 0xFFFF:
            proc_id = reader.u16()
            name = PROC_IDS.get(proc_id, f"#proc{proc_id}")
        else:
            name = normalize_proc_name(reader.take(name_length * 2).decode("utf-16-le"))
        reader.u16()  # option flags (recompile, no metadata): nothing to do with them
        params: list[RpcParam] = []
        while reader.remaining() > 0 and reader.peek() not in _BATCH_SEPARATORS:
            param_name = reader.b_varchar()
            status = reader.u8()
            info = read_type_info(reader)
            value = read_value(reader, info, len(params) + 1, param_name)
            params.append(RpcParam(param_name, status, info, value))
        calls.append(RpcCall(name, params))
        if reader.remaining() > 0:
            reader.u8()  # the separator between calls
    return calls


def parse_sql_batch(payload: bytes) -> str:
    """Decode a SQL_BATCH message into its text."""
    reader = ByteReader(payload)
    skip_all_headers(reader)
    return payload[reader.offset :].decode("utf-16-le", "surrogatepass")


def parse_transaction_request(payload: bytes) -> TransactionRequest:
    """Decode a TRANSACTION_MANAGER request (begin, commit, rollback, save).

    Raises:
        ProtocolError: on malformed input.
    """
    reader = ByteReader(payload)
    skip_all_headers(reader)
    kind = reader.u16()
    begin_after = False
    if kind in (TM_COMMIT_XACT, TM_ROLLBACK_XACT) and reader.remaining() > 0:
        reader.b_varchar()
        if reader.remaining() > 0:
            begin_after = bool(reader.u8() & 0x01)
    return TransactionRequest(kind, begin_after)
