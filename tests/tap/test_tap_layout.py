"""The tap's layout rules: streams use the run context, settings are read once, one HTTP path."""

from __future__ import annotations

import ast
import pathlib

import tap_intercom

PACKAGE = pathlib.Path(tap_intercom.__file__).parent


def modules() -> list[pathlib.Path]:
    return sorted(PACKAGE.rglob("*.py"))


def runtime_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Imports outside ``if TYPE_CHECKING:`` blocks, with their line numbers."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_only_the_entry_point_imports_the_tap() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in modules()
        if path.name != "__main__.py"
        for line, module in runtime_imports(ast.parse(path.read_text()))
        if module == "tap_intercom.tap"
    ]
    assert offenders == [], "modules that import tap.py at run time (use the run context)"


def test_settings_are_read_only_through_tap_settings() -> None:
    # config.get(...) / config[...] anywhere but the one parse in TapIntercom.run.
    offenders = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            target = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr == "get":
                    target = node.func.value
            elif isinstance(node, ast.Subscript):
                target = node.value
            if isinstance(target, ast.Attribute) and target.attr == "config":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == [], "settings read around TapSettings"


def test_streams_do_not_reach_into_the_tap() -> None:
    offenders = []
    for path in modules():
        if path.name == "tap.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "tap"
                and isinstance(node.value.value, ast.Name)
                and node.value.value.id == "self"
                and node.attr not in ("write_message", "run", "state", "streams")
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} self.tap.{node.attr}")
    assert offenders == [], "use self.run (the run context) instead"


def test_only_the_transport_sends_requests() -> None:
    # Reading a streamed body may catch requests' exceptions elsewhere; sending may not:
    # no session, no requests.get/post/request/Session, no http.client or urllib.request.
    senders = {"get", "post", "put", "patch", "delete", "head", "request", "Session"}
    offenders = []
    for path in modules():
        if path.name == "transport.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            attribute = node if isinstance(node, ast.Attribute) else None
            if attribute is None:
                continue
            module = attribute.value.id if isinstance(attribute.value, ast.Name) else ""
            if attribute.attr == "session" or (module == "requests" and attribute.attr in senders):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
        offenders.extend(
            f"{path.relative_to(PACKAGE)}:{line}"
            for line, module in runtime_imports(tree)
            if module in ("urllib.request", "http.client", "httpx", "urllib3.poolmanager")
        )
    assert offenders == [], "requests sent around the transport"
