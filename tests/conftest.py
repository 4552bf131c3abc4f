"""Shared fixtures: one in-process emulator per test session (from the emulator's pytest plugin), reset
before every test that uses it.

Every test talks to the emulator over loopback with real HTTP clients; nothing is mocked.
"""

from __future__ import annotations

import os
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


# The emulator comes from its pytest plugin (iothub_emulator.pytest_plugin, registered as an entry point):
# these overrides give it this suite's token, subscription and region, and the fixtures below are the
# short names the suite uses for the plugin's.
@pytest.fixture(scope="session")
def iothub_emulator_token() -> str:
    return TOKEN


@pytest.fixture(scope="session")
def iothub_emulator_subscription() -> str:
    return SUBSCRIPTION_ID


@pytest.fixture(scope="session")
def iothub_emulator_location() -> str:
    return LOCATION


@pytest.fixture(scope="session")
def emulator_server(iothub_emulator_server: EmulatorServer) -> EmulatorServer:
    """The session's emulator: in-memory, immediate provisioning unless a test changes it."""
    return iothub_emulator_server


@pytest.fixture
def emulator(iothub_emulator: EmulatorServer) -> EmulatorServer:
    """The session's emulator with empty state, no faults, immediate provisioning and the wall clock."""
    return iothub_emulator


@pytest.fixture
def control(iothub_emulator_control: EmulatorControl) -> EmulatorControl:
    return iothub_emulator_control


@pytest.fixture
def resource_group(iothub_emulator_resource_group: str) -> str:
    """A resource group that exists in the default test subscription."""
    assert iothub_emulator_resource_group == RESOURCE_GROUP
    return RESOURCE_GROUP


@pytest.fixture
def specs_dir() -> Path:
    """The Azure REST spec beside the checkout; tests that need it skip cleanly when it is absent."""
    if not SPECS_DIR.is_dir():
        pytest.skip(f"Azure REST spec not found at {SPECS_DIR}")
    return SPECS_DIR
