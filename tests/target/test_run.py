"""The run object: built once per target, handed to every sink; no sink reaches the target.

The import checks read the source with ``ast``; the rest builds targets with the recording
connector and real Azurite uploads.
"""

from __future__ import annotations

import ast
import io
import pathlib
import threading
import typing as t

from target_azure_sqldw.run import Run
from target_azure_sqldw.target import TargetAzureSQLDW
from tests.target.recording_connector import lines, make_target

if t.TYPE_CHECKING:
    from target_azure_sqldw.stage.blob_store import BlobStage

PACKAGE = pathlib.Path(__file__).parents[2] / "target-azure-sqldw" / "target_azure_sqldw"


def imports_of(path: pathlib.Path) -> set[str]:
    """Every module a file imports, under ``TYPE_CHECKING`` included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_only_the_entry_points_import_the_target_module() -> None:
    importers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "target_azure_sqldw.target" in imports_of(path)
    )
    assert importers == ["__main__.py"]


def test_no_lock_is_a_class_attribute() -> None:
    lock_types = (type(threading.Lock()), type(threading.RLock()))
    for cls in TargetAzureSQLDW.__mro__:
        held = [name for name, value in vars(cls).items() if isinstance(value, lock_types)]
        assert held == [], cls


def test_each_target_builds_one_run_shared_by_its_sinks(blob_stage: BlobStage) -> None:
    first, _ = make_target(blob_stage, "copy")
    second, _ = make_target(blob_stage, "copy")
    first.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "a"}], stream="a")))
    first_sinks = list(first.active_sinks.values())
    assert first_sinks
    assert all(sink.run is first.run for sink in first_sinks)
    assert isinstance(first.run, Run)
    assert first.run is not second.run
    assert first.run.polybase_objects_lock is not second.run.polybase_objects_lock
    assert first.run.ledger.lock is not second.run.ledger.lock
    assert first.run.connector is first.connector
