"""Connection strings, tokens and error classification (no server needed)."""

from __future__ import annotations

import struct
import types
import typing as t

import pytest

from target_azure_sqldw.load.auth import (
    DATABASE_SCOPE,
    AccessTokenProvider,
    credential_from_config,
    storage_credential,
)
from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.odbc import (
    SQL_COPT_SS_ACCESS_TOKEN,
    CommitOutcomeUnknownError,
    access_token_attrs,
    build_connection_string,
    error_number,
    is_transient,
)
from target_azure_sqldw.stage.blob_store import BlobStage

BASE = {"host": "ws.sql.azuresynapse.net", "database": "pool", "port": 1433}


def test_sql_login_with_driver_18() -> None:
    conn = build_connection_string({**BASE, "user": "loader", "password": "p;w}d"})
    assert conn == (
        "Driver={ODBC Driver 18 for SQL Server};Server=tcp:ws.sql.azuresynapse.net,1433;"
        "Database=pool;Encrypt=yes;TrustServerCertificate=no;LongAsMax=yes;"
        "UID=loader;PWD={p;w}}d};"
    )
    redacted = build_connection_string({**BASE, "user": "loader", "password": "p;w}d"}, redact=True)
    assert "p;w" not in redacted
    assert "PWD=***" in redacted


def test_freetds_uses_its_own_keywords() -> None:
    conn = build_connection_string(
        {**BASE, "driver": "FreeTDS", "user": "u", "password": "p", "port": 14330}
    )
    assert conn.startswith("Driver={FreeTDS};Server=ws.sql.azuresynapse.net;Port=14330;")
    assert "TDS_Version=7.4" in conn
    assert "LongAsMax" not in conn


@pytest.mark.parametrize("method", ["service_principal", "managed_identity", "access_token"])
def test_entra_methods_carry_no_credentials_in_the_string(method: str) -> None:
    conn = build_connection_string(
        {**BASE, "auth_method": method, "client_id": "app", "client_secret": "s"}
    )
    assert "UID" not in conn
    assert "PWD" not in conn
    assert "Authentication" not in conn


def test_missing_settings_named() -> None:
    with pytest.raises(ValueError, match="needs the setting\\(s\\): password"):
        build_connection_string({**BASE, "user": "u"})
    with pytest.raises(ValueError, match="Unknown auth_method"):
        build_connection_string({**BASE, "auth_method": "kerberos"})


def test_odbc_options_and_trust() -> None:
    conn = build_connection_string(
        {
            **BASE,
            "user": "u",
            "password": "p",
            "encrypt": False,
            "trust_server_certificate": True,
            "odbc_options": "ConnectRetryCount=3;",
        }
    )
    assert "Encrypt=no;TrustServerCertificate=yes;" in conn
    assert conn.endswith("ConnectRetryCount=3;")


def test_access_token_structure() -> None:
    attrs = access_token_attrs("eyJ0eXAi")
    value = attrs[SQL_COPT_SS_ACCESS_TOKEN]
    (length,) = struct.unpack("<I", value[:4])
    assert length == len(value) - 4 == 16
    assert value[4:] == "eyJ0eXAi".encode("utf-16-le")


def test_error_number_from_driver_message() -> None:
    exc = Exception("42000", "[42000] [Microsoft][ODBC Driver 18]Pool is warming up (42109) (SQL)")
    assert error_number(exc) == 42109
    assert error_number(Exception("no number")) is None


def test_connect_failure_is_one_line_without_secrets() -> None:
    connector = AzureSQLDWConnector(
        {
            **BASE,
            "host": "127.0.0.1",
            "port": 1,
            "driver": "FreeTDS",
            "user": "u",
            "password": "hunter2-secret",
        }
    )
    with pytest.raises(RuntimeError) as info:
        connector.connect()
    message = str(info.value)
    assert message.startswith("Cannot connect to 127.0.0.1:1/pool: ")
    assert "\n" not in message
    assert "hunter2" not in message


def test_mapper_follows_settings() -> None:
    connector = AzureSQLDWConnector({**BASE, "flavor": "fabric"})
    assert connector.jsonschema_to_sql.to_column_type({"type": "string"}).sql == "varchar(8000)"


class FakeCredential:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str) -> t.Any:
        self.calls.append(scopes)
        n = len(self.calls)
        return types.SimpleNamespace(token=f"tok{n}", expires_on=1000 + 3600 * n)


def test_tokens_are_reused_then_refreshed_before_expiry() -> None:
    now = [1000.0]
    credential = FakeCredential()
    provider = AccessTokenProvider(credential, refresh_margin=300, clock=lambda: now[0])
    assert provider.get() == "tok1"
    now[0] = 1000 + 3600 - 301
    assert provider.get() == "tok1"
    now[0] = 1000 + 3600 - 300
    assert provider.get() == "tok2"
    assert credential.calls == [(DATABASE_SCOPE,), (DATABASE_SCOPE,)]


