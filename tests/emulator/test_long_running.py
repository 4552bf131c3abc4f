"""Long-running operations as Azure runs them: PUT 201 + Azure-AsyncOperation, DELETE 202 + Location."""

from __future__ import annotations

import pytest

from iothub_emulator.control import EmulatorControl
from iothub_emulator.testing import ArmSession
from tests.conftest import SUBSCRIPTION_ID
from tests.emulator.conftest import hub_path


def test_create_answers_201_with_async_operation_only(arm: ArmSession, resource_group: str) -> None:
    response = arm.create_hub("lro-hub")
    assert response.status_code == 201
    assert "Location" not in response.headers and "Retry-After" not in response.headers
    aao = response.headers["Azure-AsyncOperation"]
    assert aao.startswith(arm.url + "/subscriptions/")
    assert "/providers/Microsoft.Devices/locations/westeurope/operationResults/" in aao
    assert aao.endswith("api-version=2023-06-30&operationSource=other&asyncinfo")
    body = response.json()
    assert body["properties"]["provisioningState"] == "Accepted"
    assert "hostName" not in body["properties"]
    assert arm.call("GET", aao, api_version=None).json() == {"status": "Succeeded"}


def test_progression_after_polls(arm: ArmSession, resource_group: str, control: EmulatorControl) -> None:
    """Every look at the operation counts as a poll: a read of the hub as much as its status URL."""
    control.set_provisioning("polls", 2)
    aao = arm.create_hub("poll-hub").headers["Azure-AsyncOperation"]
    during = arm.get_hub("poll-hub")["properties"]  # poll 1
    assert (during["state"], during["provisioningState"]) == ("Activating", "Activating")
    assert "hostName" not in during
    assert [arm.call("GET", aao, api_version=None).json()["status"] for _ in range(2)] == [
        "Running",  # poll 2
        "Succeeded",
    ]
    after = arm.get_hub("poll-hub")["properties"]
    assert (after["state"], after["provisioningState"]) == ("Active", "Succeeded")
    assert after["hostName"] == "poll-hub.azure-devices.net"


@pytest.mark.parametrize("kind", ["create", "update"])
def test_a_client_watching_only_the_hubs_provisioning_state_sees_the_operation_end(
    arm: ArmSession, resource_group: str, control: EmulatorControl, kind: str
) -> None:
    """ARM's third polling strategy: GET the resource until its provisioningState is terminal."""
    if kind == "update":
        arm.create_hub("watched-hub")
    control.set_provisioning("polls", 2)
    if kind == "update":
        body = arm.get_hub("watched-hub")
        body["sku"]["capacity"] = 2
        assert arm.call("PUT", hub_path("watched-hub"), json=body).status_code == 201
    else:
        assert arm.create_hub("watched-hub").status_code == 201
    busy = "Updating" if kind == "update" else "Activating"
    seen = [arm.get_hub("watched-hub")["properties"]["provisioningState"] for _ in range(4)]
    assert seen == [busy, busy, "Succeeded", "Succeeded"]
    assert arm.get_hub("watched-hub")["properties"]["state"] == "Active"


