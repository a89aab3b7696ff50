"""dbt-synapse (PyPI, unmodified) runs ``dbt build`` on a small project against the devstack.

The project (``tests/devstack/dbt_project``) has a table, a view, an incremental model merged on
its key and data tests. dbt-core pins ``pathspec<0.13`` and this repository's mypy needs
``pathspec>=1``, so dbt gets its own virtualenv (pinned below), like the Singer plugins in
``tests/pipeline/test_interop.py``; it reaches the emulator through pyodbc and the ODBC Driver 18
that the devstack registers (``ODBCSYSINI`` in the env file).
"""

from __future__ import annotations

import decimal
import json
import os
import pathlib
import shutil
import subprocess

import pyodbc
import pytest

from tests.pipeline.plugin_venvs import plugin_venv

PROJECT = pathlib.Path(__file__).parent / "dbt_project"
# dbt-synapse 1.8.5 wants dbt-fabric < 1.10 (1.10+ needs Python 3.12); dbt-fabric asks for any
# dbt-core >= 1.8, and pip's newest (1.12) fetches a parser from outside the registry.
DBT = ("dbt-synapse==1.8.5", "dbt-fabric==1.9.9", "dbt-core==1.9.11")
TESTS_PASS = dict.fromkeys(
    (
        "unique_customers_customer_id",
        "not_null_customers_customer_id",
        "unique_orders_order_id",
        "not_null_orders_order_id",
        "relationships_orders_customer_id__customer_id__ref_customers_",
        "orders_have_positive_amounts",
    ),
    "pass",
)


def _dbt(
    bin_dir: pathlib.Path, project: pathlib.Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(bin_dir / "dbt"),
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _results(project: pathlib.Path) -> dict[str, str]:
    run = json.loads((project / "target" / "run_results.json").read_text())
    # unique_id: model.<project>.<name> or test.<project>.<name>.<hash>
    return {result["unique_id"].split(".")[2]: result["status"] for result in run["results"]}


@pytest.mark.slow
def test_dbt_build_table_view_incremental_and_tests(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    bin_dir = plugin_venv("dbt-synapse", *DBT)
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    env = {**os.environ, **devstack_env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)

    def query(sql: str) -> list[tuple[object, ...]]:
        return [tuple(row) for row in connection.execute(sql).fetchall()]

    first = _dbt(bin_dir, project, env, "build")
    assert first.returncode == 0, first.stdout[-3000:]
    assert _results(project) == {
        "customers": "success",
        "customer_names": "success",
        "orders": "success",
        **TESTS_PASS,
    }
    assert query("SELECT customer_id, name FROM dbt_shop.customers ORDER BY 1") == [
        (1, "Zoë"),
        (2, "李"),
        (3, "Ada"),
    ]
    assert query("SELECT customer_id, name_upper FROM dbt_shop.customer_names ORDER BY 1") == [
        (1, "ZOË"),
        (2, "李"),
        (3, "ADA"),
    ]
    assert query("SELECT order_id, amount, batch FROM dbt_shop.orders ORDER BY 1") == [
        (10, decimal.Decimal("5.25"), 1),
        (11, decimal.Decimal("7.50"), 1),
    ]
    assert query(
        "SELECT TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'dbt_shop' "
        "ORDER BY TABLE_NAME"
    ) == [("VIEW",), ("BASE TABLE",), ("BASE TABLE",)]

    # The incremental run MERGEs batch 2 on order_id: 11 changes, 12 arrives, 10 stays. The view
    # is left out here (its rebuild is refused, below).
    second = _dbt(
        bin_dir, project, env, "build", "--vars", "{batch: 2}", "--exclude", "customer_names"
    )
    assert second.returncode == 0, second.stdout[-3000:]
    assert _results(project) == {"customers": "success", "orders": "success", **TESTS_PASS}
    assert query("SELECT order_id, customer_id, amount, batch FROM dbt_shop.orders ORDER BY 1") == [
        (10, 1, decimal.Decimal("5.25"), 1),
        (11, 2, decimal.Decimal("8.00"), 2),
        (12, 3, decimal.Decimal("1.00"), 2),
    ]
    distribution = query(
        "SELECT p.distribution_policy_desc FROM sys.tables t "
        "JOIN sys.pdw_table_distribution_properties p ON p.object_id = t.object_id "
        "JOIN sys.schemas s ON s.schema_id = t.schema_id "
        "WHERE s.name = 'dbt_shop' AND t.name = 'orders'"
    )
    assert distribution == [("HASH",)]

    # The tests test: a bad row makes the singular test fail, with dbt's exit code.
    connection.execute("INSERT INTO dbt_shop.orders VALUES (13, 1, -1.00, 3)")
    failing = _dbt(bin_dir, project, env, "test", "--select", "orders_have_positive_amounts")
    assert failing.returncode == 1
    assert _results(project) == {"orders_have_positive_amounts": "fail"}

    # dbt-fabric's view materialization renames the existing view to a backup before creating
    # the new one (RENAME OBJECT). Microsoft's RENAME article: "You can't rename an external
    # table, indexes, or views", so a dedicated pool refuses the second run too.
    again = _dbt(bin_dir, project, env, "run", "--select", "customer_names")
    assert again.returncode == 1
    assert "RENAME OBJECT of external tables and views is not supported" in again.stdout
    assert "(100086)" in again.stdout
    assert query("SELECT count(*) FROM dbt_shop.customer_names") == [(3,)]
