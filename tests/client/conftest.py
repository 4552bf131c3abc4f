"""Client fixtures: an ``IotHubApi`` pointed at the session emulator, sleeps recorded, not slept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import hub_body as hub_body  # the client tests' hub body
from iothub_provider.client.api import HubRef, IotHubApi
from iothub_provider.client.auth import StaticToken
from iothub_provider.client.retry import RetryPolicy
from iothub_provider.client.settings import Settings
from iothub_provider.client.transport import Transport
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def settings(emulator: EmulatorServer) -> Settings:
    return Settings(endpoint=emulator.url, subscription_id=SUBSCRIPTION_ID, access_token=emulator.token)


@pytest.fixture
def api(settings: Settings, sleeps: list[float]) -> Iterator[IotHubApi]:
    retry = RetryPolicy(sleep=sleeps.append, random=lambda: 1.0)
    transport = Transport(settings, StaticToken(settings.access_token or ""), retry=retry)
    yield IotHubApi(transport)
    transport.close()


@pytest.fixture
def hub_ref(resource_group: str) -> HubRef:
    return HubRef(SUBSCRIPTION_ID, RESOURCE_GROUP, "hub-client-test")
