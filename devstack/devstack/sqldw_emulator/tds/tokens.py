"""Builders of server token streams (MS-TDS 2.2.7): pure functions returning bytes."""

from __future__ import annotations

import struct

from devstack.sqldw_emulator.tds.wire import b_varbyte, b_varchar, us_varchar

__all__ = ["b_varbyte", "b_varchar", "us_varchar"]

COLMETADATA = 0x81
ERROR = 0xAA
INFO = 0xAB
RETURNVALUE = 0xAC
LOGINACK = 0xAD
FEATUREEXTACK = 0xAE
RETURNSTATUS = 0x79
ROW = 0xD1
ENVCHANGE = 0xE3
DONE = 0xFD
DONEPROC = 0xFE
DONEINPROC = 0xFF

DONE_FINAL = 0x00
DONE_MORE = 0x01
DONE_ERROR = 0x02
DONE_INXACT = 0x04
DONE_COUNT = 0x10
DONE_ATTN = 0x20
DONE_SRVERROR = 0x100

CMD_NONE = 0x00
CMD_SELECT = 0xC1
CMD_INSERT = 0xC3

ENV_DATABASE = 1
ENV_LANGUAGE = 2
ENV_PACKET_SIZE = 4
ENV_COLLATION = 7
ENV_BEGIN_TRAN = 8
ENV_COMMIT_TRAN = 9
ENV_ROLLBACK_TRAN = 10

# SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, case/kana/width-insensitive, sort id 52.
DEFAULT_COLLATION = b"\x09\x04\xd0\x00\x34"
# Latin1_General_100_BIN2_UTF8 (a Fabric Warehouse's): LCID 0x0409, fBinary2 | fUTF8, version 2
# (the _100_ collations), no sort id (MS-TDS 2.2.5.1.2).
UTF8_COLLATION = b"\x09\x04\x00\x26\x00"

_DONE = struct.Struct("<BHHQ")


def done(status: int, curcmd: int, rowcount: int, token: int = DONE) -> bytes:
    """A DONE, DONEPROC or DONEINPROC token."""
    return _DONE.pack(token, status, curcmd, rowcount)


def _message(
    token: int,
    number: int,
    message: str,
    server: str,
    *,
    state: int,
    severity: int,
    proc: str,
    line: int,
) -> bytes:
    body = (
        struct.pack("<iBB", number, state & 0xFF, severity & 0xFF)
        + us_varchar(message)
        + b_varchar(server)
        + b_varchar(proc)
        + struct.pack("<i", line)
    )
    return struct.pack("<BH", token, len(body)) + body


def error(
    number: int,
    message: str,
    server: str,
    *,
    state: int = 1,
    severity: int = 16,
    proc: str = "",
    line: int = 1,
) -> bytes:
    """An ERROR token; the driver derives the SQLSTATE from ``number``."""
    return _message(
        ERROR, number, message, server, state=state, severity=severity, proc=proc, line=line
    )


def info(
    number: int, message: str, server: str, *, state: int = 1, severity: int = 0, line: int = 1
) -> bytes:
    """An INFO token (PRINT output, warnings, login messages)."""
    return _message(
        INFO, number, message, server, state=state, severity=severity, proc="", line=line
    )


def envchange_text(kind: int, new: str, old: str) -> bytes:
    """An ENVCHANGE whose values are B_VARCHAR (database, language, packet size)."""
    body = bytes((kind,)) + b_varchar(new) + b_varchar(old)
    return struct.pack("<BH", ENVCHANGE, len(body)) + body


def envchange_bytes(kind: int, new: bytes, old: bytes) -> bytes:
    """An ENVCHANGE whose values are B_VARBYTE (collation, transaction descriptors)."""
    body = bytes((kind,)) + b_varbyte(new) + b_varbyte(old)
    return struct.pack("<BH", ENVCHANGE, len(body)) + body


def returnstatus(value: int) -> bytes:
    """A RETURNSTATUS token (the procedure's RETURN value)."""
    return struct.pack("<Bi", RETURNSTATUS, value)


def returnvalue(ordinal: int, name: str, type_info: bytes, value: bytes) -> bytes:
    """A RETURNVALUE token for an OUTPUT parameter.

    Args:
        ordinal: The parameter's position in the RPC call (0-based).
        name: The parameter name as the client sent it.
        type_info: Its TYPE_INFO bytes.
        value: Its encoded value.
    """
    return (
        struct.pack("<BH", RETURNVALUE, ordinal)
        + b_varchar(name)
        + struct.pack("<BIH", 0x01, 0, 0x0009)
        + type_info
        + value
    )
