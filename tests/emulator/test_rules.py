"""Azure's rules for hubs: names, SKUs, capacity, partitions, retention, tier moves, keys, full PUT."""

from __future__ import annotations

from typing import Any

import pytest

from iothub_emulator.testing import ArmSession, hub_body
from tests.conftest import SUBSCRIPTION_ID
from tests.emulator.conftest import hub_path


def _error(arm: ArmSession, name: str, body: dict[str, Any], status: int = 400) -> dict[str, Any]:
    response = arm.call("PUT", hub_path(name), json=body)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("name", ["ab", "-hub", "hub-", "12345", "hub_underscore", "h" * 51])
def test_invalid_hub_names(arm: ArmSession, resource_group: str, name: str) -> None:
    assert _error(arm, name, hub_body())["code"] == 400002


@pytest.mark.parametrize("name", ["abc", "hub-1", "1hub", "H" * 50])
def test_valid_hub_names(arm: ArmSession, resource_group: str, name: str) -> None:
    arm.create_hub(name)


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        ({"location": "westeurope"}, 400003, "sku.name is required"),
        (hub_body(sku="X9"), 400003, "Invalid sku.name 'X9'"),
        (hub_body(sku="S1", capacity=201), 400004, "between 1 and 200"),
        (hub_body(sku="S3", capacity=11), 400004, "between 1 and 10"),
        (hub_body(sku="B3", capacity=11), 400004, "between 1 and 10"),
        (hub_body(sku="F1", capacity=2), 400004, "between 1 and 1"),
        (
            hub_body(eventHubEndpoints={"events": {"partitionCount": 1}}),
            400016,
            "Invalid PartitionCount 1 - value must be between 2 and 32",
        ),
        (hub_body(eventHubEndpoints={"events": {"partitionCount": 33}}), 400016, "between 2 and 32"),
        (
            hub_body(sku="F1", eventHubEndpoints={"events": {"partitionCount": 4}}),
            400016,
            "Invalid PartitionCount 4 - value must be between 2 and 2",
        ),
        (hub_body(eventHubEndpoints={"events": {"retentionTimeInDays": 8}}), 400005, "between 1 and 7"),
        (hub_body(eventHubEndpoints={"other": {}}), 400006, "only key is 'events'"),
        ({"sku": {"name": "S1"}}, 400001, "location is required"),
    ],
)
def test_body_validation(
    arm: ArmSession, resource_group: str, body: dict[str, Any], code: int, text: str
) -> None:
    error = _error(arm, "rule-hub", body)
    assert error["code"] == code
    assert text in error["message"]
    assert error["message"].endswith(f"errorcode: IH{code}.")


def test_unknown_location_is_refused_by_arm(arm: ArmSession, resource_group: str) -> None:
    error = _error(arm, "rule-hub", hub_body(location="moon"))
    assert error["error"]["code"] == "LocationNotAvailableForResourceType"


def test_sku_tier_is_derived_and_defaults_apply(arm: ArmSession, resource_group: str) -> None:
    arm.create_hub("tier-hub", {"location": "West Europe", "sku": {"name": "b2"}})
    hub = arm.get_hub("tier-hub")
    assert hub["location"] == "westeurope"
    assert hub["sku"] == {"name": "B2", "tier": "Basic", "capacity": 1}
    events = hub["properties"]["eventHubEndpoints"]["events"]
    assert (events["partitionCount"], events["retentionTimeInDays"]) == (4, 1)
    assert hub["properties"]["locations"] == [
        {"location": "West Europe", "role": "primary"},
        {"location": "North Europe", "role": "secondary"},
    ]
    assert hub["identity"] == {"type": "None"}
    assert "createdAt" in hub["systemData"]


def test_only_one_free_hub_per_subscription(arm: ArmSession, resource_group: str) -> None:
    arm.create_hub("free-one", hub_body(sku="F1"))
    error = _error(arm, "free-two", hub_body(sku="F1"))
    assert "max number of Iot hubs exceeded for sku = Free, max allowed = 1" in error["message"]
    arm.create_hub("paid-one", hub_body(sku="S1"))


