"""Staging formats: escaping, gzip parts, and exact read-back with DuckDB."""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import json
import pathlib
import random
import threading

import duckdb
import pytest

from target_azure_sqldw.encode.formats import (
    CSV,
    DECODE_STEPS,
    ESCAPED,
    escape_field,
    escaped_decode_sql,
    escaped_line,
    field_writer,
    unescape_field,
)
from target_azure_sqldw.encode.staging_encoder import StagingEncoder
from target_azure_sqldw.encode.values import make_codec
from target_azure_sqldw.errors import StagingError
from target_azure_sqldw.schema.sql_types import ColumnType
from target_azure_sqldw.stage.parts import PartWriter

D = decimal.Decimal
NASTY = [
    "",
    " ",
    "plain",
    "a|b",
    "line1\nline2",
    "cr\r\nlf",
    "\\",
    "\\n",
    "\\\\b",
    "\\e",
    "quote \" and 'single'",
    '"',
    '""',
    "nul\x00inside",
    "\x00",
    "\x01\x02\x1f",
    "émoji 😀 and 中文",
    "𝄞" * 3,
    "trailing backslash \\",
    "|\n|\r|\\|",
    ",",
]


@pytest.mark.parametrize("text", NASTY)
def test_escape_round_trip(text: str) -> None:
    escaped = escape_field(text)
    assert not {"|", "\n", "\r", "\x00"} & set(escaped)
    assert escaped  # an empty field means NULL
    assert unescape_field(escaped) == text


def test_escape_round_trip_random() -> None:
    rng = random.Random(5)
    alphabet = ["\\", "|", "\n", "\r", "\x00", "b", "n", "e", "p", "0", "r", "x", "😀"]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert unescape_field(escape_field(text)) == text


def duckdb_decode(expression: str) -> str:
    """The same REPLACE chain as the T-SQL decoder, in DuckDB syntax."""
    sql = expression
    for escape, replacement in DECODE_STEPS:
        target = " || ".join(f"chr({ord(c)})" for c in escape)
        result = " || ".join(f"chr({ord(c)})" for c in replacement) or "''"
        sql = f"replace({sql}, {target}, {result})"
    return sql


def test_sequential_replace_decoding_is_exact_in_duckdb(tmp_path: pathlib.Path) -> None:
    rng = random.Random(11)
    alphabet = ["\\", "|", "\n", "\r", "\x00", "b", "n", "e", "p", "0", "r", "😀", '"']
    texts = [*NASTY]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))) for _ in range(500)]
    path = tmp_path / "t.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        for i, text in enumerate(texts):
            handle.write(escaped_line([str(i), text], [False, True]))
    con = duckdb.connect()
    decode = duckdb_decode("t")
    rows = con.execute(
        f"SELECT CAST(i AS INTEGER), {decode} FROM read_csv(?, delim='|', quote='', escape='', "
        "header=false, columns={'i': 'VARCHAR', 't': 'VARCHAR'}, compression='gzip', "
        "strict_mode=false) ORDER BY 1",
        [str(path)],
    ).fetchall()
    assert [r[1] for r in rows] == texts


def test_tsql_decoder_shape() -> None:
    sql = escaped_decode_sql("[c]")
    assert sql.startswith("REPLACE(" * 6 + "[c] COLLATE Latin1_General_100_BIN2, N'\\n', CHAR(10))")
    assert sql.endswith(", N'\\b', N'\\')")
    assert "CHAR(0)" in sql


SCHEMA_COLUMNS = [
    ("id", "bigint"),
    ("s", "nvarchar(4000)"),
    ("j", "nvarchar(4000)"),
    ("d", "decimal(38,9)"),
    ("f", "float"),
    ("b", "bit"),
    ("day", "date"),
    ("ts", "datetime2(6)"),
    ("dto", "datetimeoffset(6)"),
    ("tm", "time(6)"),
]


