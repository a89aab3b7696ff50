"""``intercom-sandbox``: run the sandbox in the foreground (``devstack intercom-sandbox``)."""

from __future__ import annotations

import os
import signal
import sys
import threading

import click

from devstack.intercom_sandbox.config import DEFAULT_TOKEN, SIZES, SandboxConfig
from devstack.intercom_sandbox.sandbox import Sandbox


@click.command("intercom-sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", type=int, default=0, show_default=True, help="Port (0: a free one).")
@click.option("--seed", type=int, default=42, show_default=True, help="Workspace seed.")
@click.option("--size", type=click.Choice(list(SIZES)), default="small", show_default=True)
@click.option("--contacts", type=int, default=None, help="Contact count (overrides --size).")
@click.option("--companies", type=int, default=None, help="Company count (overrides --size).")
@click.option("--conversations", type=int, default=None, help="Conversation count.")
@click.option("--tickets", type=int, default=None, help="Ticket count.")
@click.option("--timezone", default="UTC", show_default=True, help="Workspace time zone.")
@click.option(
    "--access-token",
    envvar="DEVSTACK_INTERCOM_ACCESS_TOKEN",
    default=DEFAULT_TOKEN,
    show_default=True,
    help="Accepted Bearer token (or DEVSTACK_INTERCOM_ACCESS_TOKEN).",
)
@click.option("--api-version", default="2.16", show_default=True, help="App default version.")
@click.option("--rate-limit", type=int, default=1666, show_default=True, help="Per 10 s.")
@click.option("--latency-ms", type=float, default=0.0, show_default=True)
@click.option("--jitter-ms", type=float, default=0.0, show_default=True)
@click.option("--error-rate", type=float, default=0.0, show_default=True, help="Injected 5xx.")
@click.option("--reset-rate", type=float, default=0.0, show_default=True, help="Dropped conns.")
@click.option("--scroll-idle-seconds", type=float, default=60.0, show_default=True)
@click.option("--clock", type=int, default=None, help="Freeze the workspace clock (Unix time).")
@click.option(
    "--rate-window-seconds", type=int, default=10, show_default=True, help="Rate-limit window."
)
@click.option(
    "--contact-search-delay",
    type=int,
    default=0,
    show_default=True,
    help="Seconds a new contact stays out of search results.",
)
@click.option(
    "--conversation-gt-inclusive",
    is_flag=True,
    help="Make > and < on conversation and ticket dates include the bound.",
)
def intercom_sandbox_command(
    host: str,
    port: int,
    seed: int,
    size: str,
    contacts: int | None,
    companies: int | None,
    conversations: int | None,
    tickets: int | None,
    timezone: str,
    access_token: str,
    api_version: str,
    rate_limit: int,
    latency_ms: float,
    jitter_ms: float,
    error_rate: float,
    reset_rate: float,
    scroll_idle_seconds: float,
    clock: int | None,
    rate_window_seconds: int,
    contact_search_delay: int,
    conversation_gt_inclusive: bool,
) -> None:
    """Serve the Intercom API sandbox in the foreground until interrupted."""
    config = SandboxConfig(
        seed=seed,
        size=size,
        contacts=contacts,
        companies=companies,
        conversations=conversations,
        tickets=tickets,
        timezone=timezone,
        access_token=access_token,
        api_version=api_version,
        host=host,
        port=port,
        rate_limit_per_10s=rate_limit,
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        error_rate=error_rate,
        reset_rate=reset_rate,
        scroll_idle_seconds=scroll_idle_seconds,
        clock=clock,
        rate_window_seconds=rate_window_seconds,
        contact_search_delay_seconds=contact_search_delay,
        conversation_gt_inclusive=conversation_gt_inclusive,
    )
    try:
        sandbox = Sandbox(config)
        sandbox.bind()
    except (ValueError, OSError, KeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    counts = config.counts()
    click.echo(
        f"intercom-sandbox ready at {sandbox.url} (seed {seed}, {counts['contacts']} contacts, "
        f"{counts['conversations']} conversations, time zone {timezone}, pid {os.getpid()})"
    )
    sys.stdout.flush()
    # SIGTERM (from `devstack down`) stops the server cleanly, like Ctrl-C.
    server = sandbox.bind()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
