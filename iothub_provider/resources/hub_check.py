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
from iothub_provider.resources.routing_check import check_routing
from iothub_provider.resources.values import is_unknown, whole_numbers

OWNER_TAG = "pulumi-iothub-owner"
SKU_UNITS = {"F1": 1, "S1": 200, "S2": 200, "S3": 10, "B1": 200, "B2": 200, "B3": 10}
TIERS = {"F": "Free", "S": "Standard", "B": "Basic"}
DEFAULT_PARTITIONS = {"Free": 2, "Standard": 4, "Basic": 4}
MAX_PARTITIONS = 32
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
    check_routing(f, inputs, tier)
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
