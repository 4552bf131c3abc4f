"""Helpers for pointing Microsoft's ``azure-mgmt-iothub`` SDK at the emulator (loopback, plain HTTP).

``azure-mgmt-iothub`` is not a dependency of the emulator: these helpers import it when called.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken
    from azure.mgmt.iothub import IotHubClient


class StaticTokenCredential:
    """An azure-core ``TokenCredential`` that always returns the emulator's token (never refreshed)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)


def allow_http_policy() -> Any:
    """A per-call policy that lets azure-core send the bearer token over plain http, which it refuses
    by default; use it only with an emulator on loopback."""
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class AllowHttp(SansIOHTTPPolicy):  # type: ignore[type-arg,misc]
        def on_request(self, request: Any) -> None:
            request.context["enforce_https"] = False

    return AllowHttp()


def make_iothub_client(url: str, token: str, subscription_id: str, **kwargs: Any) -> IotHubClient:
    """An ``IotHubClient`` talking to the emulator at ``url``. Long-running operations poll without
    waiting (``polling_interval=0``) unless ``kwargs`` say otherwise; other ``kwargs`` go to the client
    (``retry_total=0`` to see throttling and faults instead of retrying through them)."""
    from azure.mgmt.iothub import IotHubClient

    kwargs.setdefault("polling_interval", 0)
    return IotHubClient(
        StaticTokenCredential(token),
        subscription_id,
        base_url=url,
        per_call_policies=[allow_http_policy()],
        **kwargs,
    )
