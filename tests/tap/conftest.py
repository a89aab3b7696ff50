"""Fixtures: an Intercom sandbox on a loopback port, and configs pointing the tap at it."""

from __future__ import annotations

import typing as t

import pytest

from devstack.intercom_sandbox import Sandbox, SandboxConfig
from tests.tap.tap_helpers import TOKEN, base_config

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: A non-UTC workspace so the contacts day-granularity quirk shows.
TIMEZONE = "America/Los_Angeles"


def make_sandbox(**overrides: t.Any) -> Sandbox:
    """A started sandbox (small workspace, test token, free port)."""
    settings: dict[str, t.Any] = {
        "seed": 5,
        "size": "small",
        "timezone": TIMEZONE,
        "access_token": TOKEN,
        "port": 0,
    }
    settings.update(overrides)
    return Sandbox(SandboxConfig(**settings)).start()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A read-only sandbox shared by the session: do not mutate it or turn its knobs."""
    sb = make_sandbox()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def fresh_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """A factory of private sandboxes (for mutations and faults), stopped after the test."""
    started: list[Sandbox] = []

    def factory(**overrides: t.Any) -> Sandbox:
        sb = make_sandbox(**overrides)
        started.append(sb)
        return sb

    try:
        yield factory
    finally:
        for sb in started:
            sb.stop()


@pytest.fixture
def config(sandbox: Sandbox) -> dict[str, t.Any]:
    """A tap config for the shared sandbox."""
    return base_config(sandbox.url)