def sample_records() -> list[dict]:
    records = []
    for i, text in enumerate([*NASTY, None]):
        records.append(
            {
                "id": i - 2**62 if i % 2 else 2**63 - 1 - i,
                "s": text,
                "j": None if text is None else {"t": text, "n": D("1.10"), "l": [1, None]},
                "d": D("-12345678901234567890123456789.123456789") if i % 3 else D("0.000000001"),
                "f": [0.1, 1e22, -5e-324, 1.7976931348623157e308][i % 4],
                "b": bool(i % 2),
                "day": dt.date(1 + i, 1, 1) if i % 2 else dt.date(9999, 12, 31),
                "ts": dt.datetime(2024, 3, 10, 9, 30, 15, 123456 + i, tzinfo=dt.timezone.utc),
                "dto": dt.datetime(
                    2024, 3, 10, 9, 30, 15, i, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))
                ),
                "tm": dt.time(23, 59, 59, 999999 - i),
            }
        )
    return records


def write_batch(tmp_path: pathlib.Path, file_format: str, part_bytes: int) -> tuple[list, list]:
    codecs = [make_codec(name, ColumnType.parse(sql)) for name, sql in SCHEMA_COLUMNS]
    for codec, (name, _sql) in zip(codecs, SCHEMA_COLUMNS, strict=True):
        if name == "j":
            codec.encode = make_codec("j", ColumnType("nvarchar", 4000, json=True)).encode
    encoder = StagingEncoder("s", codecs, [n for n, _ in SCHEMA_COLUMNS], file_format)
    quoted = [c.quoted for c in codecs] + [False]
    writer = PartWriter(tmp_path, file_format, quoted, part_bytes=part_bytes)
    records = sample_records()
    for number, record in enumerate(records, start=1):
        row = encoder.texts(record, number)
        writer.write([*row, str(writer.rows)])
    return writer.close(), records


def typed_select(source: str, decode: bool) -> str:
    def text(name: str) -> str:
        return duckdb_decode(name) if decode else name

    return (
        "SELECT CAST(id AS BIGINT), "
        f"{text('s')}, {text('j')}, CAST(d AS DECIMAL(38,9)), CAST(f AS DOUBLE), "
        "CAST(b AS BOOLEAN), CAST(day AS DATE), CAST(ts AS TIMESTAMP), "
        "CAST(dto AS TIMESTAMPTZ), CAST(tm AS TIME), "
        f"CAST(seq AS BIGINT) FROM {source} ORDER BY CAST(seq AS BIGINT)"
    )


def columns_clause() -> str:
    names = [n for n, _ in SCHEMA_COLUMNS] + ["seq"]
    return "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"


def expected_rows(records: list[dict]) -> list[tuple]:
    rows = []
    for seq, r in enumerate(records):
        j = None if r["j"] is None else json.dumps(r["j"], default=str)
        rows.append(
            (
                r["id"],
                r["s"],
                j,
                r["d"],
                r["f"],
                r["b"],
                r["day"],
                r["ts"].replace(tzinfo=None),
                r["dto"],
                r["tm"],
                seq,
            )
        )
    return rows


def normalise(rows: list[tuple]) -> list[tuple]:
    out = []
    for row in rows:
        values = list(row)
        if values[2] is not None:
            values[2] = json.dumps(json.loads(values[2], parse_float=D), default=str)
        values[8] = values[8].astimezone(dt.timezone.utc)
        out.append(tuple(values))
    return out


@pytest.mark.parametrize("file_format", [ESCAPED, CSV])
def test_gzip_parts_read_back_exactly_with_duckdb(tmp_path: pathlib.Path, file_format: str) -> None:
    parts, records = write_batch(tmp_path, file_format, part_bytes=600)
    assert len(parts) > 1, "small part size must split the batch"
    assert [p.path.name for p in parts][:2] == [
        f"part-00000.{'txt' if file_format == ESCAPED else 'csv'}.gz",
        f"part-00001.{'txt' if file_format == ESCAPED else 'csv'}.gz",
    ]
    assert sum(p.rows for p in parts) == len(records)
    files = "[" + ", ".join(f"'{p.path}'" for p in parts) + "]"
    if file_format == ESCAPED:
        source = (
            f"read_csv({files}, delim='|', quote='', escape='', header=false, "
            f"columns={columns_clause()}, compression='gzip', strict_mode=false)"
        )
    else:
        source = (
            f"read_csv({files}, delim=',', quote='\"', escape='\"', header=false, "
            f"columns={columns_clause()}, compression='gzip', allow_quoted_nulls=false, "
            "new_line='\\n')"
        )
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(typed_select(source, decode=file_format == ESCAPED)).fetchall()
    assert normalise(rows) == normalise(expected_rows(records))


