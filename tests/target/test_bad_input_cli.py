"""Bad input through the CLI: one line on stderr naming stream, record and field, exit 1, no STATE.

Each case runs the target's command against the emulator twice: with ``LOGLEVEL=ERROR``,
where the whole stderr must be that one line, and with the default log level, where every
other line must be an INFO line (progress, metrics) and no traceback may appear.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import typing as t
import uuid

import pytest

from tests.target.bad_input_cases import LINE, STATE, USERS, cases, record_line, schema_line
from tests.target.emulator_runs import message_text, query, staged_blobs, write_config

if t.TYPE_CHECKING:
    import pathlib

CASES = list(cases("s"))


def failing_run(
    config: dict[str, t.Any],
    tmp_path: pathlib.Path,
    lines: list[str],
    log_level: str | None,
    preexec_fn: t.Callable[[], None] | None = None,
    infos: list[str] | None = None,
) -> list[tuple[str, str]]:
    """Run the CLI on lines it must refuse; the (logger, message) of each non-INFO line.

    It must exit 1 with nothing on stdout (no STATE), no traceback, only log lines (just one
    at ``LOGLEVEL=ERROR``), and leave its ``TMPDIR`` empty: the batch being staged when the
    run stopped leaves no files behind. ``infos``, when given, receives the INFO messages.
    """
    env = {key: value for key, value in os.environ.items() if key != "LOGLEVEL"}
    if log_level:
        env["LOGLEVEL"] = log_level
    staging = tmp_path / "staging"
    staging.mkdir()
    env["TMPDIR"] = str(staging)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "target_azure_sqldw",
            "--config",
            str(write_config(config, tmp_path)),
        ],
        input=message_text(lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        preexec_fn=preexec_fn,
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    parsed = [LINE.fullmatch(line) for line in result.stderr.splitlines()]
    assert all(parsed), result.stderr[-3000:]
    if log_level:
        assert len(parsed) == 1, result.stderr[-3000:]
    assert list(staging.iterdir()) == []
    if infos is not None:
        infos.extend(m["message"] for m in parsed if m is not None and m["level"] == "INFO")
    return [(m["logger"], m["message"]) for m in parsed if m is not None and m["level"] != "INFO"]


@pytest.mark.parametrize("log_level", ["ERROR", None], ids=["errors-only", "default-log"])
@pytest.mark.parametrize("case", CASES)
def test_bad_input_ends_with_one_line(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path, case: str, log_level: str | None
) -> None:
    stream = f"bad_{uuid.uuid4().hex[:6]}"
    lines, expected = cases(stream)[case]
    config = {**sqldw_config, "storage_prefix": f"bad-{stream}"}
    others = failing_run(config, tmp_path, lines, log_level)
    assert others == [("target-azure-sqldw", expected)]


@pytest.mark.parametrize("log_level", ["ERROR", None], ids=["errors-only", "default-log"])
@pytest.mark.parametrize("bad", ["record", "line", "record-then-line"])
def test_bad_input_in_a_staging_process_chunk_ends_with_one_line(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path, bad: str, log_level: str | None
) -> None:
    """With staging processes, a bad record or line inside a full chunk is the same one line.

    5,000 records make five full chunks of 1,000 lines, handed to the processes undecoded;
    the bad one sits in the second, and the reader reads on while it is in flight. The first
    bad input is the one reported, even when the reader meets a bad line after it.
    """
    stream = f"flight_{uuid.uuid4().hex[:6]}"
    records = [record_line(stream, {"id": i, "name": f"n{i}"}) for i in range(5000)]
    if bad.startswith("record"):
        records[1234] = record_line(stream, {"id": 1234, "name": 5})
        expected = f"stream {stream!r}, record 1235, field 'name': must be string or null"
        if bad == "record-then-line":
            # Met by the reader while the bad record's chunk is still in flight.
            records[3500] = records[3500][:-5]
    else:
        records[1234] = records[1234][:-5]
        expected = "input line 1236 is not valid JSON: "
    config = {**sqldw_config, "storage_prefix": f"flight-{stream}", "staging_processes": 2}
    lines = [schema_line(stream, USERS, ["id"]), *records, STATE]
    infos: list[str] = []
    [(logger, message)] = failing_run(config, tmp_path, lines, log_level, infos=infos)
    if log_level is None:
        started = f"{stream}: 2 staging processes decode, check and encode its full chunks"
        assert started in infos
    assert logger == "target-azure-sqldw"
    assert message.startswith(expected) if bad == "line" else message == expected, message
    tables = query(config, "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = ?",
                   (stream,))  # fmt: skip
    assert tables == []


@pytest.mark.parametrize("log_level", ["ERROR", None], ids=["errors-only", "default-log"])
def test_a_full_staging_disk_ends_with_one_line(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path, log_level: str | None
) -> None:
    """A local write refused while staging (here a file-size limit, as a full disk refuses
    with ENOSPC) is one line naming stream and folder; no STATE, no table, no files left."""
    stream = f"full_{uuid.uuid4().hex[:6]}"
    # Hex texts compress to about half: the batch's part file outgrows the 256 KiB limit.
    records = [
        record_line(stream, {"id": i, "name": uuid.UUID(int=i * 7919 + 1).hex * 2})
        for i in range(20_000)
    ]
    config = {**sqldw_config, "storage_prefix": f"full-{stream}"}
    limit = 256 * 1024

    def limit_file_size() -> None:
        # Python ignores SIGXFSZ, so a write over the limit fails with EFBIG.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    lines = [schema_line(stream, USERS, ["id"]), *records, STATE]
    [(logger, message)] = failing_run(config, tmp_path, lines, log_level, limit_file_size)
    staging = re.escape(str(tmp_path / "staging"))
    expected = (
        f"stream {stream!r}: its staged rows could not be written to "
        f"{staging}/target-azure-sqldw-\\w+: \\[Errno 27\\] File too large "
        "\\(free space there, or set TMPDIR to a folder with room\\)"
    )
    assert logger == "target-azure-sqldw"
    assert re.fullmatch(expected, message), message
    assert staged_blobs(config) == []
    tables = query(config, "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = ?",
                   (stream,))  # fmt: skip
    assert tables == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot be read: No such file or directory"),
        ("[1, 2]", "must hold a JSON object, not list"),
        ("{x", "is not valid JSON: Expecting property name enclosed in double quotes: line 1"),
    ],
    ids=["missing", "not-an-object", "not-json"],
)
def test_a_bad_config_file_ends_with_one_line(
    tmp_path: pathlib.Path, content: str | None, expected: str
) -> None:
    config_file = tmp_path / "config.json"
    if content is not None:
        config_file.write_text(content, encoding="utf-8")
    env = {**os.environ, "LOGLEVEL": "ERROR"}
    result = subprocess.run(
        [sys.executable, "-m", "target_azure_sqldw", "--config", str(config_file)],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    match = LINE.fullmatch(line)
    assert match is not None, result.stderr
    assert match["level"] == "ERROR"
    assert match["message"].startswith(f"--config {config_file} {expected}"), result.stderr
