"""dlt's Synapse destination on the typed mix, next to target-azure-sqldw, in one run.

A second reference for ``target_bench.py``: dlt (from PyPI, pinned in
``bench/requirements-dlt.txt``, installed in its own virtualenv so that the project's
environment stays as it is) loads the same records as the target, in the same devstack
(Azurite and the SQL DW emulator):

- **dlt staged copy**: dlt's documented Synapse set-up, ``staging="filesystem"`` on
  ``az://``: normalize to Parquet, upload to Azurite, ``COPY INTO ... AUTO_CREATE_TABLE``;
- **dlt insert_values**: dlt's direct loading (``INSERT ... VALUES`` batches); dlt writes a
  newline in text as ``' + CHAR(10) + N'``, a T-SQL concatenation the emulator does not run,
  so for this way newlines in the input's text (the ``tags``) become spaces;
- **dlt normalize only**: ``extract`` and ``normalize`` to Parquet without a load step, what
  dlt does before the COPY;
- **target copy**: target-azure-sqldw with ``bulk_load_method: copy``.

A dlt way that fails against the emulator is reported with its error and left out. The
records are the typed mix's (``target_mixes.py``); dlt reads the same Singer lines, with
Decimal numbers and column hints for the exact decimals and the date, and merges on ``id``
as the target does.

    python -m venv .venv-dlt && .venv-dlt/bin/pip install -r bench/requirements-dlt.txt
    .venv/bin/python bench/dlt_bench.py [--records 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time
import typing as t

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

REPO = pathlib.Path(__file__).resolve().parents[1]
DLT_PYTHON = REPO / ".venv-dlt" / "bin" / "python"
WAYS = ("staged-copy", "insert-values", "normalize-only")
#: Column hints: the typed mix's exact decimals and date (dlt would infer text or double).
HINTS: dict[str, dict[str, t.Any]] = {
    "balance": {"data_type": "decimal", "precision": 38, "scale": 2},
    "rate": {"data_type": "decimal", "precision": 38, "scale": 6},
    "birthday": {"data_type": "date"},
    "created_at": {"data_type": "timestamp"},
    "updated_at": {"data_type": "timestamp"},
    "score": {"data_type": "double"},
}


def dlt_main(way: str, input_path: str, dataset: str) -> None:
    """Run one dlt pipeline over the Singer file (in dlt's own virtualenv)."""
    import decimal
    import json

    import dlt
    from dlt.destinations import filesystem, synapse

    env = os.environ

    @dlt.resource(name="contacts", primary_key="id", write_disposition="merge", columns=HINTS)
    def records() -> t.Iterator[dict[str, t.Any]]:
        with open(input_path, encoding="utf-8") as lines:
            for line in lines:
                if way == "insert-values":
                    # dlt writes a newline in text as ' + CHAR(10) + N', a T-SQL string
                    # concatenation the emulator does not run; such text is changed here.
                    line = line.replace("\\n", " ")
                message = json.loads(line, parse_float=decimal.Decimal)
                if message["type"] == "RECORD":
                    yield message["record"]

    credentials = {
        "host": env["TARGET_AZURE_SQLDW_HOST"],
        "port": int(env["TARGET_AZURE_SQLDW_PORT"]),
        "database": env["TARGET_AZURE_SQLDW_DATABASE"],
        "username": env["TARGET_AZURE_SQLDW_USER"],
        "password": env["TARGET_AZURE_SQLDW_PASSWORD"],
        "driver": "ODBC Driver 18 for SQL Server",
        "query": {"TrustServerCertificate": "yes"},
    }
    account = env["TARGET_AZURE_SQLDW_STORAGE_ACCOUNT"]
    key = env["TARGET_AZURE_SQLDW_STORAGE_ACCOUNT_KEY"]
    # adlfs reads this when dlt passes no connection string: uploads go to Azurite, while
    # the COPY names https://<account>.blob.core.windows.net, which the emulator maps.
    os.environ["AZURE_STORAGE_CONNECTION_STRING"] = (
        f"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};"
        f"BlobEndpoint={env['TARGET_AZURE_SQLDW_STORAGE_BLOB_ENDPOINT']};"
    )
    staging = None
    if way != "insert-values":
        staging = filesystem(
            bucket_url=f"az://{env['TARGET_AZURE_SQLDW_STORAGE_CONTAINER']}/dlt",
            credentials={"azure_storage_account_name": account, "azure_storage_account_key": key},
        )
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{dataset}",
        destination=synapse(credentials=credentials),
        staging=staging,
        dataset_name=dataset,
        pipelines_dir=tempfile.mkdtemp(prefix="dlt-bench-"),
    )
    if way == "normalize-only":
        pipeline.extract(records(), loader_file_format="parquet")
        pipeline.normalize()
        return
    file_format = "parquet" if way == "staged-copy" else "insert_values"
    info = pipeline.run(records(), loader_file_format=file_format)
    info.raise_on_failed_jobs()


