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
from pulumi import Output, ResourceOptions
from pulumi.dynamic import Resource

from iothub_provider.resources import device_schema as schema
from iothub_provider.resources.device_provider import DeviceProvider
from iothub_provider.resources.device_types import DeviceArgs, DeviceOutputs
from iothub_provider.resources.hub import snake_case_props

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from iothub_provider.resources.device_types import DeviceArgsDict

__all__ = ["Device", "DeviceArgs"]

NESTED = tuple(p for p in schema.INPUTS if p.shape is not None)


def _declared_outputs() -> dict[str, Any]:
    """Every output key, declared so it becomes an attribute (dynamic resources only expose declared keys)."""
    keys = [*schema.INPUT_KEYS, *schema.COMPUTED_OUTPUTS, *schema.SECRET_OUTPUTS]
    return {k: None for k in keys if k != "id"}


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
        props = {**_declared_outputs(), **snake_case_props(args.to_props(), warnings.append, NESTED)}
        for key in schema.SECRET_INPUTS:  # keys: encrypted in state as inputs too
            if props.get(key) is not None:
                props[key] = Output.secret(props[key])
        props["pulumi_owner"] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
        secret = ResourceOptions(additional_secret_outputs=[*schema.SECRET_OUTPUTS, *schema.SECRET_INPUTS])
        super().__init__(DeviceProvider(), resource_name, props, ResourceOptions.merge(opts, secret))
        for message in warnings:
            pulumi.log.warn(message, resource=self)
