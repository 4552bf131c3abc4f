"""The real CLI: changes made outside Pulumi are never clobbered; refresh shows them; deletions drop out."""

from __future__ import annotations

from typing import Any

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from tests.e2e.requests import hub_writes
from tests.lifecycle.arm import Arm, user_tags

HUB: dict[str, Any] = {"name": "e2e-drift", "partitionCount": 2, "tags": {"env": "dev"},
                       "consumerGroups": ["analytics"]}


def test_an_update_after_a_change_elsewhere_fails_naming_refresh_and_clobbers_nothing(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": {"drift": HUB}})
    project.up()
    arm.set_capacity(resource_group, "e2e-drift", 3)
    project.set_program_config({"hubs": {"drift": {**HUB, "retentionDays": 3}}})

    control.clear_requests()
    refused = project.up(check=False)
    assert refused.code != 0
    assert "pulumi refresh" in refused.output, refused
    assert "412" in refused.output, refused
    live = arm.hub(resource_group, "e2e-drift")
    assert live is not None
    assert live["sku"]["capacity"] == 3
    assert live["properties"]["eventHubEndpoints"]["events"]["retentionTimeInDays"] == 1

    refreshed = project.refresh()
    assert refreshed.steps() == {"drift": {"updated"}}, refreshed
    assert project.resource("drift")["outputs"]["sku"]["capacity"] == 3

    project.up()
    live = arm.hub(resource_group, "e2e-drift")
    assert live is not None
    assert live["properties"]["eventHubEndpoints"]["events"]["retentionTimeInDays"] == 3
    assert live["sku"]["capacity"] == 1  # the program's value, now that Pulumi has seen the change
    assert user_tags(live) == {"env": "dev"}


def test_a_hub_deleted_elsewhere_drops_out_on_refresh(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": {"drift": HUB}})
    project.up()
    arm.delete_hub(resource_group, "e2e-drift")

    refreshed = project.refresh()
    assert refreshed.names("deleted") == ["drift", "drift-analytics"], refreshed
    assert [r for r in project.resources() if r.get("custom") and "dynamic" in r["type"]] == []
    control.clear_requests()
    recreated = project.up()
    assert recreated.names("created") == ["drift", "drift-analytics"], recreated
    assert [r["method"] for r in hub_writes(control, "e2e-drift")] == ["PUT"]
    assert arm.consumer_groups(resource_group, "e2e-drift") == ["$Default", "analytics"]


def test_refresh_of_an_unchanged_stack_changes_nothing_and_preview_then_expects_no_change(
        project: PulumiProject, control: EmulatorControl) -> None:
    project.set_program_config({"hubs": {"drift": HUB}})
    project.up()
    refreshed = project.refresh()
    assert refreshed.steps() == {}, refreshed
    control.clear_requests()
    assert project.preview("--expect-no-changes").code == 0
    assert control.requests() == []
