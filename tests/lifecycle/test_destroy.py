"""`pulumi destroy`: consumer groups first, then the hub, each with the outputs stored in state."""

from __future__ import annotations

from harness.stack import SimulatedStack
from tests.conftest import RESOURCE_GROUP
from tests.lifecycle.arm import Arm
from tests.lifecycle.programs import HUB, HUB_NAME, group_resource, hub_program


def test_destroy_removes_consumer_groups_then_the_hub(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program(["analytics", "alerts"]))

    run = stack.destroy()

    methods = run.methods()
    assert sorted(methods[:2]) == [("Delete", group_resource("alerts")),
                                   ("Delete", group_resource("analytics"))]
    assert methods[2:] == [("Delete", HUB)]
    assert stack.state == {}
    assert arm.hub(RESOURCE_GROUP, HUB_NAME) is None


def test_destroy_succeeds_when_the_hub_is_already_gone(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program(["analytics"]))
    arm.delete_hub(RESOURCE_GROUP, HUB_NAME)

    run = stack.destroy()

    assert [method for method, _ in run.methods()] == ["Delete", "Delete"]
    assert stack.state == {}


def test_hub_removed_from_the_program_is_deleted_after_its_consumer_groups(stack: SimulatedStack,
                                                                           arm: Arm) -> None:
    stack.up(hub_program(["analytics"]))

    run = stack.up(lambda: None)

    assert run.deployment.methods() == [("Delete", group_resource("analytics")), ("Delete", HUB)]
    assert arm.hub(RESOURCE_GROUP, HUB_NAME) is None
    assert stack.state == {}