def test_each_new_connection_logs_in_with_a_token_refreshed_before_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reconnects (after a transient error, or a new thread) never reuse a token near expiry."""
    now = [1000.0]
    credential = FakeCredential()
    connector = AzureSQLDWConnector(
        {**BASE, "auth_method": "service_principal", "driver": "ODBC Driver 18 for SQL Server"}
    )
    connector._tokens = AccessTokenProvider(credential, refresh_margin=300, clock=lambda: now[0])
    seen: list[tuple[str, dict[int, bytes]]] = []

    def fake_connect(conn_str: str, *, autocommit: bool, attrs_before: t.Any) -> object:
        seen.append((conn_str, attrs_before))
        return object()

    monkeypatch.setattr("target_azure_sqldw.load.connector.pyodbc.connect", fake_connect)
    connector.connect()
    now[0] = 1000 + 3600 - 400  # 400 s left: still valid beyond the margin
    connector.connect()
    now[0] = 1000 + 3600 - 200  # 200 s left: inside the 300 s margin, so a new token
    connector.connect()
    tokens = [attrs[SQL_COPT_SS_ACCESS_TOKEN][4:].decode("utf-16-le") for _, attrs in seen]
    assert tokens == ["tok1", "tok1", "tok2"]
    assert all("PWD" not in conn_str and "tok" not in conn_str for conn_str, _ in seen)


def test_service_principal_needs_its_settings() -> None:
    with pytest.raises(ValueError, match="tenant_id, client_secret"):
        credential_from_config({"auth_method": "service_principal", "client_id": "a"})
    credential = credential_from_config(
        {
            "auth_method": "service_principal",
            "tenant_id": "t",
            "client_id": "a",
            "client_secret": "s",
        }
    )
    assert type(credential).__name__ == "ClientSecretCredential"
    assert type(credential_from_config({"auth_method": "managed_identity"})).__name__ == (
        "ManagedIdentityCredential"
    )


def test_without_a_key_or_sas_the_stage_signs_in_as_the_database_principal() -> None:
    # On Fabric, COPY INTO reads the stage as the caller: one principal writes and reads it.
    principal = {
        "auth_method": "service_principal",
        "tenant_id": "t",
        "client_id": "a",
        "client_secret": "s",
        "storage_account": "acct",
        "storage_container": "stage",
    }
    credential = storage_credential(principal)
    assert type(credential).__name__ == "ClientSecretCredential"
    stage = BlobStage(account="acct", container="stage", credential=credential)
    assert stage.client.credential is credential
    assert storage_credential({**principal, "storage_account_key": "a2V5"}) is None
    assert storage_credential({**principal, "storage_sas_token": "sv=x"}) is None
    assert storage_credential({**principal, "auth_method": "access_token"}) is None


def test_transient_classification() -> None:
    assert is_transient(Exception("[42000] warming up (42109)"))
    assert is_transient(Exception("TCP Provider: Error code 0x2746 (10054)"))
    assert not is_transient(Exception("[42S02] Invalid object name 'x'. (208)"))
    assert not is_transient(Exception("no number at all"))


def test_retrying_repeats_transient_failures_but_never_a_failed_commit() -> None:
    """Only idempotent steps are retried: a failed COMMIT (outcome unknown) runs once.

    The emulator's injected faults apply to SQL batches, not to the driver's COMMIT request,
    so the COMMIT failure is raised here by the step itself.
    """
    connector = AzureSQLDWConnector({**BASE, "retry_backoff_seconds": 0, "max_retries": 3})
    calls: list[str] = []

    def flaky() -> str:
        calls.append("flaky")
        if len(calls) < 3:
            raise RuntimeError("[08S01] The SQL pool is warming up. (42109)")
        return "done"

    assert connector.retrying(flaky, "a flaky step") == "done"
    assert calls == ["flaky"] * 3

    def commit_fails() -> None:
        calls.append("commit")
        raise CommitOutcomeUnknownError("COMMIT failed, outcome unknown: warming up (42109)")

    calls.clear()
    with pytest.raises(CommitOutcomeUnknownError):
        connector.retrying(commit_fails, "a merge")
    assert calls == ["commit"]


class CommitConflicts:
    """A connection whose COMMIT fails with ``errors`` in turn, then succeeds.

    Fabric checks write-write conflicts at COMMIT; the emulator reports its own conflicts as
    1205 and injects faults into SQL batches only, so the driver's COMMIT is stood in for here.
    """

    def __init__(self, *errors: str) -> None:
        self.errors = list(errors)
        self.autocommit = True
        self.commits = 0
        self.rollbacks = 0

    def cursor(self) -> types.SimpleNamespace:
        return types.SimpleNamespace(close=lambda: None)

    def commit(self) -> None:
        self.commits += 1
        if self.errors:
            raise RuntimeError(self.errors.pop(0))

    def rollback(self) -> None:
        self.rollbacks += 1


def merge_in_a_transaction(connector: AzureSQLDWConnector, connection: CommitConflicts) -> str:
    connector._local.connection = connection

    def merge() -> str:
        connector._local.connection = connection
        with connector.transaction():
            pass
        return "merged"

    return connector.retrying(merge, "a merge")


def test_a_fabric_snapshot_conflict_at_commit_is_retried_but_an_unknown_outcome_is_not() -> None:
    connector = AzureSQLDWConnector({**BASE, "retry_backoff_seconds": 0, "max_retries": 3})
    conflicts = CommitConflicts(
        "[42000] Snapshot isolation transaction aborted due to update conflict. (24556)",
        "[42000] Snapshot isolation transaction aborted due to update conflict on row "
        "modified or deleted by another transaction. (24706)",
    )
    assert merge_in_a_transaction(connector, conflicts) == "merged"
    assert conflicts.commits == 3
    assert conflicts.autocommit is True
    lost = CommitConflicts("[08S01] TCP Provider: Error code 0x2746 (10054)")
    with pytest.raises(CommitOutcomeUnknownError, match=r"^COMMIT failed, outcome unknown: "):
        merge_in_a_transaction(connector, lost)
    assert lost.commits == 1
