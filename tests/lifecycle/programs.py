"""Small programs the lifecycle tests deploy: one hub, optionally with consumer groups that depend on it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pulumi

from iothub_provider import ConsumerGroup, IotHub
from tests.conftest import LOCATION, RESOURCE_GROUP

HUB_NAME = "iot-lifecycle-hub"
HUB = "hub"
BASE_HUB: dict[str, Any] = {
    "resource_group_name": RESOURCE_GROUP,
    "name": HUB_NAME,
    "location": LOCATION,
    "sku": {"name": "S1", "capacity": 1},
    "partition_count": 2,
    "retention_days": 1,
    "tags": {"env": "test"},
}


def group_resource(group: str) -> str:
    """The Pulumi name of a consumer group resource."""
    return f"{HUB}-{group}"


def hub_program(groups: Sequence[str] = (), *, hub_opts: pulumi.ResourceOptions | None = None,
                **overrides: Any) -> Callable[[], None]:
    """A program with one hub (BASE_HUB with `overrides`) and a consumer group per name in `groups`."""

    def program() -> None:
        hub = IotHub(HUB, **{**BASE_HUB, **overrides}, opts=hub_opts)
        for group in groups:
            ConsumerGroup(group_resource(group), resource_group_name=RESOURCE_GROUP, hub_name=hub.name,
                          name=group)
        pulumi.export("hostName", hub.host_name)

    return program
