"""The stack: IoT hubs and their consumer groups, described by stack configuration.

Every hub is an entry of the `iothub-provider:hubs` object (its key is the hub's Pulumi name); unset keys
fall back to the stack-wide `resourceGroup`, `location` and `tags`, then to the defaults below. Every
input of `IotHub` is a key, named in camelCase (`partitionCount`, `cloudToDevice`; derived from the hub
schema), and README.md ("Configuration reference") lists them. Exports per hub key: host name, Event
Hub-compatible endpoint and path, consumer group names, and the service connection string (secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from iothub_provider import ConsumerGroup, Device, DeviceArgs, IotHub
from iothub_provider.resources import device_schema
from iothub_provider.resources import hub_schema as schema
from iothub_provider.resources.arm_shapes import from_arm
from iothub_provider.resources.sharding import provider_for

DEFAULT_LOCATION = "westeurope"
DEFAULT_SKU: dict[str, Any] = {"name": "S1", "capacity": 1}
DEFAULT_HUBS: dict[str, Any] = {"telemetry": {"partitionCount": 4, "consumerGroups": ["analytics"]}}
HUB_SETTINGS = {schema.config_key(prop): prop for prop in schema.INPUTS}
"""Every hub input under its camelCase config key (``partitionCount``, ``cloudToDevice``, ...)."""
HUB_KEYS = frozenset({*HUB_SETTINGS, "consumerGroups", "devices"})
FROM_HUB = ("resource_group_name", "hub_name", "subscription_id", "parent_scope")
DEVICE_SETTINGS = {schema.config_key(p): p for p in device_schema.INPUTS if p.name not in FROM_HUB}
"""Every device input a device entry may set, under its camelCase key, plus ``parent`` (a device key)."""
DEVICE_KEYS = frozenset({*DEVICE_SETTINGS, "parent"})
SCALARS: dict[str, tuple[type, str]] = {"str": (str, "a string"), "int": (int, "a whole number"),
                                       "bool": (bool, "true or false"), "json": (dict, "an object")}


@dataclass(frozen=True)
class HubSpec:
    """One hub as the stack configuration describes it: ``IotHub``'s keyword arguments and its groups."""

    key: str
    inputs: dict[str, Any]
    consumer_groups: tuple[str, ...] = ()
    devices: tuple[DeviceSpec, ...] = ()


@dataclass(frozen=True)
class DeviceSpec:
    """One device of a hub: ``Device``'s keyword arguments (hub and parent filled in when deployed)."""

    key: str
    inputs: dict[str, Any]
    parent: str | None = None


def _fail(key: str, problem: str) -> pulumi.RunError:
    return pulumi.RunError(f"stack config iothub-provider:{key} {problem}")


def _typed(value: Any, expected: type, key: str, what: str) -> Any:
    """`value` when it is None or of the expected type (a bool is not a number here), else a clear error."""
    wrong_type = not isinstance(value, expected) or isinstance(value, bool) != (expected is bool)
    if value is not None and wrong_type:
        raise _fail(key, f"must be {what}, got {value!r}")
    return value


def _setting(prop: schema.Property, value: Any, where: str) -> Any:
    """One hub setting from config: scalars type-checked here, nested objects (camelCase in YAML, as config
    keys are) handed to ``IotHub`` in snake_case; the provider's check judges their contents."""
    if prop.shape is not None:
        if prop.container == "list":
            checked = _typed(value, list, where, "a list of objects")
        else:
            checked = _typed(value, dict, where, "an object")
        return from_arm(prop.shape, checked, prop.container)
    if prop.container == "map":
        return _typed(value, dict, where, "an object")
    expected, what = SCALARS[str(prop.type)]
    return _typed(value, expected, where, what)


def hub_spec(key: str, raw: Any, *, defaults: Mapping[str, Any]) -> HubSpec:
    """Validate one entry of `hubs`; every error names the config key and what to put there."""
    where = f"hubs.{key}"
    if not isinstance(raw, dict):
        raise _fail(where, "must be an object of hub settings (see the configuration reference in README.md)")
    unknown = sorted(set(raw) - HUB_KEYS)
    if unknown:
        raise _fail(where, f"has unknown keys {unknown}; allowed: {sorted(HUB_KEYS)}")
    settings = {
        "resourceGroup": raw.get("resourceGroup") or defaults.get("resourceGroup"),
        "location": raw.get("location") or defaults.get("location") or DEFAULT_LOCATION,
        "sku": raw.get("sku") or DEFAULT_SKU,
        "tags": {**defaults.get("tags", {}),
                 **_typed(raw.get("tags", {}), dict, f"{where}.tags", "an object")},
    }
    if not settings["resourceGroup"]:
        raise _fail(f"{where}.resourceGroup",
                    "is required (or set iothub-provider:resourceGroup for all hubs)")
    inputs: dict[str, Any] = {}
    for config_key, prop in HUB_SETTINGS.items():
        value = settings[config_key] if config_key in settings else raw.get(config_key)
        if value is not None and value != {}:
            inputs[prop.name] = _setting(prop, value, f"{where}.{config_key}")
    groups = _typed(raw.get("consumerGroups", []), list, f"{where}.consumerGroups", "a list of names")
    if not all(isinstance(name, str) and name for name in groups):
        raise _fail(f"{where}.consumerGroups", f"must be a list of non-empty names, got {groups!r}")
    devices = _typed(raw.get("devices", {}), dict, f"{where}.devices", "an object of device keys to settings")
    specs = tuple(device_spec(name, settings, where=f"{where}.devices") for name, settings in devices.items())
    for spec in specs:
        if spec.parent is not None and spec.parent not in devices:
            raise _fail(f"{where}.devices.{spec.key}.parent", f"names {spec.parent!r}, which is not a device "
                        f"of this hub; its devices: {sorted(devices)}")
    return HubSpec(key=key, inputs=inputs, consumer_groups=tuple(groups), devices=specs)


