"""Webhook latency: from a sandbox mutation to its committed warehouse row, and the 200.

Starts its own devstack (Azurite and the SQL DW emulator) and, per rate, an Intercom sandbox
with a webhook subscription, ``tap-intercom`` in webhook mode and ``target-azure-sqldw``
(``batch_max_age_seconds`` 5, the example config's value) in a pipe. It updates one
distinct contact per mutation at a steady rate and reports, per rate:

- **end to end**: seconds from the mutation to the moment the target printed a STATE
  covering it (the target prints STATE only after the commit). The notification's spool
  position links the two: the tap's spool maps notification ids to positions, and the
  STATE carries the position;
- **receiver**: seconds from sending a delivery to reading the tap's 200 (the sandbox's
  sender times each one; connection set-up included, as Intercom would see it);
- **floor**: the same deliveries, right after, against a bare ``http.server`` process that
  reads the body and answers 200 (no signature, spool or emitter): the machine's own share.

Mutations of the last ``--cooldown`` seconds are not measured: with nothing arriving after
them, their batch would wait for the end of the run rather than for its age.

    .venv/bin/python bench/webhook_bench.py [--rates 10,100] [--seconds 20] [--batch-age 5]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import http.server
import json
import os
import pathlib
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing as t

import requests

from devstack.processes import free_port

REPO = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(sys.executable).parent
TOKEN = "bench-token"
SECRET = "bench-client-secret"


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(k: int) -> float:
        return cuts[k - 1] if cuts else ordered[0]

    return {"p50": at(50), "p95": at(95), "p99": at(99), "max": ordered[-1]}


class FloorHandler(http.server.BaseHTTPRequestHandler):
    """Reads the delivery and answers 200: no signature check, no spool, no emitter."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: t.Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        """Answer 200."""
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def serve_floor(port: int) -> None:
    """The floor receiver (a process of its own, like the tap)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), FloorHandler)
    server.daemon_threads = True
    server.serve_forever()


def floor_latencies(rate: float, count: int) -> list[float]:
    """The sender's 200 times against the floor receiver, at ``rate``."""
    from devstack.intercom_sandbox import Sandbox, SandboxConfig

    port = free_port()
    floor = subprocess.Popen([sys.executable, __file__, "--serve-floor", str(port)])
    sandbox = Sandbox(
        SandboxConfig(seed=3, size="tiny", contacts=count + 10, access_token=TOKEN, port=0)
    ).start()
    try:
        url = f"http://127.0.0.1:{port}/intercom/webhooks"
        wait_listening(url, floor)
        sandbox.control(webhooks={"url": url, "client_secret": SECRET, "workers": 8})
        pace(sandbox, rate, count, [])
        sandbox.controller.webhooks.wait_idle(120)
        return list(sandbox.controller.webhooks.latencies)
    finally:
        sandbox.stop()
        floor.terminate()
        floor.wait(30)


def wait_listening(url: str, process: subprocess.Popen[bytes]) -> None:
    """Block until ``url`` answers."""
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(requests.ConnectionError):
            requests.get(url, timeout=1)
            return
        if time.monotonic() > deadline or process.poll() is not None:
            msg = f"nothing listens on {url}"
            raise SystemExit(msg)
        time.sleep(0.05)


def pace(sandbox: t.Any, rate: float, count: int, mutated_at: list[float]) -> None:
    """Update ``count`` distinct contacts at ``rate`` per second; note each mutation's time."""
    ws = sandbox.workspace
    start = time.monotonic()
    for k in range(count):
        due = start + k / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        mutated_at.append(time.time())
        sandbox.control(
            mutations=[
                {
                    "op": "update",
                    "kind": "contacts",
                    "ids": [ws.contact_id(k)],
                    "fields": {"name": f"bench {k}"},
                }
            ]
        )


