"""The hub's check step: validate every input Azure would refuse, fill defaults, name the hub. No I/O.

Rules come from the 2023-06-30 spec and the IoT Hub limits: SKU names and unit ranges, F1's fixed partition
count and single unit, partition and retention ranges, routing limits per tier, reserved endpoint names,
enumerations and ISO 8601 durations inside the ARM-shaped inputs.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from iothub_provider.resources import validation as v
from iothub_provider.resources.values import is_unknown, whole_numbers

OWNER_TAG = "pulumi-iothub-owner"
SKU_UNITS = {"F1": 1, "S1": 200, "S2": 200, "S3": 10, "B1": 200, "B2": 200, "B3": 10}
TIERS = {"F": "Free", "S": "Standard", "B": "Basic"}
DEFAULT_PARTITIONS = {"Free": 2, "Standard": 4, "Basic": 4}
MAX_PARTITIONS = 32
ROUTING_LIMITS = {
    "Free": (5, 1, 2),
    "Standard": (100, 10, 10),
    "Basic": (100, 10, 10),
}  # routes, endpoints, enrich.
ENDPOINT_TYPES = (
    "serviceBusQueues",
    "serviceBusTopics",
    "eventHubs",
    "storageContainers",
    "cosmosDBSqlContainers",
)
RESERVED_ENDPOINT_NAMES = {"events", "filenotifications", "$default"}
ROUTE_SOURCES = (
    "Invalid",
    "DeviceMessages",
    "TwinChangeEvents",
    "DeviceLifecycleEvents",
    "DeviceJobLifecycleEvents",
    "DeviceConnectionStateEvents",
    "DigitalTwinChangeEvents",
)
ROUTING_NAME_RE = re.compile(r"^[A-Za-z0-9-._]{1,64}$")
IDENTITY_TYPES = ("SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "None")
MAX_TAGS = 50
TAG_KEY_FORBIDDEN = re.compile(r"[<>%&\\?/]")

ARM_SHAPED = (
    "cloud_to_device",
    "routing",
    "ip_filter_rules",
    "network_rule_sets",
    "identity",
    "storage_endpoints",
    "messaging_endpoints",
)


def tier_of(sku_name: Any) -> str | None:
    if not isinstance(sku_name, str) or sku_name not in SKU_UNITS:
        return None
    return TIERS[sku_name[0]]


def generated_name(owner: str) -> str:
    """A hub name from the resource name plus a suffix seeded by project/stack/resource, stable across runs.

    The suffix is derived, not drawn, so a create cut off half way picks the same name on the next ``up`` and
    finds the hub it started (see the owner tag), instead of leaving it orphaned under a forgotten random
    name.
    """
    resource_name = owner.rsplit("/", 1)[-1]
    stem = re.sub(r"[^a-z0-9-]", "-", resource_name.lower()).strip("-")
    stem = re.sub(r"-{2,}", "-", stem)[:43].strip("-") or "iothub"
    suffix = hashlib.sha256(owner.encode()).hexdigest()[:6]
    return f"{stem}-{suffix}"


def check_hub(olds: dict[str, Any], news: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Normalised inputs and the failures, one per property, each saying what to do."""
    inputs = dict(news)
    f = v.Failures()
    _name(f, olds, inputs)
    v.check_resource_group(f, inputs)
    v.check_subscription(f, inputs)
    v.check_required_string(f, inputs, "location", "the Azure region, e.g. westeurope")
    tier = _sku(f, inputs)
    _event_hub(f, inputs, tier)
    _tags(f, inputs)
    v.check_choice(f, inputs, "min_tls_version", ["1.2"])
    v.check_choice(f, inputs, "public_network_access", ["Enabled", "Disabled"])
    v.check_choice(f, inputs, "features", ["None", "DeviceManagement"])
    for key in ("disable_local_auth", "enable_file_upload_notifications", "adopt"):
        v.check_bool(f, inputs, key)
    for key in ARM_SHAPED:
        if key in inputs and not is_unknown(inputs[key]):
            inputs[key] = whole_numbers(inputs[key])
    _cloud_to_device(f, inputs, tier)
    _routing(f, inputs, tier)
    _network(f, inputs)
    _identity(f, inputs)
    _file_upload(f, inputs)
    return inputs, f.items


