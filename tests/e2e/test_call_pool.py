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

import pytest

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from tests.e2e.test_fleet import DEFAULT_PROVIDER, dynamic_resources, fleet, pids_by_resource, provider_of
from tests.held_requests import count_held_at_once
from tests.lifecycle.arm import Arm

HUBS = 8
GROUPS = ("analytics", "alerts", "archive")
"""Each hub's consumer groups: deleted before their hub, all at once, by a destroy."""
HOLD_SECONDS = 5.0
"""How long the emulator holds each hub PUT (and DELETE): long enough that every call the provider lets run at
once has sent its request before the first one is let through, even on a busy machine."""


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
    creates_at_once = count_held_at_once(control, "PUT", HUBS, HOLD_SECONDS,
                                         lambda: bool(arm.hub_names(resource_group)))

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
    deletes_at_once = (count_held_at_once(control, "DELETE", HUBS, HOLD_SECONDS,
                                          lambda: arm.hub_names(resource_group) != names)
                       if calls is None else None)
    project.destroy("--parallel", "32")
    if deletes_at_once is not None:
        assert deletes_at_once() == HUBS
    assert arm.hub_names(resource_group) == []
