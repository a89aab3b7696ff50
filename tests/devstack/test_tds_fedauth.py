"""Entra ID access tokens (TDS FEDAUTH) and the emulator's flavors, as a user meets them.

The stack and the emulator run as child processes; the Microsoft ODBC driver logs in with
``SQL_COPT_SS_ACCESS_TOKEN`` exactly as the target does (target_azure_sqldw.load.odbc).
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import struct
import subprocess
import sys
import typing as t

import pyodbc
import pytest

from devstack import odbc
from devstack.sqldw_emulator import entra
from devstack.sqldw_emulator.tds.fedauth import LIBRARY_ADAL, LIBRARY_SECURITYTOKEN, fedauth_token
from devstack.sqldw_emulator.tds.wire import ProtocolError
from devstack.stack import Stack, StackOptions
from target_azure_sqldw.load.odbc import access_token_attrs
from tests.devstack.tds_support import MS, ensure_odbc
from tests.project.readme_commands import ROOT, block_containing

if t.TYPE_CHECKING:
    from collections.abc import Iterator

KEY = "test-signing-key-" + "x" * 24
DATABASE = "sqldw"
EXPIRED = (
    "('28000', \"[28000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed "
    "for user '<token-identified principal>'. Token is expired. (18456) (SQLDriverConnect)\")"
)
REFUSED = (
    "('28000', \"[28000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed "
    "for user '<token-identified principal>'. (18456) (SQLDriverConnect)\")"
)

pytestmark = pytest.mark.skipif(MS not in odbc.available_drivers(), reason="needs MS ODBC 18")


def _emulator(flavor: str, **env: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "devstack.sqldw_emulator", "--port", "0"]
    command += ["--flavor", flavor, "--database", DATABASE, "--user", "sqladmin"]
    environment = dict(os.environ, **env)
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment)


@pytest.fixture(scope="module", params=["fabric", "synapse"])
def emulator(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    flavor = request.param
    process = _emulator(flavor, DEVSTACK_SQLDW_TOKEN_KEY=KEY, DEVSTACK_SQLDW_PASSWORD="Pw-1-x")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"flavor={flavor}" in line, line
        yield flavor, int(line.split(" on ")[1].split()[0].split(",")[1])
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _token_connect(port: int, token: str) -> pyodbc.Connection:
    ensure_odbc()
    text = odbc.connection_string(
        driver=MS, host="127.0.0.1", port=port, database=DATABASE, user=None, password=None
    )
    return pyodbc.connect(text, attrs_before=access_token_attrs(token), timeout=10)


def test_a_valid_token_signs_in_as_its_principal(emulator: tuple[str, int]) -> None:
    flavor, port = emulator
    token = entra.issue_token(KEY, app_id="app-1234", lifetime=600)
    with _token_connect(port, token) as connection:
        row = connection.execute(
            "SELECT SUSER_SNAME(), SERVERPROPERTY('EngineEdition'), SERVERPROPERTY('Edition'), "
            "SERVERPROPERTY('Collation'), @@VERSION, DATABASEPROPERTYEX(DB_NAME(), 'Edition')"
        ).fetchone()
    edition, collation = (11, "Latin1_General_100_BIN2_UTF8") if flavor == "fabric" else (6, None)
    assert row[0] == "app-1234"
    assert row[1] == edition
    assert row[2] == "SQL Azure"
    # What Microsoft's management objects test to tell Fabric from a dedicated pool.
    assert row[4].startswith("Microsoft Azure SQL Data Warehouse")
    assert row[5] == "DataWarehouse"
    if collation:
        assert row[3] == collation
    else:
        assert row[3] == "SQL_Latin1_General_CP1_CI_AS"


def test_a_user_token_names_the_user(emulator: tuple[str, int]) -> None:
    _flavor, port = emulator
    token = entra.issue_token(KEY, upn="ana@contoso.example", lifetime=600)
    with _token_connect(port, token) as connection:
        assert connection.execute("SELECT SUSER_SNAME()").fetchone()[0] == "ana@contoso.example"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        pytest.param(entra.issue_token(KEY, lifetime=-1), EXPIRED, id="expired"),
        pytest.param(entra.issue_token("another-key", lifetime=600), REFUSED, id="other-key"),
        pytest.param(
            entra.issue_token(KEY, lifetime=600, audience="https://storage.azure.com/"),
            REFUSED,
            id="storage-audience",
        ),
        pytest.param(
            entra.issue_token(KEY, lifetime=600, now=4_000_000_000), REFUSED, id="not-yet-valid"
        ),
    ],
)
def test_a_bad_token_is_refused_as_the_service_refuses_it(
    emulator: tuple[str, int], token: str, message: str
) -> None:
    _flavor, port = emulator
    with pytest.raises(pyodbc.InterfaceError) as caught:
        _token_connect(port, token)
    assert str(caught.value) == message


def test_sql_logins_work_on_synapse_and_are_refused_by_fabric(
    emulator: tuple[str, int],
) -> None:
    flavor, port = emulator
    ensure_odbc()
    text = odbc.connection_string(
        driver=MS,
        host="127.0.0.1",
        port=port,
        database=DATABASE,
        user="sqladmin",
        password="Pw-1-x",
    )
    if flavor == "synapse":
        with pyodbc.connect(text, timeout=10) as connection:
            assert connection.execute("SELECT SUSER_SNAME()").fetchone()[0] == "sqladmin"
        return
    with pytest.raises(pyodbc.InterfaceError) as caught:
        pyodbc.connect(text, timeout=10)
    assert str(caught.value) == (
        "('28000', \"[28000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login "
        "failed for user 'sqladmin'. (18456) (SQLDriverConnect)\")"
    )


def test_a_forged_claim_breaks_the_signature() -> None:
    token = entra.issue_token(KEY, app_id="reader", lifetime=600)
    header, claims, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    decoded["appid"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    with pytest.raises(entra.TokenError, match="signature"):
        entra.validate_token(f"{header}.{forged}.{signature}", KEY)
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    with pytest.raises(entra.TokenError, match="algorithm 'none'"):
        entra.validate_token(f"{unsigned}.{claims}.", KEY)
    assert entra.validate_token(token, KEY).name == "reader"


def test_fabric_without_a_token_key_is_a_usage_error() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DEVSTACK_SQLDW_TOKEN_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "devstack.sqldw_emulator", "--port", "0", "--flavor", "fabric"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --flavor fabric needs --token-key (or env DEVSTACK_SQLDW_TOKEN_KEY)"
    )


FABRIC_CLIENT = """
import os, pyodbc
from target_azure_sqldw.load.odbc import access_token_attrs
attrs = access_token_attrs(os.environ["TARGET_AZURE_SQLDW_ACCESS_TOKEN"])
row = pyodbc.connect(os.environ["DEVSTACK_SQLDW_ODBC"], attrs_before=attrs).execute(
    "SELECT SERVERPROPERTY('EngineEdition'), SUSER_SNAME()").fetchone()
