"""The real CLI: preview makes no calls, up creates, a second up writes nothing, destroy empties it all."""

from __future__ import annotations

from typing import Any

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from tests.e2e.requests import writes
from tests.lifecycle.arm import OWNER_TAG, Arm

ALL = ["devices", "telemetry", "telemetry-alerts", "telemetry-analytics"]
HUBS: dict[str, Any] = {
    "telemetry": {"name": "e2e-telemetry", "partitionCount": 4, "consumerGroups": ["analytics", "alerts"]},
    "devices": {"name": "e2e-devices", "sku": {"name": "B1", "capacity": 1}, "partitionCount": 2},
}


def test_preview_of_a_new_and_of_a_changed_stack_sends_no_request(
        project: PulumiProject, control: EmulatorControl) -> None:
    project.set_program_config({"hubs": HUBS})
    control.clear_requests()
    preview = project.preview()
    assert preview.steps() == {name: {"create"} for name in ALL}, preview
    assert control.requests() == []

    project.up()
    changed = {**HUBS, "telemetry": {**HUBS["telemetry"], "tags": {"team": "iot"}, "retentionDays": 2}}
    project.set_program_config({"hubs": changed})
    control.clear_requests()
    preview = project.preview()
    assert preview.steps() == {"telemetry": {"update"}}, preview
    assert control.requests() == []


def test_up_creates_hubs_and_groups_and_a_second_up_writes_nothing(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": HUBS})
    first = project.up()
    assert first.names("created") == ALL, first

    assert arm.hub_names(resource_group) == ["e2e-devices", "e2e-telemetry"]
    telemetry = arm.hub(resource_group, "e2e-telemetry")
    assert telemetry is not None
    assert telemetry["properties"]["eventHubEndpoints"]["events"]["partitionCount"] == 4
    assert telemetry["tags"][OWNER_TAG] == "iothub-provider/e2e/telemetry"
    outputs = project.outputs()
    assert outputs["hubNames"] == {"telemetry": "e2e-telemetry", "devices": "e2e-devices"}
    assert outputs["consumerGroups"] == {"telemetry": ["analytics", "alerts"], "devices": []}
    assert outputs["hostNames"]["telemetry"] == "e2e-telemetry.azure-devices.net"

    control.clear_requests()
    second = project.up()
    assert second.steps() == {}, second
    assert writes(control) == []


def test_destroy_deletes_groups_then_hubs_and_can_run_again(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": HUBS})
    project.up()
    control.clear_requests()

    destroyed = project.destroy()
    assert destroyed.names("deleted") == ALL, destroyed
    deletes = [path for method, path in writes(control) if method == "DELETE"]
    group_deletes = [i for i, path in enumerate(deletes) if "/consumergroups/" in path.lower()]
    hubs = ("/e2e-telemetry", "/e2e-devices")
    hub_deletes = [i for i, path in enumerate(deletes) if path.lower().endswith(hubs)]
    assert len(group_deletes) == 2 and len(hub_deletes) == 2, deletes
    telemetry_delete = next(i for i in hub_deletes if deletes[i].endswith("/e2e-telemetry"))
    assert max(group_deletes) < telemetry_delete, deletes
    assert arm.hub_names(resource_group) == []
    assert project.resources() == [] or all(not r.get("custom") for r in project.resources())

    again = project.destroy()
    assert again.code == 0
