"""The hub's check step: validate every input Azure would refuse, fill defaults, name the hub. No I/O.

Rules come from the 2023-06-30 spec and the IoT Hub limits: SKU names and unit ranges, F1's fixed partition
count and single unit, partition and retention ranges, routing limits per tier, reserved endpoint names,
enumerations and ISO 8601 durations inside the ARM-shaped inputs.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from iothub_provider.resources import hub_schema as schema
from iothub_provider.resources import validation as v
from iothub_provider.resources.arm_shapes import from_arm
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
FQDN_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


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
    v.check_bools(f, inputs, schema.INPUTS)
    _nested(f, inputs)
    _outbound(f, inputs)
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


def _nested(f: v.Failures, inputs: dict[str, Any]) -> None:
    """Nested settings in snake_case (the ARM spelling of earlier programs and state is read too), their
    structure checked against the schema: objects, lists, known keys, required keys, scalar types."""
    for prop in schema.NESTED:
        value = inputs.get(prop.name)
        if prop.name == "sku":  # checked and normalised by _sku, with the tier rules
            continue
        shape = prop.shape
        if shape is None or value is None or is_unknown(value):
            continue
        value = whole_numbers(from_arm(shape, value, prop.container))
        inputs[prop.name] = value
        v.check_structure(f, prop.name, prop.name, shape, value, prop.container)


def _outbound(f: v.Failures, inputs: dict[str, Any]) -> None:
    """The hosts a hub with restricted outbound access may reach: DNS names, each at most once."""
    hosts = v.expect_list(f, "allowed_fqdn_list", "allowed_fqdn_list", inputs.get("allowed_fqdn_list")) or []
    for i, host in enumerate(hosts):
        if is_unknown(host):
            continue
        if not isinstance(host, str) or not FQDN_RE.match(host):
            f.add("allowed_fqdn_list", f"allowed_fqdn_list[{i}] must be a host name such as "
                                       f"contoso.servicebus.windows.net, got {host!r}")
        elif [h.lower() for h in hosts if isinstance(h, str)].count(host.lower()) > 1:
            f.add("allowed_fqdn_list", f"allowed_fqdn_list names {host!r} more than once")


def _cloud_to_device(f: v.Failures, inputs: dict[str, Any], tier: str | None) -> None:
    c2d = inputs.get("cloud_to_device")
    if not isinstance(c2d, dict):
        return
    if tier == "Basic":
        f.add(
            "cloud_to_device",
            "the Basic tier has no cloud-to-device messaging; remove cloud_to_device or use S1-S3",
        )
    _delivery(f, "cloud_to_device", "cloud_to_device", c2d, ("default_ttl_as_iso8601",))
    feedback = c2d.get("feedback")
    if isinstance(feedback, dict):
        durations = ("lock_duration_as_iso8601", "ttl_as_iso8601")
        _delivery(f, "cloud_to_device", "cloud_to_device.feedback", feedback, durations)


def _delivery(f: v.Failures, prop: str, path: str, value: dict[str, Any], durations: tuple[str, ...]) -> None:
    """A delivery count of 1-100 and ISO 8601 durations (cloud-to-device, feedback, file notifications)."""
    v.whole_number_in(f, prop, value.get("max_delivery_count"), 1, 100, f"{path}.max_delivery_count")
    for key in durations:
        v.check_duration(f, prop, f"{path}.{key}", value.get(key))


def _network(f: v.Failures, inputs: dict[str, Any]) -> None:
    rules = inputs.get("ip_filter_rules")
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        path = f"ip_filter_rules[{i}]"
        if rule.get("action") not in (None, "Accept", "Reject") and not is_unknown(rule.get("action")):
            f.add("ip_filter_rules", f"{path}.action must be Accept or Reject")
        v.check_cidr(f, "ip_filter_rules", f"{path}.ip_mask", rule.get("ip_mask"))
    nrs = inputs.get("network_rule_sets")
    if not isinstance(nrs, dict):
        return
    action = nrs.get("default_action")
    if action not in (None, "Deny", "Allow") and not is_unknown(action):
        f.add("network_rule_sets", "network_rule_sets.default_action must be Deny or Allow")
    ip_rules = nrs.get("ip_rules")
    for i, rule in enumerate(ip_rules if isinstance(ip_rules, list) else []):
        if not isinstance(rule, dict):
            continue
        path = f"network_rule_sets.ip_rules[{i}]"
        if rule.get("action") not in (None, "Allow") and not is_unknown(rule.get("action")):
            f.add("network_rule_sets", f"{path}.action must be Allow")
        v.check_cidr(f, "network_rule_sets", f"{path}.ip_mask", rule.get("ip_mask"))


def _identity(f: v.Failures, inputs: dict[str, Any]) -> None:
    identity = inputs.get("identity")
    if not isinstance(identity, dict):
        return
    kind = identity.get("type")
    if kind is not None and not is_unknown(kind) and kind not in IDENTITY_TYPES:
        f.add("identity", f"identity.type must be one of {', '.join(IDENTITY_TYPES)}, got {kind!r}")
    users = identity.get("user_assigned_identities")
    if isinstance(kind, str) and "UserAssigned" in kind and not users:
        f.add("identity", "identity.user_assigned_identities must list the identities' resource ids as keys")
    if users and isinstance(kind, str) and "UserAssigned" not in kind:
        f.add("identity", "identity.user_assigned_identities needs identity.type UserAssigned")


def _file_upload(f: v.Failures, inputs: dict[str, Any]) -> None:
    storage = inputs.get("storage_endpoints")
    if isinstance(storage, dict):
        v.check_keys(f, "storage_endpoints", "storage_endpoints", storage, ("$default",))
        default = storage.get("$default")
        if isinstance(default, dict):
            path = "storage_endpoints.$default.sas_ttl_as_iso8601"
            v.check_duration(f, "storage_endpoints", path, default.get("sas_ttl_as_iso8601"))
    messaging = inputs.get("messaging_endpoints")
    if isinstance(messaging, dict):
        v.check_keys(f, "messaging_endpoints", "messaging_endpoints", messaging, ("fileNotifications",))
        notes = messaging.get("fileNotifications")
        if isinstance(notes, dict):
            durations = ("lock_duration_as_iso8601", "ttl_as_iso8601")
            _delivery(f, "messaging_endpoints", "messaging_endpoints.fileNotifications", notes, durations)