def test_names_are_global_across_subscriptions(arm: ArmSession, resource_group: str) -> None:
    arm.create_hub("global-hub")
    other = "00000000-0000-0000-0000-000000000002"
    arm.call(
        "PUT",
        f"/subscriptions/{other}/resourcegroups/rg-other",
        api_version="2021-04-01",
        json={"location": "westeurope"},
    )
    response = arm.call("PUT", hub_path("GLOBAL-HUB", rg="rg-other", sub=other), json=hub_body())
    assert response.status_code == 409 and response.json()["code"] == 409001
    check = arm.call(
        "POST",
        f"/subscriptions/{other}/providers/Microsoft.Devices/checkNameAvailability",
        json={"name": "global-hub"},
    ).json()
    assert check == {
        "nameAvailable": False,
        "reason": "AlreadyExists",
        "message": "IotHub name 'global-hub' is not available",
    }


@pytest.mark.parametrize(
    ("first", "change", "text"),
    [
        (hub_body(), hub_body(location="northeurope"), "location cannot be changed"),
        (
            hub_body(),
            hub_body(eventHubEndpoints={"events": {"partitionCount": 8}}),
            "partitionCount cannot be changed",
        ),
        (
            hub_body(sku="F1"),
            hub_body(sku="S1", eventHubEndpoints={"events": {"partitionCount": 2}}),
            "free tier",
        ),
        (hub_body(sku="S1"), hub_body(sku="B1"), "Cannot downgrade from the Standard tier"),
    ],
)
def test_refused_changes(
    arm: ArmSession, resource_group: str, first: dict[str, Any], change: dict[str, Any], text: str
) -> None:
    arm.create_hub("move-hub", first)
    error = _error(arm, "move-hub", change)
    assert text in error["message"]


def test_allowed_changes(arm: ArmSession, resource_group: str) -> None:
    arm.create_hub("grow-hub", hub_body(sku="B1"))
    arm.create_hub(
        "grow-hub", hub_body(sku="S2", capacity=5, eventHubEndpoints={"events": {"retentionTimeInDays": 7}})
    )
    hub = arm.get_hub("grow-hub")
    assert hub["sku"] == {"name": "S2", "tier": "Standard", "capacity": 5}
    assert hub["properties"]["eventHubEndpoints"]["events"]["retentionTimeInDays"] == 7


def test_keys_never_in_get_and_preserved_when_put_omits_them(arm: ArmSession, resource_group: str) -> None:
    created = arm.create_hub("key-hub")
    assert "authorizationPolicies" not in created.json()["properties"]
    keys = arm.call("POST", hub_path("key-hub") + "/listkeys").json()["value"]
    assert [k["keyName"] for k in keys] == [
        "iothubowner",
        "service",
        "device",
        "registryRead",
        "registryReadWrite",
    ]
    hub = arm.get_hub("key-hub")
    assert "authorizationPolicies" not in hub["properties"]
    hub["tags"] = {"changed": "yes"}
    arm.create_hub("key-hub", hub)
    assert arm.call("POST", hub_path("key-hub") + "/listkeys").json()["value"] == keys


def test_put_with_policies_replaces_the_set(arm: ArmSession, resource_group: str) -> None:
    arm.create_hub("pol-hub")
    old_owner = arm.call("POST", hub_path("pol-hub") + "/IotHubKeys/iothubowner/listkeys").json()
    body = hub_body(
        authorizationPolicies=[
            {"keyName": "iothubowner", "rights": "DeviceConnect, RegistryWrite, ServiceConnect"},
            {"keyName": "custom", "rights": "RegistryRead", "primaryKey": "cHJpbWFyeQ=="},
        ]
    )
    arm.create_hub("pol-hub", body)
    keys = arm.call("POST", hub_path("pol-hub") + "/listkeys").json()["value"]
    assert [k["keyName"] for k in keys] == ["iothubowner", "custom"]
    assert keys[0]["primaryKey"] == old_owner["primaryKey"]
    assert keys[0]["rights"] == "RegistryWrite, ServiceConnect, DeviceConnect"
    assert keys[1]["primaryKey"] == "cHJpbWFyeQ=="
    missing = arm.call("POST", hub_path("pol-hub") + "/IotHubKeys/service/listkeys")
    assert missing.status_code == 404 and missing.json()["code"] == 404002


