"""The settings of webhook mode (part of the tap's ``config_jsonschema``)."""

from __future__ import annotations

from singer_sdk import typing as th

DEFAULT_PORT = 8787
DEFAULT_SPOOL_DIR = ".tap-intercom-webhooks"
DEFAULT_MAX_BACKLOG = 10_000
DEFAULT_SPOOL_MAX_ROWS = 1_000_000

WEBHOOK_PROPERTIES = (
    th.Property(
        "mode",
        th.StringType,
        default="poll",
        allowed_values=["poll", "webhooks"],
        title="Mode",
        description="`poll`: read the REST API and exit. `webhooks`: receive Intercom's "
        "webhook notifications and emit them as they arrive, until SIGTERM.",
    ),
    th.Property(
        "webhook_host",
        th.StringType,
        default="127.0.0.1",
        title="Webhook Host",
        description="Interface the webhook receiver listens on (put a TLS reverse proxy or "
        "tunnel in front of it).",
    ),
    th.Property(
        "webhook_port",
        th.IntegerType,
        default=DEFAULT_PORT,
        title="Webhook Port",
        description="Port of the webhook receiver (path `/intercom/webhooks`).",
    ),
    th.Property(
        "webhook_client_secret",
        th.StringType,
        secret=True,
        title="Webhook Client Secret",
        description="The Intercom app's client secret, which signs deliveries "
        "(`X-Hub-Signature`). Required with `mode: webhooks`.",
    ),
    th.Property(
        "webhook_spool_dir",
        th.StringType,
        default=DEFAULT_SPOOL_DIR,
        title="Webhook Spool Dir",
        description="Folder of the durable spool; keep it across restarts (a volume).",
    ),
    th.Property(
        "webhook_max_backlog",
        th.IntegerType,
        default=DEFAULT_MAX_BACKLOG,
        title="Webhook Max Backlog",
        description="Notifications spooled but not yet emitted above which deliveries get "
        "429 (the target is behind; Intercom retries later).",
    ),
    th.Property(
        "webhook_spool_max_rows",
        th.IntegerType,
        default=DEFAULT_SPOOL_MAX_ROWS,
        title="Webhook Spool Max Rows",
        description="Spool size (notifications) above which deliveries get 429; the spool "
        "is trimmed at start, below the position of the committed STATE.",
    ),
)
