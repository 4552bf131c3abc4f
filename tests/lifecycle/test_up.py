"""`pulumi up`: create, no-change, in-place and tag-only updates, removal from the program, and conflicts."""

from __future__ import annotations

from typing import Any

import pytest

from harness.errors import CheckFailed, ProviderError
from harness.stack import SimulatedStack
from iothub_emulator.control import EmulatorControl
from tests.conftest import RESOURCE_GROUP
from tests.lifecycle.arm import Arm, user_tags
from tests.lifecycle.conftest import PROJECT
from tests.lifecycle.programs import HUB, HUB_NAME, group_resource, hub_program

HUB_OUTPUTS = ("id", "name", "etag", "host_name", "event_hub_endpoint", "event_hub_path",
               "event_hub_partition_ids", "provisioning_state", "state")


def writes(control: EmulatorControl) -> list[dict[str, Any]]:
    return [r for r in control.requests() if r["method"] in ("PUT", "PATCH", "DELETE")]


def test_up_creates_the_hub_and_its_consumer_groups(stack: SimulatedStack, arm: Arm,
                                                    control: EmulatorControl) -> None:
    control.clear_requests()

    run = stack.up(hub_program(["analytics", "alerts"]))

    assert run.deployment.ops() == [("create", HUB), ("create", group_resource("analytics")),
                                    ("create", group_resource("alerts"))]
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["properties"]["state"] == "Active"
    assert live["sku"]["name"] == "S1" and user_tags(live) == {"env": "test"}
    hub = stack.resource(HUB)
    assert set(HUB_OUTPUTS) <= set(hub.outputs)
    assert hub.id == live["id"] and hub.outputs["etag"] == live["etag"]
    assert hub.outputs["host_name"] == live["properties"]["hostName"]
    assert hub.outputs["partition_count"] == 2 and hub.outputs["resource_group_name"] == RESOURCE_GROUP
    assert run.exports["hostName"] == live["properties"]["hostName"]
    assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "alerts", "analytics"]
    assert "created" in stack.resource(group_resource("alerts")).outputs
    hub_put = next(r for r in writes(control) if r["method"] == "PUT" and str(r["path"]).endswith(HUB_NAME))
    assert hub_put["headers"].get("if-none-match") == "*"


def test_up_without_changes_makes_no_requests(stack: SimulatedStack, control: EmulatorControl) -> None:
    stack.up(hub_program(["analytics"]))
    outputs_before = dict(stack.resource(HUB).outputs)
    control.clear_requests()

    run = stack.up(hub_program(["analytics"]))

    assert run.deployment.ops() == [("same", HUB), ("same", group_resource("analytics"))]
    assert control.requests() == []
    assert stack.resource(HUB).outputs == outputs_before


def test_capacity_change_updates_in_place_with_the_etag_from_state(stack: SimulatedStack, arm: Arm,
                                                                    control: EmulatorControl) -> None:
    stack.up(hub_program(["analytics"]))
    hub_before = stack.resource(HUB)
    etag_before = hub_before.outputs["etag"]
    control.clear_requests()

    run = stack.up(hub_program(["analytics"], sku={"name": "S1", "capacity": 2}))

    assert run.deployment.ops() == [("update", HUB), ("same", group_resource("analytics"))]
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["sku"]["capacity"] == 2
    hub_writes = writes(control)
    assert [w["method"] for w in hub_writes] == ["PUT"]
    assert hub_writes[0]["headers"].get("if-match") == etag_before
    hub = stack.resource(HUB)
    assert hub.id == hub_before.id and hub.outputs["etag"] == live["etag"] != etag_before
    assert hub.outputs["host_name"] == hub_before.outputs["host_name"]
    assert hub.outputs["sku"] == {"name": "S1", "capacity": 2}


def test_tag_change_updates_in_place(stack: SimulatedStack, arm: Arm, control: EmulatorControl) -> None:
    stack.up(hub_program())
    hub_id, etag_before = stack.resource(HUB).id, stack.resource(HUB).outputs["etag"]
    control.clear_requests()

    run = stack.up(hub_program(tags={"env": "test", "owner": "platform"}))

    assert run.deployment.ops() == [("update", HUB)]
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and user_tags(live) == {"env": "test", "owner": "platform"}
    hub_writes = writes(control)
    assert [w["method"] for w in hub_writes] == ["PATCH"]
    assert hub_writes[0]["headers"].get("if-match") == etag_before
    assert stack.resource(HUB).outputs["etag"] == live["etag"] != etag_before
    assert stack.resource(HUB).id == hub_id
    assert stack.resource(HUB).outputs["tags"] == {"env": "test", "owner": "platform"}


