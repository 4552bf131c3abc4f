"""Validation building blocks for the hub and consumer-group checks: one failure per property, with a fix.

Validators never raise on bad input: they record ``(property, reason)`` pairs in a ``Failures`` list, and skip
whatever is still ``Unknown`` during preview.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from iothub_provider.resources.arm_shapes import Field, Property, Shape
from iothub_provider.resources.values import as_whole_number, is_unknown

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RESOURCE_GROUP_RE = re.compile(r"^[-\w._()]{1,90}$")
HUB_NAME_RE = re.compile(r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{2,49}[a-zA-Z0-9]$")
ISO_DURATION_RE = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
HUB_NAME_RULE = "3-50 letters, digits and hyphens, not only digits, not starting or ending with a hyphen"


class Failures:
    """Collected check failures, at most one per (property, reason)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, prop: str, reason: str) -> None:
        if (prop, reason) not in self.items:
            self.items.append((prop, reason))

    def __bool__(self) -> bool:
        return bool(self.items)


def check_required_string(f: Failures, props: dict[str, Any], key: str, what: str) -> str | None:
    value = props.get(key)
    if value is None:
        f.add(key, f"{key} is required: {what}")
        return None
    if is_unknown(value):
        return None
    if not isinstance(value, str) or not value.strip():
        f.add(key, f"{key} must be a non-empty string: {what}")
        return None
    return value


def check_resource_group(f: Failures, props: dict[str, Any], key: str = "resource_group_name") -> None:
    value = check_required_string(f, props, key, "the resource group that holds the hub")
    if value is not None and (not RESOURCE_GROUP_RE.match(value) or value.endswith(".")):
        f.add(
            key,
            f"{key} {value!r} is not a resource group name: 1-90 letters, digits, '-_.()', not ending in '.'",
        )


def check_subscription(f: Failures, props: dict[str, Any], key: str = "subscription_id") -> None:
    value = props.get(key)
    if value is None or is_unknown(value):
        return
    if not isinstance(value, str) or not GUID_RE.match(value):
        f.add(key, f"{key} {value!r} is not a subscription id (a GUID); omit it to use iothub:subscriptionId")


def check_bool(f: Failures, props: dict[str, Any], key: str) -> None:
    value = props.get(key)
    if value is not None and not is_unknown(value) and not isinstance(value, bool):
        f.add(key, f"{key} must be true or false, got {value!r}")


def check_bools(f: Failures, props: dict[str, Any], schema_inputs: Iterable[Property]) -> None:
    """Every boolean input of a resource's schema is true or false."""
    for prop in schema_inputs:
        if prop.type == "bool":
            check_bool(f, props, prop.name)


def check_choice(f: Failures, props: dict[str, Any], key: str, choices: Iterable[str]) -> None:
    value = props.get(key)
    allowed = list(choices)
    if value is not None and not is_unknown(value) and value not in allowed:
        f.add(key, f"{key} must be one of {', '.join(allowed)}, got {value!r}")


def whole_number_in(
    f: Failures, prop: str, value: Any, low: int, high: int, label: str | None = None
) -> int | None:
    """The value as an int when it is a whole number within [low, high]; records a failure otherwise."""
    if value is None or is_unknown(value):
        return None
    label = label or prop
    number = as_whole_number(value)
    if number is None:
        f.add(prop, f"{label} must be a whole number, got {value!r}")
        return None
    if not low <= number <= high:
        f.add(prop, f"{label} must be between {low} and {high}, got {number}")
        return None
    return number


def check_keys(f: Failures, prop: str, path: str, value: dict[str, Any], allowed: Iterable[str]) -> None:
    allowed_set = set(allowed)
    for key in value:
        if key not in allowed_set:
            f.add(
                prop,
                f"{path}: unknown key {key!r}; allowed: {', '.join(sorted(allowed_set))}",
            )


def check_required_keys(
    f: Failures, prop: str, path: str, value: dict[str, Any], required: Iterable[str]
) -> None:
    for key in required:
        if key not in value:
            f.add(prop, f"{path}.{key} is required")


def check_duration(f: Failures, prop: str, path: str, value: Any) -> None:
    if value is None or is_unknown(value):
        return
    if not isinstance(value, str) or not ISO_DURATION_RE.match(value):
        f.add(prop, f"{path} must be an ISO 8601 duration such as PT1H or P2D, got {value!r}")


def check_cidr(f: Failures, prop: str, path: str, value: Any) -> None:
    if value is None or is_unknown(value):
        return
    try:
        ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        f.add(prop, f"{path} must be an IPv4 address or CIDR range such as 10.0.0.0/24, got {value!r}")


def expect_dict(f: Failures, prop: str, path: str, value: Any) -> dict[str, Any] | None:
    if value is None or is_unknown(value):
        return None
    if not isinstance(value, dict):
        f.add(prop, f"{path} must be an object, got {type(value).__name__}")
        return None
    return value


def expect_list(f: Failures, prop: str, path: str, value: Any) -> list[Any] | None:
    if value is None or is_unknown(value):
        return None
    if not isinstance(value, list):
        f.add(prop, f"{path} must be a list, got {type(value).__name__}")
        return None
    return value


def check_structure(f: Failures, prop: str, path: str, shape: Shape, value: Any, container: str) -> None:
    """A nested input against its shape: objects, lists and maps where the shape has them, known keys
    (snake_case), required keys, scalar types."""
    if container == "list":
        for i, item in enumerate(expect_list(f, prop, path, value) or []):
            check_structure(f, prop, f"{path}[{i}]", shape, item, "one")
        return
    if container == "map":
        for key, item in (expect_dict(f, prop, path, value) or {}).items():
            check_structure(f, prop, f"{path}.{key}", shape, item, "one")
        return
    item = expect_dict(f, prop, path, value)
    if item is None:
        return
    check_keys(f, prop, path, item, shape.allowed_keys())
    check_required_keys(f, prop, path, item, [x.name for x in shape.input_fields() if x.required])
    for spec in shape.input_fields():
        child = item.get(spec.name)
        if child is None or is_unknown(child):
            continue
        if spec.shape is not None:
            check_structure(f, prop, f"{path}.{spec.name}", spec.shape, child, spec.container)
        elif spec.container == "list":
            for i, scalar in enumerate(expect_list(f, prop, f"{path}.{spec.name}", child) or []):
                _scalar(f, prop, f"{path}.{spec.name}[{i}]", spec, scalar)
        else:
            _scalar(f, prop, f"{path}.{spec.name}", spec, child)


SCALAR_WORDS = {"str": "a string", "int": "a whole number", "bool": "true or false"}


def _scalar(f: Failures, prop: str, path: str, spec: Field, value: Any) -> None:
    if is_unknown(value):
        return
    fits = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "json": True,
    }[str(spec.kind)]
    if not fits:
        f.add(prop, f"{path} must be {SCALAR_WORDS[str(spec.kind)]}, got {value!r}")
