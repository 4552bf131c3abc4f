"""What a device identity or twin body may hold: IoT Hub's rules, each failure a 400 ``ArgumentInvalid``
naming the property. Pure functions over the request body; the services apply them.

Sources: the device-id character set of the identity-registry docs and the service SDK's client regex
(``IotHubConnectionStringBuilder``), key lengths 16-64 bytes (``SecurityConstants``), thumbprints SHA-1 or
SHA-256 hex (``X509ThumbprintExtensions``), "keys and thumbprints not both" (``RegistryManager``), twin key
characters and depth from the device-twin docs. The service's own wording of these errors was never
captured; the emulator's names the property.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from iothub_emulator.service_errors import ArgumentInvalid

DEVICE_ID = re.compile(r"^[A-Za-z0-9\-:.+%_#*?!(),=@;$']{1,128}$")
THUMBPRINT = re.compile(r"^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$")
AUTH_TYPES = ("sas", "selfSigned", "certificateAuthority", "none")
STATUSES = ("enabled", "disabled")
MIN_KEY_BYTES, MAX_KEY_BYTES = 16, 64
MAX_STATUS_REASON = 128
MAX_TWIN_DEPTH = 10
EDGE_SCOPE_PREFIX = "ms-azure-iot-edge://"


@dataclass(frozen=True)
class DeviceSpec:
    """A valid device body, normalised (keys ``None`` when the service is to generate them)."""

    status: str
    status_reason: str | None
    auth_type: str
    primary_key: str | None
    secondary_key: str | None
    primary_thumbprint: str | None
    secondary_thumbprint: str | None
    iot_edge: bool
    device_scope: str
    parent_scopes: tuple[str, ...]


def check_device_id(device_id: str) -> None:
    if not DEVICE_ID.match(device_id):
        raise ArgumentInvalid(
            f"DeviceId '{device_id}' is invalid: up to 128 ASCII letters, digits and - : . + % _ # * ? ! ( ) "
            ", = @ ; $ '"
        )


def _object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ArgumentInvalid(f"{where} must be a JSON object")
    return value


def _text(value: Any, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ArgumentInvalid(f"{where} must be a string")
    return value


def _key(value: Any, where: str) -> str | None:
    key = _text(value, where)
    if key is None:
        return None
    try:
        size = len(base64.b64decode(key, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ArgumentInvalid(f"{where} is not a valid Base64 encoded string") from exc
    if not MIN_KEY_BYTES <= size <= MAX_KEY_BYTES:
        raise ArgumentInvalid(
            f"{where} must be between {MIN_KEY_BYTES} and {MAX_KEY_BYTES} bytes in length, got {size}"
        )
    return key


def _thumbprint(value: Any, where: str) -> str | None:
    thumbprint = _text(value, where)
    if thumbprint is not None and not THUMBPRINT.match(thumbprint):
        raise ArgumentInvalid(f"{where} must be a SHA-1 (40) or SHA-256 (64) hex thumbprint")
    return thumbprint


def device_spec(device_id: str, body: Any) -> DeviceSpec:
    """The device a PUT body describes (its read-only fields and ``etag`` ignored, as the service does)."""
    if not isinstance(body, dict):
        raise ArgumentInvalid("The request body must be a device JSON object")
    sent_id = body.get("deviceId")
    if sent_id is not None and sent_id != device_id:
        raise ArgumentInvalid(f"deviceId '{sent_id}' in the body does not match '{device_id}' in the path")
    status = body.get("status")
    status = "enabled" if status is None else status
    if not isinstance(status, str) or status.lower() not in STATUSES:
        raise ArgumentInvalid(f"status must be one of {', '.join(STATUSES)}")
    reason = body.get("statusReason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_STATUS_REASON):
        raise ArgumentInvalid(f"statusReason must be a string of at most {MAX_STATUS_REASON} characters")

    auth = _object(body.get("authentication"), "authentication")
    keys = _object(auth.get("symmetricKey"), "authentication.symmetricKey")
    prints = _object(auth.get("x509Thumbprint"), "authentication.x509Thumbprint")
    primary = _key(keys.get("primaryKey"), "authentication.symmetricKey.primaryKey")
    secondary = _key(keys.get("secondaryKey"), "authentication.symmetricKey.secondaryKey")
    primary_print = _thumbprint(
        prints.get("primaryThumbprint"), "authentication.x509Thumbprint.primaryThumbprint"
    )
    secondary_print = _thumbprint(
        prints.get("secondaryThumbprint"), "authentication.x509Thumbprint.secondaryThumbprint"
    )
    auth_type = auth.get("type")
    if auth_type is None:
        auth_type = "selfSigned" if primary_print or secondary_print else "sas"
    if auth_type not in AUTH_TYPES:
        raise ArgumentInvalid(f"authentication.type must be one of {', '.join(AUTH_TYPES)}")
    has_keys, has_prints = bool(primary or secondary), bool(primary_print or secondary_print)
    if has_keys and has_prints:
        raise ArgumentInvalid("authentication: symmetric keys and X.509 thumbprints cannot both be set")
    if (primary is None) != (secondary is None):
        raise ArgumentInvalid(
            "authentication.symmetricKey: give both keys or neither (both are then generated)"
        )
    if primary_print and secondary_print and len(primary_print) != len(secondary_print):
        raise ArgumentInvalid("authentication.x509Thumbprint: the two thumbprints must be of the same length")
    if auth_type == "sas" and has_prints:
        raise ArgumentInvalid("authentication.type 'sas' takes symmetric keys, not thumbprints")
    if auth_type == "selfSigned":
        if has_keys:
            raise ArgumentInvalid("authentication.type 'selfSigned' takes thumbprints, not symmetric keys")
        if not primary_print:
            raise ArgumentInvalid(
                "authentication.x509Thumbprint.primaryThumbprint is required for selfSigned"
            )
    if auth_type in ("certificateAuthority", "none") and (has_keys or has_prints):
        raise ArgumentInvalid(f"authentication.type '{auth_type}' takes neither keys nor thumbprints")

    capabilities = _object(body.get("capabilities"), "capabilities")
    edge = capabilities.get("iotEdge", False)
    if not isinstance(edge, bool):
        raise ArgumentInvalid("capabilities.iotEdge must be true or false")
    scope = body.get("deviceScope")
    if scope is not None and not isinstance(scope, str):
        raise ArgumentInvalid("deviceScope must be a string")
    parents = body.get("parentScopes")
    if parents is None:
        parents = []
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ArgumentInvalid("parentScopes must be an array of strings")
    return DeviceSpec(
        status=status.lower(),
        status_reason=reason,
        auth_type=auth_type,
        primary_key=primary,
        secondary_key=secondary,
        primary_thumbprint=primary_print.upper() if primary_print else None,
        secondary_thumbprint=secondary_print.upper() if secondary_print else None,
        iot_edge=edge,
        device_scope=scope or "",
        parent_scopes=tuple(p for p in parents if p),
    )


def _check_twin_value(value: Any, where: str, depth: int) -> None:
    if isinstance(value, dict):
        if depth > MAX_TWIN_DEPTH:
            raise ArgumentInvalid(f"{where} nests deeper than {MAX_TWIN_DEPTH} levels")
        for name, child in value.items():
            if (
                not name
                or any(c in name for c in ".$ ")
                or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name)
            ):
                raise ArgumentInvalid(
                    f"{where}: key '{name}' is invalid (no '.', '$', space or control character)"
                )
            _check_twin_value(child, f"{where}.{name}", depth + 1)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            if isinstance(child, (dict, list)):
                _check_twin_value(child, f"{where}[{index}]", depth + 1)


def twin_section(value: Any, where: str, *, allow_null: bool) -> dict[str, Any] | None:
    """A twin's tags or desired properties as sent: an object of valid keys (``$metadata``/``$version`` of
    a desired section echoed back by a client are dropped, as the service ignores them)."""
    if value is None:
        if allow_null:
            return None
        raise ArgumentInvalid(f"{where} must be a JSON object")
    if not isinstance(value, dict):
        raise ArgumentInvalid(f"{where} must be a JSON object")
    section = {k: v for k, v in value.items() if k not in ("$metadata", "$version")}
    _check_twin_value(section, where, 1)
    return section


def twin_patch(body: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``(tags, desired)`` a twin body sends, each None when absent (reported properties and read-only
    fields are ignored, as the service does with a whole twin sent back)."""
    if not isinstance(body, dict):
        raise ArgumentInvalid("The request body must be a twin JSON object")
    tags = twin_section(body.get("tags"), "tags", allow_null=True)
    properties = body.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise ArgumentInvalid("properties must be a JSON object")
    desired = twin_section((properties or {}).get("desired"), "properties.desired", allow_null=True)
    return tags, desired
