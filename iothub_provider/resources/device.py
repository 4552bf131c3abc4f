"""``Device`` and ``DeviceArgs``: the program-facing side of a device identity (the provider is in
``device_provider``).

Usage, beside its hub::

    gateway = Device("gateway", resource_group_name="rg-iot", hub_name=hub.name, iot_edge=True)
    sensor = Device("sensor-1", resource_group_name="rg-iot", hub_name=hub.name,
                    parent_scope=gateway.device_scope, desired_properties={"interval": 30})

``hub_name=hub.name`` makes the device follow its hub: created after it, deleted before it, and created again
when the hub is replaced. ``authentication`` (keys or thumbprints) is secret as an input, and the keys and
connection strings are secret outputs. ``adopt=True`` takes over a device of the same id this resource did not
create.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

import pulumi
from pulumi import ResourceOptions
from pulumi.dynamic import Resource

from iothub_provider.resources import device_schema as schema
from iothub_provider.resources import registration
from iothub_provider.resources.device_provider import DeviceProvider
from iothub_provider.resources.device_types import DeviceArgs, DeviceOutputs

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from iothub_provider.resources.device_types import DeviceArgsDict

__all__ = ["Device", "DeviceArgs"]

class Device(DeviceOutputs, Resource, module="iothub", name="Device"):
    """A device identity in an IoT hub's identity registry, with its twin's tags and desired properties."""

    @overload
    def __init__(self, resource_name: str, args: DeviceArgs, opts: ResourceOptions | None = None) -> None: ...

    @overload
    def __init__(
        self, resource_name: str, *, opts: ResourceOptions | None = None, **kwargs: Unpack[DeviceArgsDict]
    ) -> None: ...

    def __init__(
        self,
        resource_name: str,
        args: DeviceArgs | None = None,
        opts: ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        if args is not None and kwargs:
            raise TypeError("pass either a DeviceArgs or keyword arguments, not both")
        args = args if args is not None else DeviceArgs(**kwargs)
        warnings: list[str] = []
        props = registration.registered_props(schema, resource_name, args.to_props(), warnings.append)
        super().__init__(DeviceProvider(), resource_name, props, registration.secret_options(schema, opts))
        for message in warnings:
            pulumi.log.warn(message, resource=self)
