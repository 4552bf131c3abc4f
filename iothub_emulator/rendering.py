"""Wire shapes of stored rows: hubs (state, computed endpoints, no keys), consumer groups, resource groups,
and list pages with absolute ``nextLink``s."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

from iothub_emulator import api_versions, etags, ids, secrets, validation
from iothub_emulator.api_versions import DEFAULT_API_VERSION
from iothub_emulator.wire import Call, Reply

# Fields whose presence depends on the api-version, as the recordings show them (tests/conformance/data).
# The first version of each is inferred from the versions recorded with and without it.
IDENTITY_SINCE = "2021-07-01"
"""``identity``, ``systemData`` and ``properties.allowedFqdnList``: absent at 2019-07-01-preview, present at
2021-07-02 and later."""
COSMOS_CONTAINERS_SINCE = "2022-04-30-preview"
"""``routing.endpoints.cosmosDBSqlContainers``: absent at 2021-07-02, present at 2023-06-30-preview."""
# Not rendered, because the service changed, not the api-version: recordings of 2021-07-02 made in 2022
# show ``rootCertificate: {}`` on GET, and ``state: "Activating"`` plus the cloudToDevice defaults in a
# create's 201; the same api-version recorded in 2023 shows none of them, nor does 2023-06-30-preview.

_ACCEPTED_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("enableFileUploadNotifications", False),
    ("features", "None"),
)
"""What a create's 201 adds to the sections sent (2023 recordings; the first is from 2022, unchallenged)."""
_MONITORING_EVENTS = {
    name: "None"
    for name in (
        "None",
        "Connections",
        "DeviceTelemetry",
        "C2DCommands",
        "DeviceIdentityOperations",
        "FileUploadOperations",
        "Routes",
    )
}
_READ_ONLY_PROPERTIES = ("state", "provisioningState", "hostName", "locations", "authorizationPolicies")


