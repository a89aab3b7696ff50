"""The target CLI configured only through ``TARGET_AZURE_SQLDW_*`` variables (``--config ENV``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
import uuid

from tests.target.emulator_runs import message_text, query


def test_number_settings_from_the_environment_load_a_stream(
    sqldw_config: dict[str, t.Any],
) -> None:
    schema = f"env_{uuid.uuid4().hex[:8]}"
    settings = {
        **sqldw_config,
        "default_target_schema": schema,
        "bulk_load_method": "copy",
        # number settings: refused as text before ('5' is not of type 'number', 'null')
        "batch_max_age_seconds": "5",
        "retry_backoff_seconds": "0.5",
        "orphan_max_age_hours": "1.5",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_AZURE_SQLDW_")}
    for name, value in settings.items():
        text = value if isinstance(value, str) else json.dumps(value)
        env["TARGET_AZURE_SQLDW_" + name.upper()] = text
    messages = [
        {
            "type": "SCHEMA",
            "stream": "plans",
            "schema": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "key_properties": ["id"],
        },
        *({"type": "RECORD", "stream": "plans", "record": {"id": i}} for i in (1, 2, 3)),
        {"type": "STATE", "value": {"done": True}},
    ]
    result = subprocess.run(
        [sys.executable, "-m", "target_azure_sqldw", "--config", "ENV"],
        input=message_text(messages),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ['{"done": true}']
    assert sorted(query(sqldw_config, f"SELECT [id] FROM [{schema}].[plans]")) == [(1,), (2,), (3,)]
