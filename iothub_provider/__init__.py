"""Pulumi dynamic provider for Azure IoT hubs, their consumer groups and devices, with a local emulator.

Public API::

    from iothub_provider import IotHub, IotHubArgs, ConsumerGroup, ConsumerGroupArgs, Device, DeviceArgs
    from iothub_provider import CloudToDevicePropertiesArgs, RoutingPropertiesArgs, ...  # nested settings

Nested settings come as pulumi-azure-native names them: ``<Name>Args`` classes, ``<Name>ArgsDict``
dictionaries (snake_case keys) and ``<Name>Response`` outputs (``iothub_provider.resources.hub_types`` and
``device_types``).

Providers (pickled by reference into Pulumi state, so never rename or move them): ``IotHubProvider``,
``ConsumerGroupProvider`` and ``DeviceProvider``. Errors: ``iothub_provider.errors``.
"""

from __future__ import annotations

__version__ = "0.1.0"

from iothub_provider.errors import IotHubProviderError
from iothub_provider.resources import (
    ConsumerGroup,
    ConsumerGroupArgs,
    ConsumerGroupProvider,
    Device,
    DeviceArgs,
    DeviceProvider,
    IotHub,
    IotHubArgs,
    IotHubProvider,
    device_types,
    hub_types,
)
from iothub_provider.resources.device_types import *  # noqa: F403  (the nested types, listed in __all__)
from iothub_provider.resources.hub_types import *  # noqa: F403

__all__ = [
    "ConsumerGroup",
    "ConsumerGroupArgs",
    "ConsumerGroupProvider",
    "Device",
    "DeviceArgs",
    "DeviceProvider",
    "IotHub",
    "IotHubArgs",
    "IotHubProvider",
    "IotHubProviderError",
    "__version__",
    *(name for name in hub_types.__all__ if name != "IotHubArgs"),
    *(name for name in device_types.__all__ if name != "DeviceArgs"),
]
