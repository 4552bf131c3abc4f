"""Fault injection: each kind, and the count / after / method / path rules that make it deterministic."""

from __future__ import annotations

import time

import pytest
import requests
from azure.mgmt.iothub.models import IotHubDescription, IotHubSkuInfo

from iothub_emulator.control import EmulatorControl, EmulatorControlError
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ArmSession, sleep_recording_transport
from tests.conftest import SUBSCRIPTION_ID
from tests.emulator.conftest import hub_path, make_client

LIST = f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/IotHubs"


def test_throttle_with_retry_after(arm: ArmSession, control: EmulatorControl) -> None:
    control.add_fault(kind="throttle", retry_after=3)
    response = arm.call("GET", LIST)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert arm.call("GET", LIST).status_code == 200


def test_sdk_retries_through_throttling(
    emulator: EmulatorServer, resource_group: str, control: EmulatorControl
) -> None:
    control.add_fault(kind="throttle", method="PUT", retry_after=1, count=1)
    transport = sleep_recording_transport()
    client = make_client(emulator.url, transport=transport)
    hub = client.iot_hub_resource.begin_create_or_update(
        "rg-test",
        "retry-hub",
        IotHubDescription(location="westeurope", sku=IotHubSkuInfo(name="S1", capacity=1)),
    ).result()
    assert hub.properties.state == "Active"
    puts = [r["status"] for r in control.requests() if r["method"] == "PUT"]
    assert puts == [429, 201]
    assert transport.sleeps == [1.0]  # the SDK waited out Retry-After: 1 (recorded, not slept)
    client.close()


def test_server_error_in_iothub_shape_and_arm_shape(arm: ArmSession, control: EmulatorControl) -> None:
    control.add_fault(kind="error", status=503, code=503001, message="Service unavailable")
    first = arm.call("GET", LIST)
    assert first.status_code == 503
    assert first.json()["code"] == 503001 and "errorcode: IH503001." in first.json()["message"]
    control.add_fault(kind="error", status=500, code="InternalServerError", message="boom")
    second = arm.call("GET", LIST)
    assert second.status_code == 500 and second.json() == {
        "error": {"code": "InternalServerError", "message": "boom"}
    }
    control.add_fault(kind="error")
    third = arm.call("GET", LIST)
    assert third.status_code == 500 and third.json()["code"] == 500019


def test_not_active_window(arm: ArmSession, resource_group: str, control: EmulatorControl) -> None:
    arm.create_hub("window-hub")
    control.add_fault(kind="not_active", method="PATCH", count=2)
    for _ in range(2):
        response = arm.call("PATCH", hub_path("window-hub"), json={"tags": {}})
        assert response.status_code == 409
        assert response.json()["message"].startswith("window-hub is not currently in Active state.")
    assert arm.call("PATCH", hub_path("window-hub"), json={"tags": {}}).status_code == 200


def test_delay_makes_a_short_client_timeout_expire(arm: ArmSession, control: EmulatorControl) -> None:
    control.add_fault(kind="delay", delay=0.5)
    with pytest.raises(requests.ReadTimeout):
        arm.session.get(arm.url + LIST, params={"api-version": "2023-06-30"}, timeout=0.05)
    assert arm.call("GET", LIST).status_code == 200
    # The held request is still served once its delay ends, and logged then: wait for it here, or its entry
    # would land in the request log of whichever test runs next on the session's emulator.
    deadline = time.monotonic() + 10
    while len([r for r in control.requests() if r["path"] == LIST]) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [r["status"] for r in control.requests() if r["path"] == LIST] == [200, 200]


def test_drop_closes_the_connection_without_a_response(arm: ArmSession, control: EmulatorControl) -> None:
    control.add_fault(kind="drop", path="/providers/Microsoft.Devices/IotHubs")
    with pytest.raises(requests.ConnectionError):
        arm.call("GET", LIST)
    assert arm.call("GET", LIST).status_code == 200
    assert [r["status"] for r in control.requests()] == [0, 200]


