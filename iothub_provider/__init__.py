"""Pulumi dynamic provider for Azure IoT hubs and consumer groups, with a local RP emulator.

Public API::

    from iothub_provider import IotHub, IotHubArgs, ConsumerGroup, ConsumerGroupArgs
    from iothub_provider import CloudToDevicePropertiesArgs, RoutingPropertiesArgs, ...  # nested settings

Nested settings come as pulumi-azure-native names them: ``<Name>Args`` classes, ``<Name>ArgsDict``
dictionaries (snake_case keys) and ``<Name>Response`` outputs (``iothub_provider.resources.hub_types``).

Providers (pickled by reference into Pulumi state, so never rename or move them): ``IotHubProvider`` and
``ConsumerGroupProvider``. Errors: ``iothub_provider.errors``.
"""

from __future__ import annotations

__version__ = "0.1.0"

from iothub_provider.errors import IotHubProviderError
from iothub_provider.resources import (
    ConsumerGroup,
    ConsumerGroupArgs,
    ConsumerGroupProvider,
    IotHub,
    IotHubArgs,
    IotHubProvider,
    hub_types,
)
from iothub_provider.resources.hub_types import *  # noqa: F403  (the nested types, listed in __all__)

__all__ = [
    "ConsumerGroup",
    "ConsumerGroupArgs",
    "ConsumerGroupProvider",
    "IotHub",
    "IotHubArgs",
    "IotHubProvider",
    "IotHubProviderError",
    "__version__",
    *hub_types.__all__,
]
