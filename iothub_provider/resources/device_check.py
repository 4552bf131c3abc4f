"""The device's check step: every rule the service would refuse, found before any call. No I/O.

Rules come from the service's recorded behaviour and its SDKs (README "Devices"): device ids of at most 128
ASCII letters, digits and ``- : . + % _ # * ? ! ( ) , = @ ; $ '``; symmetric keys as base64 of 16-64 bytes,
both or neither; X.509 thumbprints as 40 or 64 hex digits of one length; keys and thumbprints never together;
status ``enabled``/``disabled``; twin keys without ``.``, ``$`` or spaces, at most 10 levels deep.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from iothub_provider.resources import device_schema as schema
from iothub_provider.resources import validation as v
from iothub_provider.resources.arm_shapes import from_arm
from iothub_provider.resources.values import contains_unknown, is_unknown

DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9\-:.+%_#*?!(),=@;$']{1,128}$")
DEVICE_ID_RULE = "1-128 ASCII letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ '"
THUMBPRINT_RE = re.compile(r"^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$")
AUTH_TYPES = ("sas", "selfSigned", "certificateAuthority")
STATUSES = ("enabled", "disabled")
SCOPE_PREFIX = "ms-azure-iot-edge://"
KEY_BYTES = (16, 64)
TWIN_DEPTH = 10
TWIN_KEY_FORBIDDEN = re.compile(r"[.$ ]")


def check_device(olds: dict[str, Any], news: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Normalised inputs and the failures, one per property, each saying what to do."""
    inputs = dict(news)
    f = v.Failures()
    v.check_resource_group(f, inputs)
    v.check_subscription(f, inputs)
    v.check_required_string(f, inputs, "hub_name", "the IoT hub the device belongs to (its name output)")
    _device_id(f, olds, inputs)
    v.check_bools(f, inputs, schema.INPUTS)
    v.check_choice(f, inputs, "status", STATUSES)
    _status_reason(f, inputs)
    _authentication(f, inputs)
    _parent(f, inputs)
    for prop in schema.TWIN_INPUTS:
        _twin_document(f, prop.name, inputs.get(prop.name))
    return inputs, f.items


def _device_id(f: v.Failures, olds: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Left out, the id is the one in state, else the resource's name (the last part of its owner)."""
    if "device_id" not in inputs:
        owner = inputs.get("pulumi_owner")
        if isinstance(olds.get("device_id"), str):
            inputs["device_id"] = olds["device_id"]
        elif isinstance(owner, str) and owner:
            inputs["device_id"] = owner.rsplit("/", 1)[-1]
        else:
            f.add("device_id", "device_id is required when the device is not declared through Device")
            return
    device_id = inputs["device_id"]
    if not is_unknown(device_id) and (not isinstance(device_id, str) or not DEVICE_ID_RE.match(device_id)):
        f.add("device_id", f"device_id {device_id!r} is not a valid device id: {DEVICE_ID_RULE}")


def _status_reason(f: v.Failures, inputs: dict[str, Any]) -> None:
    reason = inputs.get("status_reason")
    if reason is not None and not is_unknown(reason) and (not isinstance(reason, str) or len(reason) > 128):
        f.add("status_reason", "status_reason must be a string of at most 128 characters")


def _authentication(f: v.Failures, inputs: dict[str, Any]) -> None:
    auth = inputs.get("authentication")
    if auth is None or is_unknown(auth):
        return
    auth = from_arm(schema.AUTHENTICATION, auth)
    inputs["authentication"] = auth
    v.check_structure(f, "authentication", "authentication", schema.AUTHENTICATION, auth, "one")
    if not isinstance(auth, dict):
        return
    keys = auth.get("symmetric_key") if isinstance(auth.get("symmetric_key"), dict) else None
    prints = auth.get("x509_thumbprint") if isinstance(auth.get("x509_thumbprint"), dict) else None
    kind = auth.get("type")
    if kind is None and not contains_unknown(auth):
        kind = auth["type"] = "selfSigned" if prints else "sas"
    if kind is not None and not is_unknown(kind) and kind not in AUTH_TYPES:
        f.add("authentication", f"authentication.type must be one of {', '.join(AUTH_TYPES)}, got {kind!r}")
    if keys and prints:
        f.add("authentication", "authentication takes symmetric_key or x509_thumbprint, not both")
    if keys:
        _keys(f, keys)
    if prints:
        _thumbprints(f, prints)
    if kind == "selfSigned" and not (prints or {}).get("primary_thumbprint"):
        f.add("authentication", "a selfSigned device needs authentication.x509_thumbprint.primary_thumbprint")
    if kind == "certificateAuthority" and (keys or prints):
        f.add("authentication", "a certificateAuthority device takes neither keys nor thumbprints")
    if kind in ("selfSigned", "certificateAuthority") and keys:
        f.add("authentication", f"symmetric_key is only for type sas, not {kind}")


def _keys(f: v.Failures, keys: dict[str, Any]) -> None:
    present = [name for name in ("primary_key", "secondary_key") if keys.get(name) is not None]
    if len(present) == 1:
        f.add("authentication", "authentication.symmetric_key needs both primary_key and secondary_key, "
                                "or neither (the service then generates both)")
    for name in present:
        value = keys[name]
        if is_unknown(value):
            continue
        try:
            size = len(base64.b64decode(str(value), validate=True))
        except (binascii.Error, ValueError):
            size = -1
        if not KEY_BYTES[0] <= size <= KEY_BYTES[1]:
            f.add("authentication", f"authentication.symmetric_key.{name} must be base64 of {KEY_BYTES[0]}-"
                                    f"{KEY_BYTES[1]} bytes (e.g. openssl rand -base64 32)")


def _thumbprints(f: v.Failures, prints: dict[str, Any]) -> None:
    lengths = set()
    for name in ("primary_thumbprint", "secondary_thumbprint"):
        value = prints.get(name)
        if value is None or is_unknown(value):
            continue
        if not isinstance(value, str) or not THUMBPRINT_RE.match(value):
            f.add("authentication", f"authentication.x509_thumbprint.{name} must be 40 (SHA-1) or 64 "
                                    f"(SHA-256) hex digits, got {value!r}")
        else:
            lengths.add(len(value))
    if len(lengths) > 1:
        f.add("authentication", "the primary and secondary thumbprints must be of one kind (40 or 64 digits)")


def _parent(f: v.Failures, inputs: dict[str, Any]) -> None:
    scope = inputs.get("parent_scope")
    if scope is None or is_unknown(scope):
        return
    if not isinstance(scope, str) or not scope.startswith(SCOPE_PREFIX):
        f.add("parent_scope", "parent_scope must be an edge device's device_scope output "
                              f"({SCOPE_PREFIX}...), got {scope!r}")


def _twin_document(f: v.Failures, prop: str, value: Any) -> None:
    if value is None or is_unknown(value):
        return
    if not isinstance(value, dict):
        f.add(prop, f"{prop} must be an object")
        return
    _twin_keys(f, prop, prop, value, 1)


def _twin_keys(f: v.Failures, prop: str, path: str, value: dict[str, Any], depth: int) -> None:
    if depth > TWIN_DEPTH:
        f.add(prop, f"{path} nests deeper than the twin's {TWIN_DEPTH} levels")
        return
    for key, child in value.items():
        if not key or TWIN_KEY_FORBIDDEN.search(key):
            f.add(prop, f"{path}: key {key!r} must be non-empty, without '.', '$' or spaces")
        if isinstance(child, dict):
            _twin_keys(f, prop, f"{path}.{key}", child, depth + 1)
