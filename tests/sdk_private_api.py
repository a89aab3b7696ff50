"""Helpers of the plugins' sdk_adapter tests: find singer-sdk names and describe their shape."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import typing as t


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


def private_sdk_uses(
    path: pathlib.Path, relied_on: t.Mapping[str, str], attributes: t.Mapping[str, t.Any]
) -> list[str]:
    """What a module outside the adapter uses of singer-sdk's private API (none is allowed).

    Private singer-sdk modules it imports, listed private names it reaches on any object,
    and listed private methods it overrides.
    """
    names = private_sdk_names(path)
    sdk_hooks = {name.rpartition(".")[2] for name in relied_on}
    sdk_private = sdk_hooks | {a for listed in attributes.values() for a in listed}
    source = path.read_text(encoding="utf-8")
    return [
        *(n for n in names if n.startswith("singer_sdk")),
        *(n for n in names if n.rpartition(".")[2] in sdk_private),
        *(f"def {hook}" for hook in sorted(sdk_hooks) if f"def {hook}(" in source),
    ]
