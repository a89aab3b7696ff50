"""Azure storage URLs in SQL, mapped onto Azurite: parsing, credential checks, list, get, put.

The engine's only way to storage: azure-storage-blob against the configured Azurite.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hmac
import pathlib
import re
import typing as t
import urllib.parse

from devstack.sqldw_emulator.engine import errors

if t.TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

    from devstack.sqldw_emulator.engine.config import EngineConfig

API_VERSION = "2025-11-05"  # the newest version Azurite 3.35 accepts without --skipApiVersionCheck
_WASB = re.compile(r"^(wasbs?|abfss?)://([^@/]+)@([^./]+)\.[^/]+(/.*)?$", re.IGNORECASE)
_HTTPS = re.compile(r"^https?://([^./]+)\.(?:blob|dfs)\.[^/]+/([^/]+)(/.*)?$", re.IGNORECASE)
_LOCAL = re.compile(r"^https?://(?:127\.0\.0\.1|localhost)(?::\d+)?/([^/]+)/([^/]+)(/.*)?$")


@dataclasses.dataclass(frozen=True, slots=True)
class BlobLocation:
    """A container and a path (file, folder or wildcard pattern) in a storage account."""

    account: str
    container: str
    path: str

    def child(self, relative: str) -> BlobLocation:
        """The location of ``relative`` under this one (a folder)."""
        if relative.startswith("/"):
            return BlobLocation(self.account, self.container, relative.lstrip("/"))
        base = self.path.rstrip("/")
        joined = f"{base}/{relative}" if base else relative
        return BlobLocation(self.account, self.container, joined.lstrip("/"))


@dataclasses.dataclass(frozen=True, slots=True)
class Credential:
    """How a statement authenticates to storage.

    Attributes:
        identity: ``Storage Account Key``, ``Shared Access Signature``, ``Managed Identity``,
            a PolyBase credential's user name, or empty for none.
        secret: The key or SAS token (never logged).
    """

    identity: str = ""
    secret: str = ""


def parse_url(url: str) -> BlobLocation:
    """Parse an Azure (or Azurite) blob URL.

    Raises:
        SQLError: 105019-style error for URLs that are not Azure storage locations.
    """
    url = url.strip()
    match = _WASB.match(url)
    if match:
        _scheme, container, account, path = match.groups()
        return BlobLocation(account, container, urllib.parse.unquote((path or "/").lstrip("/")))
    match = _HTTPS.match(url)
    if match:
        account, container, path = match.groups()
        return BlobLocation(account, container, urllib.parse.unquote((path or "/").lstrip("/")))
    match = _LOCAL.match(url)
    if match:
        account, container, path = match.groups()
        return BlobLocation(account, container, urllib.parse.unquote((path or "/").lstrip("/")))
    raise errors.error(105019, f"External file access failed: '{url}' is not a storage location.")


class BlobBridge:
    """Reads and writes blobs in Azurite for PolyBase and COPY INTO.

    Args:
        config: The engine settings (Azurite endpoint, account, keys).
    """

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def _require_endpoint(self) -> str:
        if not self.config.azurite_blob_endpoint:
            raise errors.error(
                105019,
                "External file access failed: the emulator was started without a blob endpoint "
                "(--azurite-blob-endpoint).",
            )
        return self.config.azurite_blob_endpoint.rstrip("/")

    def _check_account(self, account: str) -> str:
        accepted = self.config.storage_accounts
        if accepted and account.lower() not in {name.lower() for name in accepted}:
            raise errors.error(
                105019,
                f"External file access failed: the storage account '{account}' cannot be resolved.",
            )
        for name, key in accepted.items():
            if name.lower() == account.lower():
                return key
        return self.config.account_key()

    def container(self, location: BlobLocation, credential: Credential) -> ContainerClient:
        """A client for the location's container, after checking the credential.

        Raises:
            SQLError: 105019 when the credential would be refused by Azure storage.
        """
        from azure.core.exceptions import AzureError
        from azure.storage.blob import ContainerClient

        endpoint = self._require_endpoint()
        key = self._check_account(location.account)
        identity = credential.identity.strip().lower()
        url = f"{endpoint}/{location.container}"
        azurite_key = {
            "account_name": self.config.azurite_account,
            "account_key": self.config.account_key(),
        }
        if identity == "shared access signature":
            sas = credential.secret.lstrip("?")
            allowed = self.config.sas_tokens
            if allowed and sas not in [token.lstrip("?") for token in allowed]:
                raise _auth_error(location)
            client = ContainerClient.from_container_url(f"{url}?{sas}", api_version=API_VERSION)
            if not allowed:
                try:
                    next(iter(client.list_blobs(results_per_page=1).by_page()), None)
                except AzureError as exc:
                    raise _auth_error(location) from exc
            return client
        admin = ContainerClient.from_container_url(
            url, credential=azurite_key, api_version=API_VERSION
        )
        if identity == "managed identity":
            return admin
        if self.config.flavor == "fabric" and identity in ("", "workspace identity"):
            # A Fabric Warehouse reads with the caller's Entra ID identity when COPY names no
            # credential, or with the workspace identity; Azure checks RBAC, the emulator trusts.
            return admin
        if identity and credential.secret:
            # Storage Account Key (COPY) or a PolyBase credential: the secret is the key.
            if not hmac.compare_digest(credential.secret.strip().encode(), key.encode()):
                raise _auth_error(location)
            return admin
        try:
            access = admin.get_container_properties().public_access
        except AzureError as exc:
            raise _missing(location) from exc
        if not access:
            raise _auth_error(location)
        return admin

    def list_files(self, location: BlobLocation, credential: Credential) -> list[str]:
        """Blob names a location names: one file, a folder's files (recursively), or a pattern.

        Hidden names (a path segment starting with ``_`` or ``.``) are skipped, as Hadoop does.

        Raises:
            SQLError: 105019 when nothing matches or access is refused.
        """
        from azure.core.exceptions import AzureError

        client = self.container(location, credential)
        path = location.path
        try:
            if any(char in path for char in "*?"):
                prefix = re.split(r"[*?]", path, maxsplit=1)[0]
                names = [
                    blob.name
                    for blob in client.list_blobs(name_starts_with=prefix)
                    if fnmatch.fnmatchcase(blob.name, path)
                ]
            elif path == "" or path.endswith("/"):
                names = [blob.name for blob in client.list_blobs(name_starts_with=path)]
            else:
                exact = [blob.name for blob in client.list_blobs(name_starts_with=path)]
                names = [name for name in exact if name == path]
                if not names:
                    names = [name for name in exact if name.startswith(path + "/")]
        except AzureError as exc:
            raise _missing(location) from exc
        visible = [name for name in names if not _hidden(name, path)]
        return sorted(visible)

    def download(
        self, location: BlobLocation, names: list[str], credential: Credential, folder: pathlib.Path
    ) -> list[pathlib.Path]:
        """Download blobs into ``folder``, keeping their extensions (for compression sniffing)."""
        from azure.core.exceptions import AzureError

        client = self.container(location, credential)
        paths: list[pathlib.Path] = []
        for index, name in enumerate(names):
            suffix = "".join(pathlib.PurePosixPath(name).suffixes[-2:])
            target = folder / f"part{index:06d}{suffix}"
            try:
                with target.open("wb") as handle:
                    client.download_blob(name, max_concurrency=4).readinto(handle)
            except AzureError as exc:
                raise _missing(location.child("/" + name)) from exc
            paths.append(target)
        return paths

    def upload(
        self, location: BlobLocation, name: str, data: bytes, credential: Credential
    ) -> None:
        """Write a blob (ERRORFILE output)."""
        client = self.container(location, credential)
        client.upload_blob(name, data, overwrite=True)


def _hidden(name: str, base: str) -> bool:
    relative = name[len(base) :] if name.startswith(base) else name
    return any(part.startswith(("_", ".")) for part in relative.split("/") if part)


def _auth_error(location: BlobLocation) -> Exception:
    return errors.error(
        105019,
        "External file access failed due to internal error: 'Error occurred while accessing "
        f"HDFS: Java exception raised on call to HdfsBridge_IsDirExist. Java exception message: "
        f"StorageException: Server failed to authenticate the request (container "
        f"'{location.container}', account '{location.account}').'",
    )


def _missing(location: BlobLocation) -> Exception:
    return errors.error(
        105019,
        f"External file access failed: the location '{location.container}/{location.path}' in "
        f"account '{location.account}' does not exist or cannot be read.",
    )
