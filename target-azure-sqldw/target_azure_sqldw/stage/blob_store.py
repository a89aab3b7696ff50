"""The blob stage: path scheme, uploads, deletion and the sweep of orphans.

Touches Azure Blob Storage (or Azurite).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import typing as t
import uuid

from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import BlobServiceClient, ContainerClient, ExponentialRetry

from target_azure_sqldw.errors import StorageError, one_line
from target_azure_sqldw.schema.names import blob_safe

if t.TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterator

LOGGER = logging.getLogger(__name__)
RUN_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
#: Seconds to open a connection to blob storage (the SDK's default is 20).
CONNECT_TIMEOUT_S = 10
#: Seconds without a byte from blob storage before a request fails (a 4 MB block is sent
#: well within it on any working link).
READ_TIMEOUT_S = 60


def storage_retry() -> ExponentialRetry:
    """How requests to blob storage are retried: briefly, so a dead endpoint fails fast.

    The SDK's default (three retries after 15, 18 and 24 s) kept a run whose storage
    endpoint was wrong or down waiting about 84 s before its error. Here a refused
    connection is retried once, a connection closed without an answer twice, and a
    retryable HTTP status (throttling, 5xx) three times, after about 1, 3 and 5 s.

    Returns:
        The retry policy.
    """
    return ExponentialRetry(
        initial_backoff=1,
        increment_base=2,
        retry_total=3,
        retry_connect=1,
        retry_read=2,
        retry_status=3,
        random_jitter_range=1,
    )


def new_run_id(now: dt.datetime | None = None) -> str:
    """A run identifier that sorts by start time: ``20261128T150000Z-1a2b3c4d``.

    Args:
        now: The run's start (UTC); the current time when omitted.

    Returns:
        The identifier.
    """
    moment = now or dt.datetime.now(dt.timezone.utc)
    return f"{moment.strftime(RUN_TIME_FORMAT)}-{uuid.uuid4().hex[:8]}"


def new_batch_id() -> str:
    """A batch identifier (32 hex digits; its first 8 name the batch's staging tables).

    Returns:
        The identifier.
    """
    return uuid.uuid4().hex


def batch_folder(prefix: str, stream: str, run_id: str, batch_id: str) -> str:
    """The blob folder of one batch: ``<prefix>/<stream>/<run>/<batch>``.

    Args:
        prefix: ``storage_prefix`` (may be empty).
        stream: The stream name (made path-safe).
        run_id: See :func:`new_run_id`.
        batch_id: See :func:`new_batch_id`.

    Returns:
        The folder path, without leading or trailing slash.
    """
    parts = [p for p in prefix.strip("/").split("/") if p]
    return "/".join([*parts, blob_safe(stream), run_id, batch_id])


def wasbs_location(account: str, container: str) -> str:
    """The PolyBase external data source location of a container.

    Args:
        account: Storage account name.
        container: Container name.

    Returns:
        ``wasbs://<container>@<account>.blob.core.windows.net``.
    """
    return f"wasbs://{container}@{account}.blob.core.windows.net"


def https_url(account: str, container: str, path: str) -> str:
    """The ``.blob`` endpoint URL of a blob, as COPY INTO names it.

    Args:
        account: Storage account name.
        container: Container name.
        path: Blob path inside the container.

    Returns:
        ``https://<account>.blob.core.windows.net/<container>/<path>``.
    """
    return f"https://{account}.blob.core.windows.net/{container}/{path.lstrip('/')}"


@dataclasses.dataclass
class BlobStage:
    """Upload, list and delete staged files in one container.

    Attributes:
        account: Storage account name.
        container: Container name.
        account_key: Shared key (or None).
        sas_token: SAS token (or None).
        endpoint: Blob endpoint override, e.g. ``http://127.0.0.1:10000/devstoreaccount1``.
        max_concurrency: Parallel block uploads per file.
        credential: An Entra ID credential (azure-identity) used without a key or SAS; None
            falls back to ``DefaultAzureCredential``.
    """

    account: str
    container: str
    account_key: str | None = None
    sas_token: str | None = None
    endpoint: str | None = None
    max_concurrency: int = 4
    credential: t.Any = dataclasses.field(default=None, repr=False)
    _client: ContainerClient | None = dataclasses.field(default=None, repr=False)

    @property
    def account_url(self) -> str:
        """The endpoint uploads go to."""
        return (self.endpoint or f"https://{self.account}.blob.core.windows.net").rstrip("/")

    @property
    def client(self) -> ContainerClient:
        """The container client (created on first use)."""
        if self._client is None:
            credential: t.Any
            if self.account_key:
                credential = {"account_name": self.account, "account_key": self.account_key}
            elif self.sas_token:
                credential = self.sas_token.lstrip("?")
            elif self.credential is not None:
                credential = self.credential
            else:
                credential = _default_credential()
            # azure-core logs every request and response header block at INFO.
            logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(
                logging.WARNING
            )
            service = BlobServiceClient(
                self.account_url,
                credential=credential,
                retry_policy=storage_retry(),
                connection_timeout=CONNECT_TIMEOUT_S,
                read_timeout=READ_TIMEOUT_S,
            )
            self._client = service.get_container_client(self.container)
        return self._client

    def ensure_container(self) -> None:
        """Create the container when it does not exist."""
        with contextlib.suppress(ResourceExistsError):
            self.client.create_container()

    def upload(self, local: pathlib.Path, blob_name: str) -> int:
        """Upload one file (overwriting: a retried batch rewrites the same names).

        Args:
            local: The local file.
            blob_name: The blob path.

        Returns:
            Bytes uploaded.
        """
        size = local.stat().st_size
        with local.open("rb") as handle, self._errors(f"upload {blob_name}"):
            self.client.upload_blob(
                blob_name,
                handle,
                length=size,
                overwrite=True,
                max_concurrency=self.max_concurrency,
            )
        return size

    @contextlib.contextmanager
    def _errors(self, action: str, *, missing_ok: bool = False) -> Iterator[None]:
        """Turn storage errors into one secret-free line naming account and container.

        Args:
            action: What was attempted, for the message.
            missing_ok: Let ``ResourceNotFoundError`` through (a blob already deleted).
        """
        try:
            yield
        except ResourceNotFoundError:
            if missing_ok:
                raise
            msg = (
                f"Cannot {action}: container {self.container!r} of storage account "
                f"{self.account!r} does not exist or the blob is missing"
            )
            raise StorageError(msg) from None
        except HttpResponseError as exc:
            raw = getattr(exc, "error_code", None) or exc.reason or ""
            code = getattr(raw, "value", raw)
            msg = (
                f"Cannot {action} in container {self.container!r} of storage account "
                f"{self.account!r}: HTTP {exc.status_code} {code}".rstrip()
            )
            raise StorageError(msg) from None
        except (ServiceRequestError, ServiceResponseError) as exc:
            # Refused or timed-out connections, and connections closed without an answer.
            msg = f"Cannot reach blob storage at {self.account_url}: {one_line(exc, 200)}"
            raise StorageError(msg) from None

    def list_names(self, prefix: str) -> list[str]:
        """Blob names under a folder.

        Args:
            prefix: A folder path (a trailing slash is added).

        Returns:
            The names, sorted.
        """
        folder = prefix.strip("/") + "/"
        with self._errors(f"list {folder}"):
            return sorted(b.name for b in self.client.list_blobs(name_starts_with=folder))

    def read_text(self, blob_name: str) -> str:
        """Read a (small) blob as UTF-8 text, e.g. a COPY error file.

        Args:
            blob_name: The blob path.

        Returns:
            Its content.
        """
        return self.client.download_blob(blob_name).readall().decode("utf-8", "replace")

    def delete_folder(self, prefix: str) -> int:
        """Delete every blob under a folder.

        Args:
            prefix: A folder path.

        Returns:
            How many blobs were deleted.
        """
        deleted = 0
        for name in self.list_names(prefix):
            try:
                with self._errors(f"delete {name}", missing_ok=True):
                    self.client.delete_blob(name)
                deleted += 1
            except ResourceNotFoundError:
                continue
        return deleted

    def sweep(
        self,
        prefix: str,
        older_than: dt.timedelta,
        now: dt.datetime | None = None,
    ) -> list[str]:
        """Delete staged blobs under ``prefix`` last modified before ``now - older_than``.

        Runs at start-up to remove files a killed run could not delete; the age threshold
        keeps it away from runs still in progress.

        Args:
            prefix: ``storage_prefix``; nothing outside it is touched.
            older_than: Minimum age of a blob to delete.
            now: The current time (UTC).

        Returns:
            The names deleted.
        """
        cutoff = (now or dt.datetime.now(dt.timezone.utc)) - older_than
        folder = prefix.strip("/")
        start = folder + "/" if folder else None
        deleted: list[str] = []
        with self._errors(f"sweep old files under {folder or '/'}"):
            for blob in self.client.list_blobs(name_starts_with=start):
                if blob.last_modified is not None and blob.last_modified < cutoff:
                    try:
                        with self._errors(f"delete {blob.name}", missing_ok=True):
                            self.client.delete_blob(blob.name)
                    except ResourceNotFoundError:
                        continue
                    deleted.append(blob.name)
        if deleted:
            LOGGER.info("Swept %d staged blob(s) older than %s", len(deleted), older_than)
        return deleted


def _default_credential() -> t.Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        msg = (
            "No storage_account_key or storage_sas_token is set, and azure-identity is not "
            "installed for managed-identity access: pip install azure-identity"
        )
        raise RuntimeError(msg) from None
    return DefaultAzureCredential()
