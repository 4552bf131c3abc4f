"""Pulumi resources: per type its Args, its dynamic provider and its Resource class."""

from __future__ import annotations

from iothub_provider.resources.consumer_group import ConsumerGroup, ConsumerGroupArgs, ConsumerGroupProvider
from iothub_provider.resources.device import Device, DeviceArgs
from iothub_provider.resources.device_provider import DeviceProvider
from iothub_provider.resources.hub import IotHub, IotHubArgs
from iothub_provider.resources.hub_provider import IotHubProvider

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
]
