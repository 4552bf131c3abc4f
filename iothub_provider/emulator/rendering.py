"""Wire shapes of stored rows: hubs (state, computed endpoints, no keys), consumer groups, resource groups,
and list pages with absolute ``nextLink``s."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from iothub_provider.emulator import etags, ids, secrets, validation
from iothub_provider.emulator.wire import Call, Reply

HUB_COLUMNS = (
    "name_key, sub_key, rg_key, subscription, resource_group, name, doc, etag, state, provisioning_state, "
    "created_at, endpoint"
)
"""The hub columns ``hub`` reads (keys and the previous document are never rendered, so not decoded)."""

CONSUMER_GROUP_HUB_COLUMNS = "name_key, sub_key, rg_key, subscription, resource_group, name, state"
"""The hub columns ``consumer_group`` and the consumer-group rules read: identity and state, no document."""


def hub(
    row: dict[str, Any], *, etag: str | None = None, provisioning_state: str | None = None
) -> dict[str, Any]:
    # Copy only what this function changes (a deep copy of the document was 40% of a GET's cost).
    doc = dict(row["doc"])
    props = dict(doc.pop("properties"))
    endpoints = props["eventHubEndpoints"] = dict(props["eventHubEndpoints"])
    events = endpoints["events"] = dict(endpoints["events"])
    events["partitionIds"] = [str(i) for i in range(events["partitionCount"])]
    events["path"] = row["name"].lower()
    events["endpoint"] = row["endpoint"]
    state_fields: dict[str, Any] = {
        "state": row["state"],
        "provisioningState": provisioning_state or row["provisioning_state"],
    }
    if row["state"] != "Activating":
        state_fields["hostName"] = f"{row['name'].lower()}.azure-devices.net"
    locations = ids.locations_of(doc["location"])
    props = {**state_fields, **secrets.masked_properties(props), "locations": locations}
    sku = doc.pop("sku")
    extra = {k: v for k, v in doc.items() if k not in ("location", "tags", "identity")}
    return {
        "id": ids.hub_id(row["subscription"], row["resource_group"], row["name"]),
        "name": row["name"],
        "type": ids.HUB_TYPE,
        "location": doc["location"],
        "tags": doc["tags"],
        "subscriptionid": row["subscription"],
        "resourcegroup": row["resource_group"],
        "etag": etags.encode(row["etag"]) if etag is None else etag,
        **extra,
        "properties": props,
        "sku": {
            "name": sku["name"],
            "tier": validation.tier_of(sku["name"]),
            "capacity": sku["capacity"],
            **{k: v for k, v in sku.items() if k not in ("name", "capacity", "tier")},
        },
        "identity": doc.get("identity") or {"type": "None"},
        "systemData": {"createdAt": row["created_at"]},
    }


def resource_group(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": ids.resource_group_id(row["subscription"], row["name"]),
        "name": row["name"],
        "type": "Microsoft.Resources/resourceGroups",
        "location": row["location"],
        "tags": row["tags"],
        "properties": {"provisioningState": "Deleting" if row["state"] == "Deleting" else "Succeeded"},
    }


def consumer_group(hub: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    hub_id = ids.hub_id(hub["subscription"], hub["resource_group"], hub["name"])
    return {
        "properties": {"created": row["created"], "properties": {"name": row["name"]}},
        "id": ids.consumer_group_id(hub_id, validation.EVENTS, row["name"]),
        "name": row["name"],
        "type": ids.CONSUMER_GROUP_TYPE,
        "etag": etags.encode(row["etag"]),
    }


def page(call: Call, items: list[Any], size: int) -> Reply:
    """One page of a list (``$skipToken`` is the offset); ``nextLink`` only when more items follow."""
    start = max(call.skip_token, 0)
    body: dict[str, Any] = {"value": items[start : start + size]}
    if start + size < len(items):
        body["nextLink"] = (
            f"{call.base_url}{quote(call.path)}?api-version={quote(call.api_version, safe='')}"
            f"&$skipToken={start + size}"
        )
    return Reply(200, body)
