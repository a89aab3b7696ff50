"""Bad input through the CLI: one line on stderr naming stream, record and field, exit 1, no STATE.

Each case runs the target's command against the emulator twice: with ``LOGLEVEL=ERROR``,
where the whole stderr must be that one line, and with the default log level, where every
other line must be an INFO line (progress, metrics) and no traceback may appear.
"""

from __future__ import annotations

import os
import subprocess
import sys
import typing as t
import uuid

import pytest

from tests.target.bad_input_cases import LINE, cases
from tests.target.emulator_runs import message_text, write_config

if t.TYPE_CHECKING:
    import pathlib

CASES = list(cases("s"))


@pytest.mark.parametrize("log_level", ["ERROR", None], ids=["errors-only", "default-log"])
@pytest.mark.parametrize("case", CASES)
def test_bad_input_ends_with_one_line(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path, case: str, log_level: str | None
) -> None:
    stream = f"bad_{uuid.uuid4().hex[:6]}"
    lines, expected = cases(stream)[case]
    config = {**sqldw_config, "storage_prefix": f"bad-{stream}"}
    env = {key: value for key, value in os.environ.items() if key != "LOGLEVEL"}
    if log_level:
        env["LOGLEVEL"] = log_level
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
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    parsed = [LINE.fullmatch(line) for line in result.stderr.splitlines()]
    assert all(parsed), result.stderr[-3000:]
    others = [(m["logger"], m["message"]) for m in parsed if m is not None and m["level"] != "INFO"]
    assert others == [("target-azure-sqldw", expected)], result.stderr[-3000:]
    if log_level:
        assert len(parsed) == 1


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
