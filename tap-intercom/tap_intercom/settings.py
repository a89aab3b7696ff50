"""The tap's settings: the schema (``config_jsonschema``, the one place of defaults), parsed."""

from __future__ import annotations

import dataclasses
import json
import math
import typing as t

from singer_sdk import typing as th

from tap_intercom.webhooks.settings import WEBHOOK_PROPERTIES
from tap_intercom.windows import to_epoch

DEFAULT_API_VERSION = "2.16"
REGION_URLS = {
    "us": "https://api.intercom.io",
    "eu": "https://api.eu.intercom.io",
    "au": "https://api.au.intercom.io",
}
DEFAULT_MAX_CONCURRENCY = 16
DEFAULT_INDEXING_DELAY = 300

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "access_token",
        th.StringType,
        required=True,
        secret=True,
        title="Access Token",
        description="Intercom access token (private app or OAuth), sent as a Bearer token.",
    ),
    th.Property(
        "start_date",
        th.DateTimeType,
        title="Start Date",
        description="Earliest updated_at (created_at for activity logs) to extract on a "
        "first run. Default: everything.",
    ),
    th.Property(
        "region",
        th.StringType,
        default="us",
        allowed_values=list(REGION_URLS),
        title="Region",
        description="Data-hosting region of the workspace: us, eu or au (picks the base URL).",
    ),
    th.Property(
        "api_url",
        th.URIType,
        title="API URL",
        description="Base URL overriding region (a proxy, or the local sandbox).",
    ),
    th.Property(
        "api_version",
        th.StringType,
        default=DEFAULT_API_VERSION,
        title="API Version",
        description="Intercom-Version header sent on every request. Streams the version "
        "lacks are left out of discovery.",
    ),
    th.Property(
        "timestamp_format",
        th.StringType,
        default="iso",
        allowed_values=["iso", "unix"],
        title="Timestamp Format",
        description="How Intercom's Unix-second timestamps are emitted: iso (ISO 8601 UTC "
        "text, format date-time, so targets create timestamp columns) or unix (integer "
        "seconds, as the API sends them). Bookmarks follow; a state written with either is read.",
    ),
    th.Property(
        "lookback_window",
        th.IntegerType,
        default=0,
        title="Lookback Window",
        description="Seconds re-read before each bookmark (records re-read are "
        "de-duplicated within the run).",
    ),
    th.Property(
        "indexing_delay",
        th.IntegerType,
        default=DEFAULT_INDEXING_DELAY,
        title="Indexing Delay",
        description="Seconds subtracted from the sync start to get the run's upper bound; "
        "records newer than that are read next run (search indexes lag a few minutes).",
    ),
    th.Property(
        "max_requests_per_minute",
        th.IntegerType,
        title="Max Requests Per Minute",
        description="Ceiling below Intercom's own rate limit, for workspaces that share "
        "their budget with other apps. Default: only the X-RateLimit headers apply.",
    ),
    th.Property(
        "max_concurrency",
        th.IntegerType,
        default=DEFAULT_MAX_CONCURRENCY,
        title="Max Concurrency",
        description="Concurrent requests: per-parent requests (parts, notes, company "
        "segments, list hydration), activity-log windows and contacts search slices. "
        "1 makes the tap serial.",
    ),
    th.Property(
        "request_timeout",
        th.IntegerType,
        default=300,
        title="Request Timeout",
        description="Seconds before a request times out (then retried).",
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        default=5,
        title="Max Retries",
        description="Retries of a request after a 5xx, timeout or connection reset.",
    ),
    th.Property(
        "retry_backoff_seconds",
        th.NumberType,
        default=1.0,
        title="Retry Backoff Seconds",
        description="Base of the jittered exponential backoff between retries.",
    ),
    th.Property(
        "user_agent",
        th.StringType,
        title="User Agent",
        description="User-Agent header. Default: tap-intercom/<version>.",
    ),
    th.Property(
        "include_contact_notes",
        th.BooleanType,
        default=False,
        title="Include Contact Notes",
        description="Offer the contact_notes stream (one request per changed contact).",
    ),
    th.Property(
        "include_company_notes",
        th.BooleanType,
        default=False,
        title="Include Company Notes",
        description="Offer the company_notes stream (API 2.15+; one request per changed company).",
    ),
    th.Property(
        "include_call_transcripts",
        th.BooleanType,
        default=False,
        title="Include Call Transcripts",
        description="Offer the call_transcripts stream (API 2.14+; one request per changed call).",
    ),
    th.Property(
        "include_conversation_handling_events",
        th.BooleanType,
        default=False,
        title="Include Conversation Handling Events",
        description="Offer the conversation_handling_events stream (API 2.16+; one request "
        "per changed conversation).",
    ),
    th.Property(
        "hydrate_contact_lists",
        th.BooleanType,
        default=True,
        title="Hydrate Contact Lists",
        description="Complete contacts' embedded tags/companies lists (capped at 10 by the "
        "API) from their own endpoints.",
    ),
    th.Property(
        "activity_logs_window_days",
        th.IntegerType,
        default=30,
        title="Activity Logs Window Days",
        description="Length of one created_at window of the activity_logs stream.",
    ),
    th.Property(
        "include_reporting",
        th.BooleanType,
        default=False,
        title="Include Reporting",
        description="Offer one reporting_<dataset> stream per reporting dataset of the "
        "workspace (API 2.14+; a sync runs export jobs).",
    ),
    th.Property(
        "reporting_window_days",
        th.IntegerType,
        default=30,
        title="Reporting Window Days",
        description="Length of one export job's window; a window the API refuses is halved.",
    ),
    th.Property(
        "reporting_max_jobs",
        th.IntegerType,
        default=5,
        title="Reporting Max Jobs",
        description="Most unfinished export jobs at once (Intercom allows 5 per workspace).",
    ),
    th.Property(
        "scroll_exists_wait_seconds",
        th.NumberType,
        default=60,
        title="Scroll Exists Wait Seconds",
        description="Wait when another client holds the workspace's companies scroll.",
    ),
    *WEBHOOK_PROPERTIES,
).to_dict()


