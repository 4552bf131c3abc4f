"""Microsoft's ``azure-mgmt-iothub`` client, set up the way its users set it up.

Default settings (30 s polling interval, default retry policy), ``begin_...().result()``; the only
changes are the two a local http endpoint needs: a static token credential and permission to send
a bearer token over plain http (both without effect on timing or request count).
"""

from __future__ import annotations

from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import IotHubDescription, IotHubSkuInfo

from iothub_emulator.testing import StaticTokenCredential, allow_http_policy


def client(base_url: str, token: str, subscription_id: str) -> IotHubClient:
    # Not iothub_emulator.testing.make_iothub_client: that one polls without waiting; this is the SDK as
    # its users run it (30 s polling interval, default retries).
    credential = StaticTokenCredential(token)
    policies = [allow_http_policy()]
    return IotHubClient(credential, subscription_id, base_url=base_url, per_call_policies=policies)


def create_hub(c: IotHubClient, resource_group: str, name: str, location: str) -> None:
    hub = IotHubDescription(location=location, sku=IotHubSkuInfo(name="S1", capacity=1))
    c.iot_hub_resource.begin_create_or_update(resource_group, name, hub).result()


def delete_hub(c: IotHubClient, resource_group: str, name: str) -> None:
    c.iot_hub_resource.begin_delete(resource_group, name).result()
