"""Bearer tokens for ARM: a static token from settings, or azure-identity's DefaultAzureCredential.

azure-identity is imported only when the first token is needed without a static token, so the provider process
starts fast and runs against the emulator without it. ``get_bearer_token_provider`` caches the token and
refreshes it before expiry (azure-core's BearerTokenCredentialPolicy), so one provider serves one credential
for its lifetime.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from iothub_provider.client.settings import Settings, is_loopback
from iothub_provider.errors import ConfigurationError, CredentialError

TokenProvider = Callable[[], str]


class StaticToken:
    """A fixed token (the emulator's, or one minted by `az account get-access-token`); never refreshed."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self) -> str:
        return self._token

    def __repr__(self) -> str:
        return "StaticToken(<redacted>)"


class IdentityToken:
    """DefaultAzureCredential (environment, workload or managed identity, Azure CLI, ...), built lazily."""

    def __init__(self, settings: Settings, scope: str | None = None) -> None:
        self._scope = scope or settings.cloud.scope
        self._authority = settings.cloud.authority_host
        self._lock = threading.Lock()
        self._provider: TokenProvider | None = None

    def _build(self) -> TokenProvider:
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider

        credential = DefaultAzureCredential(authority=self._authority)
        provider: TokenProvider = get_bearer_token_provider(credential, self._scope)
        return provider

    def __call__(self) -> str:
        with self._lock:
            if self._provider is None:
                self._provider = self._build()
            provider = self._provider
        try:
            return provider()
        except Exception as exc:  # azure-identity raises several unrelated types; all mean "no token"
            raise CredentialError(
                f"could not get a token for {self._scope} from DefaultAzureCredential "
                f"({type(exc).__name__}). Log in with `az login`, set AZURE_CLIENT_ID/AZURE_TENANT_ID/"
                "AZURE_CLIENT_SECRET, run on a managed identity, or set iothub:accessToken"
            ) from exc

    def __repr__(self) -> str:
        return f"IdentityToken(scope={self._scope!r})"


def token_provider_for(settings: Settings, scope: str | None = None) -> TokenProvider:
    """A static token when one is configured, otherwise DefaultAzureCredential for the settings' cloud (ARM,
    or ``scope``: the IoT Hub service API's audience)."""
    if settings.access_token:
        return StaticToken(settings.access_token)
    if is_loopback(urlsplit(settings.endpoint).hostname or ""):
        raise ConfigurationError(
            f"no access token for the local endpoint {settings.endpoint}: set iothub:accessToken (or "
            "IOTHUB_ACCESS_TOKEN) to the emulator's token; Azure credentials never go to a local endpoint"
        )
    return IdentityToken(settings, scope)