def run_rate(
    rate: float,
    seconds: float,
    cooldown: float,
    batch_age: float,
    values: dict[str, str],
    work: pathlib.Path,
) -> dict[str, t.Any]:
    """One measurement at ``rate`` mutations per second."""
    from devstack.intercom_sandbox import Sandbox, SandboxConfig

    measured = int(rate * seconds)
    total = int(rate * (seconds + cooldown))
    sandbox = Sandbox(
        SandboxConfig(seed=3, size="tiny", contacts=total + 10, access_token=TOKEN, port=0)
    ).start()
    port = free_port()
    spool = work / f"spool-{rate:g}"
    tap_config = work / f"tap-{rate:g}.json"
    tap_config.write_text(
        json.dumps(
            {
                "access_token": TOKEN,
                "api_url": sandbox.url,
                "mode": "webhooks",
                "webhook_port": port,
                "webhook_client_secret": SECRET,
                "webhook_spool_dir": str(spool),
                # The bench measures the push path; list hydration would add API calls.
                "hydrate_contact_lists": False,
            }
        )
    )
    target_config = work / f"target-{rate:g}.json"
    target_config.write_text(json.dumps({"batch_max_age_seconds": batch_age}))
    schema = f"bench_webhooks_{int(rate)}_{int(time.time())}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TAP_INTERCOM_", "TARGET_"))},
        **values,
        "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": schema,
    }
    logs = [(work / f"{name}-{rate:g}.log").open("wb") for name in ("tap", "target")]
    tap = subprocess.Popen(
        [str(BIN / "tap-intercom"), "--config", str(tap_config)],
        stdout=subprocess.PIPE,
        stderr=logs[0],
        env=env,
    )
    target = subprocess.Popen(
        [str(BIN / "target-azure-sqldw"), "--config", "ENV", "--config", str(target_config)],
        stdin=tap.stdout,
        stdout=subprocess.PIPE,
        stderr=logs[1],
        env=env,
    )
    assert tap.stdout is not None
    tap.stdout.close()
    commits: list[tuple[float, int]] = []

    def read_states() -> None:
        assert target.stdout is not None
        for line in target.stdout:
            state = json.loads(line)
            position = state.get("bookmarks", {}).get("webhook_spool", {}).get("position", 0)
            commits.append((time.time(), int(position)))

    reader = threading.Thread(target=read_states, daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}/intercom/webhooks"
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(requests.ConnectionError):
            requests.get(url, timeout=1)
            break
        if time.monotonic() > deadline or tap.poll() is not None:
            msg = f"the tap never listened (see {logs[0].name})"
            raise SystemExit(msg)
        time.sleep(0.05)
    sandbox.control(webhooks={"url": url, "client_secret": SECRET, "workers": 8})
    hooks = sandbox.controller.webhooks
    ws = sandbox.workspace
    mutated_at: list[float] = []
    start = time.monotonic()
    for k in range(total):
        due = start + k / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        mutated_at.append(time.time())
        sandbox.control(
            mutations=[
                {
                    "op": "update",
                    "kind": "contacts",
                    "ids": [ws.contact_id(k)],
                    "fields": {"name": f"bench {k}"},
                }
            ]
        )
    hooks.wait_idle(120)
    time.sleep(batch_age + 2)
    tap.send_signal(signal.SIGTERM)
    tap.wait(120)
    target.wait(300)
    reader.join(10)
    for log in logs:
        log.close()
    latencies = list(hooks.latencies)
    created = [n["id"] for n in hooks.created]
    sandbox.stop()
    db = sqlite3.connect(spool / "spool.sqlite3")
    seq_of = dict(db.execute("SELECT id, seq FROM spool").fetchall())
    db.close()
    times = [c[0] for c in commits]
    positions = [c[1] for c in commits]
    # A STATE's position only grows: the first STATE at or above a seq is its commit.
    running = []
    best = 0
    for p in positions:
        best = max(best, p)
        running.append(best)
    end_to_end = []
    missing = 0
    for k in range(measured):
        seq = seq_of.get(created[k])
        index = bisect.bisect_left(running, seq) if seq is not None else len(running)
        if index >= len(running):
            missing += 1
            continue
        end_to_end.append(times[index] - mutated_at[k])
    floor = floor_latencies(rate, total)
    return {
        "floor_ms": {k: v * 1000 for k, v in percentiles(floor).items()},
        "rate": rate,
        "measured": measured,
        "not_committed": missing,
        "end_to_end": percentiles(end_to_end),
        "receiver_ms": {k: v * 1000 for k, v in percentiles(latencies).items()},
        "deliveries": len(latencies),
        "achieved_rate": measured / max(1e-9, mutated_at[measured - 1] - mutated_at[0]),
    }


def main() -> None:
    """Parse arguments, start the devstack, measure each rate and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="10,100", help="mutations per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per rate")
    parser.add_argument("--cooldown", type=float, default=8.0, help="unmeasured tail seconds")
    parser.add_argument("--batch-age", type=float, default=5.0, help="batch_max_age_seconds")
    parser.add_argument("--serve-floor", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return
    from devstack.stack import Stack, StackOptions

    with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp:
        work = pathlib.Path(tmp)
        stack = Stack(work / "devstack")
        values = stack.up(StackOptions(services=("azurite", "sqldw")))
        if "ODBCSYSINI" in values:
            os.environ["ODBCSYSINI"] = values["ODBCSYSINI"]
        try:
            results = [
                run_rate(float(rate), args.seconds, args.cooldown, args.batch_age, values, work)
                for rate in args.rates.split(",")
            ]
        finally:
            stack.down()
    print(f"batch_max_age_seconds {args.batch_age:g}, {args.seconds:g} s measured per rate")
    for r in results:
        e, w, f = r["end_to_end"], r["receiver_ms"], r["floor_ms"]
        print(
            f"{r['rate']:g}/s (achieved {r['achieved_rate']:.1f}/s), {r['measured']} measured, "
            f"{r['not_committed']} not committed"
        )
        print(
            f"  end to end s:     p50 {e['p50']:.2f}  p95 {e['p95']:.2f}  p99 {e['p99']:.2f}"
            f"  max {e['max']:.2f}"
        )
        print(
            f"  receiver 200 ms:  p50 {w['p50']:.1f}  p95 {w['p95']:.1f}  p99 {w['p99']:.1f}"
            f"  max {w['max']:.1f}"
        )
        print(
            f"  floor 200 ms:     p50 {f['p50']:.1f}  p95 {f['p95']:.1f}  p99 {f['p99']:.1f}"
            f"  max {f['max']:.1f}  (receiver/floor p99 {w['p99'] / f['p99']:.1f}x)"
        )


if __name__ == "__main__":
    main()