@dataclasses.dataclass(frozen=True, slots=True)
class TapSettings:
    """The run's settings, parsed once from the config; a missing value takes the schema default.

    One field per property of :data:`CONFIG_SCHEMA` (a test keeps the two equal): a new
    setting adds its ``th.Property`` there and its field here, and code reads the field.
    """

    access_token: str
    start_date: str | None
    region: str
    api_url: str | None
    api_version: str
    timestamp_format: str
    lookback_window: int
    indexing_delay: int
    max_requests_per_minute: int | None
    max_concurrency: int
    request_timeout: int
    max_retries: int
    retry_backoff_seconds: float
    user_agent: str | None
    include_contact_notes: bool
    include_company_notes: bool
    include_call_transcripts: bool
    include_conversation_handling_events: bool
    hydrate_contact_lists: bool
    activity_logs_window_days: int
    include_reporting: bool
    reporting_window_days: int
    reporting_max_jobs: int
    scroll_exists_wait_seconds: float
    mode: str
    webhook_host: str
    webhook_port: int
    webhook_client_secret: str | None
    webhook_spool_dir: str
    webhook_max_backlog: int
    webhook_spool_max_rows: int

    @classmethod
    def from_config(cls, config: t.Mapping[str, t.Any]) -> TapSettings:
        """Parse a (validated) config; absent, null or empty values take the schema default.

        Args:
            config: The tap config.

        Returns:
            The settings.
        """
        properties = CONFIG_SCHEMA["properties"]
        values: dict[str, t.Any] = {}
        for field in dataclasses.fields(cls):
            value = config.get(field.name)
            if value is None or value == "":
                value = properties[field.name].get("default")
            values[field.name] = _CASTS[str(field.type)](value)
        return cls(**values)

    def get(self, name: str) -> t.Any:
        """A setting by name (for settings named by data, e.g. a stream's opt-in switch).

        Args:
            name: The setting's name.

        Returns:
            Its value.
        """
        return getattr(self, name)

    @property
    def base_url(self) -> str:
        """API base URL: ``api_url`` if set, else the region's (no trailing slash)."""
        if self.api_url:
            return self.api_url.rstrip("/")
        return REGION_URLS[self.region.lower()]

    @property
    def start_timestamp(self) -> int | None:
        """``start_date`` in Unix seconds."""
        return to_epoch(self.start_date)

    @property
    def timestamps_iso(self) -> bool:
        """Whether Unix-second fields are emitted as ISO 8601 text (``timestamp_format``)."""
        return self.timestamp_format == "iso"

    @property
    def lookback_seconds(self) -> int:
        """``lookback_window`` in seconds (never negative)."""
        return max(0, self.lookback_window)