def _name(f: v.Failures, olds: dict[str, Any], inputs: dict[str, Any]) -> None:
    owner = inputs.get("pulumi_owner")
    if "name" not in inputs:
        if isinstance(olds.get("name"), str):
            inputs["name"] = olds["name"]
        elif isinstance(owner, str) and owner:
            inputs["name"] = generated_name(owner)
        else:
            f.add(
                "name",
                "name is required when the hub is not declared through IotHub (no pulumi_owner to derive it)",
            )
            return
    name = inputs["name"]
    if is_unknown(name):
        return
    if not isinstance(name, str) or not v.HUB_NAME_RE.match(name):
        f.add("name", f"name {name!r} is not a valid IoT hub name: {v.HUB_NAME_RULE}")
    if "pulumi_owner" not in inputs and isinstance(name, str):
        inputs["pulumi_owner"] = f"iothub/{name}"


def _sku(f: v.Failures, inputs: dict[str, Any]) -> str | None:
    sku = inputs.get("sku")
    if sku is None:
        f.add("sku", "sku is required, e.g. {'name': 'S1', 'capacity': 1}; names: " + ", ".join(SKU_UNITS))
        return None
    sku = v.expect_dict(f, "sku", "sku", sku)
    if sku is None:
        return None
    v.check_keys(f, "sku", "sku", sku, ("name", "capacity", "tier"))
    name = sku.get("name")
    if is_unknown(name):
        return None
    tier = tier_of(name)
    if tier is None:
        f.add("sku", f"sku.name must be one of {', '.join(SKU_UNITS)}, got {name!r}")
        return None
    normalised = {"name": name, "capacity": sku.get("capacity", 1)}
    units = v.whole_number_in(f, "sku", normalised["capacity"], 1, SKU_UNITS[str(name)], "sku.capacity")
    if units is not None:
        normalised["capacity"] = units
    if name == "F1" and units not in (None, 1):
        f.add("sku", "the F1 (free) tier has exactly 1 unit; set sku.capacity to 1")
    inputs["sku"] = normalised
    return tier


def _event_hub(f: v.Failures, inputs: dict[str, Any], tier: str | None) -> None:
    partitions = inputs.get("partition_count")
    if partitions is None and tier is not None:
        inputs["partition_count"] = DEFAULT_PARTITIONS[tier]
    elif partitions is not None and not is_unknown(partitions):
        number = v.whole_number_in(f, "partition_count", partitions, 2, MAX_PARTITIONS)
        if number is not None:
            inputs["partition_count"] = number
            if tier == "Free" and number != 2:
                f.add(
                    "partition_count", "the F1 (free) tier requires partition_count 2; set it to 2 or omit it"
                )
    retention = inputs.get("retention_days")
    if retention is None:
        inputs["retention_days"] = 1
    else:
        number = v.whole_number_in(f, "retention_days", retention, 1, 7)
        if number is not None:
            inputs["retention_days"] = number


def _tags(f: v.Failures, inputs: dict[str, Any]) -> None:
    tags = v.expect_dict(f, "tags", "tags", inputs.get("tags"))
    if tags is None:
        return
    if len(tags) > MAX_TAGS - 1:
        f.add("tags", f"at most {MAX_TAGS - 1} tags (Azure allows {MAX_TAGS}; one is the owner tag)")
    for key, value in tags.items():
        if key.lower() == OWNER_TAG:
            f.add("tags", f"tag {OWNER_TAG!r} is written by the provider to mark hubs it created; remove it")
        elif len(key) > 512 or TAG_KEY_FORBIDDEN.search(key):
            f.add("tags", f"tag name {key!r} must be at most 512 characters without < > % & \\ ? /")
        if not is_unknown(value) and (not isinstance(value, str) or len(value) > 256):
            f.add("tags", f"tag {key!r} must have a string value of at most 256 characters")


