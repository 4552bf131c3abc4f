"""`pulumi refresh`: drift made outside Pulumi lands in state; a hub deleted outside Pulumi leaves it."""

from __future__ import annotations

from harness.stack import SimulatedStack
from iothub_emulator.control import EmulatorControl
from tests.conftest import RESOURCE_GROUP
from tests.lifecycle.arm import Arm, user_tags
from tests.lifecycle.programs import HUB, HUB_NAME, group_resource, hub_program


def test_refresh_records_drift_and_the_next_up_reverts_it(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program(["analytics"]))
    arm.set_tags(RESOURCE_GROUP, HUB_NAME, {"env": "portal-edit"})
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None

    refresh = stack.refresh()

    assert refresh.methods()[:2] == [("Read", HUB), ("Diff", HUB)]
    assert refresh.steps[0].detail == "DIFF_SOME"
    assert stack.resource(HUB).outputs["tags"] == {"env": "portal-edit"}
    assert stack.resource(HUB).outputs["etag"] == live["etag"]
    assert stack.resource(HUB).outputs["host_name"] == live["properties"]["hostName"]

    run = stack.up(hub_program(["analytics"]))

    assert ("update", HUB) in run.deployment.ops()
    reverted = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert reverted is not None and user_tags(reverted) == {"env": "test"}


def test_refresh_without_drift_reports_no_change(stack: SimulatedStack) -> None:
    stack.up(hub_program(["analytics"]))
    outputs_before = dict(stack.resource(HUB).outputs)

    refresh = stack.refresh()

    assert [step.detail for step in refresh.steps] == ["DIFF_NONE", "DIFF_NONE"]
    assert stack.resource(HUB).outputs == outputs_before


def test_refresh_drops_a_hub_deleted_outside_pulumi_and_up_recreates_it(stack: SimulatedStack,
                                                                        arm: Arm) -> None:
    stack.up(hub_program(["analytics"]))
    arm.delete_hub(RESOURCE_GROUP, HUB_NAME)

    refresh = stack.refresh()

    assert refresh.ops() == [("drop", HUB), ("drop", group_resource("analytics"))]
    assert stack.state == {}
    run = stack.up(hub_program(["analytics"]))
    assert run.deployment.ops() == [("create", HUB), ("create", group_resource("analytics"))]
    assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "analytics"]


def test_refresh_preview_reads_but_changes_neither_state_nor_azure(stack: SimulatedStack, arm: Arm,
                                                                   control: EmulatorControl) -> None:
    stack.up(hub_program())
    arm.set_tags(RESOURCE_GROUP, HUB_NAME, {"env": "portal-edit"})
    control.clear_requests()

    refresh = stack.refresh(preview=True)

    assert refresh.steps[0].detail == "DIFF_SOME"
    assert stack.resource(HUB).outputs["tags"] == {"env": "test"}
    assert {r["method"] for r in control.requests()} <= {"GET", "POST"}


def test_refresh_picks_up_a_capacity_change_and_up_restores_the_program_value(stack: SimulatedStack,
                                                                              arm: Arm) -> None:
    stack.up(hub_program())
    arm.set_capacity(RESOURCE_GROUP, HUB_NAME, 3)

    refresh = stack.refresh()

    assert refresh.steps[0].detail == "DIFF_SOME"
    assert stack.resource(HUB).outputs["sku"]["capacity"] == 3
    run = stack.up(hub_program())
    assert run.deployment.ops() == [("update", HUB)]
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["sku"]["capacity"] == 1


def test_refresh_drops_a_consumer_group_deleted_outside_pulumi(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program(["analytics"]))
    arm.delete_consumer_group(RESOURCE_GROUP, HUB_NAME, "analytics")

    refresh = stack.refresh()

    assert refresh.ops() == [("refresh", HUB), ("drop", group_resource("analytics"))]
    run = stack.up(hub_program(["analytics"]))
    assert run.deployment.ops() == [("same", HUB), ("create", group_resource("analytics"))]
    assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "analytics"]


def test_tags_added_in_the_portal_survive_a_refresh_and_an_update(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program())
    arm.set_tags(RESOURCE_GROUP, HUB_NAME, {"cost-center": "42"})

    stack.refresh()
    stack.up(hub_program(sku={"name": "S1", "capacity": 2}, tags={"env": "test", "team": "iot"}))

    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["sku"]["capacity"] == 2
    assert user_tags(live) == {"env": "test", "team": "iot", "cost-center": "42"}


def test_a_tag_the_program_stops_declaring_is_removed(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program(tags={"env": "test", "team": "iot"}))

    stack.up(hub_program(tags={"env": "test"}))

    assert user_tags(arm.hub(RESOURCE_GROUP, HUB_NAME)) == {"env": "test"}
