"""singer-sdk's private API the target relies on is still there, with the same signatures.

Every private name is reached through ``target_azure_sqldw.sdk_adapter`` only; these tests
fail, naming the method or attribute, when an upgrade of singer-sdk renames or changes one.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import typing as t

import pytest
from singer_sdk import Target
from singer_sdk.singerlib.encoding import SimpleSingerReader
from singer_sdk.sinks import BatchSink

import target_azure_sqldw
from target_azure_sqldw.sdk_adapter import PRIVATE_ATTRIBUTES, RELIED_ON

PACKAGE = pathlib.Path(target_azure_sqldw.__file__).parent


def resolve(dotted: str) -> t.Any:
    """The object a dotted name refers to, looked up without calling descriptors."""
    module_name, _, attribute = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except ModuleNotFoundError:
        parent, _, class_name = module_name.rpartition(".")
        owner = getattr(importlib.import_module(parent), class_name)
        return inspect.getattr_static(owner, attribute)


def described(obj: t.Any) -> str:
    """The signature text of a callable, or what kind of object it is."""
    kind = type(obj).__name__
    if kind in {"property", "classproperty"}:
        return kind
    try:
        return str(inspect.signature(obj))
    except ValueError:
        return "callable" if callable(obj) else kind


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


def private_sdk_names(path: pathlib.Path) -> list[str]:
    """Private singer-sdk modules imported, and ``_name`` attributes of other objects used."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        module = node.module if isinstance(node, ast.ImportFrom) else None
        if module and module.startswith("singer") and "._" in module:
            found.append(module)
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            if node.attr.startswith("__"):
                continue
            base = node.value
            if isinstance(base, ast.Call) and getattr(base.func, "id", "") == "super":
                found.append(f"super().{node.attr}")
                continue
            found.append(f"{ast.unparse(base)}.{node.attr}")
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(PACKAGE.rglob("*.py")) if p.name != "sdk_adapter.py"],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_private_sdk_api_outside_the_adapter(path: pathlib.Path) -> None:
    """No module but the adapter imports a private singer-sdk module or overrides its hooks."""
    names = private_sdk_names(path)
    sdk_hooks = {name.rpartition(".")[2] for name in RELIED_ON}
    sdk_private = sdk_hooks | {a for attributes in PRIVATE_ATTRIBUTES.values() for a in attributes}
    source = path.read_text(encoding="utf-8")
    assert [n for n in names if n.startswith("singer_sdk")] == []
    assert [n for n in names if n.rpartition(".")[2] in sdk_private] == []
    assert [hook for hook in sorted(sdk_hooks) if f"def {hook}(" in source] == []
