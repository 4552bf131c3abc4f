"""``IotHub`` and ``IotHubArgs``: the program-facing side of the hub (the provider is in ``hub_provider``).

Usage, in the style of pulumi-azure-native::

    hub = IotHub("telemetry", resource_group_name="rg-iot", location="westeurope",
                 sku={"name": "S1", "capacity": 1}, partition_count=4, retention_days=1, tags={"env": "dev"},
                 cloud_to_device=CloudToDevicePropertiesArgs(max_delivery_count=5))

Nested settings are typed in snake_case (``hub_types``: an ``*Args`` class or an ``*ArgsDict`` dictionary
each); dictionaries in ARM's camelCase, as earlier versions took them, still work, with a warning per key.

Without ``name`` the hub is named after the resource plus a stable six-character suffix. ``adopt=True`` takes
an existing hub under management (settings the program does not declare are kept); ``IotHub.get(...)`` reads
a hub without managing it (``opts.import_`` cannot work for dynamic providers, pulumi/pulumi#16175).

Adopting, deliberately: set ``adopt=True`` and the hub's current ``name`` and ``resource_group_name``; its
location and partition count must match the program (they cannot change in place). The provider writes its
owner tag (``pulumi-iothub-owner``) and from then on manages only what the program declares. Without
``adopt``, create refuses any existing hub that lacks this resource's owner tag.

Secrets: ``shared_access_policies`` and the owner, service and Event Hub-compatible connection strings are
secret outputs, and ``routing`` and ``storage_endpoints`` (their connection strings carry keys) are secret as
inputs and outputs both, so the state holds them encrypted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

import pulumi
from pulumi import Input, ResourceOptions
from pulumi.dynamic import Resource

from iothub_provider.resources import hub_schema as schema
from iothub_provider.resources import registration, sharding
from iothub_provider.resources.hub_provider import IotHubProvider
from iothub_provider.resources.hub_types import IotHubArgs, IotHubOutputs

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from iothub_provider.resources.hub_types import IotHubArgsDict

__all__ = ["IotHub", "IotHubArgs"]

ARG_NAMES = tuple(p.name for p in schema.INPUTS)
"""The keyword arguments of ``IotHub`` (the fuzzer draws from them)."""


def _secret_options(opts: ResourceOptions | None, **extra: Any) -> ResourceOptions:
    return registration.secret_options(schema, opts, **extra)


class IotHub(IotHubOutputs, Resource, module="iothub", name="IotHub"):
    """An Azure IoT hub (``Microsoft.Devices/IotHubs``) managed through ARM."""

    @overload
    def __init__(self, resource_name: str, args: IotHubArgs, opts: ResourceOptions | None = None) -> None: ...

    @overload
    def __init__(
        self, resource_name: str, *, opts: ResourceOptions | None = None, **kwargs: Unpack[IotHubArgsDict]
    ) -> None: ...

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
        warnings: list[str] = []
        props = registration.registered_props(schema, resource_name, args.to_props(), warnings.append)
        opts = sharding.place(resource_name, opts)  # its own provider process (README "Deploying a fleet")
        super().__init__(IotHubProvider(), resource_name, props, _secret_options(opts))
        for message in warnings:
            pulumi.log.warn(message, resource=self)

    @staticmethod
    def get(resource_name: str, id: Input[str], opts: ResourceOptions | None = None) -> IotHub:
        """Read an existing hub by its ARM id without managing it (Pulumi never updates or deletes it)."""
        hub = IotHub.__new__(IotHub)
        Resource.__init__(
            hub, IotHubProvider(), resource_name, registration.declared_outputs(schema),
            _secret_options(opts, id=id)
        )
        return hub