print(row[0], row[1])
"""


def test_devstack_up_fabric_writes_a_token_login(tmp_path: pathlib.Path) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "devstack", "up", "--dir", str(tmp_path), "--service", "sqldw",
         "--flavor", "fabric"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    stack = Stack(tmp_path)
    values = stack.env()
    try:
        assert values["DEVSTACK_SQLDW_FLAVOR"] == "fabric"
        assert values["TARGET_AZURE_SQLDW_FLAVOR"] == "fabric"
        assert values["TARGET_AZURE_SQLDW_AUTH_METHOD"] == "access_token"
        # Fabric has no SQL logins, so the env file offers none.
        assert "TARGET_AZURE_SQLDW_PASSWORD" not in values
        assert "UID=" not in values["DEVSTACK_SQLDW_ODBC"]
        claims = entra.validate_token(
            values["TARGET_AZURE_SQLDW_ACCESS_TOKEN"], values["DEVSTACK_SQLDW_TOKEN_KEY"]
        )
        assert claims.name == "devstack-loader"
        script = f'set -a; . {stack.env_path}; set +a; exec {sys.executable} -c "$0"'
        client = subprocess.run(
            ["bash", "-c", script, FABRIC_CLIENT], capture_output=True, text=True, check=False
        )
        assert client.stdout.split() == ["11", "devstack-loader"], client.stderr
        # `devstack token` mints more; the key reaches the emulator through its environment.
        minted = subprocess.run(
            [sys.executable, "-m", "devstack", "token", "--dir", str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        with _token_connect(int(values["TARGET_AZURE_SQLDW_PORT"]), minted) as connection:
            assert connection.execute("SELECT 40 + 2").fetchone()[0] == 42
        sqldw = next(r for r in stack.records() if r.name == "sqldw")
        cmdline = pathlib.Path(f"/proc/{sqldw.pid}/cmdline").read_bytes()
        assert values["DEVSTACK_SQLDW_TOKEN_KEY"].encode() not in cmdline
    finally:
        stack.down()


def test_devstack_token_without_a_stack_says_so(tmp_path: pathlib.Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "token", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"devstack: no devstack env file at {tmp_path.resolve()}/env: run `devstack up` first\n"
    )


@pytest.mark.parametrize("flavor", ["synapse", "fabric"])
def test_the_readme_token_client_works_on_both_flavors(tmp_path: pathlib.Path, flavor: str) -> None:
    # devstack/README.md's token one-liner, run as written against the stack's env file.
    block = block_containing("devstack/README.md", "DEVSTACK_SQLDW_ODBC_TOKEN")
    (command,) = [c for c in block.commands if "DEVSTACK_SQLDW_ODBC_TOKEN" in c]
    stack = Stack(tmp_path)
    values = stack.up(StackOptions(services=("sqldw",), flavor=flavor))
    try:
        result = subprocess.run(
            ["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, check=False,
            env={**os.environ, **values},
        )  # fmt: skip
    finally:
        stack.down()
    assert (result.stdout, result.returncode) == ("('devstack-loader',)\n", 0), result.stderr


def test_fedauth_feature_decoding() -> None:
    token = entra.issue_token(KEY, lifetime=60)
    raw = token.encode("utf-16-le")
    feature = bytes((LIBRARY_SECURITYTOKEN << 1 | 1,)) + struct.pack("<I", len(raw)) + raw
    assert fedauth_token(feature) == token
    assert fedauth_token(feature + b"\x07" * 32) == token  # with the client's nonce
    with pytest.raises(ProtocolError, match="library 0x2 is not supported"):
        fedauth_token(bytes((LIBRARY_ADAL << 1,)) + b"\x01")
    with pytest.raises(ProtocolError, match="length does not match"):
        fedauth_token(feature[:-1])
