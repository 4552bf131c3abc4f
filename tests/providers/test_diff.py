"""diff: explicit changes, replacements for what Azure cannot change in place; no calls."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from iothub_provider import ConsumerGroupProvider, IotHubProvider
from tests.conftest import SUBSCRIPTION_ID
from tests.providers.conftest import hub_inputs

HUB_ID = (
    f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-test"
    "/providers/Microsoft.Devices/IotHubs/hub-telemetry"
)


def checked(**overrides: Any) -> dict[str, Any]:
    result = IotHubProvider().check({}, hub_inputs(**overrides))
    assert result.failures == []
    return result.inputs


def old_outputs(**overrides: Any) -> dict[str, Any]:
    """What create returned: the inputs plus computed values (and a different pickled provider)."""
    outs = {k: v for k, v in checked(**overrides).items() if k != "__provider"}
    outs.update(
        id=HUB_ID,
        etag="AAAAAAAAAAE=",
        host_name="hub-telemetry.azure-devices.net",
        state="Active",
        subscription_id=SUBSCRIPTION_ID,
        __provider="gASVolder-pickle",
    )
    return outs


def diff(olds: dict[str, Any], news: dict[str, Any]) -> tuple[bool | None, list[str], bool | None]:
    result = IotHubProvider().diff(HUB_ID, olds, news)
    return result.changes, sorted(result.replaces or []), result.delete_before_replace


def test_no_change_is_explicit_false_even_when_the_pickle_differs() -> None:
    assert diff(old_outputs(), checked()) == (False, [], False)


def test_location_spelling_is_not_a_change() -> None:
    assert diff(old_outputs(), checked(location="West Europe"))[0] is False


def test_in_place_changes() -> None:
    assert diff(old_outputs(), checked(sku={"name": "S2", "capacity": 2.0})) == (True, [], False)
    assert diff(old_outputs(), checked(tags={"env": "prod"})) == (True, [], False)
    assert diff(old_outputs(), checked(retention_days=3.0)) == (True, [], False)
    assert diff(old_outputs(sku={"name": "B1"}), checked(sku={"name": "S1"}))[1] == []


@pytest.mark.parametrize(
    ("overrides", "replaced"),
    [
        ({"location": "northeurope"}, ["location"]),
        ({"partition_count": 4.0}, ["partition_count"]),
        ({"min_tls_version": "1.2"}, ["min_tls_version"]),
        ({"resource_group_name": "rg-other"}, ["resource_group_name"]),
        ({"subscription_id": "00000000-0000-0000-0000-000000000009"}, ["subscription_id"]),
    ],
)
def test_immutable_fields_replace_delete_first_when_the_name_is_kept(
    overrides: dict[str, Any], replaced: list[str]
) -> None:
    assert diff(old_outputs(), checked(**overrides)) == (True, replaced, True)


def test_no_longer_declaring_min_tls_version_is_not_a_replacement() -> None:
    assert diff(old_outputs(min_tls_version="1.2"), checked()) == (True, [], False)


def test_new_name_replaces_create_first() -> None:
    assert diff(old_outputs(), checked(name="hub-other")) == (True, ["name"], False)


@pytest.mark.parametrize(("before", "after"), [("S1", "B1"), ("S1", "F1"), ("F1", "S1"), ("F1", "B1")])
def test_tier_moves_azure_refuses_replace(before: str, after: str) -> None:
    olds = old_outputs(sku={"name": before}, partition_count=2.0)
    changes, replaces, dbr = diff(olds, checked(sku={"name": after}, partition_count=2.0))
    assert changes is True and "sku" in replaces and dbr is True


def test_explicit_default_subscription_is_not_a_change() -> None:
    olds = old_outputs()
    olds.pop("subscription_id")
    assert diff(olds, checked())[0] is False


def test_unknowns_count_as_changes() -> None:
    news = checked()
    news["name"] = Unknown()
    changes, replaces, dbr = diff(old_outputs(), news)
    assert changes is True and replaces == ["name"] and dbr is False
    news = checked()
    news["tags"] = Unknown()
    assert diff(old_outputs(), news) == (True, [], False)


def test_adopt_and_owner_marker_are_not_changes() -> None:
    assert diff(old_outputs(), checked(adopt=True, pulumi_owner="proj/dev/renamed"))[0] is False


GROUP = {
    "resource_group_name": "rg-test",
    "hub_name": "hub-telemetry",
    "name": "analytics",
    "event_hub_endpoint_name": "events",
}


def group_diff(olds: dict[str, Any], news: dict[str, Any]) -> tuple[bool | None, list[str], bool | None]:
    result = ConsumerGroupProvider().diff("id", {**olds, "id": "id", "created": "x"}, news)
    return result.changes, sorted(result.replaces or []), result.delete_before_replace


def test_consumer_group_unchanged() -> None:
    assert group_diff(GROUP, {**GROUP, "__provider": "p"}) == (False, [], False)


def test_consumer_group_is_replace_only() -> None:
    assert group_diff(GROUP, {**GROUP, "name": "other"}) == (True, ["name"], False)
    assert group_diff(GROUP, {**GROUP, "hub_name": "hub-2"}) == (True, ["hub_name"], True)


def test_consumer_group_replaced_when_hub_name_is_unknown() -> None:
    assert group_diff(GROUP, {**GROUP, "hub_name": Unknown()}) == (True, ["hub_name"], True)
