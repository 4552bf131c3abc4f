"""Provider fixtures: the process-wide ARM client configured for the session emulator, sleeps recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from iothub_emulator.server import EmulatorServer
from iothub_provider import ConsumerGroupProvider, IotHubProvider
from iothub_provider.client import runtime
from iothub_provider.client.runtime import Seams
from iothub_provider.client.settings import Settings
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID

OWNER = "proj/dev/telemetry"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def configured(emulator: EmulatorServer, resource_group: str, sleeps: list[float]) -> Iterator[Settings]:
    """The provider process's settings pointing at the emulator (as configure() would set them)."""
    settings = Settings(endpoint=emulator.url, subscription_id=SUBSCRIPTION_ID, access_token=emulator.token)
    runtime.configure(settings, Seams(sleep=sleeps.append))
    yield settings
    runtime.reset()


@pytest.fixture
def hubs(configured: Settings) -> IotHubProvider:
    return IotHubProvider()


@pytest.fixture
def groups(configured: Settings) -> ConsumerGroupProvider:
    return ConsumerGroupProvider()


def hub_inputs(**overrides: Any) -> dict[str, Any]:
    """Inputs as the engine sends them: numbers as floats, the owner marker the IotHub class adds."""
    news: dict[str, Any] = {
        "resource_group_name": RESOURCE_GROUP,
        "name": "hub-telemetry",
        "location": "westeurope",
        "sku": {"name": "S1", "capacity": 1.0},
        "partition_count": 2.0,
        "retention_days": 1.0,
        "tags": {"env": "dev"},
        "pulumi_owner": OWNER,
        "__provider": "gASVpickled",
    }
    news.update(overrides)
    return {k: v for k, v in news.items() if v is not None}
