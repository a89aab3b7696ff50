"""The import graphs of the three packages: no circles, and the emulator's layers one way.

The graph is read from the source with ``ast``: module-level and function-level imports alike
(a function-level import that hides a circle is still a circle). Imports under
``if TYPE_CHECKING:`` never run; they are left out of the run-time graph and kept in the typed
graph, which must have no circle either: a module that names the type of the module importing
it is tied to it as tightly (a Protocol in a module below both breaks such a tie).
``from package import module`` is an edge to that module, not to the package's ``__init__``.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EMULATOR = "devstack.sqldw_emulator"
PACKAGES = {
    EMULATOR: ROOT / "devstack" / "devstack" / "sqldw_emulator",
    "tap_intercom": ROOT / "tap-intercom" / "tap_intercom",
    "target_azure_sqldw": ROOT / "target-azure-sqldw" / "target_azure_sqldw",
}
#: What the engine may import from the emulator besides itself: the contract with the TDS front
#: end, the declaration parser both sides share, and the access-token format the devstack
#: issues and the engine checks (never the TDS layer, server or CLI).
ENGINE_MAY_IMPORT = (f"{EMULATOR}.api", f"{EMULATOR}.declarations", f"{EMULATOR}.entra")


def _module_names(package: str, folder: pathlib.Path) -> dict[str, pathlib.Path]:
    names = {}
    for path in sorted(folder.rglob("*.py")):
        parts = [*package.split("."), *path.relative_to(folder).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            skipped.update(id(inner) for inner in ast.walk(node) if inner is not node)
    return skipped


def _imported(module: str, is_package: bool, node: ast.stmt, known: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    submodules = {f"{base}.{alias.name}" for alias in node.names} & known
    if len(submodules) == len(node.names):
        return submodules
    return submodules | ({base} & known)


def import_graph(package: str, folder: pathlib.Path, *, typed: bool = False) -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports when it runs.

    With ``typed``, also those it imports only for the type checker.
    """
    modules = _module_names(package, folder)
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skipped = set() if typed else _type_checking_nodes(tree)
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(tree):
            if id(node) not in skipped and isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _imported(module, is_package, node, known)
        edges.discard(module)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One import circle per strongly connected group, as ``[a, b, ..., a]``."""
    found = []
    for group in _strongly_connected(graph):
        start = min(group)
        path = _path_back(graph, group, start)
        found.append([*path, start])
    return sorted(found)


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    # Tarjan's algorithm, iteratively: module graphs are small but recursion depth is not free.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def _path_back(graph: dict[str, set[str]], group: set[str], start: str) -> list[str]:
    """The shortest path inside ``group`` from ``start`` to a module that imports ``start``."""
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for child in sorted(graph[node] & group):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return path[::-1]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    raise AssertionError(f"{start} is in a strongly connected group but on no circle")


def circles_named(graph: dict[str, set[str]]) -> list[str]:
    """Each circle as ``a -> b -> a``, with the whole group when more modules are caught in it."""
    named = []
    for group in _strongly_connected(graph):
        circle = [*_path_back(graph, group, min(group)), min(group)]
        text = " -> ".join(circle)
        if len(group) > len(circle) - 1:
            text += f" (one circle of a group of {len(group)}: {', '.join(sorted(group))})"
        named.append(text)
    return sorted(named)


def _subgraph(graph: dict[str, set[str]], prefix: str) -> dict[str, set[str]]:
    inside = {name for name in graph if name == prefix or name.startswith(prefix + ".")}
    return {name: graph[name] & inside for name in inside}


@pytest.fixture(scope="module")
def emulator_graph() -> dict[str, set[str]]:
    return import_graph(EMULATOR, PACKAGES[EMULATOR])


@pytest.mark.parametrize("typed", [False, True], ids=["run-time", "typed"])
def test_the_emulator_engine_has_no_import_circle(typed: bool) -> None:
    graph = import_graph(EMULATOR, PACKAGES[EMULATOR], typed=typed)
    engine = _subgraph(graph, f"{EMULATOR}.engine")
    assert len(engine) > 30, "the engine's modules were not found"
    circles = circles_named(engine)
    assert circles == [], "import circles in the engine:\n" + "\n".join(circles)


def test_the_engine_imports_neither_the_tds_layer_nor_the_server(
    emulator_graph: dict[str, set[str]],
) -> None:
    engine = f"{EMULATOR}.engine"
    outside = {
        f"{module} imports {imported}"
        for module, edges in emulator_graph.items()
        if module == engine or module.startswith(engine + ".")
        for imported in edges
        if not imported.startswith(engine) and imported not in ENGINE_MAY_IMPORT
    }
    assert sorted(outside) == [], "\n".join(sorted(outside))


def test_the_tds_layer_reaches_the_engine_only_through_the_api_contract(
    emulator_graph: dict[str, set[str]],
) -> None:
    # api.py: "Neither side imports the other's internals"; the server is handed an Engine.
    engine = f"{EMULATOR}.engine"
    front_end = [f"{EMULATOR}.tds", f"{EMULATOR}.server", f"{EMULATOR}.api"]
    crossing = {
        f"{module} imports {imported}"
        for module, edges in emulator_graph.items()
        if any(module == top or module.startswith(top + ".") for top in front_end)
        for imported in edges
        if imported.startswith(engine)
    }
    assert sorted(crossing) == [], "\n".join(sorted(crossing))
    assert emulator_graph[f"{EMULATOR}.api"] == set()


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_import_circle_in_the_package(package: str) -> None:
    graph = import_graph(package, PACKAGES[package])
    assert len(graph) > 10, f"the modules of {package} were not found"
    circles = circles_named(graph)
    assert circles == [], f"import circles in {package}:\n" + "\n".join(circles)


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_type_only_import_circle_in_the_package(package: str) -> None:
    graph = import_graph(package, PACKAGES[package], typed=True)
    assert len(graph) > 10, f"the modules of {package} were not found"
    circles = circles_named(graph)
    assert circles == [], f"type-only import circles in {package}:\n" + "\n".join(circles)


def _write(folder: pathlib.Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_graph_names_a_circle_hidden_in_a_function(tmp_path: pathlib.Path) -> None:
    _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg import b\n",
            "b.py": "def later():\n    from pkg.c import thing\n    return thing\n",
            "c.py": "from . import a\nthing = 1\n",
            "d.py": "import typing as t\nif t.TYPE_CHECKING:\n    from pkg import a\n",
            "sub/__init__.py": "from .e import E\n",
            "sub/e.py": "from .. import d\nE = 1\n",
        },
    )
    graph = import_graph("pkg", tmp_path)
    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.c"},
        "pkg.c": {"pkg.a"},
        "pkg.d": set(),
        "pkg.sub": {"pkg.sub.e"},
        "pkg.sub.e": {"pkg.d"},
    }
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
    typed = import_graph("pkg", tmp_path, typed=True)
    assert typed == {**graph, "pkg.d": {"pkg.a"}}
    graph["pkg.a"].add("pkg.d")
    graph["pkg.d"].add("pkg.a")
    assert circles_named(graph) == [
        "pkg.a -> pkg.d -> pkg.a (one circle of a group of 4: pkg.a, pkg.b, pkg.c, pkg.d)"
    ]
