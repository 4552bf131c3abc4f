"""Replacements: a new name is created before the old hub goes; a kept name forces delete-before-replace,
and the consumer groups that hang off the hub are replaced with it (the engine's dependents fan-out)."""

from __future__ import annotations

from harness.stack import SimulatedStack
from iothub_provider import ConsumerGroup, IotHub
from tests.conftest import RESOURCE_GROUP
from tests.lifecycle.arm import Arm
from tests.lifecycle.programs import BASE_HUB, HUB, HUB_NAME, group_resource, hub_program

NEW_NAME = "iot-lifecycle-renamed"


def test_new_name_creates_the_new_hub_before_deleting_the_old(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program())
    old_id = stack.resource(HUB).id

    run = stack.up(hub_program(name=NEW_NAME))

    assert [step.detail.split()[0] for step in run.deployment.steps if step.op == "replace"] == [
        "create-before-delete"]
    assert run.deployment.methods() == [("Check", HUB), ("Diff", HUB), ("Check", HUB), ("Create", HUB),
                                        ("Delete", HUB)]
    assert arm.hub_names(RESOURCE_GROUP) == [NEW_NAME]
    hub = stack.resource(HUB)
    assert hub.id != old_id and hub.outputs["name"] == NEW_NAME
    assert hub.outputs["host_name"].startswith(NEW_NAME + ".")


def test_partition_change_deletes_before_replacing(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program())

    run = stack.up(hub_program(partition_count=4))

    replace = next(step for step in run.deployment.steps if step.op == "replace")
    assert replace.detail.startswith("delete-before-replace") and "partition_count" in replace.detail
    assert run.deployment.methods() == [("Check", HUB), ("Diff", HUB), ("Check", HUB), ("Delete", HUB),
                                        ("Create", HUB)]
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["properties"]["eventHubEndpoints"]["events"]["partitionCount"] == 4
    assert stack.resource(HUB).outputs["partition_count"] == 4
    assert len(stack.resource(HUB).outputs["event_hub_partition_ids"]) == 4


def test_hub_replaced_in_place_takes_its_consumer_groups_along(stack: SimulatedStack, arm: Arm) -> None:
    groups = ["analytics", "alerts"]
    stack.up(hub_program(groups))

    run = stack.up(hub_program(groups, location="northeurope"))

    methods = run.deployment.methods()
    hub_delete = methods.index(("Delete", HUB))
    for group in map(group_resource, groups):
        assert methods.index(("Diff", group)) < methods.index(("Delete", group)) < hub_delete
        assert hub_delete < methods.index(("Create", group))
    assert methods.index(("Create", HUB)) == hub_delete + 1
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["location"] == "northeurope"
    assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "alerts", "analytics"]
    assert {stack.resource(group_resource(g)).outputs["hub_name"] for g in groups} == {HUB_NAME}


def test_consumer_groups_follow_a_renamed_hub(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program(["analytics"]))

    stack.up(hub_program(["analytics"], name=NEW_NAME))

    assert arm.hub_names(RESOURCE_GROUP) == [NEW_NAME]
    assert arm.consumer_groups(RESOURCE_GROUP, NEW_NAME) == ["$Default", "analytics"]
    assert stack.resource(group_resource("analytics")).outputs["hub_name"] == NEW_NAME


def test_tier_downgrade_azure_refuses_replaces_the_hub(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program())

    run = stack.up(hub_program(sku={"name": "B1", "capacity": 1}))

    replace = next(step for step in run.deployment.steps if step.op == "replace")
    assert replace.detail == "delete-before-replace ['sku']"
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["sku"]["name"] == "B1"


def test_renamed_consumer_group_is_created_before_the_old_one_is_deleted(stack: SimulatedStack,
                                                                        arm: Arm) -> None:
    def program(group: str) -> None:
        hub = IotHub(HUB, **BASE_HUB)
        ConsumerGroup("reader", resource_group_name=RESOURCE_GROUP, hub_name=hub.name, name=group)

    stack.up(lambda: program("analytics"))

    run = stack.up(lambda: program("analytics-v2"))

    methods = run.deployment.methods()
    assert methods.index(("Create", "reader")) < methods.index(("Delete", "reader"))
    assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "analytics-v2"]
    assert stack.resource("reader").outputs["name"] == "analytics-v2"