def test_consumer_group_removed_from_the_program_is_deleted(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program(["analytics", "alerts"]))

    run = stack.up(hub_program(["analytics"]))

    assert run.deployment.ops()[-1] == ("delete", group_resource("alerts"))
    assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "analytics"]
    assert group_resource("alerts") not in {res.name for res in stack.state.values()}


def test_update_after_a_change_outside_pulumi_fails_and_says_to_refresh(stack: SimulatedStack,
                                                                        arm: Arm) -> None:
    stack.up(hub_program())
    arm.set_tags(RESOURCE_GROUP, HUB_NAME, {"env": "portal-edit"})

    with pytest.raises(ProviderError, match="refresh") as failure:
        stack.up(hub_program(sku={"name": "S1", "capacity": 2}))

    assert failure.value.method == "Update"
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and user_tags(live) == {"env": "portal-edit"} and live["sku"]["capacity"] == 1


def test_a_tag_only_update_after_a_change_outside_pulumi_fails_and_says_to_refresh(stack: SimulatedStack,
                                                                                   arm: Arm) -> None:
    stack.up(hub_program())
    arm.set_capacity(RESOURCE_GROUP, HUB_NAME, 2)

    with pytest.raises(ProviderError, match="pulumi refresh") as failure:
        stack.up(hub_program(tags={"env": "test", "owner": "platform"}))

    assert failure.value.method == "Update" and "412" in failure.value.details
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and user_tags(live) == {"env": "test"} and live["sku"]["capacity"] == 2
    stack.refresh()
    stack.up(hub_program(tags={"env": "test", "owner": "platform"}))
    assert user_tags(arm.hub(RESOURCE_GROUP, HUB_NAME)) == {"env": "test", "owner": "platform"}


def test_bad_input_fails_in_check_before_any_request(stack: SimulatedStack, control: EmulatorControl) -> None:
    control.clear_requests()

    with pytest.raises(CheckFailed) as failure:
        stack.up(hub_program(partition_count="four"))

    assert [prop for prop, _ in failure.value.failures] == ["partition_count"]
    assert control.requests() == []
    assert stack.state == {}


def test_a_hub_of_another_stack_is_not_taken_over(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program())
    taken = stack.resource(HUB)
    other = SimulatedStack(stack.provider, project=PROJECT, stack="other", config=stack.config)

    with pytest.raises(ProviderError) as failure:
        other.up(hub_program(tags={"env": "other"}))

    assert failure.value.method == "Create"
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and user_tags(live) == {"env": "test"} and live["etag"] == taken.outputs["etag"]


def test_a_create_cut_off_half_way_converges_on_the_next_up(stack: SimulatedStack, arm: Arm,
                                                            control: EmulatorControl) -> None:
    control.add_fault(kind="error", method="GET", path="/operationResults/", status=400, code="BadRequest",
                      message="the status poll failed", count=1)

    with pytest.raises(ProviderError) as failure:
        stack.up(hub_program(["analytics"]))
    assert failure.value.method == "Create"
    assert stack.state == {}
    assert arm.hub(RESOURCE_GROUP, HUB_NAME) is not None  # Azure accepted the hub; Pulumi recorded nothing

    run = stack.up(hub_program(["analytics"]))

    assert run.deployment.ops() == [("create", HUB), ("create", group_resource("analytics"))]
    assert arm.hub_names(RESOURCE_GROUP) == [HUB_NAME]
    assert stack.resource(HUB).id == arm.hub(RESOURCE_GROUP, HUB_NAME)["id"]  # type: ignore[index]


def test_an_unnamed_hub_keeps_its_derived_name_across_runs(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program(name=None))
    name = stack.resource(HUB).outputs["name"]
    run = stack.up(hub_program(name=None))

    assert run.deployment.ops() == [("same", HUB)]
    assert arm.hub_names(RESOURCE_GROUP) == [name]
    assert name.startswith(f"{HUB}-")

    updated = stack.up(hub_program(name=None, sku={"name": "S1", "capacity": 2}))

    assert updated.deployment.ops() == [("update", HUB)]
    assert stack.resource(HUB).outputs["name"] == name and arm.hub_names(RESOURCE_GROUP) == [name]


def test_retention_change_updates_in_place(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program())

    run = stack.up(hub_program(retention_days=3))

    assert run.deployment.ops() == [("update", HUB)]
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["properties"]["eventHubEndpoints"]["events"]["retentionTimeInDays"] == 3