def _cloud_to_device(f: v.Failures, inputs: dict[str, Any], tier: str | None) -> None:
    c2d = v.expect_dict(f, "cloud_to_device", "cloud_to_device", inputs.get("cloud_to_device"))
    if c2d is None:
        return
    if tier == "Basic":
        f.add(
            "cloud_to_device",
            "the Basic tier has no cloud-to-device messaging; remove cloud_to_device or use S1-S3",
        )
    v.check_keys(
        f, "cloud_to_device", "cloud_to_device", c2d, ("maxDeliveryCount", "defaultTtlAsIso8601", "feedback")
    )
    v.whole_number_in(
        f, "cloud_to_device", c2d.get("maxDeliveryCount"), 1, 100, "cloud_to_device.maxDeliveryCount"
    )
    v.check_duration(
        f, "cloud_to_device", "cloud_to_device.defaultTtlAsIso8601", c2d.get("defaultTtlAsIso8601")
    )
    feedback = v.expect_dict(f, "cloud_to_device", "cloud_to_device.feedback", c2d.get("feedback"))
    if feedback is not None:
        path = "cloud_to_device.feedback"
        v.check_keys(
            f,
            "cloud_to_device",
            path,
            feedback,
            ("lockDurationAsIso8601", "ttlAsIso8601", "maxDeliveryCount"),
        )
        v.whole_number_in(
            f, "cloud_to_device", feedback.get("maxDeliveryCount"), 1, 100, f"{path}.maxDeliveryCount"
        )
        v.check_duration(
            f, "cloud_to_device", f"{path}.lockDurationAsIso8601", feedback.get("lockDurationAsIso8601")
        )
        v.check_duration(f, "cloud_to_device", f"{path}.ttlAsIso8601", feedback.get("ttlAsIso8601"))


def _routing(f: v.Failures, inputs: dict[str, Any], tier: str | None) -> None:
    routing = v.expect_dict(f, "routing", "routing", inputs.get("routing"))
    if routing is None:
        return
    v.check_keys(f, "routing", "routing", routing, ("endpoints", "routes", "fallbackRoute", "enrichments"))
    names = _routing_endpoints(f, routing.get("endpoints"))
    routes = v.expect_list(f, "routing", "routing.routes", routing.get("routes")) or []
    for i, route in enumerate(routes):
        _route(f, f"routing.routes[{i}]", route, names, fallback=False)
    fallback = routing.get("fallbackRoute")
    if fallback is not None:
        _route(f, "routing.fallbackRoute", fallback, names, fallback=True)
    enrichments = v.expect_list(f, "routing", "routing.enrichments", routing.get("enrichments")) or []
    for i, item in enumerate(enrichments):
        _enrichment(f, f"routing.enrichments[{i}]", item, names)
    if tier is not None and names is not None:
        max_routes, max_endpoints, max_enrichments = ROUTING_LIMITS[tier]
        for count, limit, what in (
            (len(routes), max_routes, "routes"),
            (len(names) - 1, max_endpoints, "custom endpoints"),
            (len(enrichments), max_enrichments, "enrichments"),
        ):
            if count > limit:
                f.add("routing", f"the {tier} tier allows at most {limit} {what}, got {count}")


