"""Consumer groups: synchronous 200s, $Default, the body rule, the limit of 20, names and endpoints."""

from __future__ import annotations

import pytest
import requests

from iothub_emulator.control import EmulatorControl
from iothub_emulator.testing import ArmSession
from tests.emulator.conftest import hub_path

CGS = hub_path("cg-hub") + "/eventHubEndpoints/events/ConsumerGroups"


@pytest.fixture
def hub(arm: ArmSession, resource_group: str) -> str:
    arm.create_hub("cg-hub")
    return "cg-hub"


def test_create_get_list_delete(arm: ArmSession, hub: str) -> None:
    created = arm.call("PUT", f"{CGS}/analytics", json={"properties": {"name": "analytics"}})
    assert created.status_code == 200
    body = created.json()
    assert body["id"].endswith("/IotHubs/cg-hub/eventHubEndpoints/events/ConsumerGroups/analytics")
    assert body["type"] == "Microsoft.Devices/IotHubs/EventHubEndpoints/ConsumerGroups"
    assert body["properties"]["properties"] == {"name": "analytics"}
    assert body["properties"]["created"].endswith(" GMT")
    assert body["etag"] is None and "ETag" not in created.headers  # as recorded
    again = arm.call("PUT", f"{CGS}/analytics", json={"properties": {"name": "analytics"}})
    assert again.status_code == 200 and again.json()["properties"]["created"] == body["properties"]["created"]
    # A GET does not nest the name a PUT sent (recorded 2022, api-version 2021-07-02).
    assert arm.call("GET", f"{CGS}/analytics").json() == {
        **body,
        "properties": {"created": body["properties"]["created"]},
    }
    listed = arm.call("GET", CGS).json()["value"]
    assert [g["name"] for g in listed] == ["$Default", "analytics"]
    deleted = arm.call("DELETE", f"{CGS}/analytics")
    assert deleted.status_code == 200
    missing = arm.call("GET", f"{CGS}/analytics")
    assert missing.status_code == 404 and missing.json()["code"] == 404013
    assert missing.json()["message"].startswith("Consumer group not found.")
    assert arm.call("DELETE", f"{CGS}/analytics").status_code == 404


def test_body_is_required(arm: ArmSession, hub: str) -> None:
    for body in (None, {}, {"properties": {}}, {"properties": {"name": ""}}):
        response = arm.call("PUT", f"{CGS}/nobody", json=body)
        assert response.status_code == 400
        error = response.json()
        assert error["code"] == 400007
        assert error["message"].startswith(
            "Consumer group name in the request body should not be null or empty."
        )


def test_default_group_is_present_and_undeletable(arm: ArmSession, hub: str) -> None:
    assert arm.call("GET", f"{CGS}/$Default").json()["name"] == "$Default"
    response = arm.call("DELETE", f"{CGS}/$Default")
    assert response.status_code == 400 and response.json()["code"] == 400013


def test_at_most_twenty_including_default(arm: ArmSession, hub: str) -> None:
    for n in range(19):
        assert arm.call("PUT", f"{CGS}/g{n}", json={"properties": {"name": f"g{n}"}}).status_code == 200
    response = arm.call("PUT", f"{CGS}/one-too-many", json={"properties": {"name": "one-too-many"}})
    assert response.status_code == 400 and response.json()["code"] == 400012
    assert len(arm.call("GET", CGS).json()["value"]) == 20


@pytest.mark.parametrize("name", ["with space", "x" * 51, "bad!char"])
def test_name_rules(arm: ArmSession, hub: str, name: str) -> None:
    response = arm.call("PUT", f"{CGS}/{name}", json={"properties": {"name": name}})
    assert response.status_code == 400 and response.json()["code"] == 400008


@pytest.mark.parametrize("name", ["a", "my.group_1-x", "x" * 50])
def test_valid_names(arm: ArmSession, hub: str, name: str) -> None:
    assert arm.call("PUT", f"{CGS}/{name}", json={"properties": {"name": name}}).status_code == 200


def test_only_the_events_endpoint(arm: ArmSession, hub: str) -> None:
    path = hub_path("cg-hub") + "/eventHubEndpoints/operationsMonitoringEvents/ConsumerGroups/x"
    response = arm.call("PUT", path, json={"properties": {"name": "x"}})
    assert response.status_code == 400 and response.json()["code"] == 400006


def test_missing_hub_is_resource_not_found(arm: ArmSession, resource_group: str) -> None:
    response = arm.call("GET", hub_path("no-hub") + "/eventHubEndpoints/events/ConsumerGroups")
    assert response.status_code == 404 and response.json()["error"]["code"] == "ResourceNotFound"


def test_groups_go_with_their_hub(arm: ArmSession, hub: str) -> None:
    arm.call("PUT", f"{CGS}/keep", json={"properties": {"name": "keep"}})
    arm.call("DELETE", hub_path("cg-hub"))
    arm.create_hub("cg-hub")
    assert [g["name"] for g in arm.call("GET", CGS).json()["value"]] == ["$Default"]


def test_a_put_of_an_unchanged_group_sees_every_change_around_it(
    arm: ArmSession, hub: str, control: EmulatorControl
) -> None:
    """A PUT that changes nothing is answered from a read the store may keep: it must still see the hub
    busy, a new spelling, the group or the hub gone, exactly as the write path would."""

    def put(name: str) -> requests.Response:
        return arm.call("PUT", f"{CGS}/{name}", json={"properties": {"name": name}})

    first = put("kept").json()
    assert put("kept").json() == first and put("kept").json() == first
    assert put("KEPT").json()["name"] == "KEPT"  # a new spelling is a write
    assert [g["name"] for g in arm.call("GET", CGS).json()["value"]] == ["$Default", "KEPT"]
    control.set_provisioning("polls", 2)
    live = arm.get_hub(hub)
    updating = {k: live[k] for k in ("location", "sku", "properties")}
    assert arm.call("PUT", hub_path(hub), json=updating).status_code == 201
    busy = put("KEPT")  # counts as the first of the two polls
    assert busy.status_code == 409 and busy.json()["code"] == 409002
    assert arm.get_hub(hub)["properties"]["state"] == "Updating"  # the second poll
    assert put("KEPT").json()["name"] == "KEPT"  # the update has ended
    assert arm.get_hub(hub)["properties"]["state"] == "Active"
    assert arm.call("DELETE", f"{CGS}/KEPT").status_code == 200
    assert put("KEPT").json()["properties"]["created"]  # created again
    control.set_provisioning("immediate")
    assert arm.call("DELETE", hub_path(hub)).status_code in (200, 202)
    gone = put("KEPT")
    assert gone.status_code == 404, gone.text
