"""The real CLI: in-place updates (tags: PATCH; capacity: PUT with If-Match) keep settings made elsewhere."""

from __future__ import annotations

from typing import Any

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from tests.e2e.requests import hub_writes
from tests.lifecycle.arm import Arm, user_tags

HUB: dict[str, Any] = {"name": "e2e-updates", "partitionCount": 2, "tags": {"env": "dev"},
                       "consumerGroups": ["analytics"]}


def test_tags_patch_and_capacity_put_with_the_state_etag_keep_changes_made_elsewhere(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": {"updates": HUB}})
    project.up()
    # Made elsewhere (the portal): a tag and a shared access policy the program does not manage.
    arm.set_tags(resource_group, "e2e-updates", {"costCenter": "42"})
    arm.change_properties(resource_group, "e2e-updates",
                          authorizationPolicies=[{"keyName": "ops", "rights": "RegistryRead"}])
    project.refresh()

    project.set_program_config({"hubs": {"updates": {**HUB, "tags": {"env": "prod"}}}})
    control.clear_requests()
    tagged = project.up()
    assert tagged.steps() == {"updates": {"updated"}}, tagged
    assert [r["method"] for r in hub_writes(control, "e2e-updates")] == ["PATCH"]
    live = arm.hub(resource_group, "e2e-updates")
    assert user_tags(live) == {"env": "prod", "costCenter": "42"}

    etag_in_state = project.resource("updates")["outputs"]["etag"]
    project.set_program_config({"hubs": {"updates": {**HUB, "tags": {"env": "prod"},
                                                     "sku": {"name": "S1", "capacity": 2}}}})
    control.clear_requests()
    scaled = project.up()
    assert scaled.steps() == {"updates": {"updated"}}, scaled
    puts = hub_writes(control, "e2e-updates")
    assert [r["method"] for r in puts] == ["PUT"]
    assert puts[0]["headers"]["if-match"].strip('"') == etag_in_state
    live = arm.hub(resource_group, "e2e-updates")
    assert live is not None and live["sku"]["capacity"] == 2
    assert user_tags(live) == {"env": "prod", "costCenter": "42"}
    assert "ops" in arm.policy_names(resource_group, "e2e-updates")
    assert arm.consumer_groups(resource_group, "e2e-updates") == ["$Default", "analytics"]
