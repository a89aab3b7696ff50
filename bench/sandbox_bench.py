"""Requests per second the Intercom sandbox serves on this machine.

The sandbox runs as ``python -m devstack.intercom_sandbox`` in a child process (as under
``devstack up``); client threads with keep-alive sessions send a bounded number of requests
for each endpoint mix, and the figure is completed requests over wall time. The rate limit is
raised out of the way so the server's own throughput is measured.

    .venv/bin/python bench/sandbox_bench.py [--size medium] [--threads 4] [--requests 2000]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import subprocess
import sys
import time
import typing as t

import requests

TOKEN = "bench-token"


def start(size: str) -> tuple[subprocess.Popen[str], str, float]:
    """Start the sandbox; return the process, its URL and how long start-up took."""
    began = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "devstack.intercom_sandbox", "--port", "0", "--size", size,
            "--rate-limit", "1000000000", "--timezone", "America/Los_Angeles",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DEVSTACK_INTERCOM_ACCESS_TOKEN": TOKEN},
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if "ready at" not in line:
        process.kill()
        raise SystemExit(f"sandbox did not start: {line!r}")
    return process, line.split("ready at ", 1)[1].split()[0], time.perf_counter() - began


def run_mix(
    url: str, name: str, call: t.Callable[[requests.Session, int], int], threads: int, total: int
) -> float:
    """Send ``total`` requests over ``threads`` sessions; return requests per second."""
    per_thread = total // threads

    def worker(offset: int) -> int:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        ok = 0
        for k in range(per_thread):
            status = call(session, offset * per_thread + k)
            ok += status == 200
        session.close()
        return ok

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        ok = sum(pool.map(worker, range(threads)))
    elapsed = time.perf_counter() - began
    rate = per_thread * threads / elapsed
    print(f"{name:<44} {rate:8.0f} req/s   ({ok}/{per_thread * threads} ok, {elapsed:.1f} s)")
    return rate


def main() -> None:
    """Run the benchmark and print one line per endpoint mix."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    process, url, startup = start(args.size)
    try:
        print(f"sandbox size {args.size}: started in {startup:.2f} s at {url}")
        cursor: dict[str, str | None] = {"next": None}

        def tags(s: requests.Session, _: int) -> int:
            return s.get(url + "/tags", timeout=30).status_code

        def conversation(s: requests.Session, k: int) -> int:
            # Rows 2..38: never one of the pre-deleted (every 40th from 39).
            return s.get(f"{url}/conversations/{1_000_002 + k % 37}", timeout=30).status_code

        def contacts_page(s: requests.Session, _: int) -> int:
            body: dict[str, t.Any] = {
                "query": {"field": "updated_at", "operator": ">", "value": 1_700_000_000},
                "sort": {"field": "updated_at", "order": "ascending"},
                "pagination": {"per_page": 150},
            }
            if cursor["next"]:
                body["pagination"]["starting_after"] = cursor["next"]
            response = s.post(url + "/contacts/search", json=body, timeout=60)
            cursor["next"] = response.json()["pages"].get("next", {}).get("starting_after")
            return response.status_code

        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        began = time.perf_counter()
        contacts_page(session, 0)
        print(
            f"first contacts search page (evaluates the query): {time.perf_counter() - began:.2f} s"
        )
        session.close()
        run_mix(url, "GET /tags (auth + rate limit + JSON)", tags, args.threads, args.requests)
        run_mix(
            url, "GET /conversations/{id} (with parts)", conversation, args.threads, args.requests
        )
        run_mix(
            url, "POST /contacts/search (150 per page, cached)", contacts_page, args.threads,
            max(args.threads, args.requests // 10),
        )  # fmt: skip
        stats = requests.get(url + "/_sandbox/stats", timeout=10).json()
        print(f"server counted {stats['total']} requests, {stats['rate_limited']} rate-limited")
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
