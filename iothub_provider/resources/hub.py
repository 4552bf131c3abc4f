"""``IotHub`` and ``IotHubArgs``: the program-facing side of the hub (the provider is in ``hub_provider``).

Usage, in the style of pulumi-azure-native::

    hub = IotHub("telemetry", resource_group_name="rg-iot", location="westeurope",
                 sku={"name": "S1", "capacity": 1}, partition_count=4, retention_days=1, tags={"env": "dev"})

Without ``name`` the hub is named after the resource plus a stable six-character suffix. ``adopt=True`` takes
an existing hub under management (settings the program does not declare are kept); ``IotHub.get(...)`` reads
a hub without managing it (``opts.import_`` cannot work for dynamic providers, pulumi/pulumi#16175).

Adopting, deliberately: set ``adopt=True`` and the hub's current ``name`` and ``resource_group_name``; its
location and partition count must match the program (they cannot change in place). The provider writes its
owner tag (``pulumi-iothub-owner``) and from then on manages only what the program declares. Without
``adopt``, create refuses any existing hub that lacks this resource's owner tag.

Secrets: ``shared_access_policies`` and the owner, service and Event Hub-compatible connection strings are
secret outputs, as are ``routing`` and ``storage_endpoints`` (their connection strings carry keys; pass those
inputs as ``pulumi.Output.secret(...)`` too so the inputs are encrypted in state as well).
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from iothub_provider.resources import hub_model as model
from iothub_provider.resources import sharding
from iothub_provider.resources.hub_provider import IotHubProvider

ARG_NAMES = (
    "resource_group_name",
    "location",
    "sku",
    "name",
    "partition_count",
    "retention_days",
    "tags",
    "min_tls_version",
    "public_network_access",
    "disable_local_auth",
    "subscription_id",
    "features",
    "enable_file_upload_notifications",
    "cloud_to_device",
    "routing",
    "ip_filter_rules",
    "network_rule_sets",
    "identity",
    "storage_endpoints",
    "messaging_endpoints",
    "adopt",
)


class IotHubArgs:
    """The inputs of an ``IotHub``; nested settings are ARM-shaped dictionaries (camelCase keys inside)."""

    def __init__(
        self,
        *,
        resource_group_name: Input[str],
        location: Input[str],
        sku: Input[dict[str, Any]],
        name: Input[str] | None = None,
        partition_count: Input[int] | None = None,
        retention_days: Input[int] | None = None,
        tags: Input[dict[str, Input[str]]] | None = None,
        min_tls_version: Input[str] | None = None,
        public_network_access: Input[str] | None = None,
        disable_local_auth: Input[bool] | None = None,
        subscription_id: Input[str] | None = None,
        features: Input[str] | None = None,
        enable_file_upload_notifications: Input[bool] | None = None,
        cloud_to_device: Input[dict[str, Any]] | None = None,
        routing: Input[dict[str, Any]] | None = None,
        ip_filter_rules: Input[list[Any]] | None = None,
        network_rule_sets: Input[dict[str, Any]] | None = None,
        identity: Input[dict[str, Any]] | None = None,
        storage_endpoints: Input[dict[str, Any]] | None = None,
        messaging_endpoints: Input[dict[str, Any]] | None = None,
        adopt: Input[bool] | None = None,
    ) -> None:
        self.resource_group_name = resource_group_name
        self.location = location
        self.sku = sku
        self.name = name
        self.partition_count = partition_count
        self.retention_days = retention_days
        self.tags = tags
        self.min_tls_version = min_tls_version
        self.public_network_access = public_network_access
        self.disable_local_auth = disable_local_auth
        self.subscription_id = subscription_id
        self.features = features
        self.enable_file_upload_notifications = enable_file_upload_notifications
        self.cloud_to_device = cloud_to_device
        self.routing = routing
        self.ip_filter_rules = ip_filter_rules
        self.network_rule_sets = network_rule_sets
        self.identity = identity
        self.storage_endpoints = storage_endpoints
        self.messaging_endpoints = messaging_endpoints
        self.adopt = adopt

    def to_props(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ARG_NAMES if getattr(self, k) is not None}


def _declared_outputs() -> dict[str, Any]:
    """Every output key, declared so it becomes an attribute (dynamic resources only expose declared keys)."""
    keys = [*model.INPUT_KEYS, *model.COMPUTED_OUTPUTS, *model.SECRET_OUTPUTS]
    return {k: None for k in keys if k != "id"}


def _secret_options(opts: ResourceOptions | None, **extra: Any) -> ResourceOptions:
    secret = [*model.SECRET_OUTPUTS, *model.SECRET_INPUTS]
    own = ResourceOptions(additional_secret_outputs=secret, **extra)
    return ResourceOptions.merge(opts, own)


class IotHub(Resource, module="iothub", name="IotHub"):
    """An Azure IoT hub (``Microsoft.Devices/IotHubs``) managed through ARM."""

    resource_group_name: Output[str]
    name: Output[str]
    location: Output[str]
    sku: Output[dict[str, Any]]
    partition_count: Output[int]
    retention_days: Output[int]
    tags: Output[dict[str, str]]
    subscription_id: Output[str]
    etag: Output[str]
    host_name: Output[str]
    event_hub_endpoint: Output[str]
    event_hub_path: Output[str]
    event_hub_partition_ids: Output[list[str]]
    provisioning_state: Output[str]
    state: Output[str]
    sku_tier: Output[str]
    all_tags: Output[dict[str, str]]
    shared_access_policies: Output[list[dict[str, Any]]]
    owner_connection_string: Output[str]
    service_connection_string: Output[str]
    event_hub_connection_string: Output[str]

    def __init__(
        self,
        resource_name: str,
        args: IotHubArgs | None = None,
        opts: ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        if args is not None and kwargs:
            raise TypeError("pass either an IotHubArgs or keyword arguments, not both")
        args = args if args is not None else IotHubArgs(**kwargs)
        props = {**_declared_outputs(), **args.to_props()}
        props["pulumi_owner"] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
        opts = sharding.place(resource_name, opts)  # its own provider process (README "Deploying a fleet")
        super().__init__(IotHubProvider(), resource_name, props, _secret_options(opts))

    @staticmethod
    def get(resource_name: str, id: Input[str], opts: ResourceOptions | None = None) -> IotHub:
        """Read an existing hub by its ARM id without managing it (Pulumi never updates or deletes it)."""
        hub = IotHub.__new__(IotHub)
        Resource.__init__(
            hub, IotHubProvider(), resource_name, _declared_outputs(), _secret_options(opts, id=id)
        )
        return hub
