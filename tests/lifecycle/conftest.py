"""Lifecycle fixtures: one provider process per test module, a fresh stack per test, on the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from iothub_emulator.server import EmulatorServer
from tests.conftest import SUBSCRIPTION_ID
from tests.harness.process import ProviderProcess
from tests.harness.stack import SimulatedStack, emulator_provider_config
from tests.lifecycle.arm import Arm

PROJECT = "iothub-provider"


@pytest.fixture(scope="module")
def provider() -> Iterator[ProviderProcess]:
    with ProviderProcess(project=PROJECT) as process:
        yield process


@pytest.fixture
def stack(provider: ProviderProcess, emulator: EmulatorServer, resource_group: str) -> SimulatedStack:
    """An empty `local`-style stack whose provider talks to the test emulator."""
    config = emulator_provider_config(emulator.url, emulator.token, SUBSCRIPTION_ID)
    config["iothub:operationTimeout"] = "60"
    return SimulatedStack(provider, project=PROJECT, stack="test", config=config)


@pytest.fixture
def arm(emulator: EmulatorServer) -> Arm:
    return Arm(emulator.url, emulator.token, SUBSCRIPTION_ID)
