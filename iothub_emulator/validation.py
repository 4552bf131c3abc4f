"""Azure's rules for hub and consumer-group requests, and the defaults a full PUT falls back to.

Every failure names the property and the allowed values. A PUT body is normalised into the stored
document: read-only fields dropped, defaults materialised, unknown properties kept as sent.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from iothub_emulator import api_versions, errors, ids
from iothub_emulator.errors import BadRequest

HUB_NAME = re.compile(r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{2,49}[a-zA-Z0-9]$")
CONSUMER_GROUP_NAME = re.compile(r"^[A-Za-z0-9\-._]{1,50}$")
SKU_TIERS = {
    "F1": "Free",
    "S1": "Standard",
    "S2": "Standard",
    "S3": "Standard",
    "B1": "Basic",
    "B2": "Basic",
    "B3": "Basic",
}
SKU_MAX_CAPACITY = {"F1": 1, "S1": 200, "S2": 200, "S3": 10, "B1": 200, "B2": 200, "B3": 10}
MAX_PARTITIONS = 32
DEFAULT_PARTITIONS = 4
EVENTS = "events"

_READ_ONLY_TOP = ("id", "name", "type", "etag", "systemData", "subscriptionid", "resourcegroup")
_READ_ONLY_PROPERTIES = ("state", "provisioningState", "hostName", "locations")
_READ_ONLY_ENDPOINT = ("partitionIds", "path", "endpoint")


def check_hub_name(name: str) -> None:
    if not HUB_NAME.match(name):
        raise BadRequest(
            f"Invalid IotHub name '{name}': use 3-50 characters, letters, digits and hyphens, "
            "not all digits, "
            "not starting or ending with a hyphen",
            code=errors.INVALID_NAME,
        )


def check_consumer_group_name(name: str) -> None:
    if not CONSUMER_GROUP_NAME.match(name):
        raise BadRequest(
            f"Invalid consumer group name '{name}': use 1-50 characters, letters, digits, '-', '.' and '_'",
            code=errors.INVALID_CONSUMER_GROUP_NAME,
        )


def _int(value: Any, where: str, code: int) -> int:
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        raise BadRequest(f"{where} must be an integer, got {value!r}", code=code)
    return int(value)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"{where} must be a JSON object", code=errors.INVALID_BODY)
    return value


def tier_of(sku_name: str) -> str:
    return SKU_TIERS[sku_name]


def _sku(raw: Any) -> dict[str, Any]:
    sku = _object(raw, "sku") if raw is not None else None
    if sku is None or not isinstance(sku.get("name"), str):
        raise BadRequest(f"sku.name is required; one of {', '.join(SKU_TIERS)}", code=errors.INVALID_SKU)
    name = sku["name"].upper()
    if name not in SKU_TIERS:
        raise BadRequest(
            f"Invalid sku.name '{sku['name']}'; use one of {', '.join(SKU_TIERS)}", code=errors.INVALID_SKU
        )
    capacity = _int(sku.get("capacity", 1), "sku.capacity", errors.INVALID_CAPACITY)
    maximum = SKU_MAX_CAPACITY[name]
    if not 1 <= capacity <= maximum:
        raise BadRequest(
            f"Invalid sku.capacity {capacity} for {name} - value must be between 1 and {maximum}",
            code=errors.INVALID_CAPACITY,
        )
    extra = {k: v for k, v in sku.items() if k not in ("name", "capacity", "tier")}
    return {**extra, "name": name, "capacity": capacity}


def _events(raw: Any, sku_name: str) -> dict[str, Any]:
    events = dict(_object(raw, "properties.eventHubEndpoints.events")) if raw is not None else {}
    for field in _READ_ONLY_ENDPOINT:
        events.pop(field, None)
    count = _int(
        events.get("partitionCount", 2 if sku_name == "F1" else DEFAULT_PARTITIONS),
        "properties.eventHubEndpoints.events.partitionCount",
        errors.INVALID_PARTITION_COUNT,
    )
    low, high = (2, 2) if sku_name == "F1" else (2, MAX_PARTITIONS)
    if not low <= count <= high:
        raise BadRequest(
            f"Invalid PartitionCount {count} - value must be between {low} and {high}",
            code=errors.INVALID_PARTITION_COUNT,
        )
    retention = _int(
        events.get("retentionTimeInDays", 1),
        "properties.eventHubEndpoints.events.retentionTimeInDays",
        errors.INVALID_RETENTION,
    )
    if not 1 <= retention <= 7:
        raise BadRequest(
            f"Invalid RetentionTimeInDays {retention} - value must be between 1 and 7",
            code=errors.INVALID_RETENTION,
        )
    events["partitionCount"] = count
    events["retentionTimeInDays"] = retention
    return events


def _default_routing(with_fallback_enabled: bool) -> dict[str, Any]:
    return {
        "endpoints": {
            "serviceBusQueues": [],
            "serviceBusTopics": [],
            "eventHubs": [],
            "storageContainers": [],
        },
        "routes": [],
        "fallbackRoute": {
            "name": "$fallback",
            "source": "DeviceMessages",
            "condition": "true",
            "endpointNames": ["events"],
            "isEnabled": with_fallback_enabled,
        },
    }


_PROPERTY_DEFAULTS: dict[str, Any] = {
    "ipFilterRules": [],
    "storageEndpoints": {
        "$default": {"sasTtlAsIso8601": "PT1H", "connectionString": "", "containerName": ""}
    },
    "messagingEndpoints": {
        "fileNotifications": {"lockDurationAsIso8601": "PT1M", "ttlAsIso8601": "PT1H", "maxDeliveryCount": 10}
    },
    "enableFileUploadNotifications": False,
    "cloudToDevice": {
        "maxDeliveryCount": 10,
        "defaultTtlAsIso8601": "PT1H",
        "feedback": {"lockDurationAsIso8601": "PT1M", "ttlAsIso8601": "PT1H", "maxDeliveryCount": 10},
    },
    "features": "None",
    "allowedFqdnList": [],
}


def _properties(raw: Any, sku_name: str) -> tuple[dict[str, Any], Any]:
    """(stored properties, requested authorizationPolicies or None)."""
    props = dict(_object(raw, "properties")) if raw is not None else {}
    policies = props.pop("authorizationPolicies", None)
    for field in _READ_ONLY_PROPERTIES:
        props.pop(field, None)
    endpoints = dict(_object(props.get("eventHubEndpoints", {}), "properties.eventHubEndpoints"))
    for name in endpoints:
        if name not in (EVENTS, "operationsMonitoringEvents"):
            raise BadRequest(
                f"properties.eventHubEndpoints has unknown key '{name}'; the only key is 'events'",
                code=errors.INVALID_ENDPOINT,
            )
    endpoints[EVENTS] = _events(endpoints.get(EVENTS), sku_name)
    props["eventHubEndpoints"] = endpoints
    if "routing" not in props or props["routing"] is None:
        props["routing"] = _default_routing(True)
    else:
        routing = dict(_object(props["routing"], "properties.routing"))
        _check_routing_shape(routing)
        defaults = _default_routing(False)
        for field, value in defaults.items():
            if routing.get(field) is None:
                routing[field] = value
        # Azure answers every endpoint list, empty ones included, whichever the client sent.
        routing["endpoints"] = {**defaults["endpoints"], **routing["endpoints"]}
        props["routing"] = routing
        _assign_endpoint_ids(routing)
    for field, value in _PROPERTY_DEFAULTS.items():
        if props.get(field) is None:
            props[field] = copy.deepcopy(value)
    return props, policies


_ROUTING_SHAPE = {"endpoints": dict, "routes": list, "fallbackRoute": dict, "enrichments": list}


def _check_routing_shape(routing: dict[str, Any]) -> None:
    """Routing is stored, not validated, but its containers must have the spec's types so reads parse."""
    for field, kind in _ROUTING_SHAPE.items():
        if routing.get(field) is not None and not isinstance(routing[field], kind):
            what = "a JSON object" if kind is dict else "a JSON array"
            raise BadRequest(f"properties.routing.{field} must be {what}", code=errors.INVALID_BODY)
    for group, endpoints in (routing.get("endpoints") or {}).items():
        if endpoints is not None and not isinstance(endpoints, list):
            raise BadRequest(
                f"properties.routing.endpoints.{group} must be a JSON array", code=errors.INVALID_BODY
            )


