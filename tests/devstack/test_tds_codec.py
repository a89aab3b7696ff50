"""Unit tests of the TDS front end's pure parts: framing, type codecs, declarations, login."""

from __future__ import annotations

import datetime
import decimal
import struct
import typing as t
import uuid

import pytest

from devstack.sqldw_emulator.api import (
    Column,
    ResultSet,
    SQLError,
    SQLType,
    StatementResult,
    Timestamp100ns,
)
from devstack.sqldw_emulator.declarations import parse_declarations, split_top_level
from devstack.sqldw_emulator.tds.datatypes import codec_for, scaled_integer
from devstack.sqldw_emulator.tds.inference import infer_parameter_types, parameter_names
from devstack.sqldw_emulator.tds.login import parse_login7
from devstack.sqldw_emulator.tds.packets import MessageWriter, read_message, wrap_packets
from devstack.sqldw_emulator.tds.param_binding import coerce
from devstack.sqldw_emulator.tds.params import read_type_info, read_value
from devstack.sqldw_emulator.tds.prelogin import (
    Encryption,
    build_prelogin_response,
    negotiate,
    parse_prelogin,
)
from devstack.sqldw_emulator.tds.rpc import normalize_proc_name
from devstack.sqldw_emulator.tds.wire import ByteReader, ProtocolError

D = decimal.Decimal
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


class BufferTransport:
    """Collects sent bytes and replays them as received bytes."""

    def __init__(self, data: bytes = b"") -> None:
        self.sent = bytearray()
        self.data = data
        self.offset = 0

    def sendall(self, data: bytes) -> None:
        self.sent += data

    def recv_exact(self, n: int, *, allow_eof: bool) -> bytes | None:
        if self.offset >= len(self.data) and allow_eof:
            return None
        chunk = self.data[self.offset : self.offset + n]
        if len(chunk) < n:
            raise ProtocolError("short")
        self.offset += n
        return chunk

    def readable(self) -> bool:
        return self.offset < len(self.data)


def round_trip(sql_type: SQLType, value: t.Any) -> t.Any:
    """Encode a value as a result column, then decode it as an RPC parameter."""
    codec = codec_for(sql_type)
    encoded = bytearray(codec.type_info)
    codec.encode(value, encoded)
    reader = ByteReader(bytes(encoded))
    info = read_type_info(reader)
    decoded = read_value(reader, info)
    assert reader.remaining() == 0
    return decoded


@pytest.mark.parametrize(
    ("sql_type", "value"),
    [
        (SQLType("tinyint"), 255),
        (SQLType("smallint"), -32768),
        (SQLType("int"), -(2**31)),
        (SQLType("bigint"), 2**63 - 1),
        (SQLType("bit"), True),
        (SQLType("float"), -2.25e10),
        (SQLType("real"), 0.5),
        (SQLType("decimal", precision=38, scale=0), D("9" * 38)),
        (SQLType("decimal", precision=38, scale=38), D("0." + "9" * 38)),
        (SQLType("numeric", precision=9, scale=3), D("-123456.789")),
        (SQLType("decimal", precision=19, scale=4), D("0.0000")),
        (SQLType("money"), D("922337203685477.5807")),
        (SQLType("nvarchar", 10), "a\x00b𝄞"),
        (SQLType("nvarchar", -1), "long " * 3000),
        (SQLType("varchar", 10), "café"),
        (SQLType("varbinary", -1), b"\x00" * 70000),
        (SQLType("varbinary", 5), b""),
        (SQLType("date"), datetime.date(1, 1, 1)),
        (SQLType("date"), datetime.date(9999, 12, 31)),
        (SQLType("time", scale=7), datetime.time(23, 59, 59, 999999)),
        (SQLType("time", scale=0), datetime.time(1, 2, 3)),
        (SQLType("datetime2", scale=7), datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)),
        (
            SQLType("datetime2", scale=7),
            Timestamp100ns(datetime.datetime(2000, 1, 1, 0, 0, 0, 1), 9),
        ),
        (SQLType("time", scale=7), Timestamp100ns(datetime.time(12, 0, 0, 5), 3)),
        (SQLType("datetime"), datetime.datetime(1753, 1, 1, 0, 0, 0, 3000)),
        (SQLType("uniqueidentifier"), uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")),
        (
            SQLType("datetimeoffset", scale=7),
            datetime.datetime(
                2024, 1, 1, 0, 30, tzinfo=datetime.timezone(-datetime.timedelta(hours=14))
            ),
        ),
        (
            SQLType("datetimeoffset", scale=7),
            Timestamp100ns(datetime.datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=datetime.timezone.utc), 1),
        ),
        (SQLType("int"), None),
        (SQLType("nvarchar", -1), None),
        (SQLType("datetimeoffset"), None),
    ],
)
def test_value_codecs_round_trip(sql_type: SQLType, value: t.Any) -> None:
    got = round_trip(sql_type, value)
    assert got == value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        assert got.utcoffset() == value.utcoffset()


