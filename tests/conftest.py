"""Shared fixtures: one in-process emulator per test session, reset before every test that uses it.

Every test talks to the emulator over loopback with real HTTP clients; nothing is mocked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000001"
RESOURCE_GROUP = "rg-test"
LOCATION = "westeurope"
TOKEN = "test-token-0123456789"
SPECS_DIR = Path(
    os.environ.get("IOTHUB_SPECS_DIR")
    or Path(__file__).resolve().parents[1].parent / "shared" / "specs" / "azure-iothub"
)
"""The Azure REST spec beside the checkout (``$IOTHUB_SPECS_DIR`` points elsewhere)."""


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """The session's emulator: in-memory, immediate provisioning unless a test changes it."""
    with EmulatorServer(token=TOKEN) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> EmulatorServer:
    """The session's emulator with empty state, no faults and immediate provisioning."""
    emulator_server.control.reset()
    return emulator_server


@pytest.fixture
def control(emulator: EmulatorServer) -> EmulatorControl:
    return emulator.control


@pytest.fixture
def resource_group(control: EmulatorControl) -> str:
    """A resource group that exists in the default test subscription."""
    control.create_resource_group(SUBSCRIPTION_ID, RESOURCE_GROUP, LOCATION)
    return RESOURCE_GROUP


@pytest.fixture
def specs_dir() -> Path:
    """The Azure REST spec beside the checkout; tests that need it skip cleanly when it is absent."""
    if not SPECS_DIR.is_dir():
        pytest.skip(f"Azure REST spec not found at {SPECS_DIR}")
    return SPECS_DIR
