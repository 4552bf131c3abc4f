"""The stack: IoT hubs and their consumer groups, described by stack configuration.

Every hub is an entry of the `iothub-provider:hubs` object (its key is the hub's Pulumi name); unset keys
fall back to the stack-wide `resourceGroup`, `location` and `tags`, then to the defaults below.
README.md ("Configuration reference") lists every key. Exports per hub key: host name, Event Hub-compatible
endpoint and path, consumer group names, and the service connection string (secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from iothub_provider import ConsumerGroup, IotHub
from iothub_provider.resources.sharding import provider_for

DEFAULT_LOCATION = "westeurope"
DEFAULT_SKU: dict[str, Any] = {"name": "S1", "capacity": 1}
DEFAULT_HUBS: dict[str, Any] = {"telemetry": {"partitionCount": 4, "consumerGroups": ["analytics"]}}
HUB_KEYS = frozenset({
    "name", "resourceGroup", "location", "subscriptionId", "sku", "partitionCount", "retentionDays", "tags",
    "minTlsVersion", "publicNetworkAccess", "disableLocalAuth", "consumerGroups", "adopt",
})


@dataclass(frozen=True)
class HubSpec:
    """One hub as the stack configuration describes it."""

    key: str
    resource_group_name: str
    location: str
    sku: dict[str, Any]
    name: str | None = None
    subscription_id: str | None = None
    partition_count: int | None = None
    retention_days: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    min_tls_version: str | None = None
    public_network_access: str | None = None
    disable_local_auth: bool | None = None
    adopt: bool | None = None
    consumer_groups: tuple[str, ...] = ()


def _fail(key: str, problem: str) -> pulumi.RunError:
    return pulumi.RunError(f"stack config iothub-provider:{key} {problem}")


def _typed(value: Any, expected: type, key: str, what: str) -> Any:
    """`value` when it is None or of the expected type (a bool is not a number here), else a clear error."""
    wrong_type = not isinstance(value, expected) or isinstance(value, bool) != (expected is bool)
    if value is not None and wrong_type:
        raise _fail(key, f"must be {what}, got {value!r}")
    return value


def hub_spec(key: str, raw: Any, *, defaults: Mapping[str, Any]) -> HubSpec:
    """Validate one entry of `hubs`; every error names the config key and what to put there."""
    where = f"hubs.{key}"
    if not isinstance(raw, dict):
        raise _fail(where, "must be an object of hub settings (see the configuration reference in README.md)")
    unknown = sorted(set(raw) - HUB_KEYS)
    if unknown:
        raise _fail(where, f"has unknown keys {unknown}; allowed: {sorted(HUB_KEYS)}")
    group = raw.get("resourceGroup") or defaults.get("resourceGroup")
    if not group:
        raise _fail(f"{where}.resourceGroup",
                    "is required (or set iothub-provider:resourceGroup for all hubs)")
    groups = _typed(raw.get("consumerGroups", []), list, f"{where}.consumerGroups", "a list of names")
    if not all(isinstance(name, str) and name for name in groups):
        raise _fail(f"{where}.consumerGroups", f"must be a list of non-empty names, got {groups!r}")
    return HubSpec(
        key=key,
        name=_typed(raw.get("name"), str, f"{where}.name", "a string"),
        resource_group_name=_typed(group, str, f"{where}.resourceGroup", "a string"),
        location=_typed(raw.get("location") or defaults.get("location") or DEFAULT_LOCATION, str,
                        f"{where}.location", "a string"),
        subscription_id=_typed(raw.get("subscriptionId"), str, f"{where}.subscriptionId", "a string"),
        sku=_typed(raw.get("sku") or DEFAULT_SKU, dict, f"{where}.sku", "an object {name, capacity}"),
        partition_count=_typed(raw.get("partitionCount"), int, f"{where}.partitionCount", "a whole number"),
        retention_days=_typed(raw.get("retentionDays"), int, f"{where}.retentionDays", "a whole number"),
        tags={**defaults.get("tags", {}), **_typed(raw.get("tags", {}), dict, f"{where}.tags", "an object")},
        min_tls_version=_typed(raw.get("minTlsVersion"), str, f"{where}.minTlsVersion", 'a string ("1.2")'),
        public_network_access=_typed(raw.get("publicNetworkAccess"), str, f"{where}.publicNetworkAccess",
                                     '"Enabled" or "Disabled"'),
        disable_local_auth=_typed(raw.get("disableLocalAuth"), bool, f"{where}.disableLocalAuth",
                                  "true or false"),
        adopt=_typed(raw.get("adopt"), bool, f"{where}.adopt", "true or false"),
        consumer_groups=tuple(groups),
    )


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


def deploy(spec: HubSpec) -> tuple[IotHub, list[ConsumerGroup]]:
    hub = IotHub(
        spec.key,
        resource_group_name=spec.resource_group_name,
        name=spec.name,
        location=spec.location,
        sku=spec.sku,
        partition_count=spec.partition_count,
        retention_days=spec.retention_days,
        tags=spec.tags or None,
        min_tls_version=spec.min_tls_version,
        public_network_access=spec.public_network_access,
        disable_local_auth=spec.disable_local_auth,
        subscription_id=spec.subscription_id,
        adopt=spec.adopt,
    )
    # A hub's consumer groups share its provider process (README "Deploying a fleet"): their short calls
    # come after the hub's create and never queue behind other hubs' long ones.
    instance = provider_for(spec.key)
    groups = [
        ConsumerGroup(
            f"{spec.key}-{group}",
            resource_group_name=spec.resource_group_name,
            hub_name=hub.name,
            name=group,
            subscription_id=spec.subscription_id,
            opts=pulumi.ResourceOptions(provider=instance) if instance is not None else None,
        )
        for group in spec.consumer_groups
    ]
    return hub, groups


def main() -> None:
    deployed = {spec.key: deploy(spec) for spec in hub_specs(pulumi.Config())}
    pulumi.export("hubNames", {key: hub.name for key, (hub, _) in deployed.items()})
    pulumi.export("hostNames", {key: hub.host_name for key, (hub, _) in deployed.items()})
    pulumi.export("eventHubEndpoints", {key: hub.event_hub_endpoint for key, (hub, _) in deployed.items()})
    pulumi.export("eventHubPaths", {key: hub.event_hub_path for key, (hub, _) in deployed.items()})
    pulumi.export("consumerGroups", {key: [g.name for g in groups] for key, (_, groups) in deployed.items()})
    pulumi.export("connectionStrings", pulumi.Output.secret(
        {key: hub.service_connection_string for key, (hub, _) in deployed.items()}))


main()
