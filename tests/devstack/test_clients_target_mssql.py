"""target-mssql (PyPI, unmodified) is refused by the emulator as by a dedicated pool.

PyPI's ``target-mssql`` is 0.2.1 (2023, singer-sdk 0.13, SQLAlchemy 1.4 over pymssql, Python
below 3.11), the release of the code MeltanoLabs now maintains; their later versions are not on
PyPI. It runs in a Python 3.10 virtualenv of its own. It writes through SQLAlchemy's implicit
transaction, so its first DDL is refused with 111212, as Synapse refuses DDL inside a user
transaction; given a table created for a pool beforehand, it starts its load with
``DROP TABLE IF EXISTS`` of a temp table in that transaction and is refused again. Either way
nothing is loaded and no STATE is written.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess

import pyodbc
import pytest

from tests.pipeline.plugin_venvs import plugin_venv

MESSAGES = [
    {
        "type": "SCHEMA",
        "stream": "people",
        "schema": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": ["string", "null"]}},
        },
        "key_properties": ["id"],
    },
    {"type": "RECORD", "stream": "people", "record": {"id": 1, "name": "Zoë"}},
    {"type": "RECORD", "stream": "people", "record": {"id": 2, "name": "李"}},
    {"type": "STATE", "value": {"bookmarks": {"people": {"id": 2}}}},
]
REFUSAL = "(111212, b'Operation cannot be performed within a transaction."


def _python310() -> str:
    """A Python 3.10 interpreter: on PATH, or one pyenv installed (this machine's kind has it)."""
    pyenv = pathlib.Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser()
    found = [shutil.which("python3.10"), *map(str, pyenv.glob("versions/3.10.*/bin/python3.10"))]
    for python in filter(None, found):
        probe = subprocess.run([python, "-c", "import venv"], capture_output=True, check=False)
        if probe.returncode == 0:
            return python
    msg = "target-mssql 0.2.1 needs Python 3.10: none on PATH or under pyenv"
    raise AssertionError(msg)


def _run(devstack_env: dict[str, str], tmp_path: pathlib.Path, schema: str) -> tuple[int, str, str]:
    python = _python310()
    bin_dir = plugin_venv("target-mssql", "target-mssql==0.2.1", python=python)
    config = tmp_path / f"{schema}.json"
    config.write_text(
        json.dumps(
            {
                "host": devstack_env["TARGET_AZURE_SQLDW_HOST"],
                "port": devstack_env["TARGET_AZURE_SQLDW_PORT"],
                "database": devstack_env["TARGET_AZURE_SQLDW_DATABASE"],
                "username": devstack_env["TARGET_AZURE_SQLDW_USER"],
                "password": devstack_env["TARGET_AZURE_SQLDW_PASSWORD"],
                "default_target_schema": schema,
            }
        )
    )
    done = subprocess.run(
        [str(bin_dir / "target-mssql"), "--config", str(config)],
        input="".join(json.dumps(message) + "\n" for message in MESSAGES),
        env={**os.environ, **devstack_env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.slow
def test_its_ddl_in_a_transaction_is_refused(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    code, stdout, stderr = _run(devstack_env, tmp_path, "mssql_fresh")
    assert code == 1
    assert REFUSAL in stderr
    assert "[SQL: CREATE SCHEMA mssql_fresh]" in stderr
    assert stdout == ""  # no STATE
    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    found = connection.execute("SELECT count(*) FROM sys.schemas WHERE name = 'mssql_fresh'")
    assert found.fetchone()[0] == 0


@pytest.mark.slow
def test_a_table_made_for_a_pool_does_not_help(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    connection.execute("CREATE SCHEMA mssql_ready")
    connection.execute(
        "CREATE TABLE mssql_ready.people (id BIGINT NOT NULL, name NVARCHAR(4000), "
        "CONSTRAINT pk_people PRIMARY KEY NONCLUSTERED (id) NOT ENFORCED) "
        "WITH (DISTRIBUTION = HASH(id), HEAP)"
    )
    code, stdout, stderr = _run(devstack_env, tmp_path, "mssql_ready")
    assert code == 1
    assert REFUSAL in stderr
    assert "[SQL: DROP TABLE IF EXISTS mssql_ready.#people]" in stderr
    assert stdout == ""
    assert connection.execute("SELECT count(*) FROM mssql_ready.people").fetchone()[0] == 0
