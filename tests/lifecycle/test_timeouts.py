"""An `up` cut off by the operation deadline leaves no orphan: the next `up` finds the hub it started.

This module's provider is configured with a one-second `iothub:operationTimeout` (the Python host configures
a provider once per process, so it gets its own process). That second passes in real time, in the provider's
process; the emulator's provisioning does not: the test advances the emulator's clock instead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.errors import ProviderError
from harness.process import ProviderProcess
from harness.stack import SimulatedStack
from harness.wire import Secret
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID
from tests.lifecycle.arm import Arm
from tests.lifecycle.conftest import PROJECT
from tests.lifecycle.programs import HUB, HUB_NAME, group_resource, hub_program


@pytest.fixture(scope="module")
def provider() -> Iterator[ProviderProcess]:
    """This module's own process, in place of the session's (tests/conftest.py): other provider settings."""
    with ProviderProcess(project=PROJECT) as process:
        yield process


@pytest.fixture
def impatient_stack(provider: ProviderProcess, emulator: EmulatorServer,
                    resource_group: str) -> SimulatedStack:
    config: dict[str, str | Secret] = {
        "iothub:armEndpoint": emulator.url,
        "iothub:subscriptionId": SUBSCRIPTION_ID,
        "iothub:accessToken": Secret(emulator.token),
        "iothub:operationTimeout": "1",
    }
    return SimulatedStack(provider, project=PROJECT, stack="test", config=config)


def test_create_past_its_deadline_converges_on_the_next_up(impatient_stack: SimulatedStack, arm: Arm,
                                                           control: EmulatorControl) -> None:
    control.freeze_clock()  # provisioning never ends in real time, however slow this machine is
    control.set_provisioning("seconds", 2)

    with pytest.raises(ProviderError, match="operationResults") as failure:
        impatient_stack.up(hub_program(["analytics"]))

    assert failure.value.method == "Create"
    assert impatient_stack.state == {}
    # The abandoned create's provisioning, on the emulator's clock: no waiting for it.
    assert (arm.hub(RESOURCE_GROUP, HUB_NAME) or {})["properties"]["state"] == "Activating"
    control.advance_clock(2)
    assert (arm.hub(RESOURCE_GROUP, HUB_NAME) or {})["properties"]["state"] == "Active"
    run = impatient_stack.up(hub_program(["analytics"]))

    assert run.deployment.ops() == [("create", HUB), ("create", group_resource("analytics"))]
    assert arm.hub_names(RESOURCE_GROUP) == [HUB_NAME]
    assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "analytics"]