def _optional(cast: t.Callable[[t.Any], t.Any]) -> t.Callable[[t.Any], t.Any]:
    return lambda value: None if value is None else cast(value)


_CASTS: dict[str, t.Callable[[t.Any], t.Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "str | None": _optional(str),
    "int | None": _optional(int),
}


def numbers_from_environment(
    values: t.Mapping[str, t.Any], schema: t.Mapping[str, t.Any]
) -> dict[str, t.Any]:
    """Settings read from the environment (``--config ENV``), with numbers as numbers.

    singer-sdk turns integer, boolean, array and object variables into values but leaves
    ``number`` ones as text, which the settings schema then refuses
    (``'2.5' is not of type 'number', 'null'``).

    Args:
        values: What singer-sdk read from the environment.
        schema: The settings schema.

    Returns:
        The values, ``number`` settings as ``int`` or ``float``; text that is no number is
        left for the schema check to refuse.
    """
    result = dict(values)
    for key, value in values.items():
        if isinstance(value, str) and "number" in _schema_types(schema["properties"].get(key)):
            text = value.strip()
            try:
                result[key] = int(text) if text.lstrip("+-").isdigit() else float(text)
            except ValueError:
                continue
    return result


def _schema_types(schema: t.Any) -> set[str]:
    if not isinstance(schema, t.Mapping):
        return set()
    declared = schema.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or ())
    for branch in schema.get("anyOf", ()):
        types |= _schema_types(branch)
    return types


def unreadable_variable(
    schema: t.Mapping[str, t.Any], prefix: str, environ: t.Mapping[str, str]
) -> str | None:
    """Why singer-sdk cannot read a setting's environment variable, naming it; or None.

    singer-sdk reads an ``integer`` setting with ``int()``, and an array (other than of
    strings) or object setting as JSON.

    Args:
        schema: The settings schema.
        prefix: The variables' prefix.
        environ: The environment.

    Returns:
        A one-line message, with the value unless the setting is secret; None when every
        variable reads.
    """
    for key, prop in schema["properties"].items():
        name = prefix + key.upper().replace("-", "_")
        text = environ.get(name)
        if text is None or not isinstance(prop, t.Mapping):
            continue
        types = _schema_types(prop)
        items = prop.get("items")
        strings = isinstance(items, t.Mapping) and "string" in _schema_types(items)
        try:
            if "integer" in types:
                int(text)
                continue
            if "object" in types or ("array" in types and not strings):
                json.loads(text)
                continue
        except ValueError:
            kind = "a whole number" if "integer" in types else "JSON"
            shown = "" if prop.get("secret") else f", not {text!r}"
            return f"{name} must be {kind}{shown}"
    return None


def version_key(version: str) -> tuple[float, ...]:
    """A sortable form of an Intercom API version (Preview/Unstable sorts last).

    Args:
        version: ``2.14``, ``2.16``, ``Unstable`` or ``0``.

    Returns:
        A tuple for comparisons.

    >>> version_key("2.9") < version_key("2.16") < version_key("Unstable")
    True
    """
    text = str(version).strip()
    if text in ("0", "") or not text[0].isdigit():
        return (math.inf,)
    return tuple(float(p) if p.isdigit() else 0.0 for p in text.split("."))


def base_url(config: t.Mapping[str, t.Any]) -> str:
    """The API base URL: ``api_url`` if set, else the region's.

    Args:
        config: The tap config.

    Returns:
        The base URL without a trailing slash.
    """
    return TapSettings.from_config({"access_token": "", **config}).base_url
