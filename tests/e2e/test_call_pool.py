"""The real CLI past the dynamic-provider host's four calls: with the default arrangement (every hub on
Pulumi's one default provider) that one provider process runs eight hub creates at once, and four at a time
when iothub:providerCalls says 4 (README, "Deploying a fleet"; the mechanism is
iothub_provider.resources.call_pool).

The emulator holds every hub PUT for a few seconds (a `delay` fault), and the test counts how many it held at
once before the first one was let through; the gRPC log says which provider processes served the creates.
What is asserted is what happened, never how long it took (bench/cli_engine.py times it).
"""

from __future__ import annotations

import threading
import time

import pytest

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from tests.e2e.test_fleet import DEFAULT_PROVIDER, dynamic_resources, fleet, pids_by_resource, provider_of
from tests.lifecycle.arm import Arm

HUBS = 8
HOLD_SECONDS = 5.0
"""How long the emulator holds each hub PUT: long enough that every create the provider lets run at once has
sent its PUT before the first one is let through, even on a busy machine."""


def most_puts_held_at_once(control: EmulatorControl, arm: Arm, resource_group: str, rule: str) -> int:
    """How many hub PUTs the emulator held at once before the first was let through (a held PUT is handled
    only when its hold ends, so while no hub exists none has been)."""
    most = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not arm.hub_names(resource_group):
        most = max(most, next(int(r["fired"]) for r in control.faults() if r["id"] == rule))
        time.sleep(0.01)
    return most


@pytest.mark.parametrize("calls", [None, 4], ids=["default-calls", "four-calls"])
def test_one_default_provider_runs_as_many_hub_creates_at_once_as_the_setting_allows(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str,
        calls: int | None) -> None:
    hubs = fleet("wide", HUBS)
    project.set_program_config({"hubs": hubs})
    # The default arrangement said out loud, so that this test stays about one provider process.
    project.run("config", "set", "--stack", project.stack, "iothub:providerProcesses", "1")
    if calls is not None:
        project.run("config", "set", "--stack", project.stack, "iothub:providerCalls", str(calls))
    held = control.add_fault(kind="delay", method="PUT", path_regex=r"/IotHubs/[^/]+$", count=HUBS,
                             delay=HOLD_SECONDS)
    seen: list[int] = []
    watcher = threading.Thread(
        target=lambda: seen.append(most_puts_held_at_once(control, arm, resource_group, held)), daemon=True)
    watcher.start()

    # --parallel above the hub count: the engine's default (4 x cores) would bound it on a small machine.
    project.up("--parallel", "32")

    watcher.join(timeout=30)
    assert seen == [HUBS if calls is None else 4]
    assert arm.hub_names(resource_group) == sorted(hub["name"] for hub in hubs.values())

    # One process did it: every hub's create went to the same provider process, the default provider.
    state = dynamic_resources(project)
    assert {provider_of(r) for r in state.values()} == {DEFAULT_PROVIDER}
    creates = pids_by_resource(project.engine_calls(), "Create")
    assert len({pid for key in hubs for pid in creates[key]}) == 1, creates

    # Destroy runs from the state (no program, no Check): its deletes are widened the same way.
    control.clear_requests()
    project.destroy("--parallel", "32")
    assert arm.hub_names(resource_group) == []
