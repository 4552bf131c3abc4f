"""Microsoft's ``azure-mgmt-iothub`` client, set up the way its users set it up.

Default settings (30 s polling interval, default retry policy), ``begin_...().result()``; the only
changes are the two a local http endpoint needs: a static token credential and permission to send
a bearer token over plain http (both without effect on timing or request count).
"""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import IotHubDescription, IotHubSkuInfo


class StaticTokenCredential:
    """A TokenCredential that hands out the emulator's token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *_scopes: str, **_kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)


class AllowHttp(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """Lets the bearer-token policy talk to the loopback emulator over http."""

    def on_request(self, request: PipelineRequest) -> None:  # type: ignore[type-arg]
        request.context["enforce_https"] = False


def client(base_url: str, token: str, subscription_id: str) -> IotHubClient:
    return IotHubClient(
        StaticTokenCredential(token), subscription_id, base_url=base_url, per_call_policies=[AllowHttp()]
    )


def create_hub(c: IotHubClient, resource_group: str, name: str, location: str) -> None:
    hub = IotHubDescription(location=location, sku=IotHubSkuInfo(name="S1", capacity=1))
    c.iot_hub_resource.begin_create_or_update(resource_group, name, hub).result()


def delete_hub(c: IotHubClient, resource_group: str, name: str) -> None:
    c.iot_hub_resource.begin_delete(resource_group, name).result()