def test_a_delete_watched_through_the_hub_ends_in_404(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("gone-hub")
    control.set_provisioning("polls", 1)
    assert arm.call("DELETE", hub_path("gone-hub")).status_code == 202
    assert arm.get_hub("gone-hub")["properties"]["provisioningState"] == "Deleting"
    assert arm.call("GET", hub_path("gone-hub")).status_code == 404


def test_writes_refused_with_409002_count_as_polls(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    """A client that just retries its write while the hub is busy gets through once the operation ends."""
    arm.create_hub("retried-hub")
    control.set_provisioning("polls", 2)
    body = arm.get_hub("retried-hub")
    body["sku"]["capacity"] = 2
    aao = arm.call("PUT", hub_path("retried-hub"), json=body).headers["Azure-AsyncOperation"]
    tags = {"tags": {"a": "b"}}
    statuses = [arm.call("PATCH", hub_path("retried-hub"), json=tags).status_code for _ in range(3)]
    assert statuses == [409, 409, 200]
    assert arm.call("GET", aao, api_version=None).json()["status"] == "Succeeded"


def test_progression_after_seconds(arm: ArmSession, resource_group: str, control: EmulatorControl) -> None:
    control.set_provisioning("seconds", 300)
    aao = arm.create_hub("timed-hub").headers["Azure-AsyncOperation"]
    control.advance_clock(299)
    assert arm.call("GET", aao, api_version=None).json() == {"status": "Running"}
    assert arm.get_hub("timed-hub")["properties"]["state"] == "Activating"
    control.advance_clock(1)
    assert arm.get_hub("timed-hub")["properties"]["state"] == "Active"
    assert arm.call("GET", aao, api_version=None).json() == {"status": "Succeeded"}


def test_a_frozen_clock_stamps_what_is_created_and_only_advancing_it_ends_operations(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    control.freeze_clock()
    control.advance_clock(4_102_444_800 - control.clock()["now"])  # to 2100-01-01T00:00:00Z
    control.set_provisioning("seconds", 60)
    aao = arm.create_hub("stamped-hub").headers["Azure-AsyncOperation"]
    assert arm.call("GET", aao, api_version=None).json() == {"status": "Running"}
    control.advance_clock(60)
    assert arm.call("GET", aao, api_version=None).json() == {"status": "Succeeded"}
    group = arm.call(
        "PUT",
        hub_path("stamped-hub") + "/eventHubEndpoints/events/ConsumerGroups/cg1",
        json={"properties": {"name": "cg1"}},
    )
    assert group.json()["properties"]["created"] == "Fri, 01 Jan 2100 00:01:00 GMT"
    assert arm.get_hub("stamped-hub")["properties"]["state"] == "Active"
    control.reset()
    assert control.clock()["frozen"] is False and control.clock()["offset"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/clock/advance", {"seconds": -1}),
        ("POST", "/clock/advance", {"seconds": True}),
        ("PUT", "/clock", {"frozen": "yes"}),
    ],
)
def test_the_clock_refuses_to_run_backwards_or_take_bad_values(
    arm: ArmSession, control: EmulatorControl, method: str, path: str, body: dict[str, object]
) -> None:
    before = control.clock()["offset"]
    response = arm.call(method, "/_emulator" + path, api_version=None, json=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "InvalidControlRequest"
    assert control.clock()["offset"] == before


def test_writes_while_not_active_get_409002(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    control.set_provisioning("polls", 5)
    arm.create_hub("busy-hub")
    response = arm.call("PATCH", hub_path("busy-hub"), json={"tags": {"a": "b"}})
    assert response.status_code == 409
    assert response.json()["code"] == 409002
    assert response.json()["message"].startswith(
        "busy-hub is not currently in Active state. Try the request again after it is in Active state."
    )
    cg = arm.call(
        "PUT",
        hub_path("busy-hub") + "/eventHubEndpoints/events/ConsumerGroups/cg1",
        json={"properties": {"name": "cg1"}},
    )
    assert cg.status_code == 409 and cg.json()["code"] == 409002


def test_delete_answers_202_null_with_both_headers_then_location_finishes(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("del-hub")
    control.set_provisioning("polls", 2)  # the hub read below is poll 1
    response = arm.call("DELETE", hub_path("del-hub"))
    assert response.status_code == 202
    assert response.text == "null"
    assert "Retry-After" not in response.headers
    location = response.headers["Location"]
    assert response.headers["Azure-AsyncOperation"] == location + "&asyncinfo"
    during = arm.get_hub("del-hub")["properties"]
    assert (during["state"], during["provisioningState"]) == ("Deleting", "Deleting")
    running = arm.call("GET", location, api_version=None)
    assert running.status_code == 202 and running.content == b""
    done = arm.call("GET", location, api_version=None)
    assert done.status_code == 200
    assert arm.call("GET", hub_path("del-hub")).status_code == 404
    assert arm.call("GET", response.headers["Azure-AsyncOperation"], api_version=None).json() == {
        "status": "Succeeded"
    }


def test_retry_after_is_configurable(arm: ArmSession, resource_group: str, control: EmulatorControl) -> None:
    arm.create_hub("ra-hub")
    control.set_provisioning("polls", 1, retry_after=2)
    response = arm.call("DELETE", hub_path("ra-hub"))
    assert response.headers["Retry-After"] == "2"
    assert arm.call("GET", response.headers["Location"], api_version=None).headers["Retry-After"] == "2"


def test_update_put_is_a_long_running_operation_as_a_create_is(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("upd-hub")
    control.set_provisioning("polls", 2)  # the hub read below is poll 1
    body = arm.get_hub("upd-hub")
    body["sku"]["capacity"] = 2
    response = arm.call("PUT", hub_path("upd-hub"), json=body)
    assert response.status_code == 201  # as recorded: not the 200 the spec lists
    assert "Location" not in response.headers and "Retry-After" not in response.headers
    assert response.json()["properties"]["provisioningState"] == "Accepted"
    assert arm.get_hub("upd-hub")["properties"]["state"] == "Updating"
    aao = response.headers["Azure-AsyncOperation"]
    assert arm.call("GET", aao, api_version=None).json()["status"] == "Running"
    assert arm.call("GET", aao, api_version=None).json()["status"] == "Succeeded"
    assert arm.get_hub("upd-hub")["sku"]["capacity"] == 2


def test_failed_operation_reports_error_and_rolls_back(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    control.add_fault(kind="fail_operation", method="PUT", code=400123, message="Endpoint validation failed")
    response = arm.create_hub("fail-hub")
    status = arm.call("GET", response.headers["Azure-AsyncOperation"], api_version=None)
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "Failed"
    assert body["error"]["code"] == 400123 and body["error"]["httpStatusCode"] == "BadRequest"
    assert "errorcode: IH400123." in body["error"]["message"]
    assert arm.call("GET", hub_path("fail-hub")).status_code == 404


def test_resource_group_delete_removes_its_hubs_asynchronously(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("rg-hub-1")
    arm.create_hub("rg-hub-2")
    control.set_provisioning("polls", 1)
    response = arm.call(
        "DELETE",
        f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/rg-test",
        api_version="2021-04-01",
    )
    assert response.status_code == 202
    location = response.headers["Location"]
    assert arm.get_hub("rg-hub-1")["properties"]["state"] == "Deleting"
    assert (
        arm.call(
            "PUT", hub_path("rg-hub-3"), json={"location": "westeurope", "sku": {"name": "S1"}}
        ).status_code
        == 409
    )
    assert arm.call("GET", location, api_version=None).status_code == 202
    assert arm.call("GET", location, api_version=None).status_code == 200
    assert arm.call("GET", hub_path("rg-hub-1")).json()["error"]["code"] == "ResourceGroupNotFound"
    listed = arm.call("GET", f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/IotHubs")
    assert listed.json() == {"value": []}
    assert (
        arm.call(
            "POST",
            f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/checkNameAvailability",
            json={"name": "rg-hub-1"},
        ).json()["nameAvailable"]
        is True
    )


def test_unknown_operation_is_404(arm: ArmSession) -> None:
    path = f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/locations/westeurope/"
    response = arm.call("GET", path + "operationResults/bm9wZQ==", params={"asyncinfo": ""})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "OperationNotFound"


def test_provisioning_mode_applies_to_operations_accepted_afterwards(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    control.set_provisioning("polls", 5)
    aao = arm.create_hub("early-hub").headers["Azure-AsyncOperation"]
    control.set_provisioning("immediate")
    arm.create_hub("late-hub")
    assert arm.get_hub("late-hub")["properties"]["state"] == "Active"
    assert arm.get_hub("early-hub")["properties"]["state"] == "Activating"
    assert arm.call("GET", aao, api_version=None).json()["status"] == "Running"


def test_failed_update_restores_the_previous_hub(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("fail-upd-hub")
    before = arm.get_hub("fail-upd-hub")
    control.add_fault(kind="fail_operation", method="PUT", path="/IotHubs/fail-upd-hub", code=400116)
    changed = {**before, "sku": {"name": "S2", "capacity": 2}, "tags": {"lost": "yes"}}
    response = arm.call("PUT", hub_path("fail-upd-hub"), json=changed)
    assert response.status_code == 201
    status = arm.call("GET", response.headers["Azure-AsyncOperation"], api_version=None).json()
    assert status["status"] == "Failed" and status["error"]["code"] == 400116
    after = arm.get_hub("fail-upd-hub")
    assert after["sku"] == before["sku"] and after["tags"] == before["tags"]
    assert (after["properties"]["state"], after["properties"]["provisioningState"]) == ("Active", "Failed")
    location = response.headers["Azure-AsyncOperation"].replace("&asyncinfo", "")
    failed = arm.call("GET", location, api_version=None)
    assert failed.status_code == 400 and failed.json()["code"] == 400116


def test_failed_delete_leaves_the_hub_active(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("fail-del-hub")
    control.add_fault(kind="fail_operation", method="DELETE", code=500019, message="Internal Error")
    response = arm.call("DELETE", hub_path("fail-del-hub"))
    assert response.status_code == 202
    status = arm.call("GET", response.headers["Azure-AsyncOperation"], api_version=None).json()
    assert status["status"] == "Failed"
    assert status["error"]["code"] == 500019 and status["error"]["httpStatusCode"] == "InternalServerError"
    location = arm.call("GET", response.headers["Location"], api_version=None)
    assert location.status_code == 500 and location.json()["code"] == 500019
    hub = arm.get_hub("fail-del-hub")["properties"]
    assert (hub["state"], hub["provisioningState"]) == ("Active", "Failed")
    assert arm.call("DELETE", hub_path("fail-del-hub")).status_code == 202
    assert arm.call("GET", hub_path("fail-del-hub")).status_code == 404


def test_operation_in_another_subscription_is_not_found(arm: ArmSession, resource_group: str) -> None:
    aao = arm.create_hub("op-hub").headers["Azure-AsyncOperation"]
    other = aao.replace(SUBSCRIPTION_ID, "00000000-0000-0000-0000-000000000009")
    response = arm.call("GET", other, api_version=None)
    assert response.status_code == 404 and response.json()["error"]["code"] == "OperationNotFound"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PUT", "", {"location": "westeurope", "sku": {"name": "S1", "capacity": 2}}),
        ("DELETE", "", None),
        ("PATCH", "", {"tags": {}}),
        ("DELETE", "/eventHubEndpoints/events/ConsumerGroups/cg1", None),
        ("POST", "/exportDevices", {"exportBlobContainerUri": "https://x/c", "excludeKeys": True}),
        (
            "POST",
            "/importDevices",
            {"inputBlobContainerUri": "https://x/i", "outputBlobContainerUri": "https://x/o"},
        ),
    ],
)
def test_every_write_to_a_hub_in_transition_gets_409002(
    arm: ArmSession, resource_group: str, control: EmulatorControl, method: str, suffix: str, body: object
) -> None:
    arm.create_hub("transit-hub")
    cg = arm.call(
        "PUT",
        hub_path("transit-hub") + "/eventHubEndpoints/events/ConsumerGroups/cg1",
        json={"properties": {"name": "cg1"}},
    )
    assert cg.status_code == 200
    control.set_provisioning("polls", 3)
    update = arm.call("PUT", hub_path("transit-hub"), json={"location": "westeurope", "sku": {"name": "S2"}})
    assert update.status_code == 201
    response = arm.call(method, hub_path("transit-hub") + suffix, json=body)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == 409002 and response.json()["httpStatusCode"] == "Conflict"
    assert arm.get_hub("transit-hub")["sku"]["name"] == "S2"  # reads still work while Updating
