"""Shared fixtures: one in-process emulator per test session (from the emulator's pytest plugin), reset
before every test that uses it.

Every test talks to the emulator over loopback with real HTTP clients; nothing is mocked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.process import ProviderProcess
from harness.stack import emulator_provider_config
from harness.wire import Secret
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000001"
RESOURCE_GROUP = "rg-test"
LOCATION = "westeurope"
TOKEN = "test-token-0123456789"
PROJECT = "iothub-provider"
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


def shared_provider_config(emulator: EmulatorServer) -> dict[str, str | Secret]:
    """The provider settings of every stack on the session's `provider` process: the test emulator (its ARM
    API, and each hub's service API through `iothub:serviceEndpoint`, which only devices use), the test
    subscription, a 60 s operation timeout. A stack adds its program's config to these and changes none."""
    config = emulator_provider_config(emulator.url, emulator.token, SUBSCRIPTION_ID)
    config["iothub:serviceEndpoint"] = emulator.url
    config["iothub:operationTimeout"] = "60"
    return config


@pytest.fixture(scope="session")
def provider() -> Iterator[ProviderProcess]:
    """One `python -m pulumi.dynamic` process of this project for the session's simulated stacks.

    The engine starts a process per command; sharing one saves a start-up per test module. That is faithful
    only while the provider settings stay the same: the Python host configures each provider once per process,
    with the settings it has at its first call, so every stack on this process takes its settings from
    `shared_provider_config()`, and the emulator's URL and token are the session's. Nothing else the tests
    do reaches the process: a test that kills a provider or needs other settings starts its own
    (tests/lifecycle/test_timeouts.py: a one-second timeout; test_converge.py: killed mid-create;
    tests/program/test_stack_files.py: the stack files' own subscription)."""
    with ProviderProcess(project=PROJECT) as process:
        yield process
