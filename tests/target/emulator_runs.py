"""Running the target against the SQL DW emulator and Azurite, and reading back what it left.

Shared by the ``test_emulator_*`` modules: the target in this process or as a CLI process,
tap output whose keys repeat with STATE between records (for kill-and-resume), what a tap
sends again from a STATE, queries on the emulator, the staged blobs and fault injection.
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
import typing as t

from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.schema.names import quote_table
from target_azure_sqldw.stage.blob_store import BlobStage
from target_azure_sqldw.target import TargetAzureSQLDW

if t.TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterable

Messages = t.Union[str, "Iterable[dict[str, t.Any] | str]"]


def message_text(messages: Messages) -> str:
    """Singer input text: ``messages`` as it is, or one line per message (dict or JSON line)."""
    if isinstance(messages, str):
        return messages
    return "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages)


def run_target(config: dict[str, t.Any], messages: Messages) -> TargetAzureSQLDW:
    """Run the target in this process on ``messages``; STATE goes to the captured stdout."""
    target = TargetAzureSQLDW(config=config)
    target.listen(io.StringIO(message_text(messages)))
    return target


def write_config(config: dict[str, t.Any], tmp_path: pathlib.Path) -> pathlib.Path:
    """Write ``config`` to ``tmp_path/config.json`` for the CLI."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    return config_file


def _command(config_file: pathlib.Path) -> list[str]:
    return [sys.executable, "-m", "target_azure_sqldw", "--config", str(config_file)]


