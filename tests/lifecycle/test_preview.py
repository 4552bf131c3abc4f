"""`pulumi preview` tells the truth and touches nothing: only Check and Diff, and not one request to ARM."""

from __future__ import annotations

from harness.stack import SimulatedStack
from iothub_emulator.control import EmulatorControl
from iothub_provider import ConsumerGroup, IotHub
from tests.conftest import RESOURCE_GROUP
from tests.lifecycle.arm import Arm
from tests.lifecycle.programs import BASE_HUB, HUB, HUB_NAME, group_resource, hub_program


def test_preview_of_a_new_stack_makes_no_requests(stack: SimulatedStack, control: EmulatorControl,
                                                  arm: Arm) -> None:
    control.clear_requests()

    run = stack.preview(hub_program(["analytics"]))

    assert run.deployment.ops() == [("create", HUB), ("create", group_resource("analytics"))]
    assert {method for method, _ in run.deployment.methods()} == {"Check"}
    assert control.requests() == []
    assert stack.state == {}
    assert arm.hub(RESOURCE_GROUP, HUB_NAME) is None


def test_preview_of_changes_makes_no_requests_and_changes_nothing(stack: SimulatedStack,
                                                                  control: EmulatorControl, arm: Arm) -> None:
    stack.up(hub_program(["analytics"]))
    live_before = arm.hub(RESOURCE_GROUP, HUB_NAME)
    control.clear_requests()

    run = stack.preview(hub_program(["analytics"], sku={"name": "S1", "capacity": 2}, tags={"env": "prod"}))

    assert run.deployment.ops() == [("update", HUB), ("same", group_resource("analytics"))]
    assert {method for method, _ in run.deployment.methods()} == {"Check", "Diff"}
    assert control.requests() == []
    assert arm.hub(RESOURCE_GROUP, HUB_NAME) == live_before


def test_preview_of_a_hub_replacement_shows_its_consumer_groups_replaced(stack: SimulatedStack,
                                                                         control: EmulatorControl) -> None:
    stack.up(hub_program(["analytics"]))
    control.clear_requests()

    run = stack.preview(hub_program(["analytics"], partition_count=4))

    replace = [step for step in run.deployment.steps if step.name == HUB]
    assert replace[0].op == "replace" and "partition_count" in replace[0].detail
    assert replace[0].detail.startswith("delete-before-replace")
    assert ("delete-replaced", group_resource("analytics")) in run.deployment.ops()
    assert control.requests() == []


def test_preview_accepts_values_other_resources_compute_later(stack: SimulatedStack,
                                                              control: EmulatorControl) -> None:
    def program() -> None:
        first = IotHub("first", **{**BASE_HUB, "name": "iot-preview-first"})
        IotHub("second", **{**BASE_HUB, "name": "iot-preview-second", "tags": {"peer": first.host_name}})
        ConsumerGroup("derived", resource_group_name=RESOURCE_GROUP, hub_name=first.name,
                      name=first.event_hub_path.apply(lambda path: f"{path}-reader"))

    control.clear_requests()

    run = stack.preview(program)

    assert run.deployment.ops() == [("create", "first"), ("create", "second"), ("create", "derived")]
    assert control.requests() == []
