"""Fixtures for the emulator's own tests: a raw ARM session (``iothub_emulator.testing.ArmSession``) and
Microsoft's IotHubClient on loopback, addressing this suite's subscription and resource group."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.mgmt.iothub import IotHubClient

from iothub_emulator import testing
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ArmSession, make_iothub_client
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID, TOKEN

API = testing.API_VERSION


def hub_path(name: str, rg: str = RESOURCE_GROUP, sub: str = SUBSCRIPTION_ID) -> str:
    return testing.hub_path(name, rg, sub)


def arm_at(url: str, token: str = TOKEN) -> ArmSession:
    """Raw ARM calls to the emulator at ``url``, addressing this suite's subscription and resource group."""
    return ArmSession(url, token, SUBSCRIPTION_ID, RESOURCE_GROUP)


@pytest.fixture
def arm(emulator: EmulatorServer) -> ArmSession:
    return arm_at(emulator.url, emulator.token)


def make_client(url: str, token: str = TOKEN, **kwargs: Any) -> IotHubClient:
    """Microsoft's client on the emulator, through the plugin's helper (the test subscription)."""
    return make_iothub_client(url, token, SUBSCRIPTION_ID, **kwargs)


@pytest.fixture
def iothub_client(emulator: EmulatorServer) -> Iterator[IotHubClient]:
    client = make_client(emulator.url, retry_total=0)
    yield client
    client.close()
