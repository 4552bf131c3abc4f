"""Pulumi dynamic provider for Azure IoT hubs and consumer groups, with a local RP emulator.

Public API::

    from iothub_provider import IotHub, IotHubArgs, ConsumerGroup, ConsumerGroupArgs

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
)

__all__ = [
    "ConsumerGroup",
    "ConsumerGroupArgs",
    "ConsumerGroupProvider",
    "IotHub",
    "IotHubArgs",
    "IotHubProvider",
    "IotHubProviderError",
    "__version__",
]
