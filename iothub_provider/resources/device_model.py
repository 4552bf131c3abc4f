"""Between a device's inputs (snake_case) and the service's device and twin JSON: bodies, drift, outputs.

A device PUT replaces the whole identity, so an update starts from the live device and overlays what the
program declares (keys the program never set stay as they are; the service would generate new ones if the
body left them out). The twin is merged: the program owns the tag and desired-property keys it declares, and a
key it stops declaring is removed (sent as null), as the hub model does with tags.

A parent is one scope, written where the service keeps it: a leaf device's ``deviceScope`` is its parent's
scope (the service then lists it in ``parentScopes``); an edge device keeps its own generated
``deviceScope`` and names its parent in ``parentScopes``.
"""

from __future__ import annotations

import copy
from typing import Any

from iothub_provider.resources import device_schema as schema
from iothub_provider.resources.arm_shapes import from_arm, get_path, set_path, to_arm
from iothub_provider.resources.values import project

WRITABLE = (
    "deviceId",
    "status",
    "statusReason",
    "authentication",
    "capabilities",
    "deviceScope",
    "parentScopes",
)


def normalised(props: dict[str, Any]) -> dict[str, Any]:
    """Props with the authentication spelled in snake_case (state and programs may hold the service's way)."""
    out = dict(props)
    if isinstance(out.get("authentication"), dict):
        out["authentication"] = from_arm(schema.AUTHENTICATION, out["authentication"])
    return out


def _is_edge(inputs: dict[str, Any], live: dict[str, Any] | None) -> bool:
    if "iot_edge" in inputs:
        return bool(inputs["iot_edge"])
    return bool(get_path(live or {}, ("capabilities", "iotEdge")))


def device_body(
    inputs: dict[str, Any], live: dict[str, Any] | None, previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The PUT body: the live device's writable parts (none for a create), the declared inputs over them."""
    body = {k: copy.deepcopy(v) for k, v in (live or {}).items() if k in WRITABLE}
    body["deviceId"] = inputs["device_id"]
    for prop in schema.DEVICE_INPUTS:
        if prop.name in inputs and prop.name != "device_id":
            value = inputs[prop.name]
            set_path(body, prop.arm, to_arm(prop.shape, value) if prop.shape is not None else value)
    _parent(body, inputs, live, previous)
    return body


def _parent(
    body: dict[str, Any], inputs: dict[str, Any], live: dict[str, Any] | None, previous: dict[str, Any] | None
) -> None:
    scope = inputs.get("parent_scope")
    if scope is None and not (previous or {}).get("parent_scope"):
        return  # never declared: whatever parent the device has elsewhere is left alone
    if _is_edge(inputs, live):
        body["parentScopes"] = [scope] if scope else []
    else:
        body["deviceScope"] = scope or ""
        body.pop("parentScopes", None)


def twin_patch(inputs: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """The twin PATCH: declared tags and desired properties, and null for keys no longer declared."""
    patch: dict[str, Any] = {}
    for prop in schema.TWIN_INPUTS:
        wanted = inputs.get(prop.name)
        before = (previous or {}).get(prop.name)
        if wanted is None and not before:
            continue
        value = dict(wanted or {})
        for key in before or {}:
            value.setdefault(key, None)
        set_path(patch, prop.arm, value)
    return patch


def twin_changes(inputs: dict[str, Any], previous: dict[str, Any] | None) -> bool:
    return any(inputs.get(p.name) != (previous or {}).get(p.name) for p in schema.TWIN_INPUTS)


def managed_view(
    device: dict[str, Any], twin: dict[str, Any] | None, inputs: dict[str, Any]
) -> dict[str, Any]:
    """The live value of each declared input, shaped like the input (what the service adds is no drift)."""
    view: dict[str, Any] = {}
    for prop in schema.DEVICE_INPUTS:
        if prop.name not in inputs:
            continue
        value = get_path(device, prop.arm)
        if prop.shape is not None:
            value = project(from_arm(prop.shape, value), inputs[prop.name])
        if value is not None:
            view[prop.name] = value
    if "parent_scope" in inputs:
        view["parent_scope"] = parent_scope_of(device)
    for prop in schema.TWIN_INPUTS:
        if prop.name in inputs and twin is not None:
            live = get_path(twin, prop.arm) or {}
            wanted = inputs[prop.name] or {}
            view[prop.name] = {k: live[k] for k in wanted if k in live and not k.startswith("$")}
    return view


def parent_scope_of(device: dict[str, Any]) -> str | None:
    scopes = device.get("parentScopes") or []
    if scopes:
        return str(scopes[0])
    if get_path(device, ("capabilities", "iotEdge")):
        return None
    scope = device.get("deviceScope")
    return str(scope) if scope else None


def computed(device: dict[str, Any], twin: dict[str, Any] | None, host: str) -> dict[str, Any]:
    values: dict[str, Any] = {"host_name": host}
    for prop in schema.PROPERTIES:
        if prop.kind != "computed" or not prop.arm:
            continue
        source = twin if prop.name in schema.TWIN_OUTPUTS else device
        values[prop.name] = get_path(source or {}, prop.arm)
    return {k: v for k, v in values.items() if v is not None}


def secret_outputs(device: dict[str, Any], host: str) -> dict[str, Any]:
    keys = get_path(device, ("authentication", "symmetricKey")) or {}
    out: dict[str, Any] = {}
    for which in ("primary", "secondary"):
        key = keys.get(f"{which}Key")
        if key:
            out[f"{which}_key"] = key
            out[f"{which}_connection_string"] = (
                f"HostName={host};DeviceId={device.get('deviceId')};SharedAccessKey={key}"
            )
    return out


def outputs_for(
    device: dict[str, Any], twin: dict[str, Any] | None, inputs: dict[str, Any], host: str
) -> dict[str, Any]:
    """Every input, the live value of each declared one, the computed values and the keys."""
    out = {k: v for k, v in inputs.items() if k in schema.INPUT_KEYS}
    out.update(managed_view(device, twin, inputs))
    out["device_id"] = device.get("deviceId") or inputs.get("device_id")
    out.update(computed(device, twin, host))
    out.update(secret_outputs(device, host))
    return out


def already_applied(device: dict[str, Any], twin: dict[str, Any] | None, inputs: dict[str, Any]) -> bool:
    """True when the live device and twin already are what the program declares (a lost answer's write)."""
    view = managed_view(device, twin, inputs)
    compared = [p.name for p in schema.INPUTS if p.kind in ("managed", "twin") and p.name in inputs]
    return all(view.get(name) == inputs[name] for name in compared)