def run_cli(
    config: dict[str, t.Any],
    messages: Messages,
    tmp_path: pathlib.Path,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the target CLI to the end of ``messages`` (``env``: variables to add)."""
    return subprocess.run(
        _command(write_config(config, tmp_path)),
        input=message_text(messages),
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def start_target(
    config_file: pathlib.Path, *, debug: bool = False, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start the target CLI on pipes; ``debug`` logs every statement it sends on stderr.

    ``env`` holds variables to add to the environment.
    """
    env = {**os.environ, **({"LOGLEVEL": "DEBUG"} if debug else {}), **(env or {})}
    return subprocess.Popen(
        _command(config_file),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


class TargetProcess:
    """The target CLI on a pipe, with its stdout lines collected by a reader thread."""

    def __init__(self, config: dict[str, t.Any], tmp_path: pathlib.Path) -> None:
        config_file = write_config(config, tmp_path)
        self.stderr_path = tmp_path / "stderr.log"
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            _command(config_file),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=dict(os.environ),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, messages: list[dict]) -> None:
        """Write messages to the target's stdin (left open)."""
        assert self.process.stdin is not None
        self.process.stdin.write(message_text(messages))
        self.process.stdin.flush()

    def next_line(self, timeout: float) -> str | None:
        """The next stdout line (None at its end), waiting up to ``timeout`` seconds."""
        return self.lines.get(timeout=timeout)

    def finish(self) -> list[str]:
        """Close stdin, wait for the exit and return the stdout lines not read yet."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=120)
        self._stderr.close()
        rest = []
        while (line := self.lines.get(timeout=10)) is not None:
            rest.append(line)
        return rest

    def stop(self) -> None:
        """Kill the process if a failed check left it running, and close its pipes."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()
        self._stderr.close()


def keyed_tap_output(
    stream: str, *, records: int, keys: int, state_every: int, state_key: str
) -> list[str]:
    """A tap's lines: ``{"id": i % keys, "v": i}`` records, STATE ``{state_key: i}`` between.

    Keys repeat, so the last record of each key must win after any resume.
    """
    schema = {"type": "object", "properties": {"id": {"type": "integer"}, "v": {"type": "integer"}}}
    lines = [
        json.dumps({"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]})
    ]
    for i in range(records):
        lines.append(
            json.dumps({"type": "RECORD", "stream": stream, "record": {"id": i % keys, "v": i}})
        )
        if (i + 1) % state_every == 0:
            lines.append(json.dumps({"type": "STATE", "value": {state_key: i + 1}}))
    return lines


def resume_lines(lines: list[str], state: dict[str, t.Any] | None) -> list[str]:
    """What a tap sends when started from ``state``: the schema, then what follows it."""
    if state is None:
        return lines
    index = lines.index(json.dumps({"type": "STATE", "value": state}))
    return [lines[0], *lines[index + 1 :]]


def query(
    config: dict[str, t.Any], sql: str, params: tuple[t.Any, ...] = ()
) -> list[tuple[t.Any, ...]]:
    """Run one query on a connection of its own."""
    connector = AzureSQLDWConnector(config)
    try:
        return [tuple(row) for row in connector.query(Statement(sql, params))]
    finally:
        connector.close()


def table_rows(
    config: dict[str, t.Any], table: str, columns: str = "[id], [v]", schema: str = "dbo"
) -> list[tuple[t.Any, ...]]:
    """The table's rows (``columns``, a select list), sorted."""
    return sorted(query(config, f"SELECT {columns} FROM {quote_table(schema, table)}"))


def blob_stage(config: dict[str, t.Any]) -> BlobStage:
    """The blob stage the target's settings name (with the account key)."""
    return BlobStage(
        account=config["storage_account"],
        container=config["storage_container"],
        account_key=config["storage_account_key"],
        endpoint=config["storage_blob_endpoint"],
    )


def staged_blobs(config: dict[str, t.Any]) -> list[str]:
    """The blobs under the settings' ``storage_prefix``."""
    return blob_stage(config).list_names(config["storage_prefix"])


def inject_fault(config: dict[str, t.Any], kind: str, count: int = 0) -> None:
    """Make the emulator fail its next ``count`` statements with ``kind`` (``off`` stops)."""
    connector = AzureSQLDWConnector(config)
    try:
        connector.execute(
            Statement("EXEC devstack_inject_fault @kind = ?, @count = ?", (kind, count))
        )
    finally:
        connector.close()


def column_types(config: dict[str, t.Any], table: str) -> dict[str, str]:
    """``name: type`` of a table's columns (in ``default_target_schema`` or dbo), as
    INFORMATION_SCHEMA describes them: ``nvarchar(40)``, ``varchar(max)``, ``decimal(38,2)``.
    """
    rows = query(
        config,
        "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
        "NUMERIC_SCALE, DATETIME_PRECISION FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        (config.get("default_target_schema") or "dbo", table),
    )
    found = {}
    for name, data_type, length, precision, scale, digits in rows:
        if data_type in ("decimal", "numeric"):
            found[name] = f"{data_type}({precision},{scale})"
        elif data_type in ("datetime2", "time"):
            found[name] = f"{data_type}({digits})"
        elif length is not None:
            found[name] = f"{data_type}({'max' if length == -1 else length})"
        else:
            found[name] = data_type
    return found


PARENT = {"type": "object", "properties": {"id": {"type": "integer"}, "n": {"type": "integer"}}}
CHILD = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "parent_id": {"type": "integer"},
        "body": {"type": ["string", "null"]},
    },
}
#: Records of input per parent group (the parent and its two children).
GROUP = 3


def interleaved(parents: str, children: str, groups: int) -> list[str]:
    """A tap's lines: schemas, then per group a parent, two children and ``{"offset": i}``."""
    lines = [
        json.dumps(
            {"type": "SCHEMA", "stream": parents, "schema": PARENT, "key_properties": ["id"]}
        ),
        json.dumps(
            {"type": "SCHEMA", "stream": children, "schema": CHILD, "key_properties": ["id"]}
        ),
    ]
    for i in range(groups):
        lines.append(json.dumps({"type": "RECORD", "stream": parents, "record": {"id": i, "n": i}}))
        for j in (1, 2):
            child = {"id": f"{i}-{j}", "parent_id": i, "body": f"part {j} of {i}"}
            lines.append(json.dumps({"type": "RECORD", "stream": children, "record": child}))
        lines.append(json.dumps({"type": "STATE", "value": {"offset": i + 1}}))
    return lines


def proc_text(path: str) -> str:
    """A ``/proc`` file's text."""
    with open(path, encoding="ascii") as file:
        return file.read()


def running(pid: int) -> bool:
    """Whether process ``pid`` runs: not ended, and not a zombie waiting for its parent."""
    try:
        stat = proc_text(f"/proc/{pid}/stat")
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