def test_scaled_integer_is_exact_beyond_28_digits() -> None:
    assert scaled_integer(D("12345678901234567890123456789012.123456"), 6) == int(
        "12345678901234567890123456789012123456"
    )
    assert scaled_integer(D("1.239"), 2) == 123
    assert scaled_integer(D("-5E+3"), 1) == -50000


def test_datetime2_scale_truncates_like_sql_server() -> None:
    value = datetime.datetime(2020, 1, 1, 0, 0, 0, 123456)
    assert round_trip(SQLType("datetime2", scale=3), value) == value.replace(microsecond=123000)


def test_messages_are_cut_into_packets_and_reassembled() -> None:
    transport = BufferTransport()
    writer = MessageWriter(transport, 512, spid=55)
    payload = bytes(range(256)) * 40
    writer.write(payload)
    writer.finish()
    sizes = []
    offset = 0
    while offset < len(transport.sent):
        (length,) = struct.unpack(">H", transport.sent[offset + 2 : offset + 4])
        sizes.append(length)
        offset += length
    assert max(sizes) == 512
    assert transport.sent[-(sizes[-1]) + 1] == 0x01  # EOM on the last packet only
    message = read_message(BufferTransport(bytes(transport.sent)))
    assert message is not None
    assert message.type == 0x04
    assert message.payload == payload


def test_read_message_reports_clean_eof() -> None:
    assert read_message(BufferTransport(b"")) is None
    with pytest.raises(ProtocolError):
        read_message(BufferTransport(wrap_packets(0x01, b"abc")[:9]))


@pytest.mark.parametrize(
    ("client", "tls", "answer"),
    [
        (Encryption.OFF, True, Encryption.OFF),
        (Encryption.ON, True, Encryption.ON),
        (Encryption.REQ, True, Encryption.ON),
        (Encryption.NOT_SUP, True, Encryption.NOT_SUP),
        (Encryption.ON, False, Encryption.NOT_SUP),
        (Encryption.OFF, False, Encryption.NOT_SUP),
    ],
)
def test_encryption_negotiation(client: Encryption, tls: bool, answer: Encryption) -> None:
    assert negotiate(client, tls_available=tls) == answer


def test_prelogin_response_parses_back() -> None:
    parsed = parse_prelogin(build_prelogin_response(Encryption.ON))
    assert parsed.encryption == Encryption.ON
    assert parsed.options[0][:2] == b"\x0c\x00"
    with pytest.raises(ProtocolError):
        parse_prelogin(b"\x00\x00\x10\x00\x06")


def _login7(user: str, password: str, database: str) -> bytes:
    def obfuscate(text: str) -> bytes:
        return bytes(((b << 4) & 0xF0 | (b >> 4)) ^ 0xA5 for b in text.encode("utf-16-le"))

    fields = ["host", user, password, "app", "server", "", "ODBC", "us_english", database]
    fixed_size = 36 + 9 * 4 + 6 + 4 * 3 + 4
    data = bytearray()
    table = bytearray()
    for index, value in enumerate(fields):
        raw = obfuscate(value) if index == 2 else value.encode("utf-16-le")
        table += struct.pack("<HH", fixed_size + len(data), len(value))
        data += raw
    table += b"\x00" * 6 + struct.pack("<HHHHHHI", 0, 0, 0, 0, 0, 0, 0)
    fixed = struct.pack("<IIIIIIBBBBiI", 0, 0x74000004, 4096, 7, 1, 0, 0, 0, 0, 0, 0, 0x409)
    body = fixed + bytes(table) + bytes(data)
    return struct.pack("<I", len(body)) + body[4:]


def test_login7_decodes_user_password_and_database() -> None:
    login = parse_login7(_login7("loader", "pä$$;word", "dw"))
    assert (login.user_name, login.password, login.database) == ("loader", "pä$$;word", "dw")
    assert login.packet_size == 4096
    assert "pä$$" not in repr(login)  # the password stays out of logs


