"""A thin IoT Hub resource-provider API: one method per ARM operation the provider uses.

Methods return plain JSON dictionaries; long-running writes return only when the operation has ended (see
``polling``). Every method takes the ``client_request_id`` of the provider operation it serves.

Every method is one operation with one deadline, ``iothub:operationTimeout`` after it starts: its requests'
retries (``retry``) and its polling (``polling``) all end by then. The sleep and clock are the retry policy's,
so a test injects them once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from iothub_provider.client.polling import Poller
from iothub_provider.client.transport import Transport, new_client_request_id
from iothub_provider.client.wire import ArmResponse
from iothub_provider.errors import NotFoundError

PROVIDER_PATH = "/providers/Microsoft.Devices"


@dataclass(frozen=True)
class HubRef:
    """Where a hub lives: subscription, resource group, name."""

    subscription_id: str
    resource_group: str
    name: str

    @property
    def path(self) -> str:
        return (
            f"/subscriptions/{quote(self.subscription_id)}/resourceGroups/{quote(self.resource_group)}"
            f"{PROVIDER_PATH}/IotHubs/{quote(self.name)}"
        )


@dataclass(frozen=True)
class ConsumerGroupRef:
    """Where a consumer group lives: its hub, the Event Hub-compatible endpoint, its name."""

    hub: HubRef
    endpoint: str
    name: str

    @property
    def collection_path(self) -> str:
        return f"{self.hub.path}/eventHubEndpoints/{quote(self.endpoint)}/ConsumerGroups"

    @property
    def path(self) -> str:
        return f"{self.collection_path}/{quote(self.name, safe='')}"


class IotHubApi:
    """The operations on ``Microsoft.Devices/IotHubs`` and their consumer groups that the provider needs."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def _deadline(self) -> float:
        """When an operation starting now must have ended, on the retry policy's clock."""
        return self.transport.retry.clock() + self.transport.settings.operation_timeout

    def _request(
        self,
        method: str,
        url: str,
        client_request_id: str,
        deadline: float,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> ArmResponse:
        within = deadline - self.transport.retry.clock()
        return self.transport.request(
            method, url, client_request_id=client_request_id, body=body, headers=headers, within=within
        )

    def _poller(self, client_request_id: str, deadline: float) -> Poller:
        retry = self.transport.retry
        return Poller(
            fetch=lambda url: self._request("GET", url, client_request_id, deadline),
            deadline=deadline,
            sleep=retry.sleep,
            clock=retry.clock,
        )

    # hubs ---------------------------------------------------------------------------------------------------

    def get_hub(self, ref: HubRef, *, client_request_id: str | None = None) -> dict[str, Any]:
        return _body(self._send("GET", ref.path, client_request_id))

    def find_hub(self, ref: HubRef, *, client_request_id: str | None = None) -> dict[str, Any] | None:
        """The hub, or None when it (or its resource group) does not exist."""
        try:
            return self.get_hub(ref, client_request_id=client_request_id)
        except NotFoundError:
            return None

    def put_hub(
        self,
        ref: HubRef,
        body: dict[str, Any],
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
        client_request_id: str | None = None,
    ) -> dict[str, Any]:
        """Create or fully replace a hub, wait until provisioning ends, return the hub as read afterwards."""
        crid = client_request_id or new_client_request_id()
        headers = {}
        if if_match:
            headers["If-Match"] = if_match
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        url, deadline = self.transport.url(ref.path), self._deadline()
        initial = self._request("PUT", url, crid, deadline, body=body, headers=headers)
        poller = self._poller(crid, deadline)
        final = poller.wait("PUT", url, initial)
        return _body(final if final is not None else poller.read_after_write(url))

    def read_hub_after_write(self, ref: HubRef, *, client_request_id: str | None = None) -> dict[str, Any]:
        """The hub, known to exist or just written (perhaps by a write of ours whose answer was lost): a 404
        is the service's brief 404-after-PUT, read again on the polling schedule until the deadline."""
        crid = client_request_id or new_client_request_id()
        deadline = self._deadline()
        return _body(self._poller(crid, deadline).read_after_write(self.transport.url(ref.path)))

    def settle_hub(self, ref: HubRef, *, client_request_id: str | None = None) -> dict[str, Any]:
        """The hub once its provisioning state is terminal (an earlier write, maybe ours, may still be
        running); 404s are ridden out as in ``read_hub_after_write``."""
        crid = client_request_id or new_client_request_id()
        url, deadline = self.transport.url(ref.path), self._deadline()
        poller = self._poller(crid, deadline)
        current = poller.read_after_write(url)
        final = poller.wait("PUT", url, current)
        return _body(final) if final is not None else _body(current)

    def patch_hub_tags(
        self,
        ref: HubRef,
        tags: dict[str, str],
        *,
        if_match: str | None = None,
        client_request_id: str | None = None,
    ) -> dict[str, Any]:
        """Replace the hub's tags (IoT Hub answers synchronously; any LRO headers are followed anyway)."""
        crid = client_request_id or new_client_request_id()
        headers = {"If-Match": if_match} if if_match else {}
        url, deadline = self.transport.url(ref.path), self._deadline()
        initial = self._request("PATCH", url, crid, deadline, body={"tags": tags}, headers=headers)
        poller = self._poller(crid, deadline)
        final = poller.wait("PATCH", url, initial)
        return _body(final if final is not None else poller.read_after_write(url))

    def delete_hub(self, ref: HubRef, *, client_request_id: str | None = None) -> bool:
        """Delete and wait until gone; False when the hub was already gone (404 is success)."""
        crid = client_request_id or new_client_request_id()
        url, deadline = self.transport.url(ref.path), self._deadline()
        try:
            initial = self._request("DELETE", url, crid, deadline)
        except NotFoundError:
            return False
        if initial.status == 204:
            return False
        self._poller(crid, deadline).wait("DELETE", url, initial)
        return True

    def list_keys(self, ref: HubRef, *, client_request_id: str | None = None) -> list[dict[str, Any]]:
        """All shared access policies with their keys (POST listkeys, pageable)."""
        crid = client_request_id or new_client_request_id()
        url: str | None = self.transport.url(f"{ref.path}/listkeys")
        method, deadline = "POST", self._deadline()
        policies: list[dict[str, Any]] = []
        while url:
            page = _body(self._request(method, url, crid, deadline))
            policies.extend(p for p in page.get("value") or [] if isinstance(p, dict))
            url = page.get("nextLink") or None
            method = "GET"
        return policies

    def check_name_availability(
        self, subscription_id: str, name: str, *, client_request_id: str | None = None
    ) -> dict[str, Any]:
        path = f"/subscriptions/{quote(subscription_id)}{PROVIDER_PATH}/checkNameAvailability"
        return _body(self._send("POST", path, client_request_id, body={"name": name}))

    def list_hubs(self, subscription_id: str, resource_group: str) -> list[dict[str, Any]]:
        group = f"/subscriptions/{quote(subscription_id)}/resourceGroups/{quote(resource_group)}"
        path = f"{group}{PROVIDER_PATH}/IotHubs"
        return self._list(path, new_client_request_id())

    # consumer groups ----------------------------------------------------------------------------------------

    def get_consumer_group(
        self, ref: ConsumerGroupRef, *, client_request_id: str | None = None
    ) -> dict[str, Any]:
        return _body(self._send("GET", ref.path, client_request_id))

    def put_consumer_group(
        self, ref: ConsumerGroupRef, *, client_request_id: str | None = None
    ) -> dict[str, Any]:
        """Create (or keep) a consumer group; the body must repeat the name since api-version 2021-03-31."""
        return _body(self._send("PUT", ref.path, client_request_id, body={"properties": {"name": ref.name}}))

    def delete_consumer_group(self, ref: ConsumerGroupRef, *, client_request_id: str | None = None) -> bool:
        """False when it (or its hub) was already gone."""
        try:
            self._send("DELETE", ref.path, client_request_id)
        except NotFoundError:
            return False
        return True

    def list_consumer_groups(self, ref: ConsumerGroupRef) -> list[dict[str, Any]]:
        return self._list(ref.collection_path, new_client_request_id())

    # plumbing -----------------------------------------------------------------------------------------------

    def _send(
        self, method: str, path: str, client_request_id: str | None, *, body: Any = None
    ) -> ArmResponse:
        return self.transport.request(
            method,
            self.transport.url(path),
            client_request_id=client_request_id or new_client_request_id(),
            body=body,
        )

    def _list(self, path: str, client_request_id: str) -> list[dict[str, Any]]:
        url: str | None = self.transport.url(path)
        deadline = self._deadline()
        items: list[dict[str, Any]] = []
        while url:
            page = _body(self._request("GET", url, client_request_id, deadline))
            items.extend(v for v in page.get("value") or [] if isinstance(v, dict))
            url = page.get("nextLink") or None
        return items


def _body(response: ArmResponse) -> dict[str, Any]:
    return response.body if isinstance(response.body, dict) else {}
