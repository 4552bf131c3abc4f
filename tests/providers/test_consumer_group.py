"""The consumer-group provider: check, and create/read/delete against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_provider import ConsumerGroupProvider, IotHubProvider
from iothub_provider.client.api import ConsumerGroupRef, HubRef, IotHubApi
from iothub_provider.client.auth import StaticToken
from iothub_provider.client.settings import Settings
from iothub_provider.client.transport import Transport
from iothub_provider.errors import ArmError, OwnershipError
from iothub_provider.resources.consumer_group import same_stack
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID
from tests.providers.conftest import hub_inputs

HUB = HubRef(SUBSCRIPTION_ID, RESOURCE_GROUP, "hub-telemetry")


def group_inputs(**overrides: Any) -> dict[str, Any]:
    news = {
        "resource_group_name": RESOURCE_GROUP,
        "hub_name": HUB.name,
        "name": "analytics",
        "__provider": "p",
    }
    news.update(overrides)
    return news


def reasons(news: dict[str, Any]) -> dict[str, str]:
    return {f.property: f.reason for f in ConsumerGroupProvider().check({}, news).failures}


def test_check_defaults_the_endpoint() -> None:
    result = ConsumerGroupProvider().check({}, group_inputs())
    assert result.failures == [] and result.inputs["event_hub_endpoint_name"] == "events"


@pytest.mark.parametrize(
    ("overrides", "prop", "words"),
    [
        ({"name": "$Default"}, "name", "exists on every hub"),
        ({"name": "$default"}, "name", "exists on every hub"),
        ({"name": "bad name"}, "name", "1-50 letters"),
        ({"name": "x" * 51}, "name", "1-50 letters"),
        ({"hub_name": "-hub"}, "hub_name", "not a valid IoT hub name"),
        ({"event_hub_endpoint_name": "operationsMonitoringEvents"}, "event_hub_endpoint_name", "events"),
        ({"resource_group_name": None}, "resource_group_name", "required"),
    ],
)
def test_check_failures_name_the_property(overrides: dict[str, Any], prop: str, words: str) -> None:
    news = {k: v for k, v in group_inputs(**overrides).items() if v is not None}
    found = reasons(news)
    assert prop in found and words in found[prop]


def test_check_tolerates_an_unknown_hub_name() -> None:
    assert reasons(group_inputs(hub_name=Unknown())) == {}


@pytest.fixture
def hub(configured: Settings) -> str:
    result = IotHubProvider().create(IotHubProvider().check({}, hub_inputs()).inputs)
    return result.id


@pytest.fixture
def outside(emulator: EmulatorServer, configured: Settings) -> IotHubApi:
    return IotHubApi(Transport(configured, StaticToken(emulator.token)))


def test_create_read_delete(groups: ConsumerGroupProvider, hub: str, outside: IotHubApi) -> None:
    inputs = groups.check({}, group_inputs()).inputs
    created = groups.create(inputs)
    assert created.id == f"{hub}/eventHubEndpoints/events/ConsumerGroups/analytics"
    assert created.outs is not None and created.outs["created"] and created.outs["name"] == "analytics"
    assert created.outs["hub_name"] == HUB.name and created.outs["event_hub_endpoint_name"] == "events"
    read = groups.read(created.id, created.outs)
    assert read.id == created.id and read.outs is not None and read.outs["created"] == created.outs["created"]
    groups.delete(created.id, created.outs)
    assert [g["name"] for g in outside.list_consumer_groups(ConsumerGroupRef(HUB, "events", "x"))] == [
        "$Default"
    ]
    groups.delete(created.id, created.outs)
    assert groups.read(created.id, created.outs).id == ""


def test_an_existing_group_is_not_taken_over_without_adopt(
    groups: ConsumerGroupProvider, hub: str, outside: IotHubApi
) -> None:
    outside.put_consumer_group(ConsumerGroupRef(HUB, "events", "analytics"))
    with pytest.raises(OwnershipError) as info:
        groups.create(groups.check({}, group_inputs()).inputs)
    # the provider's own decision (ARM answered 200): no HTTP status or request id is made up
    assert not isinstance(info.value, ArmError) and not hasattr(info.value, "status")
    assert "HTTP" not in str(info.value) and "x-ms-request-id" not in str(info.value)
    where = f"on IoT hub {HUB.name!r} (resource group {RESOURCE_GROUP!r})"
    assert str(info.value).startswith(f"consumer group 'analytics' already exists {where}")
    assert "set adopt=True on the ConsumerGroup" in str(info.value)
    adopted = groups.create(groups.check({}, group_inputs(adopt=True)).inputs)
    assert adopted.outs is not None and adopted.outs["name"] == "analytics"


def test_an_existing_group_is_kept_only_on_a_hub_of_the_same_stack(
    groups: ConsumerGroupProvider, hub: str, outside: IotHubApi
) -> None:
    # the hub fixture carries the owner tag of proj/dev; a cut-off create left the group behind
    outside.put_consumer_group(ConsumerGroupRef(HUB, "events", "analytics"))
    for stranger in ("proj/prod/hub-analytics", "other/dev/hub-analytics", None):
        with pytest.raises(OwnershipError, match="adopt=True"):
            groups.create(groups.check({}, group_inputs(pulumi_owner=stranger)).inputs)
    kept = groups.create(groups.check({}, group_inputs(pulumi_owner="proj/dev/hub-analytics")).inputs)
    assert kept.id == f"{hub}/eventHubEndpoints/events/ConsumerGroups/analytics"
    assert kept.outs is not None and kept.outs["pulumi_owner"] == "proj/dev/hub-analytics"


@pytest.mark.parametrize(
    ("hub_owner", "group_owner", "same"),
    [
        ("proj/dev/hub", "proj/dev/hub-analytics", True),
        ("proj/dev/hub", "proj/dev/a/b/c", True),
        ("proj/dev/hub", "proj/prod/hub-analytics", False),
        ("proj/dev/hub", "other/dev/hub-analytics", False),
        ("iothub/hub-telemetry", "iothub/hub-telemetry/x", False),
        (None, "proj/dev/x", False),
        ("proj/dev/hub", None, False),
    ],
)
def test_same_stack_compares_project_and_stack(hub_owner: Any, group_owner: Any, same: bool) -> None:
    assert same_stack(hub_owner, group_owner) is same


def test_group_is_gone_when_its_hub_is(groups: ConsumerGroupProvider, hub: str, outside: IotHubApi) -> None:
    created = groups.create(groups.check({}, group_inputs()).inputs)
    outside.delete_hub(HUB)
    assert groups.read(created.id, created.outs or {}).id == ""
    groups.delete(created.id, created.outs or {})


def test_create_waits_while_the_hub_is_not_active(
    groups: ConsumerGroupProvider, hub: str, control: EmulatorControl, sleeps: list[float]
) -> None:
    control.add_fault(kind="not_active", method="PUT", path="/ConsumerGroups/analytics", count=2)
    created = groups.create(groups.check({}, group_inputs()).inputs)
    assert created.outs is not None and created.outs["created"]
    assert sleeps == [0.5, 0.75]


def test_read_by_id_alone(groups: ConsumerGroupProvider, hub: str) -> None:
    created = groups.create(groups.check({}, group_inputs()).inputs)
    read = groups.read(created.id, {})
    assert read.outs is not None and read.outs["name"] == "analytics" and read.outs["hub_name"] == HUB.name
