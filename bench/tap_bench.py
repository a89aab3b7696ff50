"""Benchmark tap-intercom against a large sandbox workspace with latency and a rate limit.

Starts the Intercom sandbox as its own process (so the tap and the server do not share a GIL),
runs ``tap-intercom`` as a command twice (default ``max_concurrency`` and 1), and reports for
each run: wall time, requests, records, records/s, 429s, the ratio of wall time to the
floor, where the floor is the number of requests the streams need divided by the allowed
request rate, and the tap process's peak RSS.

    .venv/bin/python bench/tap_bench.py                       # defaults below
    .venv/bin/python bench/tap_bench.py --conversations 5000 --latency-ms 100 --skip-serial
    .venv/bin/python bench/tap_bench.py --baseline ../old-checkout --rounds 3   # before/after
    .venv/bin/python bench/tap_bench.py --opt-in --skip-serial  # every opt-in stream too

With the reporting_<dataset> streams switched on (``include_reporting``); the tap's log lines
give the seconds it slept waiting for export jobs, the sandbox's job time rather than the
rate limit's, reported as ``job_wait_s`` and left out of ``wall_less_job_wait_over_floor``:

    .venv/bin/python bench/tap_bench.py --reporting --skip-serial

Memory on a large workspace (only the streams named are selected; company_segments would be
one request per company):

    .venv/bin/python bench/tap_bench.py --companies 1000000 --contacts 1000000 \
        --conversations 100 --tickets 10 --streams companies,contacts --skip-serial \
        --latency-ms 0 --jitter-ms 0 --rate-limit-per-10s 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.request

TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_json(url: str, body: dict[str, t.Any] | None = None) -> t.Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def start_sandbox(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "devstack.intercom_sandbox",
        "--port",
        str(port),
        "--seed",
        "17",
        "--contacts",
        str(args.contacts),
        "--companies",
        str(args.companies),
        "--conversations",
        str(args.conversations),
        "--tickets",
        str(args.tickets),
        "--access-token",
        TOKEN,
        "--rate-limit",
        str(args.rate_limit_per_10s),
        "--latency-ms",
        str(args.latency_ms),
        "--jitter-ms",
        str(args.jitter_ms),
        "--timezone",
        "America/Los_Angeles",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"sandbox exited: {process.stdout.read() if process.stdout else ''}")
        try:
            http_json(url + "/_sandbox/health")
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("sandbox did not start within 300 s")


def tap_env(source: pathlib.Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_INTERCOM_")}
    if source is not None:
        # Another checkout's tap-intercom package, imported before the installed one.
        env["PYTHONPATH"] = str(source / "tap-intercom")
    return env


def write_catalog(
    config_path: pathlib.Path,
    streams: list[str],
    workdir: pathlib.Path,
    source: pathlib.Path | None = None,
) -> str:
    """Discover, select only ``streams``, and return the catalog file's path."""
    discovered = subprocess.run(
        [sys.executable, "-m", "tap_intercom", "--config", str(config_path), "--discover"],
        capture_output=True,
        text=True,
        check=True,
        env=tap_env(source),
    )
    catalog = json.loads(discovered.stdout)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in streams
    path = workdir / "catalog.json"
    path.write_text(json.dumps(catalog))
    return str(path)


def opt_in_settings() -> dict[str, bool]:
    """Every opt-in stream's switch, on (from the tap's stream registry)."""
    from tap_intercom.streams import STREAM_TYPES

    return {s.opt_in_setting: True for s in STREAM_TYPES if s.opt_in_setting}


