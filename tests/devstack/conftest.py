"""Fixtures for the devstack tests: Intercom sandboxes and Azurite on real loopback sockets."""

from __future__ import annotations

import typing as t

import pytest

from devstack.intercom_sandbox import Sandbox, SandboxConfig
from tests.devstack.engine_support import azurite
from tests.devstack.sandbox_helpers import TOKEN, Client

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with any configuration; all are stopped after the test."""
    started: list[Sandbox] = []

    def make(**overrides: t.Any) -> Sandbox:
        settings: dict[str, t.Any] = {"size": "small", "access_token": TOKEN, "seed": 11}
        settings.update(overrides)
        sandbox = Sandbox(SandboxConfig(**settings)).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def intercom_sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A small workspace in a time zone west of UTC, so day boundaries are not UTC's."""
    return sandbox_factory(timezone="America/Los_Angeles")


@pytest.fixture
def sandbox_client(intercom_sandbox: Sandbox) -> Iterator[Client]:
    """An authenticated HTTP client for ``intercom_sandbox``."""
    c = Client(intercom_sandbox)
    yield c
    c.close()


@pytest.fixture(scope="module")
def blob_endpoint() -> Iterator[str]:
    """An Azurite of the test module's own (a module may override it to seed its blobs)."""
    with azurite() as endpoint:
        yield endpoint