def main() -> None:
    """Start the devstack, write the typed mix, run dlt's ways and the target, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--way", choices=WAYS, action="append", help="default: all")
    parser.add_argument("--mode", choices=WAYS, help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        dlt_main(args.mode, args.input, args.dataset)
        return
    if not DLT_PYTHON.exists():
        raise SystemExit(f"{DLT_PYTHON} is missing; see this script's docstring")

    from target_bench import count_rows, run_child
    from target_mixes import mixes, write_input

    from devstack.stack import Stack, StackOptions

    (mix,) = mixes(["typed"])
    runs: dict[str, list[dict[str, float]]] = {}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="dlt-bench-") as tmp:
        work = pathlib.Path(tmp)
        input_path = work / "typed.jsonl"
        write_input(input_path, mix, args.records)
        stack = Stack(work / "devstack")
        values = stack.up(StackOptions(services=("azurite", "sqldw")))
        if "ODBCSYSINI" in values:
            os.environ["ODBCSYSINI"] = values["ODBCSYSINI"]
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_AZURE_")}
        env = {**base_env, **values}
        try:
            for repeat in range(args.repeat):
                for way in args.way or WAYS:
                    if way in failed:
                        continue
                    dataset = f"dlt_{way.replace('-', '_')}_{int(time.time())}_{repeat}"
                    argv = [str(DLT_PYTHON), __file__, "--mode", way, "--input",
                            str(input_path), "--dataset", dataset]  # fmt: skip
                    try:
                        result = run_child(f"dlt {way}", argv, input_path, env, args.records)
                    except SystemExit as exc:
                        lines = str(exc).strip().splitlines()
                        errors = [
                            line for line in lines if "Error: (" in line or "Exception: (" in line
                        ]
                        failed[way] = (errors or lines)[-1][:300]
                        print(f"dlt {way} failed: {failed[way]}", flush=True)
                        continue
                    if way != "normalize-only":
                        rows = count_rows(values, dataset, mix.stream)
                        if rows != args.records:
                            raise SystemExit(f"dlt {way}: expected {args.records}, found {rows}")
                    runs.setdefault(f"dlt {way}", []).append(result)
                schema = f"target_{int(time.time())}_{repeat}"
                target_env = {**env, "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": schema,
                              "TARGET_AZURE_SQLDW_BULK_LOAD_METHOD": "copy"}  # fmt: skip
                argv = [sys.executable, "-m", "target_azure_sqldw", "--config", "ENV"]
                runs.setdefault("target copy", []).append(
                    run_child("target copy", argv, input_path, target_env, args.records)
                )
                if count_rows(values, schema, mix.stream) != args.records:
                    raise SystemExit("target copy: wrong row count")
        finally:
            stack.down()
    medians = {name: statistics.median(r["records_per_s"] for r in rs) for name, rs in runs.items()}
    print(f"typed mix, {args.records} records, medians of {args.repeat} runs:")
    for name, median in medians.items():
        rss = max(r["peak_rss_mb"] for r in runs[name])
        ratio = medians.get("target copy", 0) / median if median else 0
        print(
            f"  {name:20s} {median:10.0f} rec/s  peak RSS {rss:6.0f} MB  target / it: {ratio:.2f}x"
        )
    for way, error in failed.items():
        print(f"  dlt {way}: failed: {error}")


if __name__ == "__main__":
    main()