def run_tap(
    url: str,
    concurrency: int,
    workdir: pathlib.Path,
    streams: list[str] | None = None,
    source: pathlib.Path | None = None,
    extra: dict[str, t.Any] | None = None,
) -> dict[str, t.Any]:
    config = {
        "access_token": TOKEN,
        "api_url": url,
        "indexing_delay": 0,
        "max_concurrency": concurrency,
        **(extra or {}),
    }
    config_path = workdir / f"config-{concurrency}.json"
    config_path.write_text(json.dumps(config))
    command = [sys.executable, "-m", "tap_intercom", "--config", str(config_path)]
    if streams:
        command += ["--catalog", write_catalog(config_path, streams, workdir, source)]
    http_json(url + "/_sandbox/control", {"reset_stats": True})
    log_path = workdir / f"tap-{concurrency}.log"
    started = time.monotonic()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, text=True, env=tap_env(source)
        )
        records = 0
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith('{"type":"RECORD"') or '"type": "RECORD"' in line[:40]:
                records += 1
        # wait4 gives this process's own peak RSS (the sandbox is a child too).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = code = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if code != 0:
        raise SystemExit(f"tap exited with {code}; see {log_path}")
    stats = http_json(url + "/_sandbox/stats")
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    return {
        "wall": wall,
        "records": records,
        "stats": stats,
        "log": str(log_path),
        "peak_rss_mb": peak_mb,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def report(name: str, result: dict[str, t.Any], rate_per_second: float) -> dict[str, float]:
    stats = result["stats"]
    total = int(stats["total"])
    refused = int(stats["rate_limited"])
    needed = int(stats["statuses"].get("200", 0))
    floor = needed / rate_per_second
    wall = result["wall"]
    # "reporting_x: 4 export jobs for 24 windows, 29 status requests, 3.6s waiting for jobs"
    log = pathlib.Path(result["log"]).read_text()
    job_wait = sum(float(s) for s in re.findall(r"status requests, ([0-9.]+)s waiting", log))
    figures = {
        "wall_s": round(wall, 2),
        "requests": total,
        "requests_needed": needed,
        "records": result["records"],
        "records_per_s": round(result["records"] / wall, 1),
        "http_429": refused,
        "floor_s": round(floor, 2),
        "wall_over_floor": round(wall / floor, 3),
        "job_wait_s": round(job_wait, 2),
        "wall_less_job_wait_over_floor": round((wall - job_wait) / floor, 3),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "tap_cpu_s": round(result["cpu_s"], 2),
    }
    print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--companies", type=int, default=500)
    parser.add_argument("--conversations", type=int, default=1500)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=60.0)
    parser.add_argument("--jitter-ms", type=float, default=30.0)
    parser.add_argument(
        "--rate-limit-per-10s", type=int, default=1666, help="1666 per 10 s = 10,000/min"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skip-serial", action="store_true", help="skip max_concurrency=1")
    parser.add_argument(
        "--streams", help="comma-separated streams to select (default: the tap's default: all)"
    )
    parser.add_argument(
        "--opt-in",
        action="store_true",
        help="switch every opt-in stream on (notes, transcripts, handling events, reporting)",
    )
    parser.add_argument(
        "--reporting", action="store_true", help="switch the reporting_<dataset> streams on"
    )
    parser.add_argument("--json", type=pathlib.Path, help="also write the figures here")
    parser.add_argument(
        "--baseline",
        type=pathlib.Path,
        help="another checkout (e.g. a git worktree of an older commit): its tap runs against "
        "the same sandbox, alternating with this one, and the wall-time ratio is reported",
    )
    parser.add_argument("--rounds", type=int, default=1, help="alternations with --baseline")
    args = parser.parse_args()

    rate = args.rate_limit_per_10s / 10.0
    process, url = start_sandbox(args)
    results: dict[str, t.Any] = {"settings": vars(args) | {"json": None}}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = pathlib.Path(tmp)
            streams = args.streams.split(",") if args.streams else None
            extra: dict[str, t.Any] = opt_in_settings() if args.opt_in else {}
            if args.reporting:
                extra["include_reporting"] = True
            if args.baseline:
                compare(url, args, workdir, streams, rate, results, extra)
                return
            parallel = run_tap(url, args.concurrency, workdir, streams, extra=extra)
            if os.environ.get("TAP_BENCH_KEEP_LOG"):
                print(pathlib.Path(parallel["log"]).read_text())
            results["parallel"] = report(f"max_concurrency={args.concurrency}", parallel, rate)
            if not args.skip_serial:
                serial = run_tap(url, 1, workdir, streams, extra=extra)
                results["serial"] = report("max_concurrency=1", serial, rate)
                speedup = serial["wall"] / parallel["wall"]
                results["speedup"] = round(speedup, 2)
                print(f"speedup over max_concurrency=1: {speedup:.2f}x")
    finally:
        process.terminate()
        process.wait(timeout=30)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str))


def compare(
    url: str,
    args: argparse.Namespace,
    workdir: pathlib.Path,
    streams: list[str] | None,
    rate: float,
    results: dict[str, t.Any],
    extra: dict[str, t.Any],
) -> None:
    """Baseline and this checkout in turn on one sandbox; the median wall time of each."""
    walls: dict[str, list[float]] = {"baseline": [], "current": []}
    order = [("baseline", args.baseline), ("current", None)]
    for round_number in range(1, args.rounds + 1):
        # Each run starts at the start of a fresh rate-limit window (the sandbox's are 10 s,
        # aligned to the clock), so neither inherits a window the other spent; the order
        # alternates so neither always goes first.
        for name, source in order if round_number % 2 else order[::-1]:
            time.sleep(10.0 - time.time() % 10.0 + 0.05)
            result = run_tap(url, args.concurrency, workdir, streams, source, extra)
            figures = report(f"round {round_number} {name}", result, rate)
            results.setdefault(name, []).append(figures)
            walls[name].append(result["wall"])
    baseline = sorted(walls["baseline"])[len(walls["baseline"]) // 2]
    current = sorted(walls["current"])[len(walls["current"]) // 2]
    ratio = current / baseline
    results["current_over_baseline"] = round(ratio, 3)
    print(f"median wall: baseline {baseline:.2f}s, current {current:.2f}s, ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
