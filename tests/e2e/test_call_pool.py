"""The real CLI past the dynamic-provider host's four calls: with the default arrangement (every hub on
Pulumi's one default provider) that one provider process runs eight hub creates at once, and a destroy eight
hub deletes at once after their consumer groups', and four creates at a time when iothub:providerCalls says 4
(README, "Deploying a fleet"; the mechanism is iothub_provider.resources.call_pool).

The emulator holds every hub PUT (then DELETE) for a few seconds (a `delay` fault), and the test counts how
many it held at once before the first one was let through; the gRPC log says which provider processes served
the creates.
What is asserted is what happened, never how long it took (bench/cli_engine.py times it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from tests.e2e.test_fleet import DEFAULT_PROVIDER, dynamic_resources, fleet, pids_by_resource, provider_of
from tests.lifecycle.arm import Arm

HUBS = 8
GROUPS = ("analytics", "alerts", "archive")
"""Each hub's consumer groups: deleted before their hub, all at once, by a destroy."""
HOLD_SECONDS = 5.0
"""How long the emulator holds each hub PUT: long enough that every create the provider lets run at once has
sent its PUT before the first one is let through, even on a busy machine."""


def most_held_at_once(control: EmulatorControl, rule: str, first_let_through: Callable[[], bool]) -> int:
    """How many hub requests the emulator held at once (`rule`, a delay) before the first was let through
    (a held request is handled only when its hold ends)."""
    most = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not first_let_through():
        most = max(most, next(int(r["fired"]) for r in control.faults() if r["id"] == rule))
        time.sleep(0.01)
    return most


def watch(control: EmulatorControl, method: str, first_let_through: Callable[[], bool]) -> Callable[[], int]:
    """Hold the next HUBS hub requests of `method` and count, in a thread, how many were held at once; the
    returned function waits for that count."""
    held = control.add_fault(kind="delay", method=method, path_regex=r"/IotHubs/[^/]+$", count=HUBS,
                             delay=HOLD_SECONDS)
    seen: list[int] = []
    watcher = threading.Thread(
        target=lambda: seen.append(most_held_at_once(control, held, first_let_through)), daemon=True)
    watcher.start()

    def count() -> int:
        watcher.join(timeout=30)
        assert len(seen) == 1, "the watcher did not finish"
        return seen[0]

    return count


@pytest.mark.parametrize("calls", [None, 4], ids=["default-calls", "four-calls"])
def test_one_default_provider_runs_as_many_hub_creates_at_once_as_the_setting_allows(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str,
        calls: int | None) -> None:
    hubs = fleet("wide", HUBS, groups=GROUPS)
    project.set_program_config({"hubs": hubs})
    # The default arrangement said out loud, so that this test stays about one provider process.
    project.run("config", "set", "--stack", project.stack, "iothub:providerProcesses", "1")
    if calls is not None:
        project.run("config", "set", "--stack", project.stack, "iothub:providerCalls", str(calls))
    at_once = HUBS if calls is None else 4
    names = sorted(hub["name"] for hub in hubs.values())
    creates_at_once = watch(control, "PUT", lambda: bool(arm.hub_names(resource_group)))

    # --parallel above the hub count: the engine's default (4 x cores) would bound it on a small machine.
    project.up("--parallel", "32")

    assert creates_at_once() == at_once
    assert arm.hub_names(resource_group) == names

    # One process did it: every hub's create went to the same provider process, the default provider.
    state = dynamic_resources(project)
    assert {provider_of(r) for r in state.values()} == {DEFAULT_PROVIDER}
    creates = pids_by_resource(project.engine_calls(), "Create")
    assert len({pid for key in hubs for pid in creates[key]}) == 1, creates

    # Destroy runs from the state (no program, no Check): the groups' deletes first, a burst after which the
    # pool may count idle workers it does not have (tests/providers/test_call_pool.py), then every hub's at
    # once. (With four calls the deletes would take two holds; the creates above showed that bound.)
    deletes_at_once = (watch(control, "DELETE", lambda: arm.hub_names(resource_group) != names)
                       if calls is None else None)
    project.destroy("--parallel", "32")
    if deletes_at_once is not None:
        assert deletes_at_once() == HUBS
    assert arm.hub_names(resource_group) == []
