"""Independent steps run concurrently, as in the engine (the Python provider host serves four calls at once):
four hub creates really run at once in one provider process, and several hubs and their consumer groups
deploy and destroy correctly when their calls overlap."""

from __future__ import annotations

import threading
import time

from harness.stack import SimulatedStack
from iothub_emulator.control import EmulatorControl
from iothub_provider import ConsumerGroup, IotHub
from tests.conftest import RESOURCE_GROUP
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


def watch_all_held(control: EmulatorControl, arm: Arm, rule: str) -> tuple[threading.Thread, list[bool]]:
    """Record whether all hub PUTs were held by the emulator at once, before any of them reached the backend:
    a held PUT is handled only when its hold ends, so while no hub exists, none has been let through."""
    verdict: list[bool] = []

    def fired() -> int:
        return next(int(r["fired"]) for r in control.faults() if r["id"] == rule)

    def run() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            all_held = fired() == len(HUBS)
            if arm.hub_names(RESOURCE_GROUP):  # a PUT was handled before the last one arrived
                verdict.append(False)
                return
            if all_held:
                verdict.append(True)
                return
            time.sleep(0.01)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, verdict


def test_hubs_and_consumer_groups_deploy_concurrently(stack: SimulatedStack, control: EmulatorControl,
                                                      arm: Arm) -> None:
    parallel = SimulatedStack(stack.provider, project=stack.engine.project, stack="parallel",
                              config=stack.config, parallel=True)
    # The emulator holds each hub PUT until all four have arrived (watch_all_held): the creates overlap
    # without any provisioning time.
    held = control.add_fault(kind="delay", method="PUT", path_regex=r"/IotHubs/[^/]+$", count=len(HUBS),
                             delay=1.0)
    watcher, verdict = watch_all_held(control, arm, held)

    run = parallel.up(program)

    watcher.join(timeout=10)
    assert verdict == [True], "the provider process did not run the four hub creates at once"
    assert run.deployment.max_in_flight >= len(HUBS)
    assert sorted(op for op, _ in run.deployment.ops()) == ["create"] * (len(HUBS) * (1 + len(GROUPS)))
    assert arm.hub_names(RESOURCE_GROUP) == HUBS
    for hub_name in HUBS:
        assert arm.consumer_groups(RESOURCE_GROUP, hub_name) == ["$Default", "alerts", "analytics"]
        assert parallel.resource(hub_name).outputs["host_name"].startswith(hub_name)

    parallel.destroy()

    assert arm.hub_names(RESOURCE_GROUP) == []
