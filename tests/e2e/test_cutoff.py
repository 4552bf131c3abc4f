"""The real CLI cut off with SIGKILL after the hub PUT was accepted: the next runs converge on one hub."""

from __future__ import annotations

import json
from typing import Any

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from tests.e2e.interrupt import converge, cut_off_up
from tests.lifecycle.arm import OWNER_TAG, Arm

HUB: dict[str, Any] = {"name": "e2e-cutoff", "partitionCount": 2, "consumerGroups": ["analytics"]}


def test_an_up_killed_after_the_hub_put_converges_on_exactly_one_owned_hub(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": {"cutoff": HUB}})
    control.set_provisioning("seconds", 4)
    cut_off_up(project, control, "e2e-cutoff")
    control.set_provisioning("immediate")

    runs = converge(project)
    assert [run.args[0] for run in runs] == ["refresh", "cancel", "refresh", "up", "refresh", "up"], runs
    # The up creates the hub the dead run started (found by its owner tag) and its group.
    assert runs[3].names("created") == ["cutoff", "cutoff-analytics"], runs[3]
    assert runs[-1].code == 0, runs[-1]
    assert arm.hub_names(resource_group) == ["e2e-cutoff"]
    live = arm.hub(resource_group, "e2e-cutoff")
    assert live is not None and live["tags"][OWNER_TAG] == "iothub-provider/e2e/cutoff"
    assert arm.consumer_groups(resource_group, "e2e-cutoff") == ["$Default", "analytics"]
    hubs_in_state = [r for r in project.resources() if r["type"].endswith("iothub:IotHub")]
    assert [r["outputs"]["name"] for r in hubs_in_state] == ["e2e-cutoff"]
    pending = json.loads(project.export())["deployment"].get("pending_operations") or []
    assert pending == []
    control.clear_requests()
    again = project.up()
    assert again.steps() == {}, again
