"""Entra ID access tokens for the database, acquired with azure-identity and refreshed early.

Touches Entra ID through azure-identity.
"""

from __future__ import annotations

import threading
import time
import typing as t

from target_azure_sqldw.settings import Settings

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: The audience of Azure SQL, Synapse SQL and Fabric Warehouse tokens.
DATABASE_SCOPE = "https://database.windows.net/.default"


class TokenCredential(t.Protocol):
    """What azure-identity credentials provide (``get_token``)."""

    def get_token(self, *scopes: str) -> t.Any:
        """Return an object with ``token`` (str) and ``expires_on`` (epoch seconds)."""


class AccessTokenProvider:
    """Cache one credential's database token and refresh it before it expires.

    Args:
        credential: An azure-identity credential.
        refresh_margin: Seconds before expiry at which a new token is requested.
        clock: Seconds since the epoch (injectable for tests).
    """

    def __init__(
        self,
        credential: TokenCredential,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.credential = credential
        self.refresh_margin = refresh_margin
        self.clock = clock
        self._value: str | None = None
        self._expires_on = 0.0
        self._lock = threading.Lock()

    def get(self) -> str:
        """A token valid for at least ``refresh_margin`` more seconds.

        Returns:
            The access token.
        """
        with self._lock:
            if self._value is None or self._expires_on - self.refresh_margin <= self.clock():
                result = self.credential.get_token(DATABASE_SCOPE)
                self._value = str(result.token)
                self._expires_on = float(result.expires_on)
            return self._value


def credential_from_config(config: Mapping[str, t.Any] | Settings) -> TokenCredential:
    """The azure-identity credential for ``service_principal`` or ``managed_identity``.

    Args:
        config: The settings (or a configuration mapping).

    Returns:
        The credential.

    Raises:
        ValueError: When settings are missing or the method does not use a credential.
    """
    from azure.identity import ClientSecretCredential, ManagedIdentityCredential

    settings = Settings.of(config)
    method = settings.auth_method
    if method == "service_principal":
        names = ("tenant_id", "client_id", "client_secret")
        missing = [n for n in names if not getattr(settings, n)]
        if missing:
            msg = f"auth_method 'service_principal' needs the setting(s): {', '.join(missing)}"
            raise ValueError(msg)
        return t.cast(
            "TokenCredential",
            ClientSecretCredential(
                str(settings.tenant_id), str(settings.client_id), str(settings.client_secret)
            ),
        )
    if method == "managed_identity":
        return t.cast("TokenCredential", ManagedIdentityCredential(client_id=settings.client_id))
    msg = f"auth_method {method!r} does not use an Entra ID credential"
    raise ValueError(msg)


def storage_credential(config: Mapping[str, t.Any] | Settings) -> TokenCredential | None:
    """The Entra ID credential for the blob stage, when no storage key or SAS is set.

    The stage signs in as the principal the database login uses (``service_principal`` or
    ``managed_identity``), so on Fabric, where COPY INTO reads storage as the caller, one
    principal writes and reads the files and needs the storage roles.

    Args:
        config: The settings (or a configuration mapping).

    Returns:
        The credential, or None (a key or SAS is set, or another ``auth_method``: the stage
        then uses the key, the SAS or azure-identity's ``DefaultAzureCredential``).
    """
    settings = Settings.of(config)
    if settings.storage_account_key or settings.storage_sas_token:
        return None
    if settings.auth_method not in ("service_principal", "managed_identity"):
        return None
    return credential_from_config(settings)
