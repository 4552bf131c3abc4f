"""The real CLI deploying a fleet in both arrangements: every hub on Pulumi's one default provider, widened to
iothub:providerCalls (the default, iothub:providerProcesses 1; its own test is tests/e2e/test_call_pool.py),
and hubs spread over several provider processes (the opt-in, iothub:providerProcesses 16 here).

What is asserted is what happened, never how long it took (wall time is bench/cli_engine.py's): which
provider processes the engine sent each hub's calls to (the gRPC log), that more than four hub creates were
under way at once (every hub PUT reached the emulator before any hub's create finished), that an existing
stack moves between the arrangements, either way, with no write at all and nothing replaced, that refresh and
destroy work from the state before and after a move, that a throttled burst and a cut-off up both converge
in either arrangement.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

from harness.cli import PulumiProject, Result
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from tests.e2e.interrupt import converge, cut_off_up
from tests.e2e.requests import writes
from tests.lifecycle.arm import OWNER_TAG, Arm

DEFAULT_PROVIDER = "pulumi:providers:pulumi-python::default"
HUB_TYPE = "iothub:IotHub"
GROUP_TYPE = "iothub:ConsumerGroup"


def fleet(prefix: str, count: int, *, groups: tuple[str, ...] = ()) -> dict[str, Any]:
    return {f"{prefix}{i}": {"name": f"e2e-{prefix}{i}", "partitionCount": 2, "consumerGroups": list(groups)}
            for i in range(count)}


def provider_of(resource: dict[str, Any]) -> str:
    """`pulumi:providers:pulumi-python::<name>` of a resource in the exported state."""
    urn = str(resource["provider"]).rsplit("::", 1)[0]
    return "::".join(urn.split("::")[2:])


PLACEMENT = {"fleet0": 11, "fleet1": 4, "fleet2": 2, "fleet3": 11, "fleet4": 7, "fleet5": 7,
             "move0": 15, "move1": 13, "move2": 8}
"""The instance the documented rule puts these hubs on with 16 instances (README, "Deploying a fleet": the
SHA-256 of the hub's Pulumi name, its first 8 bytes big-endian, modulo 16), worked out once with
hashlib apart from the provider's code and written down: a change of placement, which would move existing
hubs, fails here instead of being followed."""


def instance_of(key: str) -> str:
    """The provider instance a hub named `key` is placed on with iothub:providerProcesses 16."""
    return f"pulumi:providers:pulumi-python::iothub-{PLACEMENT[key]}"


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def pids_by_resource(calls: list[dict[str, Any]], method: str) -> dict[str, set[int]]:
    """Per Pulumi resource name, the provider processes that served its `method` calls."""
    pids: dict[str, set[int]] = defaultdict(set)
    for call in calls:
        if call["method"] == method and not call.get("error"):
            pids[resource_name(call["request"]["urn"])].add(call["pid"])
    return dict(pids)


def dynamic_resources(project: PulumiProject) -> dict[str, dict[str, Any]]:
    return {resource_name(r["urn"]): r for r in project.resources()
            if r["type"].endswith((HUB_TYPE, GROUP_TYPE))}


SPREAD = 16
"""The spread as the earlier default had it (PLACEMENT is worked out for it)."""


def set_processes(project: PulumiProject, value: int | None) -> None:
    """`pulumi config set iothub:providerProcesses <value>`; None removes a value set before (the default is
    1: one provider)."""
    if value is None:
        project.run("config", "rm", "--stack", project.stack, "iothub:providerProcesses")
    else:
        project.run("config", "set", "--stack", project.stack, "iothub:providerProcesses", str(value))


def summary(result: Result) -> str:
    return result.stdout.split("Resources:")[-1]


ARRANGEMENT = pytest.mark.parametrize("processes", [None, SPREAD], ids=["default-provider", "spread"])
"""Tests that hold for both arrangements: the default (one provider, widened) and the spread."""


def test_a_spread_fleet_runs_more_than_four_hub_creates_at_once_over_several_processes(
        project: PulumiProject, control: EmulatorControl, emulator: EmulatorServer, arm: Arm,
        resource_group: str) -> None:
    hubs = fleet("fleet", 6, groups=("analytics",))
    project.set_program_config({"hubs": hubs})
    set_processes(project, SPREAD)
    # Long enough that every create is dispatched before the first one finishes, even on a busy machine.
    control.set_provisioning("seconds", 8)
    control.clear_requests()
    project.up()
    control.set_provisioning("immediate")

    # Every hub is on the instance its name hashes to, its consumer group with it; no default provider.
    state = dynamic_resources(project)
    for key in hubs:
        assert provider_of(state[key]) == provider_of(state[f"{key}-analytics"]) == instance_of(key)
    assert not any(r["urn"].endswith(DEFAULT_PROVIDER) for r in project.resources())

    # The engine sent the hubs' creates to several processes, each group's to its hub's process.
    creates = pids_by_resource(project.engine_calls(), "Create")
    hub_pids = {key: creates[key] for key in hubs}
    assert all(len(pids) == 1 for pids in hub_pids.values()), hub_pids
    assert len(set().union(*hub_pids.values())) >= 2, hub_pids
    for key in hubs:
        assert creates[f"{key}-analytics"] == hub_pids[key]

    # More than four hub creates were under way at once: all six PUTs came before any create finished
    # (its first look at the keys, which comes only once the hub is active).
    log = control.requests()
    puts = [i for i, r in enumerate(log) if r["method"] == "PUT" and r["status"] in (200, 201)
            and r["path"].lower().rsplit("/", 2)[-2] == "iothubs"]
    first_keys = min(i for i, r in enumerate(log) if r["path"].lower().endswith("/listkeys"))
    assert len(puts) == 6 and max(puts) < first_keys, [(r["method"], r["path"]) for r in log]

    # The token reaches every instance as a secret input: encrypted in the state, never in plain text.
    exported = project.export()
    assert emulator.token not in exported
    instances = [r for r in json.loads(exported)["deployment"]["resources"]
                 if r["type"] == "pulumi:providers:pulumi-python"]
    assert instances and all("ciphertext" in r["inputs"]["iothub:accessToken"] for r in instances)

    # Refresh and destroy run from the state: each instance configured from its stored inputs.
    project.clear_engine_calls()
    control.clear_requests()
    refresh = project.refresh()
    assert "~" not in summary(refresh), refresh
    assert writes(control) == []
    project.clear_engine_calls()
    project.destroy()
    assert arm.hub_names(resource_group) == []
    deletes = pids_by_resource(project.engine_calls(), "Delete")
    assert len({pid for key in hubs for pid in deletes[key]}) >= 2, deletes


def test_an_existing_stack_moves_onto_the_instances_without_any_write(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    hubs = fleet("move", 3, groups=("analytics", "alerts"))
    project.set_program_config({"hubs": hubs})
    project.up()  # the default: every resource on the default provider
    before = dynamic_resources(project)
    assert {provider_of(r) for r in before.values()} == {DEFAULT_PROVIDER}

    # Refresh with the spread set (the program does not run: providers come from the state).
    set_processes(project, SPREAD)
    control.clear_requests()
    project.refresh()
    assert writes(control) == []

    preview = project.preview()
    assert preview.steps() == {} and "to delete" not in preview.stdout, preview
    control.clear_requests()
    moved = project.up()
    assert writes(control) == [], writes(control)
    after = dynamic_resources(project)
    instances = {provider_of(r) for r in after.values()}
    # Created: the instances; unchanged: every hub and group, and the stack; nothing replaced or updated.
    assert f"+ {len(instances)} created" in summary(moved), moved
    assert f"{len(before) + 1} unchanged" in summary(moved), moved
    assert "replaced" not in summary(moved) and "updated" not in summary(moved), moved
    assert {key: r["id"] for key, r in after.items()} == {key: r["id"] for key, r in before.items()}
    for key in hubs:
        assert provider_of(after[key]) == provider_of(after[f"{key}-alerts"]) == instance_of(key)
    assert not any(r["urn"].endswith(DEFAULT_PROVIDER) for r in project.resources())

    # Adding a hub moves no other one; then a no-op up and a refresh of the moved stack.
    project.set_program_config({"hubs": {**hubs, "move9": fleet("move", 10)["move9"]}})
    project.up()
    grown = dynamic_resources(project)
    assert all(provider_of(grown[key]) == provider_of(after[key]) for key in after)
    control.clear_requests()
    again = project.up()
    assert writes(control) == [], writes(control)
    assert not any(word in summary(again) for word in ("created", "updated", "replaced", "deleted")), again
    project.refresh()
    assert writes(control) == []
    project.destroy()
    assert arm.hub_names(resource_group) == []


def test_a_stack_on_the_earlier_default_spread_moves_back_to_the_default_provider_without_any_write(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    hubs = fleet("move", 3, groups=("analytics", "alerts"))
    project.set_program_config({"hubs": hubs})
    set_processes(project, SPREAD)  # as the default before this change placed every hub
    project.up()
    before = dynamic_resources(project)
    instances = {provider_of(r) for r in before.values()}
    assert instances == {instance_of(key) for key in hubs}

    # The setting removed: the default. Refresh runs from the state, on the instances.
    set_processes(project, None)
    control.clear_requests()
    refresh = project.refresh()
    assert writes(control) == [] and "~" not in summary(refresh), refresh

    # The preview moves no hub or group anywhere but to the default provider: nothing of ours is created,
    # updated, replaced or deleted; only the instances no hub uses any more are to be deleted.
    preview = project.preview()
    assert preview.steps() == {} and "replace" not in preview.stdout, preview
    assert f"- {len(instances)} to delete" in summary(preview), preview
    control.clear_requests()
    moved = project.up()
    assert writes(control) == [], writes(control)
    assert moved.steps() == {}, moved
    assert f"- {len(instances)} deleted" in summary(moved), moved
    assert f"{len(before) + 1} unchanged" in summary(moved), moved
    assert "replaced" not in summary(moved) and "updated" not in summary(moved), moved
    after = dynamic_resources(project)
    assert {provider_of(r) for r in after.values()} == {DEFAULT_PROVIDER}
    assert {key: r["id"] for key, r in after.items()} == {key: r["id"] for key, r in before.items()}
    assert not any(r["type"] == "pulumi:providers:pulumi-python" and not r["urn"].endswith("::default")
                   for r in project.resources())

    # Settled: a no-op up writes nothing and changes nothing; destroy from the moved state.
    control.clear_requests()
    again = project.up()
    assert writes(control) == [], writes(control)
    assert not any(word in summary(again) for word in ("created", "updated", "replaced", "deleted")), again
    project.destroy()
    assert arm.hub_names(resource_group) == []


def test_a_stack_on_the_earlier_default_spread_is_refreshed_and_destroyed_by_the_new_default(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": fleet("old", 2, groups=("analytics",))})
    set_processes(project, SPREAD)
    project.up()
    set_processes(project, None)
    control.clear_requests()
    project.refresh()
    assert writes(control) == []
    project.destroy()
    assert arm.hub_names(resource_group) == []
    assert dynamic_resources(project) == {}


@ARRANGEMENT
def test_a_throttled_burst_of_hub_creates_is_waited_out(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str,
        processes: int | None) -> None:
    hubs = fleet("busy", 6)
    project.set_program_config({"hubs": hubs})
    if processes is not None:  # else the default
        set_processes(project, processes)
    control.add_fault(kind="throttle", method="PUT", path="/IotHubs/", count=8, retry_after=1)
    project.up()
    assert arm.hub_names(resource_group) == sorted(hub["name"] for hub in hubs.values())
    throttled = [r for r in control.requests() if r["status"] == 429]
    assert len(throttled) == 8


@ARRANGEMENT
def test_a_fleet_up_cut_off_mid_way_converges_on_one_owned_hub_each(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str,
        processes: int | None) -> None:
    hubs = fleet("cut", 3, groups=("analytics",))
    project.set_program_config({"hubs": hubs})
    if processes is not None:  # else the default
        set_processes(project, processes)
    control.set_provisioning("seconds", 4)
    cut_off_up(project, control, "e2e-cut0")
    control.set_provisioning("immediate")

    runs = converge(project)
    assert runs[-1].code == 0, runs[-1]
    assert arm.hub_names(resource_group) == sorted(hub["name"] for hub in hubs.values())
    for key, hub in hubs.items():
        live = arm.hub(resource_group, hub["name"])
        assert live is not None and live["tags"][OWNER_TAG] == f"iothub-provider/e2e/{key}"
        assert arm.consumer_groups(resource_group, hub["name"]) == ["$Default", "analytics"]
    state = dynamic_resources(project)
    assert sorted(state) == sorted([*hubs, *(f"{key}-analytics" for key in hubs)])
    assert (json.loads(project.export())["deployment"].get("pending_operations") or []) == []
    control.clear_requests()
    project.up()
    assert writes(control) == []


def test_a_bad_process_bound_fails_preview_naming_the_setting(
        project: PulumiProject, control: EmulatorControl) -> None:
    project.set_program_config({"hubs": fleet("bad", 1)})
    set_processes(project, 0)
    control.clear_requests()
    preview = project.preview(check=False)
    assert preview.code != 0 and "iothub:providerProcesses" in preview.output, preview
    assert control.requests() == []