def _assign_endpoint_ids(routing: dict[str, Any]) -> None:
    """Custom routing endpoints get a service-assigned ``id`` (kept when a client sends it back)."""
    endpoints = routing.get("endpoints")
    if not isinstance(endpoints, dict):
        return
    for group in endpoints.values():
        for endpoint in group if isinstance(group, list) else []:
            if isinstance(endpoint, dict) and not endpoint.get("id"):
                endpoint["id"] = str(uuid.uuid4())


def _tags(raw: Any) -> dict[str, str]:
    tags = _object(raw, "tags") if raw is not None else {}
    for name, value in tags.items():
        if not isinstance(value, str):
            raise BadRequest(f"tags['{name}'] must be a string", code=errors.INVALID_BODY)
    return dict(tags)


def location_of(body: dict[str, Any]) -> str:
    raw = body.get("location")
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest("location is required (for example 'westeurope')", code=errors.INVALID_BODY)
    location = ids.normalise_location(raw)
    if location not in ids.REGIONS:
        raise errors.LocationNotAvailable(raw, ids.SUPPORTED_LOCATIONS)
    return location


def normalise_hub(body: Any) -> tuple[dict[str, Any], Any]:
    """(stored document, requested authorizationPolicies or None) for a hub PUT body."""
    body = dict(_object(body, "request body"))
    for field in _READ_ONLY_TOP:
        body.pop(field, None)
    location = location_of(body)
    if body.get("identity") is not None:
        _object(body["identity"], "identity")
    sku = _sku(body.get("sku"))
    props, policies = _properties(body.get("properties"), sku["name"])
    doc = {**body, "location": location, "tags": _tags(body.get("tags")), "sku": sku, "properties": props}
    return doc, policies