def _routing_endpoints(f: v.Failures, endpoints: Any) -> set[str] | None:
    """Names a route may target ("events" plus every custom endpoint), or None when unknown."""
    names = {"events"}
    table = v.expect_dict(f, "routing", "routing.endpoints", endpoints)
    if table is None:
        return None if is_unknown(endpoints) else names
    v.check_keys(f, "routing", "routing.endpoints", table, ENDPOINT_TYPES)
    for kind in ENDPOINT_TYPES:
        for i, endpoint in enumerate(
            v.expect_list(f, "routing", f"routing.endpoints.{kind}", table.get(kind)) or []
        ):
            path = f"routing.endpoints.{kind}[{i}]"
            endpoint = v.expect_dict(f, "routing", path, endpoint)
            if endpoint is None:
                continue
            name = endpoint.get("name")
            required = ("name", "containerName") if kind == "storageContainers" else ("name",)
            v.check_required_keys(f, "routing", path, endpoint, required)
            if isinstance(name, str):
                if not ROUTING_NAME_RE.match(name) or name.lower() in RESERVED_ENDPOINT_NAMES:
                    f.add(
                        "routing",
                        f"{path}.name {name!r} must match [A-Za-z0-9-._]{{1,64}} and not be "
                        "events, fileNotifications or $default",
                    )
                elif name in names:
                    f.add("routing", f"{path}.name {name!r} is used by another endpoint; names are unique")
                names.add(name)
    return names


def _route(f: v.Failures, path: str, route: Any, names: set[str] | None, *, fallback: bool) -> None:
    route = v.expect_dict(f, "routing", path, route)
    if route is None:
        return
    required = (
        ("source", "endpointNames", "isEnabled")
        if fallback
        else ("name", "source", "endpointNames", "isEnabled")
    )
    v.check_required_keys(f, "routing", path, route, required)
    name = route.get("name")
    if not fallback and isinstance(name, str) and not ROUTING_NAME_RE.match(name):
        f.add("routing", f"{path}.name {name!r} must match [A-Za-z0-9-._]{{1,64}}")
    sources = ("DeviceMessages",) if fallback else ROUTE_SOURCES
    source = route.get("source")
    if source is not None and not is_unknown(source) and source not in sources:
        f.add("routing", f"{path}.source must be one of {', '.join(sources)}, got {source!r}")
    if (
        "isEnabled" in route
        and not is_unknown(route["isEnabled"])
        and not isinstance(route["isEnabled"], bool)
    ):
        f.add("routing", f"{path}.isEnabled must be true or false")
    targets = v.expect_list(f, "routing", f"{path}.endpointNames", route.get("endpointNames"))
    if targets is not None:
        if len(targets) != 1:
            f.add("routing", f"{path}.endpointNames must name exactly one endpoint, got {len(targets)}")
        _targets_exist(f, path, targets, names)


def _enrichment(f: v.Failures, path: str, item: Any, names: set[str] | None) -> None:
    item = v.expect_dict(f, "routing", path, item)
    if item is None:
        return
    v.check_required_keys(f, "routing", path, item, ("key", "value", "endpointNames"))
    targets = v.expect_list(f, "routing", f"{path}.endpointNames", item.get("endpointNames"))
    if targets is not None:
        if not targets:
            f.add("routing", f"{path}.endpointNames must name at least one endpoint")
        _targets_exist(f, path, targets, names)


def _targets_exist(f: v.Failures, path: str, targets: list[Any], names: set[str] | None) -> None:
    if names is None:
        return
    for target in targets:
        if isinstance(target, str) and target not in names:
            f.add(
                "routing",
                f"{path}.endpointNames: {target!r} is not 'events' or an endpoint in routing.endpoints",
            )