class Encoded:
    """Answers as they go on the wire, encoded, by everything their rendering reads, so that an entry can
    never be stale; it only saves rendering and encoding the same thing again. At most ``size`` entries of
    each kind, the oldest dropped first.

    Hubs by (hub, etag, api-version): every change to a hub gives it a new etag (the counter is never
    reused, also across resets). Consumer groups by the hub's subscription, resource group and name, the
    group's name and creation stamp, and the name a PUT sent."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._hubs: dict[tuple[str, int, str], bytes] = {}
        self._groups: dict[tuple[str, str, str, str, str, str | None], bytes] = {}

    def hub(self, row: dict[str, Any], api_version: str) -> bytes:
        key = (row["name_key"], row["etag"], api_version)
        found = self._hubs.get(key)
        if found is None:
            found = self._keep(self._hubs, key, hub(row, api_version))
        return found

    def consumer_group(self, hub: dict[str, Any], row: dict[str, Any], sent_name: str | None = None) -> bytes:
        stamp: tuple[str, str, str, str, str] = (
            hub["subscription"],
            hub["resource_group"],
            hub["name"],
            row["name"],
            row["created"],
        )
        key = (*stamp, sent_name)
        found = self._groups.get(key)
        if found is None:
            found = self._keep(self._groups, key, consumer_group(hub, row, sent_name))
        return found

    def _keep(self, entries: dict[Any, bytes], key: Any, body: dict[str, Any]) -> bytes:
        encoded = _ENCODER.encode(body).encode()
        if len(entries) >= self._size:
            del entries[next(iter(entries))]
        entries[key] = encoded
        return encoded


_ENCODER = json.JSONEncoder(separators=(",", ":"))


def hub(
    row: dict[str, Any],
    api_version: str = DEFAULT_API_VERSION,
    *,
    etag: str | None = None,
    provisioning_state: str | None = None,
) -> dict[str, Any]:
    """The hub as GET and list answer it (and PATCH, and the final answer of an operation's Location)."""
    # Copy only what this function changes (a deep copy of the document was 40% of a GET's cost).
    doc = dict(row["doc"])
    props = dict(doc.pop("properties"))
    endpoints = props["eventHubEndpoints"] = dict(props["eventHubEndpoints"])
    events = endpoints["events"] = dict(endpoints["events"])
    state_fields: dict[str, Any] = {
        "state": row["state"],
        "provisioningState": provisioning_state or row["provisioning_state"],
    }
    if row["state"] != "Activating":  # while activating Azure shows no host name and no partitions yet
        state_fields["hostName"] = f"{row['name'].lower()}.azure-devices.net"
        events["partitionIds"] = [str(i) for i in range(events["partitionCount"])]
        events["path"] = row["name"].lower()
        events["endpoint"] = row["endpoint"]
    props = _versioned_properties(secrets.masked_properties(props), api_version)
    props = {"locations": ids.locations_of(doc["location"]), **state_fields, **props}
    sku = doc.pop("sku")
    extra = {k: v for k, v in doc.items() if k not in ("location", "tags", "identity")}
    body = {
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
        "sku": _sku(sku),
    }
    if api_versions.since(api_version, IDENTITY_SINCE):
        body["identity"] = doc.get("identity") or {"type": "None"}
        body["systemData"] = {"createdAt": row["created_at"]}
    return body


def accepted(
    row: dict[str, Any],
    sent: dict[str, Any],
    api_version: str,
    *,
    creating: bool,
) -> dict[str, Any]:
    """The 201 body of a hub PUT: what was sent, echoed, with the few defaults Azure fills in at once.

    Recorded creates (2023) answer the sections of the request's properties (no routing, endpoints or
    partitions unless sent), ``provisioningState: "Accepted"``, the file-upload and feature defaults, no
    state, etag, identity or systemData; the location as the client spelled it. Recorded updates answer
    the hub's new document (defaults materialised) the same way, with the etag it had and its identity.
    """
    stored = row["doc"]["properties"]
    raw = sent.get("properties") if creating else stored
    sent_props = raw if isinstance(raw, dict) else {}
    # The sections sent, as stored: defaults filled in within them (a sent routing gains its fallback
    # route and every endpoint list), sections not sent left out.
    props = {k: stored.get(k, v) for k, v in sent_props.items() if k not in _READ_ONLY_PROPERTIES}
    certificate = props.get("rootCertificate")
    if isinstance(certificate, dict):  # stamped when the operation runs: the 201 (2025) shows only the choice
        props["rootCertificate"] = {k: v for k, v in certificate.items() if k != "lastUpdatedTimeUtc"}
    for name, default in _ACCEPTED_DEFAULTS:
        if props.get(name) is None:
            props[name] = copy.deepcopy(default)
    if api_versions.since(api_version, IDENTITY_SINCE) and props.get("allowedFqdnList") is None:
        props["allowedFqdnList"] = []
    state: dict[str, Any] = {"provisioningState": "Accepted"}
    if not creating:  # every recorded update response (2022, 2025) leads with this retired setting
        state = {"operationsMonitoringProperties": {"events": dict(_MONITORING_EVENTS)}, **state}
    doc = row["doc"]
    location = sent.get("location")
    body: dict[str, Any] = {
        "id": ids.hub_id(row["subscription"], row["resource_group"], row["name"]),
        "name": row["name"],
        "type": ids.HUB_TYPE,
        "location": location if isinstance(location, str) else doc["location"],
        "tags": doc["tags"],
        "subscriptionid": row["subscription"],
        "resourcegroup": row["resource_group"],
    }
    if not creating:
        body["etag"] = etags.encode(row["etag"])
    body["properties"] = {**state, **secrets.masked_properties(props)}
    body["sku"] = _sku(doc["sku"])
    if not creating and api_versions.since(api_version, IDENTITY_SINCE):
        body["identity"] = doc.get("identity") or {"type": "None"}
    return body


def _sku(sku: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": sku["name"],
        "tier": validation.tier_of(sku["name"]),
        "capacity": sku["capacity"],
        **{k: v for k, v in sku.items() if k not in ("name", "capacity", "tier")},
    }


def _versioned_properties(props: dict[str, Any], api_version: str) -> dict[str, Any]:
    if api_versions.since(api_version, IDENTITY_SINCE):
        if "allowedFqdnList" not in props:
            props = {**props, "allowedFqdnList": []}
    elif props.get("allowedFqdnList") == []:
        props = {k: v for k, v in props.items() if k != "allowedFqdnList"}
    routing = props.get("routing")
    endpoints = routing.get("endpoints") if isinstance(routing, dict) else None
    if (
        isinstance(routing, dict)
        and isinstance(endpoints, dict)
        and "cosmosDBSqlContainers" not in endpoints
        and api_versions.since(api_version, COSMOS_CONTAINERS_SINCE)
    ):
        props["routing"] = {**routing, "endpoints": {**endpoints, "cosmosDBSqlContainers": []}}
    return props


def resource_group(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": ids.resource_group_id(row["subscription"], row["name"]),
        "name": row["name"],
        "type": "Microsoft.Resources/resourceGroups",
        "location": row["location"],
        "tags": row["tags"],
        "properties": {"provisioningState": "Deleting" if row["state"] == "Deleting" else "Succeeded"},
    }


def consumer_group(hub: dict[str, Any], row: dict[str, Any], sent_name: str | None = None) -> dict[str, Any]:
    """As recorded: ``etag`` null, ``$Default``'s id percent-encoded; a PUT that sent a body answers it
    nested (``properties.properties.name``), a GET or list does not."""
    hub_id = ids.hub_id(hub["subscription"], hub["resource_group"], hub["name"])
    props: dict[str, Any] = {"created": row["created"]}
    if sent_name is not None:
        props["properties"] = {"name": sent_name}
    return {
        "properties": props,
        "id": ids.consumer_group_id(hub_id, validation.EVENTS, quote(row["name"], safe="-._")),
        "name": row["name"],
        "type": ids.CONSUMER_GROUP_TYPE,
        "etag": None,
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
