"""Lifecycle fixtures: a fresh stack per test on the session's provider process (tests/conftest.py), on the
emulator."""

from __future__ import annotations

import pytest

from harness.process import ProviderProcess
from harness.stack import SimulatedStack
from iothub_emulator.server import EmulatorServer
from tests.conftest import PROJECT, SUBSCRIPTION_ID, shared_provider_config
from tests.lifecycle.arm import Arm


@pytest.fixture
def stack(provider: ProviderProcess, emulator: EmulatorServer, resource_group: str) -> SimulatedStack:
    """An empty `local`-style stack whose provider talks to the test emulator."""
    return SimulatedStack(provider, project=PROJECT, stack="test", config=shared_provider_config(emulator))


@pytest.fixture
def arm(emulator: EmulatorServer) -> Arm:
    return Arm(emulator.url, emulator.token, SUBSCRIPTION_ID)