def _network(f: v.Failures, inputs: dict[str, Any]) -> None:
    rules = v.expect_list(f, "ip_filter_rules", "ip_filter_rules", inputs.get("ip_filter_rules")) or []
    for i, rule in enumerate(rules):
        path = f"ip_filter_rules[{i}]"
        rule = v.expect_dict(f, "ip_filter_rules", path, rule)
        if rule is None:
            continue
        v.check_required_keys(f, "ip_filter_rules", path, rule, ("filterName", "action", "ipMask"))
        if rule.get("action") not in (None, "Accept", "Reject") and not is_unknown(rule.get("action")):
            f.add("ip_filter_rules", f"{path}.action must be Accept or Reject")
        v.check_cidr(f, "ip_filter_rules", f"{path}.ipMask", rule.get("ipMask"))
    nrs = v.expect_dict(f, "network_rule_sets", "network_rule_sets", inputs.get("network_rule_sets"))
    if nrs is None:
        return
    v.check_keys(
        f,
        "network_rule_sets",
        "network_rule_sets",
        nrs,
        ("defaultAction", "applyToBuiltInEventHubEndpoint", "ipRules"),
    )
    v.check_required_keys(
        f, "network_rule_sets", "network_rule_sets", nrs, ("applyToBuiltInEventHubEndpoint", "ipRules")
    )
    if nrs.get("defaultAction") not in (None, "Deny", "Allow") and not is_unknown(nrs.get("defaultAction")):
        f.add("network_rule_sets", "network_rule_sets.defaultAction must be Deny or Allow")
    for i, rule in enumerate(
        v.expect_list(f, "network_rule_sets", "network_rule_sets.ipRules", nrs.get("ipRules")) or []
    ):
        path = f"network_rule_sets.ipRules[{i}]"
        rule = v.expect_dict(f, "network_rule_sets", path, rule)
        if rule is None:
            continue
        v.check_required_keys(f, "network_rule_sets", path, rule, ("filterName", "ipMask"))
        if rule.get("action") not in (None, "Allow") and not is_unknown(rule.get("action")):
            f.add("network_rule_sets", f"{path}.action must be Allow")
        v.check_cidr(f, "network_rule_sets", f"{path}.ipMask", rule.get("ipMask"))


def _identity(f: v.Failures, inputs: dict[str, Any]) -> None:
    identity = v.expect_dict(f, "identity", "identity", inputs.get("identity"))
    if identity is None:
        return
    v.check_keys(f, "identity", "identity", identity, ("type", "userAssignedIdentities"))
    kind = identity.get("type")
    if kind is None or (not is_unknown(kind) and kind not in IDENTITY_TYPES):
        f.add("identity", f"identity.type must be one of {', '.join(IDENTITY_TYPES)}, got {kind!r}")
    users = identity.get("userAssignedIdentities")
    if isinstance(kind, str) and "UserAssigned" in kind and not users:
        f.add("identity", "identity.userAssignedIdentities must list the identities' resource ids as keys")
    if users and isinstance(kind, str) and "UserAssigned" not in kind:
        f.add("identity", "identity.userAssignedIdentities needs identity.type UserAssigned")


def _file_upload(f: v.Failures, inputs: dict[str, Any]) -> None:
    storage = v.expect_dict(f, "storage_endpoints", "storage_endpoints", inputs.get("storage_endpoints"))
    if storage is not None:
        v.check_keys(f, "storage_endpoints", "storage_endpoints", storage, ("$default",))
        default = v.expect_dict(f, "storage_endpoints", "storage_endpoints.$default", storage.get("$default"))
        if default is not None:
            v.check_required_keys(
                f,
                "storage_endpoints",
                "storage_endpoints.$default",
                default,
                ("connectionString", "containerName"),
            )
            v.check_duration(
                f,
                "storage_endpoints",
                "storage_endpoints.$default.sasTtlAsIso8601",
                default.get("sasTtlAsIso8601"),
            )
    messaging = v.expect_dict(
        f, "messaging_endpoints", "messaging_endpoints", inputs.get("messaging_endpoints")
    )
    if messaging is not None:
        v.check_keys(f, "messaging_endpoints", "messaging_endpoints", messaging, ("fileNotifications",))
        notes = v.expect_dict(
            f,
            "messaging_endpoints",
            "messaging_endpoints.fileNotifications",
            messaging.get("fileNotifications"),
        )
        if notes is not None:
            path = "messaging_endpoints.fileNotifications"
            v.whole_number_in(
                f, "messaging_endpoints", notes.get("maxDeliveryCount"), 1, 100, f"{path}.maxDeliveryCount"
            )
            v.check_duration(
                f, "messaging_endpoints", f"{path}.lockDurationAsIso8601", notes.get("lockDurationAsIso8601")
            )
            v.check_duration(f, "messaging_endpoints", f"{path}.ttlAsIso8601", notes.get("ttlAsIso8601"))
