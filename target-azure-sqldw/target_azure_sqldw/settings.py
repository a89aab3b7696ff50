"""The target's settings: their schema (with every default), checks and the parsed object.

Settings are read once into a frozen :class:`Settings`; no other module reads the config
mapping. Touches nothing outside this module.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import typing as t

from singer_sdk import typing as th

from target_azure_sqldw.errors import TargetError
from target_azure_sqldw.ingest.chunk_workers import default_processes
from target_azure_sqldw.schema.flavor import FABRIC, get_flavor
from target_azure_sqldw.stage.parts import DEFAULT_PART_BYTES
from target_azure_sqldw.stage.splitting import FILES_PER_STEP, MIN_FILE_BYTES


def numbers_from_environment(
    values: t.Mapping[str, t.Any], schema: t.Mapping[str, t.Any]
) -> dict[str, t.Any]:
    """Settings read from the environment (``--config ENV``), with numbers as numbers.

    singer-sdk turns integer, boolean, array and object variables into values but leaves
    ``number`` ones as text, which the settings schema then refuses
    (``'5' is not of type 'number', 'null'``).

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


def config_files_error(paths: t.Iterable[str]) -> str | None:
    """Why the ``--config`` files cannot be used, or None when they all can.

    Args:
        paths: The ``--config`` values (``ENV`` reads the environment instead).

    Returns:
        A one-line message, or None.
    """
    for path in paths:
        if path == "ENV":
            continue
        try:
            text = pathlib.Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            return f"--config {path} cannot be read: {exc.strerror or exc}"
        try:
            value = json.loads(text)
        except ValueError as exc:
            return f"--config {path} is not valid JSON: {exc}"
        if not isinstance(value, dict):
            return f"--config {path} must hold a JSON object, not {type(value).__name__}"
    return None


def check_settings(config: t.Mapping[str, t.Any]) -> None:
    """Refuse combinations of settings that cannot work, before anything runs.

    Args:
        config: Target configuration.

    Raises:
        TargetError: With a one-line explanation.
    """
    settings = Settings.of(config)
    flavor = get_flavor(settings.flavor)
    sas_only = settings.storage_sas_token and not settings.storage_account_key
    if flavor.polybase and settings.bulk_load_method == "polybase" and sas_only:
        msg = (
            "bulk_load_method 'polybase' cannot use storage_sas_token (dedicated-pool "
            "external data sources take a storage key or managed identity); set "
            "storage_account_key, or use bulk_load_method 'copy'"
        )
        raise TargetError(msg)
    age = config.get("batch_max_age_seconds")
    if age is not None and float(age) <= 0:
        msg = f"batch_max_age_seconds must be positive, not {age}"
        raise TargetError(msg)
    if flavor is FABRIC and settings.auth_method == "sql":
        msg = "flavor 'fabric' needs an Entra ID auth_method (Fabric has no SQL logins)"
        raise TargetError(msg)


