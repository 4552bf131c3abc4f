"""Existing hubs: `opts.import_` fails exactly as in the real engine (the Python dynamic-provider host cannot
import); the documented paths work: `adopt=True` takes a hub over deliberately, `IotHub.get(...)` (or
`ResourceOptions(id=...)`) reads one without ever deleting it."""

from __future__ import annotations

import pulumi
import pytest

from harness.errors import ProviderError
from harness.stack import SimulatedStack
from iothub_provider import IotHub
from tests.conftest import RESOURCE_GROUP
from tests.lifecycle.arm import OWNER_TAG, Arm, user_tags
from tests.lifecycle.conftest import PROJECT
from tests.lifecycle.programs import BASE_HUB, HUB, HUB_NAME, hub_program


@pytest.fixture
def existing_hub(stack: SimulatedStack) -> str:
    """The ARM id of a hub made by another stack (it stays out of `stack`'s state)."""
    other = SimulatedStack(stack.provider, project=PROJECT, stack="other", config=stack.config)
    other.up(hub_program())
    return other.resource(HUB).id


def test_import_option_fails_as_in_the_engine(stack: SimulatedStack, existing_hub: str, arm: Arm) -> None:
    with pytest.raises(ProviderError, match="KeyError: '__provider'") as failure:
        stack.up(hub_program(hub_opts=pulumi.ResourceOptions(import_=existing_hub)))

    assert failure.value.method == "Read"
    assert stack.state == {}
    assert arm.hub(RESOURCE_GROUP, HUB_NAME) is not None


def test_reading_an_existing_hub_by_id_works_and_destroy_leaves_it(stack: SimulatedStack, existing_hub: str,
                                                                    arm: Arm) -> None:
    def program() -> None:
        hub = IotHub("existing", **BASE_HUB, opts=pulumi.ResourceOptions(id=existing_hub))
        pulumi.export("hostName", hub.host_name)

    run = stack.up(program)

    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None
    assert run.deployment.ops() == [("read", "existing")]
    assert run.exports["hostName"] == live["properties"]["hostName"]
    assert stack.resource("existing").external
    assert stack.resource("existing").outputs["etag"] == live["etag"]

    stack.destroy()

    assert arm.hub(RESOURCE_GROUP, HUB_NAME) is not None


def test_adopt_takes_over_an_existing_hub_and_keeps_what_the_program_does_not_declare(
        stack: SimulatedStack, existing_hub: str, arm: Arm) -> None:
    arm.set_tags(RESOURCE_GROUP, HUB_NAME, {"cost-center": "42"})

    run = stack.up(hub_program(["analytics"], adopt=True, tags={"env": "adopted"}))

    assert run.deployment.ops() == [("create", HUB), ("create", "hub-analytics")]
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["id"] == existing_hub == stack.resource(HUB).id
    assert live["tags"][OWNER_TAG] == f"{PROJECT}/test/{HUB}"
    assert user_tags(live) == {"env": "adopted", "cost-center": "42"}
    assert arm.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "analytics"]


def test_get_reads_a_hub_without_managing_it(stack: SimulatedStack, existing_hub: str, arm: Arm) -> None:
    def program() -> None:
        hub = IotHub.get("existing", existing_hub)
        pulumi.export("hostName", hub.host_name)
        pulumi.export("partitions", hub.partition_count)

    run = stack.up(program)

    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None
    assert run.deployment.ops() == [("read", "existing")]
    assert run.exports == {"hostName": live["properties"]["hostName"], "partitions": 2}
    assert stack.resource("existing").external
    stack.refresh()
    stack.destroy()
    assert arm.hub(RESOURCE_GROUP, HUB_NAME) is not None
