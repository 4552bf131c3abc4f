"""Past the dynamic-provider host's four calls: one real `python -m pulumi.dynamic` process runs eight hub
creates at once with the default `iothub:providerCalls`, and four at a time when the setting says 4."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.process import ProviderProcess
from harness.stack import SimulatedStack
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_provider import IotHub
from tests.conftest import PROJECT, RESOURCE_GROUP, shared_provider_config
from tests.held_requests import count_held_at_once
from tests.lifecycle.arm import Arm
from tests.lifecycle.programs import BASE_HUB

HUBS = [f"iot-wide-{n}" for n in range(8)]


def program() -> None:
    # The Python language host gives the program's event loop an executor of four workers per unit of
    # --parallel (scripts/pulumi-plugins/program_runner.py does the same); a registration holds a worker
    # until its step is done, so the mocks' default executor (CPU count + 4) would bound this test instead.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=4 * len(HUBS)))
    for hub_name in HUBS:
        IotHub(hub_name, **{**BASE_HUB, "name": hub_name})


@pytest.fixture(params=["default", "4"])
def calls(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def own_provider(calls: str) -> Iterator[ProviderProcess]:
    """A provider process of its own: the setting is read once, when the process is configured."""
    with ProviderProcess(project=PROJECT) as process:
        yield process


def test_one_provider_process_runs_as_many_hub_creates_at_once_as_the_setting_allows(
        own_provider: ProviderProcess, calls: str, emulator: EmulatorServer, control: EmulatorControl,
        arm: Arm, resource_group: str) -> None:
    config = shared_provider_config(emulator)
    if calls != "default":
        config["iothub:providerCalls"] = calls
    stack = SimulatedStack(own_provider, project=PROJECT, stack="wide", config=config, parallel=True)
    creates_at_once = count_held_at_once(control, "PUT", len(HUBS), 4.0,
                                         lambda: bool(arm.hub_names(RESOURCE_GROUP)), timeout=20)

    stack.up(program)

    assert creates_at_once() == (len(HUBS) if calls == "default" else 4)
    assert arm.hub_names(RESOURCE_GROUP) == sorted(HUBS)
    stack.destroy()
    assert arm.hub_names(RESOURCE_GROUP) == []