CONFIG_SCHEMA = th.PropertiesList(
    # Connection ---------------------------------------------------------------------------
    th.Property(
        "host",
        th.StringType,
        required=True,
        description="Server name, e.g. `myws.sql.azuresynapse.net`.",
    ),
    th.Property("port", th.IntegerType, default=1433, description="TCP port."),
    th.Property(
        "database", th.StringType, required=True, description="Dedicated SQL pool (database) name."
    ),
    th.Property(
        "auth_method",
        th.StringType,
        default="sql",
        allowed_values=["sql", "service_principal", "managed_identity", "access_token"],
        description="How to sign in: SQL login (`user`/`password`), Entra ID service principal "
        "(`client_id`/`client_secret`/`tenant_id`), managed identity, or a given `access_token`.",
    ),
    th.Property("user", th.StringType, description="SQL login (auth_method `sql`)."),
    th.Property("password", th.StringType, secret=True, description="SQL login password."),
    th.Property("tenant_id", th.StringType, description="Entra ID tenant (service principal)."),
    th.Property(
        "client_id",
        th.StringType,
        description="Entra ID application id (service principal) or user-assigned identity.",
    ),
    th.Property(
        "client_secret", th.StringType, secret=True, description="Service principal secret."
    ),
    th.Property(
        "access_token",
        th.StringType,
        secret=True,
        description="An Entra ID access token for the database (auth_method `access_token`).",
    ),
    th.Property(
        "driver",
        th.StringType,
        default="ODBC Driver 18 for SQL Server",
        description="ODBC driver name (Microsoft ODBC Driver 18 recommended; FreeTDS works "
        "for SQL logins).",
    ),
    th.Property("encrypt", th.BooleanType, default=True, description="Encrypt the connection."),
    th.Property(
        "trust_server_certificate",
        th.BooleanType,
        default=False,
        description="Accept any server certificate (local emulators only).",
    ),
    th.Property(
        "odbc_options",
        th.StringType,
        description="Extra `key=value;` pairs appended to the ODBC connection string.",
    ),
    th.Property(
        "default_target_schema",
        th.StringType,
        description="Schema for every table (created when missing). Unset: a "
        "`<schema>-<table>` or `<db>-<schema>-<table>` stream goes to `<schema>` (`public` "
        "becomes `dbo`), any other stream to `dbo`.",
    ),
    # Warehouse ----------------------------------------------------------------------------
    th.Property(
        "flavor",
        th.StringType,
        default="synapse",
        allowed_values=["synapse", "fabric"],
        description="`synapse` (dedicated SQL pool) or `fabric` (Fabric Warehouse: varchar "
        "UTF-8, no table options, COPY only).",
    ),
    th.Property(
        "bulk_load_method",
        th.StringType,
        default="polybase",
        allowed_values=["polybase", "copy"],
        description="How staged files reach the table: PolyBase external table + CTAS, or "
        "COPY INTO. `load_method` (append-only / upsert / overwrite) is separate.",
    ),
    th.Property(
        "table_distribution",
        th.StringType,
        default="auto",
        allowed_values=["auto", "hash", "round_robin", "replicate"],
        description="`auto`: HASH on the first key, ROUND_ROBIN without keys.",
    ),
    th.Property(
        "table_index",
        th.StringType,
        default="cci",
        allowed_values=["cci", "heap"],
        description="Clustered columnstore index, or heap (allows nvarchar(max)).",
    ),
    th.Property(
        "primary_key_not_enforced",
        th.BooleanType,
        default=False,
        description="Declare `PRIMARY KEY NONCLUSTERED NOT ENFORCED` on key columns.",
    ),
    th.Property(
        "incompatible_type_change",
        th.StringType,
        default="version_column",
        allowed_values=["version_column", "rebuild"],
        description="When a column's type changes to one no type holds together with the "
        "old one (a wider one is always used, in place or by a table rebuild): keep the old "
        "column and load into `<name>__v2` (reused once it exists), or rebuild the table "
        "(CTAS + RENAME OBJECT, same distribution and index; Fabric: CTAS + sp_rename) with "
        "the column turned into text. Old data is always kept.",
    ),
    th.Property(
        "string_overflow",
        th.StringType,
        default="widen",
        allowed_values=["widen", "error", "truncate", "heap"],
        description="Text longer than its column (nvarchar(4000) in a columnstore table): "
        "`widen` makes the column nvarchar(max) when such a value arrives, rebuilding a "
        "columnstore table as a HEAP (a warning says so); `error` fails naming stream, "
        "column and record; `truncate` cuts it (JSON stays valid JSON) and flags the row in "
        "`_sdc_truncated`; `heap` creates heap tables with nvarchar(max) from the start.",
    ),
    th.Property(
        "timestamp_type",
        th.StringType,
        default="datetime2",
        allowed_values=["datetime2", "datetimeoffset"],
        description="date-time columns: `datetime2(6)` normalised to UTC, or "
        "`datetimeoffset(6)` keeping offsets (Synapse only).",
    ),
    th.Property(
        "allow_float_rounding",
        th.BooleanType,
        default=False,
        description="Accept numbers a float column would round (otherwise an error).",
    ),
    th.Property(
        "load_method",
        th.StringType,
        default="upsert",
        allowed_values=["append-only", "upsert", "overwrite"],
        description="singer-sdk's load method. `upsert` (default here): keyed streams replace "
        "rows with the same key tuple, last record wins; streams without keys append. "
        "`append-only`: always append. `overwrite`: empty the table on the run's first batch.",
    ),
    th.Property(
        "record_pipeline",
        th.StringType,
        default="auto",
        allowed_values=["auto", "sdk", "row", "column"],
        description="Which code takes a stream's records to the staged files: `auto` picks "
        "the fastest that can take the stream (logged at INFO with its reason); `sdk` is "
        "singer-sdk's own record handling, `row` the same steps record by record with the "
        "schema questions answered once, `column` a thousand records at a time, column by "
        "column. A forced one that cannot take a stream ends the run saying why.",
    ),
    th.Property(
        "staging_processes",
        th.IntegerType,
        description="Processes beside the target's own that decode, check and encode full "
        "chunks of a stream's records in the column pipeline, while the target reads on "
        "(forked copies of it; the staged files are the same bytes). Unset: one per CPU "
        "the target may use, at most 4, and none with a single CPU. 0: none.",
    ),
    th.Property(
        "add_record_metadata",
        th.BooleanType,
        default=True,
        description="Add `_sdc_*` metadata columns (needed by ACTIVATE_VERSION and hard_delete).",
    ),
    th.Property(
        "batch_max_age_seconds",
        th.NumberType,
        default=300,
        description="Load every stream's pending records and emit the latest STATE once "
        "this long has passed since the last full load, so a long run checkpoints "
        "periodically (checked as records arrive). `batch_size_rows` bounds each batch.",
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        default=3,
        description="Retries of a batch's load and merge after a transient error (pool "
        "paused or warming up, dropped connection, deadlock...), with exponential backoff.",
    ),
    th.Property(
        "retry_backoff_seconds",
        th.NumberType,
        default=2.0,
        description="First retry delay; doubled for each further retry.",
    ),
    # Storage ------------------------------------------------------------------------------
    th.Property(
        "storage_account", th.StringType, required=True, description="Storage account name."
    ),
    th.Property(
        "storage_account_key", th.StringType, secret=True, description="Storage account key."
    ),
    th.Property(
        "storage_sas_token",
        th.StringType,
        secret=True,
        description="SAS token with read, write, list and delete (COPY only; PolyBase "
        "cannot use SAS).",
    ),
    th.Property(
        "storage_container",
        th.StringType,
        required=True,
        description="Blob container for staged files.",
    ),
    th.Property(
        "storage_blob_endpoint",
        th.StringType,
        description="Blob endpoint override for uploads (e.g. Azurite); SQL still names "
        "`<account>.blob.core.windows.net`.",
    ),
    th.Property(
        "storage_prefix",
        th.StringType,
        default="target-azure-sqldw",
        description="Folder for staged files: `<prefix>/<stream>/<run>/<batch>/part-NNNNN`.",
    ),
    th.Property(
        "cleanup_staged_files",
        th.BooleanType,
        default=True,
        description="Delete each batch's files after its load (always in a `finally`).",
    ),
    th.Property(
        "orphan_max_age_hours",
        th.NumberType,
        default=24,
        description="At start-up, delete staged files older than this: blobs under "
        "`storage_prefix`, and the local batch folders a killed run left under `TMPDIR` "
        "(those unchanged for 6 hours at least; 0 disables the sweep).",
    ),
    th.Property(
        "staging_part_bytes",
        th.IntegerType,
        default=DEFAULT_PART_BYTES,
        description="Uncompressed size at which a staged file is split (a large batch's "
        "planned parts stay under it too).",
    ),
    th.Property(
        "staging_file_multiple",
        th.IntegerType,
        default=FILES_PER_STEP,
        description="A batch large enough to give every file `staging_min_file_bytes` is "
        "split into a multiple of this many files (the platform's guidance: 60, or 60 per "
        "500 DWU beyond DW500c).",
    ),
    th.Property(
        "staging_min_file_bytes",
        th.IntegerType,
        default=MIN_FILE_BYTES,
        description="Smallest compressed file of a split batch (the platform's guidance: "
        "4 MB); smaller batches stay one file up to `staging_part_bytes`.",
    ),
).to_dict()