def test_parse_declarations() -> None:
    declared = parse_declarations(
        "@P1 int,@P2 nvarchar(10),@P3 decimal(38, 6),@P4 datetime2(7),@P5 varbinary(max),"
        "@P6 float,@P7 float(24),@name NVARCHAR(4000) OUTPUT,@P9 datetimeoffset"
    )
    assert [(d.name, d.type, d.output) for d in declared] == [
        ("@P1", SQLType("int"), False),
        ("@P2", SQLType("nvarchar", 10), False),
        ("@P3", SQLType("decimal", precision=38, scale=6), False),
        ("@P4", SQLType("datetime2", scale=7), False),
        ("@P5", SQLType("varbinary", -1), False),
        ("@P6", SQLType("float", precision=53), False),
        ("@P7", SQLType("real", precision=24), False),
        ("@name", SQLType("nvarchar", 4000), True),
        ("@P9", SQLType("datetimeoffset", scale=7), False),
    ]
    assert parse_declarations("") == []
    with pytest.raises(SQLError) as raised:
        parse_declarations("P1 int")
    assert raised.value.number == 102


def test_split_top_level_keeps_type_arguments() -> None:
    assert split_top_level("@a decimal(10,2), @b int") == ["@a decimal(10,2)", " @b int"]


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        ("42", SQLType("int"), 42),
        ("1.50", SQLType("decimal", precision=5, scale=2), D("1.50")),
        (0.1, SQLType("decimal", precision=5, scale=2), D("0.1")),
        ("true", SQLType("bit"), True),
        ("2024-01-02 03:04:05.1234567", SQLType("datetime2"), Timestamp100ns(
            datetime.datetime(2024, 1, 2, 3, 4, 5, 123456), 7)),
        ("2024-01-02T03:04:05+05:30", SQLType("datetimeoffset"),
         datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=IST)),
        (datetime.datetime(2024, 1, 2, 3, 4), SQLType("date"), datetime.date(2024, 1, 2)),
        ("00112233-4455-6677-8899-aabbccddeeff", SQLType("uniqueidentifier"),
         uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")),
        (None, SQLType("int"), None),
    ],
)  # fmt: skip
def test_coerce_to_declared_type(value: t.Any, target: SQLType, expected: t.Any) -> None:
    assert coerce(value, target) == expected


def test_coerce_failure_is_8114() -> None:
    with pytest.raises(SQLError) as raised:
        coerce("abc", SQLType("int"))
    assert raised.value.number == 8114


def test_parameter_names_skip_strings_and_globals() -> None:
    sql = "UPDATE t SET a = @P1, note = '@P9' WHERE id = @P2 AND @@ROWCOUNT > 0 AND b = @P1"
    assert parameter_names(sql) == ["@P1", "@P2"]


def test_procedure_names_are_normalized() -> None:
    assert normalize_proc_name("[sys].[sp_datatype_info_100]") == "sp_datatype_info_100"
    assert normalize_proc_name("SP_EXECUTESQL") == "sp_executesql"


class ColumnsSession:
    """Answers the INFORMATION_SCHEMA.COLUMNS query the inference sends (and records it)."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def execute(self, sql: str, params: t.Sequence[t.Any] = ()) -> t.Iterator[StatementResult]:
        self.queries.append(sql)
        rows = [
            ("id", "int", None, 10, 0, None),
            ("name", "nvarchar", 40, None, None, None),
            ("amount", "decimal", None, 38, 6, None),
            ("ts", "datetime2", None, None, None, 7),
            ("blob", "varbinary", -1, None, None, None),
        ]
        columns = [Column(n, SQLType("nvarchar", 128)) for n in "abcdef"]
        yield StatementResult(result_set=ResultSet(columns, rows))


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "INSERT INTO [dbo].[t] ([id], name, amount, ts, blob) VALUES (@P1, @P2, @P3, @P4, @P5)",
            [SQLType("int"), SQLType("nvarchar", 40), SQLType("decimal", precision=38, scale=6),
             SQLType("datetime2", scale=7), SQLType("varbinary", -1)],
        ),
        (
            "UPDATE dbo.t SET name = @P1 WHERE id = @P2 AND other = @P3",
            [SQLType("nvarchar", 40), SQLType("int"), SQLType("nvarchar", 4000)],
        ),
        ("SELECT * FROM dbo.t WHERE [ts] >= @P1", [SQLType("datetime2", scale=7)]),
        ("SELECT @P1", [SQLType("nvarchar", 4000)]),
    ],
)  # fmt: skip
def test_undeclared_parameter_types_come_from_target_columns(
    sql: str, expected: list[SQLType]
) -> None:
    session = ColumnsSession()
    names, types = infer_parameter_types(session, sql)  # type: ignore[arg-type]
    assert names == [f"@P{i}" for i in range(1, len(expected) + 1)]
    assert types == expected
    if session.queries:
        assert "TABLE_NAME = N't'" in session.queries[0]
        assert "TABLE_SCHEMA = N'dbo'" in session.queries[0]
