"""A connector that records SQL instead of running it, a target wired to it, and its input.

The recording connector stands in for the warehouse only: it answers catalog queries from a dict
and records every statement; the blobs it sees go to real Azurite (the ``blob_stage`` fixture).
"""

from __future__ import annotations

import contextlib
import json
import typing as t

from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.schema.sql_types import ColumnType
from target_azure_sqldw.stage.blob_store import BlobStage
from target_azure_sqldw.target import TargetAzureSQLDW

if t.TYPE_CHECKING:
    from collections.abc import Iterator


class RecordingConnector(AzureSQLDWConnector):
    """Answers catalog queries from ``tables`` and records statements instead of running them."""

    def __init__(self, config: dict, fail_on: str | None = None, failures: int = 1000) -> None:
        super().__init__(config)
        self.failures = failures
        self.error = "injected failure on {}"
        self.resets = 0
        self.tables: dict[tuple[str, str], dict[str, tuple[ColumnType, bool]]] = {}
        self.planned_columns: dict[tuple[str, str], t.Any] = {}
        self.log: list[tuple[str, Statement]] = []
        self.fail_on = fail_on
        self.uploaded_at_load: list[str] = []
        self.stage: BlobStage | None = None

    def query(self, statement: Statement) -> list[tuple[t.Any, ...]]:
        self.log.append(("query", statement))
        return []

    def execute(self, statement: Statement, cursor: t.Any = None) -> int:
        self.log.append(("tx" if cursor is not None else "auto", statement))
        if statement.sql.startswith(("COPY INTO", "CREATE EXTERNAL TABLE")) and self.stage:
            self.uploaded_at_load = self.stage.list_names(self.config["storage_prefix"])
        if self.fail_on and statement.sql.startswith(self.fail_on) and self.failures > 0:
            self.failures -= 1
            raise RuntimeError(self.error.format(self.fail_on))
        return 1

    @contextlib.contextmanager
    def transaction(self) -> Iterator[t.Any]:
        self.log.append(("begin", Statement("BEGIN")))
        yield object()
        self.log.append(("commit", Statement("COMMIT")))

    def reset(self) -> None:
        self.resets += 1

    def prepare_table(self, schema: str, table: str, columns: t.Any, layout: t.Any) -> t.Any:
        result = super().prepare_table(schema, table, columns, layout)
        if self.table_planned(schema, table):
            # A new table exists once its first batch creates it.
            self.planned_columns[(schema, table)] = result
        else:
            self.remember(schema, table, result)
        return result

    def create_planned_table(self, schema: str, table: str) -> None:
        super().create_planned_table(schema, table)
        if (schema, table) in self.planned_columns:
            self.remember(schema, table, self.planned_columns.pop((schema, table)))

    def remember(self, schema: str, table: str, columns: t.Any) -> None:
        known = self.tables.setdefault((schema, table), {})
        for column in columns.values():
            known[column.name] = (column.type, column.nullable)

    def table_columns(self, schema: str, table: str) -> dict[str, tuple[ColumnType, bool]]:
        return self.tables.get((schema, table), {})

    def schema_exists(self, schema: str) -> bool:
        return schema == "dbo"

    def sql(self) -> list[str]:
        return [s.sql for kind, s in self.log if kind != "query"]


def make_target(
    blob_stage: BlobStage, method: str, fail_on: str | None = None, **extra: t.Any
) -> tuple:
    config = {
        "host": "127.0.0.1",
        "database": "pool",
        "user": "u",
        "password": "p",
        "storage_account": blob_stage.account,
        "storage_account_key": blob_stage.account_key,
        "storage_container": blob_stage.container,
        "storage_blob_endpoint": blob_stage.endpoint,
        "storage_prefix": "stage",
        "bulk_load_method": method,
        "add_record_metadata": False,
        "retry_backoff_seconds": 0,
        **extra,
    }
    target = TargetAzureSQLDW(config=config)
    connector = RecordingConnector(dict(target.config), fail_on=fail_on)
    connector.stage = blob_stage
    target.__dict__["connector"] = connector
    return target, connector


SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "tenant": {"type": "integer"},
        "name": {"type": ["string", "null"]},
    },
}


def lines(records: list[dict], stream: str = "contacts") -> str:
    out = [
        json.dumps(
            {
                "type": "SCHEMA",
                "stream": stream,
                "schema": SCHEMA,
                "key_properties": ["id", "tenant"],
            }
        )
    ]
    out += [json.dumps({"type": "RECORD", "stream": stream, "record": r}) for r in records]
    out.append(json.dumps({"type": "STATE", "value": {"bookmarks": {stream: {"n": len(records)}}}}))
    return "\n".join(out) + "\n"