#: Each setting's default, as the schema above declares it.
DEFAULTS: dict[str, t.Any] = {
    name: prop.get("default") for name, prop in CONFIG_SCHEMA["properties"].items()
}
#: Settings where 0 (or an empty value) has always meant "the default".
ZERO_MEANS_DEFAULT = frozenset(
    {
        "port",
        "driver",
        "batch_max_age_seconds",
        "incompatible_type_change",
        "staging_part_bytes",
        "staging_file_multiple",
        "staging_min_file_bytes",
    }
)
#: Rows per batch unless ``batch_size_rows`` says otherwise. Records stream to local files,
#: so a batch costs disk, not memory, while every load has a fixed cost in the warehouse
#: (staging table, COPY/CTAS, merge): singer-sdk's 10,000 made loading a third of the run.
BATCH_SIZE_ROWS_DEFAULT = 100_000


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every setting, parsed once; missing or null values take the schema's default."""

    host: str
    port: int
    database: str
    auth_method: str
    user: str | None
    password: str | None = dataclasses.field(repr=False)
    tenant_id: str | None
    client_id: str | None
    client_secret: str | None = dataclasses.field(repr=False)
    access_token: str | None = dataclasses.field(repr=False)
    driver: str
    encrypt: bool
    trust_server_certificate: bool
    odbc_options: str | None
    default_target_schema: str | None
    flavor: str
    bulk_load_method: str
    table_distribution: str
    table_index: str
    primary_key_not_enforced: bool
    incompatible_type_change: str
    string_overflow: str
    timestamp_type: str
    allow_float_rounding: bool
    load_method: str
    record_pipeline: str
    staging_processes: int
    add_record_metadata: bool
    batch_max_age_seconds: float
    max_retries: int
    retry_backoff_seconds: float
    storage_account: str
    storage_account_key: str | None = dataclasses.field(repr=False)
    storage_sas_token: str | None = dataclasses.field(repr=False)
    storage_container: str
    storage_blob_endpoint: str | None
    storage_prefix: str
    cleanup_staged_files: bool
    orphan_max_age_hours: float
    staging_part_bytes: int
    staging_file_multiple: int
    staging_min_file_bytes: int
    # singer-sdk's built-in settings read by the target
    hard_delete: bool
    batch_size_rows: int
    validate_records: bool

    @classmethod
    def from_config(cls, config: t.Mapping[str, t.Any]) -> Settings:
        """Parse a config mapping (singer-sdk's, or a partial one in tests).

        Args:
            config: The configuration.

        Returns:
            The settings; a missing required setting is empty (singer-sdk refuses it first).
        """
        values: dict[str, t.Any] = {}
        for field in dataclasses.fields(cls):
            name = field.name
            value = config.get(name)
            if value is None or (name in ZERO_MEANS_DEFAULT and not value):
                value = DEFAULTS.get(name)
            values[name] = value
        for name in ("host", "database", "storage_account", "storage_container"):
            values[name] = values[name] or ""
        values["port"] = int(values["port"])
        values["batch_max_age_seconds"] = float(values["batch_max_age_seconds"])
        values["retry_backoff_seconds"] = float(values["retry_backoff_seconds"])
        # An explicit null has always turned the sweep off, like 0.
        hours = config.get("orphan_max_age_hours", DEFAULTS["orphan_max_age_hours"])
        values["orphan_max_age_hours"] = float(hours or 0)
        values["max_retries"] = int(values["max_retries"])
        processes = config.get("staging_processes")
        values["staging_processes"] = default_processes() if processes is None else int(processes)
        if values["staging_processes"] < 0:
            msg = f"staging_processes must be 0 or more, not {processes!r}"
            raise TargetError(msg)
        values["batch_size_rows"] = int(config.get("batch_size_rows") or BATCH_SIZE_ROWS_DEFAULT)
        values["hard_delete"] = bool(config.get("hard_delete"))
        values["validate_records"] = bool(config.get("validate_records", True))
        for name in ("encrypt", "trust_server_certificate", "primary_key_not_enforced"):
            values[name] = bool(values[name])
        for name in ("allow_float_rounding", "add_record_metadata", "cleanup_staged_files"):
            values[name] = bool(values[name])
        return cls(**values)

    @classmethod
    def of(cls, config: t.Mapping[str, t.Any] | Settings) -> Settings:
        """The settings of a config mapping, or the settings themselves.

        Args:
            config: Settings, or a configuration mapping.

        Returns:
            The settings.
        """
        return config if isinstance(config, Settings) else cls.from_config(config)

    @property
    def table_index_in_effect(self) -> str:
        """``heap`` when ``string_overflow: heap`` asks for heaps, else ``table_index``."""
        return "heap" if self.string_overflow == "heap" else self.table_index
