"""Someone working in the Azure portal while Pulumi runs: out-of-band changes, and reading what is there.

Talks ARM to the emulator directly with its own session (never through the provider). Called only while no
fault rule is active, so its requests always succeed or fail for a reason worth reporting.
"""

from __future__ import annotations

import time
from typing import Any, Final

import requests

API_VERSION: Final = "2023-06-30"
OWNER_TAG: Final = "pulumi-iothub-owner"


class OperatorError(RuntimeError):
    """A direct ARM call the bench relies on did not succeed."""


class Operator:
    """A bearer-token ARM session against one subscription of the emulator."""

    def __init__(self, url: str, token: str, subscription_id: str) -> None:
        self._base = f"{url.rstrip('/')}/subscriptions/{subscription_id}"
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"
        self._session.headers["x-ms-client-request-id"] = "operator"

    def _hub_url(self, group: str, name: str, suffix: str = "") -> str:
        return f"{self._base}/resourceGroups/{group}/providers/Microsoft.Devices/IotHubs/{name}{suffix}"

    def _call(self, method: str, url: str, ok: tuple[int, ...], **kwargs: Any) -> requests.Response:
        params = {} if "api-version=" in url else {"api-version": API_VERSION}  # nextLinks carry their own
        response = self._session.request(method, url, params=params, timeout=30, **kwargs)
        if response.status_code not in ok:
            raise OperatorError(f"{method} {url} -> {response.status_code}: {response.text[:300]}")
        return response

    def hub(self, group: str, name: str) -> dict[str, Any] | None:
        response = self._call("GET", self._hub_url(group, name), (200, 404))
        if response.status_code == 404:
            return None
        body: dict[str, Any] = response.json()
        return body

    def hub_names(self, group: str) -> list[str]:
        """Every hub in the group (all pages)."""
        url: str | None = f"{self._base}/resourceGroups/{group}/providers/Microsoft.Devices/IotHubs"
        names: list[str] = []
        while url:
            response = self._call("GET", url, (200, 404))
            if response.status_code == 404:
                return []
            page = response.json()
            names += [str(hub["name"]) for hub in page["value"]]
            url = page.get("nextLink")
        return sorted(names)

    def consumer_groups(self, group: str, name: str) -> list[str]:
        url = self._hub_url(group, name, "/eventHubEndpoints/events/ConsumerGroups")
        response = self._call("GET", url, (200, 404))
        if response.status_code == 404:
            return []
        return sorted(str(cg["name"]) for cg in response.json()["value"])

    def add_tag(self, group: str, name: str, key: str, value: str) -> None:
        """Add a tag the program does not declare (PATCH of the whole tag set, as the portal does)."""
        live = self.hub(group, name)
        if live is None:
            raise OperatorError(f"hub {name} does not exist")
        tags = {**(live.get("tags") or {}), key: value}
        self._call("PATCH", self._hub_url(group, name), (200,), json={"tags": tags})

    def set_capacity(self, group: str, name: str, capacity: int) -> None:
        """Scale the hub (read-modify-write PUT with the live etag, as the portal does)."""
        live = self.hub(group, name)
        if live is None:
            raise OperatorError(f"hub {name} does not exist")
        body: dict[str, Any] = {k: live[k] for k in ("location", "tags", "properties") if k in live}
        body["sku"] = {"name": live["sku"]["name"], "capacity": capacity}
        self._call("PUT", self._hub_url(group, name), (200, 201), json=body,
                   headers={"If-Match": str(live["etag"])})

    def delete_hub(self, group: str, name: str, *, patience: float = 120.0) -> None:
        """Delete the hub as a person would: wait until no operation runs on it (a hub still provisioning
        refuses with 409002, and one may start between the look and the click), delete it, and wait until
        it is gone; give up after ``patience`` seconds."""
        deadline = time.monotonic() + patience
        while True:
            live = self.hub(group, name)
            if live is None:
                return
            if _settled(live):
                response = self._call("DELETE", self._hub_url(group, name), (200, 202, 204, 404, 409))
                if response.status_code != 409:
                    break
                if not _not_active(response):
                    raise OperatorError(f"DELETE of hub {name} -> 409: {response.text[:300]}")
            if time.monotonic() > deadline:
                raise OperatorError(f"hub {name} did not become Active within {patience:.0f} s")
            time.sleep(0.2)
        while self.hub(group, name) is not None:
            if time.monotonic() > deadline:
                raise OperatorError(f"hub {name} still there {patience:.0f} s after its deletion began")
            time.sleep(0.1)

    def add_consumer_group(self, group: str, name: str, consumer_group: str) -> None:
        url = self._hub_url(group, name, f"/eventHubEndpoints/events/ConsumerGroups/{consumer_group}")
        self._call("PUT", url, (200, 201), json={"properties": {"name": consumer_group}})

    def delete_consumer_group(self, group: str, name: str, consumer_group: str) -> None:
        url = self._hub_url(group, name, f"/eventHubEndpoints/events/ConsumerGroups/{consumer_group}")
        self._call("DELETE", url, (200, 204, 404))


def _settled(hub: dict[str, Any]) -> bool:
    """What the portal shows as ready for the next change: no operation running on the hub."""
    state = str((hub.get("properties") or {}).get("provisioningState") or "Succeeded")
    return state in ("Succeeded", "Failed", "Canceled")


def _not_active(response: requests.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("code")) in ("409002", "IH409002")