def stamp_root_certificate(new_props: dict[str, Any], old_props: dict[str, Any] | None, now: str) -> None:
    """Azure records when the root-certificate choice was made (``rootCertificate.lastUpdatedTimeUtc``,
    recorded in 2025) and keeps that time while the choice stays the same."""
    chosen = new_props.get("rootCertificate")
    if not isinstance(chosen, dict) or "enableRootCertificateV2" not in chosen:
        return
    before = (old_props or {}).get("rootCertificate")
    same = (
        isinstance(before, dict)
        and before.get("enableRootCertificateV2") == chosen["enableRootCertificateV2"]
    )
    stamp = before.get("lastUpdatedTimeUtc") if same and isinstance(before, dict) else None
    new_props["rootCertificate"] = {**chosen, "lastUpdatedTimeUtc": stamp or now}


def check_update(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Changes Azure refuses on an existing hub."""
    if old["location"] != new["location"]:
        raise BadRequest(
            f"location cannot be changed from '{old['location']}' to '{new['location']}'; "
            "create a new IotHub instead",
            code=errors.IMMUTABLE_PROPERTY,
        )
    old_count = old["properties"]["eventHubEndpoints"][EVENTS]["partitionCount"]
    new_count = new["properties"]["eventHubEndpoints"][EVENTS]["partitionCount"]
    if old_count != new_count:
        raise BadRequest(
            f"properties.eventHubEndpoints.events.partitionCount cannot be changed from {old_count} "
            f"to {new_count}; it is chosen when the IotHub is created",
            code=errors.IMMUTABLE_PROPERTY,
        )
    old_tier, new_tier = tier_of(old["sku"]["name"]), tier_of(new["sku"]["name"])
    if old_tier != new_tier and "Free" in (old_tier, new_tier):
        raise BadRequest(
            f"The free tier does not support upgrading to basic or standard or the reverse "
            f"(sku {old['sku']['name']} -> {new['sku']['name']})",
            code=errors.TIER_CHANGE,
        )
    if old_tier == "Standard" and new_tier == "Basic":
        raise BadRequest(
            f"Cannot downgrade from the Standard tier to the Basic tier "
            f"(sku {old['sku']['name']} -> {new['sku']['name']})",
            code=errors.TIER_CHANGE,
        )


CONSUMER_GROUP_BODY_OPTIONAL_BEFORE = "2020-08-31"
"""Recorded at 2019-07-01-preview: a consumer-group PUT without a body succeeds. Reported at 2020-08-31:
without a body, 500019 (Internal Error) on every try. Since 2021-03-31: 400007."""
CONSUMER_GROUP_BODY_REQUIRED_SINCE = "2021-03-31"


def consumer_group_body_name(body: Any, api_version: str) -> str | None:
    """The name a consumer-group PUT sent in its body; None for an old api-version that sent none."""
    props = body.get("properties") if isinstance(body, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if isinstance(name, str) and name:
        return name
    if api_versions.before(api_version, CONSUMER_GROUP_BODY_OPTIONAL_BEFORE):
        return None
    if api_versions.before(api_version, CONSUMER_GROUP_BODY_REQUIRED_SINCE):
        raise errors.InternalError()
    raise BadRequest(
        "Consumer group name in the request body should not be null or empty",
        code=errors.CONSUMER_GROUP_BODY,
    )
