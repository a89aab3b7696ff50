"""Shared test configuration: folder-based markers and the devstack session fixture."""

from __future__ import annotations

import os
import pathlib
import typing as t

import pytest

from devstack.stack import Stack, StackOptions

if t.TYPE_CHECKING:
    from collections.abc import Iterator

TESTS_DIR = pathlib.Path(__file__).parent
FOLDER_MARKERS = ("tap", "target", "devstack", "pipeline", "project")


# Modules that use the checkout's own Meltano project (its .meltano folder: `meltano install`
# writes the plugins' virtualenvs there), so parallel workers must not run them at once.
CHECKOUT_MELTANO = ("pipeline/test_meltano_run.py", "pipeline/test_webhooks_meltano.py")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its top-level folder (tests/tap -> ``-m tap``) and its xdist group.

    Under ``-n N --dist loadgroup`` (`make test`) a module's tests run in one worker, in
    order, so a module-scoped fixture is built once; the CHECKOUT_MELTANO modules share a group.
    """
    for item in items:
        relative = pathlib.Path(str(item.path)).relative_to(TESTS_DIR)
        if relative.parts and relative.parts[0] in FOLDER_MARKERS:
            item.add_marker(relative.parts[0])
        module = relative.as_posix()
        group = "checkout-meltano" if module in CHECKOUT_MELTANO else module
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def devstack_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole devstack, started once for the test session through `devstack up`'s code.

    The Intercom workspace is small and in a non-UTC time zone, so day-granular search
    quirks show up in tests.
    """
    stack = Stack(tmp_path_factory.mktemp("devstack"))
    values = stack.up(StackOptions(size="small", timezone="America/Los_Angeles"))
    if "ODBCSYSINI" in values:
        # unixODBC reads the variable when pyodbc first loads the driver manager.
        os.environ["ODBCSYSINI"] = values["ODBCSYSINI"]
    try:
        yield stack
    finally:
        stack.down()


@pytest.fixture(scope="session")
def devstack_env(devstack_stack: Stack) -> dict[str, str]:
    """The values of the running devstack's env file."""
    return devstack_stack.env()