def device_spec(key: str, raw: Any, *, where: str) -> DeviceSpec:
    """Validate one device entry; ``parent`` names another device key of the same hub (an edge gateway)."""
    where = f"{where}.{key}"
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _fail(where, "must be an object of device settings (or empty for a device with generated keys)")
    unknown = sorted(set(raw) - DEVICE_KEYS)
    if unknown:
        raise _fail(where, f"has unknown keys {unknown}; allowed: {sorted(DEVICE_KEYS)}")
    inputs = {prop.name: _setting(prop, raw[name], f"{where}.{name}")
              for name, prop in DEVICE_SETTINGS.items() if raw.get(name) is not None}
    parent = _typed(raw.get("parent"), str, f"{where}.parent", "the key of an edge device of this hub")
    return DeviceSpec(key=key, inputs=inputs, parent=parent)


def hub_specs(config: pulumi.Config) -> list[HubSpec]:
    hubs = config.get_object("hubs")
    if hubs is None:
        hubs = DEFAULT_HUBS
    if not isinstance(hubs, dict):
        raise _fail("hubs", "must be an object mapping hub keys to their settings")
    defaults = {
        "resourceGroup": config.get("resourceGroup"),
        "location": config.get("location"),
        "tags": _typed(config.get_object("tags") or {}, dict, "tags", "an object of tag names to values"),
    }
    return [hub_spec(key, raw, defaults=defaults) for key, raw in hubs.items()]


def deploy(spec: HubSpec) -> tuple[IotHub, list[ConsumerGroup], dict[str, Device]]:
    hub = IotHub(spec.key, **spec.inputs)
    # A hub's consumer groups share its provider process (README "Deploying a fleet"): their short calls
    # come after the hub's create and never queue behind other hubs' long ones.
    instance = provider_for(spec.key)
    groups = [
        ConsumerGroup(
            f"{spec.key}-{group}",
            resource_group_name=spec.inputs["resource_group_name"],
            hub_name=hub.name,
            name=group,
            subscription_id=spec.inputs.get("subscription_id"),
            opts=pulumi.ResourceOptions(provider=instance) if instance is not None else None,
        )
        for group in spec.consumer_groups
    ]
    return hub, groups, deploy_devices(spec, hub)


def deploy_devices(spec: HubSpec, hub: IotHub) -> dict[str, Device]:
    """The hub's devices, each gateway before the devices under it (a device's parent is its scope)."""
    deployed: dict[str, Device] = {}
    pending = list(spec.devices)
    while pending:
        ready = [d for d in pending if d.parent is None or d.parent in deployed]
        if not ready:
            raise _fail(f"hubs.{spec.key}.devices", f"parents form a cycle: {sorted(d.key for d in pending)}")
        for device in ready:
            parent = deployed[device.parent].device_scope if device.parent is not None else None
            deployed[device.key] = Device(f"{spec.key}-{device.key}", DeviceArgs(
                resource_group_name=spec.inputs["resource_group_name"],
                hub_name=hub.name,
                subscription_id=spec.inputs.get("subscription_id"),
                parent_scope=parent,
                **{"device_id": device.key, **device.inputs},
            ))
            pending.remove(device)
    return deployed


def main() -> None:
    deployed = {spec.key: deploy(spec) for spec in hub_specs(pulumi.Config())}
    pulumi.export("hubNames", {key: hub.name for key, (hub, _, _) in deployed.items()})
    pulumi.export("hostNames", {key: hub.host_name for key, (hub, _, _) in deployed.items()})
    pulumi.export("eventHubEndpoints", {key: hub.event_hub_endpoint for key, (hub, _, _) in deployed.items()})
    pulumi.export("eventHubPaths", {key: hub.event_hub_path for key, (hub, _, _) in deployed.items()})
    pulumi.export("consumerGroups",
                  {key: [g.name for g in groups] for key, (_, groups, _) in deployed.items()})
    pulumi.export("connectionStrings", pulumi.Output.secret(
        {key: hub.service_connection_string for key, (hub, _, _) in deployed.items()}))
    pulumi.export("devices", {key: {name: device.device_id for name, device in devices.items()}
                              for key, (_, _, devices) in deployed.items()})
    pulumi.export("deviceConnectionStrings", pulumi.Output.secret(
        {key: {name: device.primary_connection_string for name, device in devices.items()}
         for key, (_, _, devices) in deployed.items()}))


main()
