"""Direct ARM calls to the emulator, standing in for someone working in the Azure portal (drift, deletion)
and for reading what the provider really did. The session itself (token, api-version, paths) is the
emulator's own ``iothub_emulator.testing.ArmSession``; this adds what a portal user does."""

from __future__ import annotations

from typing import Any, Final

import requests

from iothub_emulator.testing import API_VERSION, ArmSession

HUB_API_VERSION: Final = API_VERSION
OWNER_TAG: Final = "pulumi-iothub-owner"


def user_tags(hub: dict[str, Any] | None) -> dict[str, str]:
    """The hub's tags without the provider's ownership tag."""
    assert hub is not None, "the hub does not exist"
    return {k: v for k, v in (hub.get("tags") or {}).items() if k != OWNER_TAG}


class Arm(ArmSession):
    """A bearer-token ARM session against one subscription of the emulator, with portal-like operations
    on the hubs of a resource group."""

    def __init__(self, url: str, token: str, subscription_id: str) -> None:
        super().__init__(url, token, subscription_id)

    def _hub_url(self, group: str, name: str, suffix: str = "") -> str:
        return self.hub_path(name, group) + suffix

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.call(method, path, api_version=HUB_API_VERSION, **kwargs)

    def hub(self, group: str, name: str) -> dict[str, Any] | None:
        """The hub's ARM body, or None when it does not exist."""
        response = self._call("GET", self._hub_url(group, name))
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def hub_names(self, group: str) -> list[str]:
        hubs = self.hub_path("", group).rstrip("/")  # the resource group's hub list
        response = self._call("GET", hubs)
        response.raise_for_status()
        return sorted(hub["name"] for hub in response.json()["value"])

    def set_tags(self, group: str, name: str, tags: dict[str, str]) -> None:
        """Change some of the hub's tags outside Pulumi, as in the portal (PATCH; other tags kept)."""
        live = self.hub(group, name)
        assert live is not None, f"hub {name} does not exist"
        merged = {**(live.get("tags") or {}), **tags}
        self._call("PATCH", self._hub_url(group, name), json={"tags": merged}).raise_for_status()

    def set_capacity(self, group: str, name: str, capacity: int) -> None:
        """Scale the hub outside Pulumi (read-modify-write PUT with the live etag, as the portal does)."""
        live = self.hub(group, name)
        assert live is not None, f"hub {name} does not exist"
        body: dict[str, Any] = {k: live[k] for k in ("location", "tags", "properties") if k in live}
        body["sku"] = {"name": live["sku"]["name"], "capacity": capacity}
        headers = {"If-Match": live["etag"]}
        response = self._call("PUT", self._hub_url(group, name), json=body, headers=headers)
        assert response.status_code in (200, 201), response.text

    def change_properties(self, group: str, name: str, **properties: Any) -> None:
        """Set hub properties outside Pulumi (read-modify-write PUT with the live etag, as the portal does).

        ``authorizationPolicies`` given here are added to the hub's current ones (keys included)."""
        live = self.hub(group, name)
        assert live is not None, f"hub {name} does not exist"
        added = properties.pop("authorizationPolicies", [])
        listed = self._call("POST", self._hub_url(group, name, "/listkeys"))
        listed.raise_for_status()
        body: dict[str, Any] = {k: live[k] for k in ("location", "tags", "sku") if k in live}
        body["properties"] = {**live["properties"], **properties,
                              "authorizationPolicies": [*listed.json()["value"], *added]}
        headers = {"If-Match": live["etag"]}
        response = self._call("PUT", self._hub_url(group, name), json=body, headers=headers)
        assert response.status_code in (200, 201), response.text

    def policy_names(self, group: str, name: str) -> list[str]:
        response = self._call("POST", self._hub_url(group, name, "/listkeys"))
        response.raise_for_status()
        return sorted(policy["keyName"] for policy in response.json()["value"])

    def delete_consumer_group(self, group: str, name: str, consumer_group: str) -> None:
        url = self._hub_url(group, name, f"/eventHubEndpoints/events/ConsumerGroups/{consumer_group}")
        assert self._call("DELETE", url).status_code in (200, 204)

    def delete_hub(self, group: str, name: str) -> None:
        """Delete the hub outside Pulumi (the emulator provisions immediately in tests)."""
        response = self._call("DELETE", self._hub_url(group, name))
        assert response.status_code in (200, 202, 204), response.text

    def consumer_groups(self, group: str, name: str) -> list[str]:
        response = self._call("GET", self._hub_url(group, name, "/eventHubEndpoints/events/ConsumerGroups"))
        response.raise_for_status()
        return sorted(cg["name"] for cg in response.json()["value"])

    def keys(self, group: str, name: str) -> list[str]:
        """Every shared access key of the hub (primary and secondary of each policy)."""
        response = self._call("POST", self._hub_url(group, name, "/listkeys"))
        response.raise_for_status()
        policies = response.json()["value"]
        return [policy[k] for policy in policies for k in ("primaryKey", "secondaryKey") if policy.get(k)]
