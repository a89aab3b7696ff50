"""`make demo`: start the devstack, run the pipeline against it, show what landed.

Until target-azure-sqldw lands (issue 5), the demo runs tap-intercom against the Intercom
sandbox into local JSONL files under output/demo/ and says so.
"""

from __future__ import annotations

import collections
import json
import os
import pathlib
import subprocess
import sys
import time
import typing as t

from devstack.stack import Stack, StackError, StackOptions

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "output" / "demo"
BIN = pathlib.Path(sys.executable).parent


def say(message: str) -> None:
    """Print a progress line a person can follow."""
    print(f"demo: {message}", flush=True)


def run_tap(env: dict[str, str], state: pathlib.Path | None) -> tuple[dict[str, int], float]:
    """Run tap-intercom into JSONL files, one per stream; return record counts and seconds."""
    command = [str(BIN / "tap-intercom"), "--config", "ENV"]
    if state is not None and state.exists():
        command += ["--state", str(state)]
    counts: collections.Counter[str] = collections.Counter()
    files: dict[str, t.TextIO] = {}
    last_state = None
    started = time.monotonic()
    log = (OUTPUT / "tap.log").open("w")
    with (
        log,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, **env}
        ) as tap,
    ):
        for line in tap.stdout or ():
            message = json.loads(line)
            if message["type"] == "RECORD":
                stream = message["stream"]
                if stream not in files:
                    files[stream] = (OUTPUT / f"{stream}.jsonl").open("a")
                print(json.dumps(message["record"]), file=files[stream])
                counts[stream] += 1
            elif message["type"] == "STATE":
                last_state = message["value"]
    for handle in files.values():
        handle.close()
    if tap.returncode != 0:
        say(f"tap-intercom failed with exit code {tap.returncode}; see output/demo/tap.log")
        sys.exit(tap.returncode)
    if last_state is not None:
        (OUTPUT / "state.json").write_text(json.dumps(last_state, indent=2) + "\n")
    return dict(counts), time.monotonic() - started


def main() -> None:
    """Run the demo."""
    keep = os.environ.get("KEEP", "") not in ("", "0")
    stack = Stack(ROOT / ".devstack")
    say("starting the devstack (Azurite, Intercom sandbox)")
    try:
        stack.up(StackOptions(services=("azurite", "intercom")))
    except StackError as exc:
        say(f"{exc}; run `.venv/bin/devstack down` first")
        sys.exit(1)
    try:
        env = stack.env()
        OUTPUT.mkdir(parents=True, exist_ok=True)
        for old in OUTPUT.glob("*.jsonl"):
            old.unlink()
        (OUTPUT / "state.json").unlink(missing_ok=True)
        say("target-azure-sqldw is not built yet: writing the tap's records to output/demo/")
        counts, seconds = run_tap(env, None)
        say(f"full sync took {seconds:.1f} s")
        width = max((len(name) for name in counts), default=10)
        for stream, count in sorted(counts.items()):
            print(f"  {stream:<{width}}  {count:>7} records")
        say(f"{sum(counts.values())} records in {len(counts)} streams; state in output/demo/")
    finally:
        if keep:
            say(f"KEEP=1: the devstack stays up; env file {stack.env_path}")
        else:
            stack.down()
            say("devstack stopped")


if __name__ == "__main__":
    main()
