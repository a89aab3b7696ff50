"""How the suite is laid out for pytest: plain ``pytest`` works, helpers live in helper modules.

The import paths are configured once (``pythonpath`` in the root ``pyproject.toml``), so the
console script, from the root or from a subfolder, collects what ``python -m pytest`` collects.
"""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
PYTEST = pathlib.Path(sys.executable).parent / "pytest"


def collected(command: list[str], cwd: pathlib.Path) -> list[str]:
    """The test ids ``--collect-only -q`` prints (fails the test on a collection error)."""
    # This run's own PYTEST_* variables (PYTEST_ADDOPTS, PYTEST_CURRENT_TEST) stay out.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    done = subprocess.run(
        [*command, "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line]


@pytest.mark.slow
def test_the_console_script_collects_what_python_m_pytest_collects() -> None:
    # tests/pipeline imports helpers of its own and of tests/tap and tests/project.
    by_module = collected([sys.executable, "-m", "pytest", "tests/pipeline"], ROOT)
    assert by_module, "nothing collected"
    assert collected([str(PYTEST), "tests/pipeline"], ROOT) == by_module


@pytest.mark.slow
def test_the_console_script_works_from_a_subfolder() -> None:
    files = ["test_names.py", "test_emulator_names.py"]
    from_root = collected(
        [sys.executable, "-m", "pytest", *(f"tests/target/{name}" for name in files)], ROOT
    )
    assert from_root, "nothing collected"
    assert collected([str(PYTEST), *files], TESTS / "target") == from_root


def _imports(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _is_test_module(name: str) -> bool:
    parts = name.split(".")
    return parts[-1].startswith("test_") and (len(parts) == 1 or parts[0] == "tests")


MODULES = sorted(path.relative_to(ROOT).as_posix() for path in TESTS.rglob("*.py"))


def _test_modules_imported(module: str) -> list[str]:
    return sorted(name for name in _imports(ROOT / module) if _is_test_module(name))


def test_no_test_module_imports_another_test_module() -> None:
    assert len(MODULES) > 100, "the test modules were not found"
    found = {
        f"{module} imports {name}" for module in MODULES for name in _test_modules_imported(module)
    }
    assert sorted(found) == [], "\n".join(sorted(found))
