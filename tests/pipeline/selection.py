"""The streams the pipeline tests select, and how they select them (as a user would).

Only ``make demo`` (tests/pipeline/test_readme_blocks.py) and the README blocks that name no
catalog load every default stream; every other pipeline test loads PIPELINE_STREAMS: each
stream landed.SANDBOX_TOTALS counts, a child stream and the deletions stream. A full run
loads 36 tables and costs several times as much, for nothing a test here asks about.
A shell pipe selects with a catalog (``--discover``, mark the streams ``selected``,
``--catalog``); Meltano with the ``select`` extra, here its ``TAP_INTERCOM__SELECT`` variable.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import typing as t

from tests.pipeline.landed import SANDBOX_TOTALS

PIPELINE_STREAMS = (
    *SANDBOX_TOTALS,
    # A child stream (its parent's records drive it) and the stream that also sends delete
    # records into conversations.
    "conversation_parts",
    "deleted_conversations",
)

BIN = pathlib.Path(sys.executable).parent


def select_streams(catalog: dict[str, t.Any], streams: t.Iterable[str]) -> dict[str, t.Any]:
    """The catalog with exactly ``streams`` selected (stream-level ``selected`` metadata).

    Raises:
        ValueError: A stream is not in the catalog (a selection that silently selects
            nothing would make a test check less than it says).
    """
    wanted = set(streams)
    missing = wanted - {entry["tap_stream_id"] for entry in catalog["streams"]}
    if missing:
        raise ValueError(f"not in the catalog: {sorted(missing)}")
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] in wanted
    return catalog


def selected_catalog(
    env: dict[str, str],
    path: pathlib.Path,
    streams: t.Iterable[str] = PIPELINE_STREAMS,
    config: str = "ENV",
) -> pathlib.Path:
    """Discover with ``--config config`` (and ``env``), select ``streams``, write it to ``path``."""
    done = subprocess.run(
        [str(BIN / "tap-intercom"), "--config", config, "--discover"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    path.write_text(json.dumps(select_streams(json.loads(done.stdout), streams)))
    return path


def meltano_select(streams: t.Iterable[str] = PIPELINE_STREAMS) -> dict[str, str]:
    """The variable that sets tap-intercom's Meltano ``select`` extra to ``streams``."""
    return {"TAP_INTERCOM__SELECT": json.dumps([f"{stream}.*" for stream in streams])}