def test_full_put_falls_back_to_defaults_and_keeps_unknown_properties(
    arm: ArmSession, resource_group: str
) -> None:
    arm.create_hub(
        "full-hub", hub_body(minTlsVersion="1.2", futureFlag={"x": 1}, cloudToDevice={"maxDeliveryCount": 20})
    )
    hub = arm.get_hub("full-hub")
    assert hub["properties"]["futureFlag"] == {"x": 1}
    assert hub["properties"]["minTlsVersion"] == "1.2"
    assert hub["properties"]["cloudToDevice"] == {"maxDeliveryCount": 20}
    arm.create_hub("full-hub", hub_body())
    again = arm.get_hub("full-hub")["properties"]
    assert "futureFlag" not in again and "minTlsVersion" not in again
    assert again["cloudToDevice"]["maxDeliveryCount"] == 10


def test_patch_replaces_tags(arm: ArmSession, resource_group: str) -> None:
    arm.create_hub("tag-hub", {**hub_body(), "tags": {"key": "value1"}})
    response = arm.call("PATCH", hub_path("tag-hub"), json={"tags": {"tag1": "value1"}})
    assert response.status_code == 200
    assert "Azure-AsyncOperation" not in response.headers
    assert response.json()["tags"] == {"tag1": "value1"}
    assert arm.get_hub("tag-hub")["tags"] == {"tag1": "value1"}


def test_lists_page_with_absolute_next_links(arm: ArmSession, resource_group: str, control: Any) -> None:
    control.set_settings(page_size=2)
    for n in range(5):
        arm.create_hub(f"page-hub-{n}")
    names: list[str] = []
    url: str | None = (
        f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-test/providers/Microsoft.Devices/IotHubs"
    )
    pages = 0
    while url:
        body = arm.call("GET", url, api_version=None if url.startswith("http") else "2023-06-30").json()
        names += [h["name"] for h in body["value"]]
        url = body.get("nextLink")
        assert url is None or url.startswith(arm.url + "/subscriptions/")
        pages += 1
    assert names == [f"page-hub-{n}" for n in range(5)] and pages == 3


def test_list_under_missing_resource_group_is_404(arm: ArmSession) -> None:
    response = arm.call(
        "GET", f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/missing/providers/Microsoft.Devices/IotHubs"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ResourceGroupNotFound"


def test_the_root_certificate_choice_is_stamped_when_made_and_kept_while_unchanged(
    arm: ArmSession, resource_group: str
) -> None:
    """As a 2025 recording shows: the 201 echoes the choice, reads add when it was made."""
    chosen = hub_body(rootCertificate={"enableRootCertificateV2": True})
    created = arm.create_hub("cert-hub", chosen)
    assert created.json()["properties"]["rootCertificate"] == {"enableRootCertificateV2": True}
    first = arm.get_hub("cert-hub")["properties"]["rootCertificate"]
    assert first["enableRootCertificateV2"] is True and first["lastUpdatedTimeUtc"].endswith("Z")
    body = arm.get_hub("cert-hub")
    body["tags"] = {"touched": "yes"}
    assert arm.call("PUT", hub_path("cert-hub"), json=body).status_code == 201
    assert arm.get_hub("cert-hub")["properties"]["rootCertificate"] == first
    body = arm.get_hub("cert-hub")
    body["properties"]["rootCertificate"] = {"enableRootCertificateV2": False}
    assert arm.call("PUT", hub_path("cert-hub"), json=body).status_code == 201
    changed = arm.get_hub("cert-hub")["properties"]["rootCertificate"]
    assert changed["enableRootCertificateV2"] is False
    assert changed["lastUpdatedTimeUtc"] >= first["lastUpdatedTimeUtc"]