def test_escaped_lines_never_contain_raw_terminators(tmp_path: pathlib.Path) -> None:
    parts, records = write_batch(tmp_path, ESCAPED, part_bytes=1 << 20)
    lines = gzip.decompress(parts[0].path.read_bytes()).decode("utf-8").split("\n")
    assert lines[-1] == ""
    assert len(lines) - 1 == len(records)
    assert all(line.count("|") == len(SCHEMA_COLUMNS) for line in lines[:-1])
    assert "\x00" not in "".join(lines)


def test_parts_compressed_on_the_writer_s_thread_hold_every_line_in_order(
    tmp_path: pathlib.Path,
) -> None:
    # Blocks of about 1 MB go to the compressing thread: 12 MB of lines, parts closing at
    # 5 MB, so blocks wait behind each other and parts close while blocks are in flight.
    rng = random.Random(7)
    lines = [f'{i},"{rng.randbytes(rng.randrange(50, 400)).hex()}"\n' for i in range(30_000)]
    writer = PartWriter(tmp_path, CSV, [False, True], part_bytes=5 * 1024 * 1024)
    for start in range(0, len(lines), 1000):
        chunk = [line[:-1] for line in lines[start : start + 1000]]
        writer.write_chunk(chunk, "".join(lines[start : start + 1000]).encode("utf-8"))
    parts = writer.close()
    assert len(parts) >= 3
    texts = [gzip.decompress(part.path.read_bytes()).decode("utf-8") for part in parts]
    assert "".join(texts) == "".join(lines)
    assert [part.rows for part in parts] == [text.count("\n") for text in texts]
    assert [part.raw_bytes for part in parts] == [len(text.encode("utf-8")) for text in texts]


def test_a_write_error_on_the_compressing_thread_reaches_the_writer(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(self: gzip.GzipFile, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gzip.GzipFile, "write", full_disk)
    folder = tmp_path / "batch"
    writer = PartWriter(folder, CSV, [True], stream="users")
    writer.write_line('"a"\n')
    with pytest.raises(StagingError) as raised:
        writer.close()
    assert str(raised.value) == (
        f"stream 'users': its staged rows could not be written to {folder}: [Errno 28] No space "
        "left on device (free space there, or set TMPDIR to a folder with room)"
    )
    assert not [t for t in threading.enumerate() if t.name.startswith("target-azure-sqldw-gzip")]
    assert not folder.exists()  # a failed batch leaves no part files on the full disk


def test_a_write_error_in_a_chunk_removes_the_batch_folder(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "batch"
    writer = PartWriter(folder, CSV, [False, True], stream="users")
    lines = [f'{i},"{"x" * 200}"' for i in range(10_000)]
    writer.write_chunk(lines[:5000], "".join(f"{line}\n" for line in lines[:5000]).encode())
    assert list(folder.iterdir())

    def too_large(self: gzip.GzipFile, data: bytes) -> int:
        raise OSError(27, "File too large")

    monkeypatch.setattr(gzip.GzipFile, "write", too_large)
    block = "".join(f"{line}\n" for line in lines[5000:]).encode()

    def write_blocks() -> None:
        # The thread's error reaches a later write, once two blocks wait for it.
        for _ in range(5):
            writer.write_chunk(lines[5000:], block)

    with pytest.raises(StagingError, match=r"\[Errno 27\] File too large \(free space there"):
        write_blocks()
    assert not folder.exists()


def test_empty_batch_writes_no_file(tmp_path: pathlib.Path) -> None:
    writer = PartWriter(tmp_path / "empty", CSV, [True])
    assert writer.close() == []
    assert not (tmp_path / "empty").exists()


def test_unknown_format_refused(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="Unknown staging format"):
        PartWriter(tmp_path, "parquet", [True])


def test_field_writer_writes_each_format_s_text_field() -> None:
    assert field_writer(CSV, quoted=True)('say "hi", then go') == '"say ""hi"", then go"'
    assert field_writer(ESCAPED, quoted=True)("a|b\n") == "a\\pb\\n"
    assert field_writer(ESCAPED, quoted=True)("") == "\\e"
    with pytest.raises(ValueError, match="Unknown staging format 'parquet'"):
        field_writer("parquet", quoted=True)