def test_get_404_after_put(arm: ArmSession, resource_group: str, control: EmulatorControl) -> None:
    control.add_fault(kind="get_404_after_put", path="/IotHubs/flaky-hub", count=2)
    arm.create_hub("flaky-hub")
    for _ in range(2):
        response = arm.call("GET", hub_path("flaky-hub"))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "ResourceNotFound"
    assert arm.call("GET", hub_path("flaky-hub")).status_code == 200


def test_after_count_method_and_regex_select_requests(arm: ArmSession, control: EmulatorControl) -> None:
    rule = control.add_fault(
        kind="error", method="GET", path_regex=r"/IotHubs$", after=1, count=2, status=502, code=502001
    )
    statuses = [arm.call("GET", LIST).status_code for _ in range(4)]
    assert statuses == [200, 502, 502, 200]
    assert (
        arm.call(
            "POST",
            f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/checkNameAvailability",
            json={"name": "abc"},
        ).status_code
        == 200
    )
    described = {f["id"]: f for f in control.faults()}
    assert described[rule]["fired"] == 2 and described[rule]["exhausted"] is True


def test_remove_and_clear(arm: ArmSession, control: EmulatorControl) -> None:
    rule = control.add_fault(kind="throttle", count=5)
    control.remove_fault(rule)
    assert arm.call("GET", LIST).status_code == 200
    control.add_fault(kind="throttle", count=5)
    control.clear_faults()
    assert control.faults() == []
    assert arm.call("GET", LIST).status_code == 200


def test_control_api_is_never_faulted_and_rejects_bad_rules(control: EmulatorControl) -> None:
    control.add_fault(kind="throttle", count=10)
    control.set_settings(page_size=3)
    with pytest.raises(EmulatorControlError):
        control.add_fault(kind="explode")
    with pytest.raises(EmulatorControlError):
        control.add_fault(kind="throttle", retry_after=0)
    with pytest.raises(EmulatorControlError):
        control.add_fault(kind="throttle", colour="red")


def test_request_log_records_what_clients_sent(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.call(
        "PUT",
        hub_path("log-hub"),
        json={"location": "westeurope", "sku": {"name": "S1"}},
        headers={"If-None-Match": "*", "x-ms-client-request-id": "cid-1"},
    )
    (entry,) = control.requests()
    assert entry["method"] == "PUT" and entry["path"] == hub_path("log-hub")
    assert entry["query"] == {"api-version": "2023-06-30"}
    assert entry["headers"]["if-none-match"] == "*" and entry["headers"]["x-ms-client-request-id"] == "cid-1"
    assert entry["headers"]["authorization"] == "Bearer <redacted>"
    assert entry["body"] == {"location": "westeurope", "sku": {"name": "S1"}}
    assert entry["status"] == 201
    control.clear_requests()
    assert control.requests() == []


def test_reset_restores_start_up_settings(arm: ArmSession, control: EmulatorControl) -> None:
    control.set_provisioning("seconds", 5, retry_after=3)
    control.set_settings(page_size=1, skip_api_version_check=True)
    control.add_fault(kind="throttle", count=3)
    control.reset()
    assert control.provisioning() == {"mode": "immediate", "value": 0, "retry_after": None}
    assert control.settings()["page_size"] == 100 and control.settings()["skip_api_version_check"] is False
    assert control.faults() == []
    assert arm.call("GET", LIST).status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"mode": "sometimes"},
        {"mode": "polls", "value": 1.5},
        {"mode": "seconds", "value": -1},
        {"mode": "polls", "value": 1, "retry_after": 0},
    ],
)
def test_bad_provisioning_is_refused(control: EmulatorControl, changes: dict[str, object]) -> None:
    with pytest.raises(EmulatorControlError):
        control.set_provisioning(**changes)  # type: ignore[arg-type]
    assert control.provisioning()["mode"] == "immediate"
