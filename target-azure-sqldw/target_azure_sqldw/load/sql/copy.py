"""COPY INTO a staging table from gzip RFC 4180 CSV files."""

from __future__ import annotations

import dataclasses
import typing as t

from target_azure_sqldw.load.sql.ddl import STAGE_SEQUENCE_COLUMN
from target_azure_sqldw.load.sql.statement import (
    REDACTED,
    Statement,
    option_label,
    secret_literal,
)
from target_azure_sqldw.schema.names import quote_identifier, quote_table

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from target_azure_sqldw.load.sql.ddl import ColumnDef
    from target_azure_sqldw.schema.flavor import Flavor


@dataclasses.dataclass(frozen=True)
class CopyCredential:
    """How COPY reads the storage account.

    Attributes:
        identity: ``Storage Account Key``, ``Shared Access Signature``, ``Managed Identity``
            or a service principal ``<client_id>@<token endpoint>``.
        secret: The key, SAS token or client secret; None for managed identity.
    """

    identity: str
    secret: str | None = None

    @classmethod
    def storage_key(cls, key: str) -> CopyCredential:
        """A storage account key credential."""
        return cls("Storage Account Key", key)

    @classmethod
    def sas(cls, token: str) -> CopyCredential:
        """A SAS token credential (read and list permissions)."""
        return cls("Shared Access Signature", token.lstrip("?"))

    @classmethod
    def managed_identity(cls) -> CopyCredential:
        """The workspace's managed identity."""
        return cls("Managed Identity")

    def clause(self, *, redact: bool) -> str:
        """The ``CREDENTIAL = (...)`` clause.

        Args:
            redact: Replace the secret with ``***`` (for logs).

        Returns:
            The clause.
        """
        identity = "'" + self.identity.replace("'", "''") + "'"
        if self.secret is None:
            return f"CREDENTIAL = (IDENTITY = {identity})"
        secret = REDACTED if redact else secret_literal(self.secret)
        return f"CREDENTIAL = (IDENTITY = {identity}, SECRET = {secret})"


def copy_credential(
    flavor: Flavor, account_key: str | None, sas_token: str | None
) -> CopyCredential | None:
    """How COPY INTO reads the stage, from the storage settings.

    A storage key wins over a SAS token. Without either, a Synapse pool reads with its
    workspace managed identity (``IDENTITY = 'Managed Identity'``), while a Fabric Warehouse
    takes no ``CREDENTIAL`` at all: it reads with the Entra ID identity of the caller, which
    needs Storage Blob Data Reader on the container.

    Args:
        flavor: Synapse or Fabric.
        account_key: ``storage_account_key``.
        sas_token: ``storage_sas_token``.

    Returns:
        The credential, or None for Fabric's Entra ID pass-through.
    """
    if account_key:
        return CopyCredential.storage_key(account_key)
    if sas_token:
        return CopyCredential.sas(sas_token)
    if flavor.copy_reads_as_caller:
        return None
    return CopyCredential.managed_identity()


def copy_into(
    schema: str,
    stage: str,
    columns: Sequence[ColumnDef],
    urls: Sequence[str],
    credential: CopyCredential | None,
    error_folder: str,
    label_text: str,
) -> Statement:
    """``COPY INTO`` the staging table; the first rejected row fails the load.

    Args:
        schema: Schema name.
        stage: Staging table name.
        columns: The target columns in file order (the sequence column is the last field).
        urls: ``https://<account>.blob.core.windows.net/<container>/...`` of every part.
        credential: Storage credential; None when the storage needs none (Fabric + Entra).
        error_folder: Folder in the same container for ``ERRORFILE`` (rejected rows).
        label_text: The batch label.

    Returns:
        The statement, redacted for logs.

    Raises:
        ValueError: Without files.
    """
    if not urls:
        msg = "COPY INTO needs at least one file"
        raise ValueError(msg)
    names = [quote_identifier(c.name) for c in columns]
    names.append(quote_identifier(STAGE_SEQUENCE_COLUMN))
    sources = ",\n     ".join("'" + u.replace("'", "''") + "'" for u in urls)

    def render(*, redact: bool) -> str:
        options = ["FILE_TYPE = 'CSV'"]
        if credential is not None:
            options.append(credential.clause(redact=redact))
        options += [
            "COMPRESSION = 'Gzip'",
            "FIELDQUOTE = '\"'",
            "FIELDTERMINATOR = ','",
            "ROWTERMINATOR = '0x0A'",
            "ENCODING = 'UTF8'",
            "FIRSTROW = 1",
            "MAXERRORS = 0",
            "ERRORFILE = '" + ("/" + error_folder.strip("/")).replace("'", "''") + "'",
        ]
        return (
            f"COPY INTO {quote_table(schema, stage)} ({', '.join(names)})\n"
            f"FROM {sources}\n"
            "WITH (\n    " + ",\n    ".join(options) + "\n)\n" + option_label(label_text)
        )

    return Statement(render(redact=False), redacted=render(redact=True))
