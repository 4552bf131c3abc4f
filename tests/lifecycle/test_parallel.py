"""Independent steps run concurrently, as in the engine (the Python provider host serves four calls at once):
four hub creates really run at once in one provider process, and several hubs and their consumer groups
deploy and destroy correctly when their calls overlap."""

from __future__ import annotations

from harness.stack import SimulatedStack
from iothub_emulator.control import EmulatorControl
from iothub_provider import ConsumerGroup, IotHub
from tests.conftest import RESOURCE_GROUP
from tests.held_requests import count_held_at_once
from tests.lifecycle.arm import Arm
from tests.lifecycle.programs import BASE_HUB

HUBS = [f"iot-parallel-{n}" for n in range(4)]
GROUPS = ["analytics", "alerts"]


def program() -> None:
    for hub_name in HUBS:
        hub = IotHub(hub_name, **{**BASE_HUB, "name": hub_name})
        for group in GROUPS:
            ConsumerGroup(f"{hub_name}-{group}", resource_group_name=RESOURCE_GROUP, hub_name=hub.name,
                          name=group)


def test_hubs_and_consumer_groups_deploy_concurrently(stack: SimulatedStack, control: EmulatorControl,
                                                      arm: Arm) -> None:
    parallel = SimulatedStack(stack.provider, project=stack.engine.project, stack="parallel",
                              config=stack.config, parallel=True)
    # The emulator holds each hub PUT for a second and counts how many it held before it let one through: the
    # creates overlap without any provisioning time.
    creates_at_once = count_held_at_once(control, "PUT", len(HUBS), 1.0,
                                         lambda: bool(arm.hub_names(RESOURCE_GROUP)), timeout=10)

    run = parallel.up(program)

    assert creates_at_once() == len(HUBS), "the provider process did not run the four hub creates at once"
    assert run.deployment.max_in_flight >= len(HUBS)
    assert sorted(op for op, _ in run.deployment.ops()) == ["create"] * (len(HUBS) * (1 + len(GROUPS)))
    assert arm.hub_names(RESOURCE_GROUP) == HUBS
    for hub_name in HUBS:
        assert arm.consumer_groups(RESOURCE_GROUP, hub_name) == ["$Default", "alerts", "analytics"]
        assert parallel.resource(hub_name).outputs["host_name"].startswith(hub_name)

    parallel.destroy()

    assert arm.hub_names(RESOURCE_GROUP) == []
