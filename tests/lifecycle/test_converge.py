"""Creates cut off half way (the provider process killed after Azure accepted the PUT) converge on the next
`up` without `adopt`: the hub by its owner tag, a consumer group because it sits on a hub this stack owns.
On any other hub an existing consumer group is only taken with `adopt=True`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pulumi
import pytest

from harness.errors import ProviderError
from harness.process import ProviderProcess
from harness.stack import SimulatedStack
from harness.wire import Secret
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_provider import ConsumerGroup, IotHub
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID
from tests.lifecycle.arm import Arm
from tests.lifecycle.conftest import PROJECT
from tests.lifecycle.programs import HUB, HUB_NAME, group_resource, hub_program

WAIT_LIMIT = 10.0


class KillableProvider(ProviderProcess):
    """A provider process that can die as an OOM kill or a lost CI runner ends it."""

    def kill(self) -> None:
        self._proc.kill()
        self._proc.wait()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def provider_config(emulator: EmulatorServer) -> dict[str, str | Secret]:
    return {
        "iothub:armEndpoint": emulator.url,
        "iothub:subscriptionId": SUBSCRIPTION_ID,
        "iothub:accessToken": Secret(emulator.token),
    }


def kill_once_held(provider: KillableProvider, control: EmulatorControl, rule: str) -> threading.Thread:
    """SIGKILL the provider while the emulator holds the request the fault rule matched."""

    def run() -> None:
        wait_until(lambda: any(r["id"] == rule and r["fired"] for r in control.faults()), "the held PUT")
        provider.kill()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_group_create_killed_after_azure_accepted_it_converges_without_adopt(
        emulator: EmulatorServer, resource_group: str, control: EmulatorControl, arm: Arm) -> None:
    config = provider_config(emulator)
    first = KillableProvider(project=PROJECT)
    with first:
        stack = SimulatedStack(first, project=PROJECT, stack="test", config=config)
        stack.up(hub_program())
        held = control.add_fault(kind="delay", method="PUT", path="/ConsumerGroups/analytics", delay=0.5)
        killer = kill_once_held(first, control, held)

        with pytest.raises(ProviderError) as failure:
            stack.up(hub_program(["analytics"]))
        killer.join(timeout=WAIT_LIMIT)

    assert failure.value.method == "Create"
    assert group_resource("analytics") not in {res.name for res in stack.state.values()}
    wait_until(lambda: "analytics" in arm.consumer_groups(RESOURCE_GROUP, HUB_NAME),
               "the emulator to finish the PUT the dead provider sent")

    with ProviderProcess(project=PROJECT) as second:  # the next `pulumi up` starts a new provider process
        again = SimulatedStack(second, project=PROJECT, stack="test", config=config)
        again.engine.state = stack.engine.state
        run = again.up(hub_program(["analytics"]))

        assert run.deployment.ops() == [("same", HUB), ("create", group_resource("analytics"))]
        group = again.resource(group_resource("analytics"))
        assert group.id.endswith("/ConsumerGroups/analytics") and group.outputs["created"]
        assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "analytics"]
        wait_until(lambda: "continuing with it" in second.output(), "the provider's warning")

        again.destroy()

    assert arm.hub(RESOURCE_GROUP, HUB_NAME) is None


def test_a_hub_create_killed_after_azure_accepted_it_converges(
        emulator: EmulatorServer, resource_group: str, control: EmulatorControl, arm: Arm) -> None:
    config = provider_config(emulator)
    first = KillableProvider(project=PROJECT)
    with first:
        stack = SimulatedStack(first, project=PROJECT, stack="test", config=config)
        held = control.add_fault(kind="delay", method="PUT", path_regex=f"/IotHubs/{HUB_NAME}$", delay=0.5)
        killer = kill_once_held(first, control, held)

        with pytest.raises(ProviderError) as failure:
            stack.up(hub_program(["analytics"]))
        killer.join(timeout=WAIT_LIMIT)

    assert failure.value.method == "Create" and stack.state == {}
    wait_until(lambda: arm.hub(RESOURCE_GROUP, HUB_NAME) is not None, "the PUT the dead provider sent")

    with ProviderProcess(project=PROJECT) as second:
        again = SimulatedStack(second, project=PROJECT, stack="test", config=config)
        run = again.up(hub_program(["analytics"]))

        assert run.deployment.ops() == [("create", HUB), ("create", group_resource("analytics"))]
        live = arm.hub(RESOURCE_GROUP, HUB_NAME)
        assert live is not None and again.resource(HUB).id == live["id"]
        assert arm.hub_names(RESOURCE_GROUP) == [HUB_NAME]
        again.destroy()

    assert arm.hub_names(RESOURCE_GROUP) == []


def test_an_existing_group_on_a_hub_of_another_stack_needs_adopt(stack: SimulatedStack, arm: Arm) -> None:
    other = SimulatedStack(stack.provider, project=PROJECT, stack="other", config=stack.config)
    other.up(hub_program(["analytics"]))
    hub_id = other.resource(HUB).id

    def program(adopt: bool | None) -> Callable[[], None]:
        def run() -> None:
            hub = IotHub.get("existing", hub_id)
            ConsumerGroup("reader", resource_group_name=RESOURCE_GROUP, hub_name=hub.name, name="analytics",
                          adopt=adopt)
            pulumi.export("hub", hub.name)

        return run

    with pytest.raises(ProviderError, match="adopt=True") as failure:
        stack.up(program(None))

    assert failure.value.method == "Create"
    assert "reader" not in {res.name for res in stack.state.values()}
    run = stack.up(program(True))
    assert ("create", "reader") in run.deployment.ops()
    assert stack.resource("reader").id == f"{hub_id}/eventHubEndpoints/events/ConsumerGroups/analytics"
    assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "analytics"]
