"""singer-sdk's private API the target relies on is still there, with the same signatures.

Every private name is reached through ``target_azure_sqldw.sdk_adapter`` only; these tests
fail, naming the method or attribute, when an upgrade of singer-sdk renames or changes one.
"""

from __future__ import annotations

import inspect
import pathlib
import typing as t

import pytest
from singer_sdk import Target
from singer_sdk.singerlib.encoding import SimpleSingerReader
from singer_sdk.sinks import BatchSink

import target_azure_sqldw
from target_azure_sqldw.sdk_adapter import PRIVATE_ATTRIBUTES, RELIED_ON, SDK_SINK_SETUP_ERROR
from tests.sdk_private_api import described, private_sdk_uses, resolve

PACKAGE = pathlib.Path(target_azure_sqldw.__file__).parent


@pytest.mark.parametrize("name", sorted(RELIED_ON))
def test_private_method_keeps_its_signature(name: str) -> None:
    try:
        obj = resolve(name)
    except AttributeError:
        pytest.fail(f"singer-sdk no longer has {name}")
    assert described(obj) == RELIED_ON[name], f"singer-sdk changed {name}"


class _Sink(BatchSink):
    def process_batch(self, context: dict) -> None:
        """Nothing to load."""


class _Target(Target):
    name = "target-adapter-check"
    config_jsonschema: t.ClassVar[dict] = {"type": "object", "properties": {}}
    default_sink_class = _Sink


def instances() -> dict[str, t.Any]:
    target = _Target(config={})
    sink = _Sink(target, "s", {"type": "object", "properties": {"id": {}}}, ["id"])
    return {"Target": target, "Sink": sink, "GenericSingerReader": SimpleSingerReader()}


@pytest.mark.parametrize(
    ("owner", "attribute"),
    [(owner, name) for owner, names in PRIVATE_ATTRIBUTES.items() for name in names],
)
def test_private_attribute_exists(owner: str, attribute: str) -> None:
    obj = instances()[owner]
    assert hasattr(obj, attribute), f"singer-sdk's {owner} no longer has {attribute}"


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(PACKAGE.rglob("*.py")) if p.name != "sdk_adapter.py"],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_private_sdk_api_outside_the_adapter(path: pathlib.Path) -> None:
    """No module but the adapter imports a private singer-sdk module or overrides its hooks."""
    assert private_sdk_uses(path, RELIED_ON, PRIVATE_ATTRIBUTES) == []


def test_the_sdk_line_left_out_is_still_the_one_singer_sdk_logs() -> None:
    # The adapter drops this exact line of Target.add_sink: a new wording would reach stderr.
    assert f'self.logger.error("{SDK_SINK_SETUP_ERROR}"' in inspect.getsource(Target.add_sink)
