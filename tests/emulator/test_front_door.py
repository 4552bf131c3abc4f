"""ARM front door: auth on every route, api-version checks, request ids, error shapes, path casing."""

from __future__ import annotations

import pytest
import requests

from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ArmSession, hub_body
from tests.conftest import SUBSCRIPTION_ID
from tests.emulator.conftest import hub_path

SUB = f"/subscriptions/{SUBSCRIPTION_ID}"
HUB = hub_path("auth-hub")
OPS = f"{SUB}/providers/Microsoft.Devices/locations/westeurope/operationResults/abc"
EVERY_ROUTE = [
    ("PUT", f"{SUB}/resourcegroups/rg-test"),
    ("GET", f"{SUB}/resourcegroups/rg-test"),
    ("HEAD", f"{SUB}/resourcegroups/rg-test"),
    ("DELETE", f"{SUB}/resourcegroups/rg-test"),
    ("GET", f"{SUB}/operationresults/abc"),
    ("GET", f"{SUB}/providers/Microsoft.Devices/IotHubs"),
    ("GET", f"{SUB}/resourceGroups/rg-test/providers/Microsoft.Devices/IotHubs"),
    ("POST", f"{SUB}/providers/Microsoft.Devices/checkNameAvailability"),
    ("GET", OPS),
    ("PUT", HUB),
    ("GET", HUB),
    ("PATCH", HUB),
    ("DELETE", HUB),
    ("POST", f"{HUB}/listkeys"),
    ("POST", f"{HUB}/IotHubKeys/iothubowner/listkeys"),
    ("GET", f"{HUB}/IotHubStats"),
    ("GET", f"{HUB}/skus"),
    ("GET", f"{HUB}/quotaMetrics"),
    ("POST", f"{HUB}/exportDevices"),
    ("POST", f"{HUB}/importDevices"),
    ("GET", f"{HUB}/jobs"),
    ("GET", f"{HUB}/jobs/j1"),
    ("GET", f"{HUB}/eventHubEndpoints/events/ConsumerGroups"),
    ("PUT", f"{HUB}/eventHubEndpoints/events/ConsumerGroups/cg"),
    ("GET", f"{HUB}/eventHubEndpoints/events/ConsumerGroups/cg"),
    ("DELETE", f"{HUB}/eventHubEndpoints/events/ConsumerGroups/cg"),
    ("POST", "/_emulator/reset"),
    ("GET", "/_emulator/requests"),
    ("POST", "/_emulator/faults"),
    ("PUT", "/_emulator/provisioning"),
    ("POST", "/_emulator/resource-groups"),
    ("GET", "/_emulator/health"),
]


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "AuthenticationFailed"),
        ("Basic dXNlcjpwYXNz", "AuthenticationFailedInvalidHeader"),
        ("Bearer", "AuthenticationFailedInvalidHeader"),
        ("Bearer wrong-token", "InvalidAuthenticationToken"),
    ],
)
def test_every_route_requires_the_token(
    emulator: EmulatorServer, authorization: str | None, code: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    sent: dict[str, tuple[str, str]] = {}
    for method, path in EVERY_ROUTE:
        response = requests.request(
            method,
            emulator.url + path,
            params={"api-version": "2023-06-30"},
            headers=headers,
            json={},
            timeout=10,
        )
        assert response.status_code == 401, (method, path)
        if method != "HEAD":
            assert response.json()["error"]["code"] == code, (method, path)
        sent[response.headers["x-ms-request-id"]] = (method, path)
    # The request log holds every refused ARM request (control routes are never logged), by its request id;
    # what other clients of the session's emulator sent meanwhile is theirs.
    logged = {e["request_id"]: e for e in emulator.control.requests() if e["request_id"] in sent}
    arm_routes = {rid for rid, (_, path) in sent.items() if not path.startswith("/_emulator")}
    assert set(logged) == arm_routes
    assert all(e["status"] == 401 and (e["method"], e["path"]) == sent[rid] for rid, e in logged.items())


def test_missing_api_version(arm: ArmSession, resource_group: str) -> None:
    response = arm.call("GET", hub_path("any"), api_version=None)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "MissingApiVersionParameter",
            "message": "The api-version query parameter (?api-version=) is required for all requests.",
        }
    }


def test_unknown_api_version(arm: ArmSession, resource_group: str) -> None:
    response = arm.call("PUT", hub_path("any"), api_version="2099-01-01", json=hub_body())
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "NoRegisteredProviderFound"
    assert error["message"].startswith(
        "No registered resource provider found for location 'westeurope' and API "
        "version '2099-01-01' for type 'IotHubs'. The supported api-versions are '"
    )
    assert "2023-06-30" in error["message"] and "2016-02-03" in error["message"]


@pytest.mark.parametrize(
    "version",
    ["2016-02-03", "2018-04-01", "2019-03-22", "2022-04-30-preview", "2023-06-30-preview", "2023-06-30"],
)
def test_versions_real_clients_send(arm: ArmSession, resource_group: str, version: str) -> None:
    assert (
        arm.call("GET", f"{SUB}/providers/Microsoft.Devices/IotHubs", api_version=version).status_code == 200
    )


def test_resource_group_routes_accept_any_well_formed_version(arm: ArmSession) -> None:
    assert (
        arm.call(
            "PUT", f"{SUB}/resourcegroups/rg-v", api_version="2019-10-01", json={"location": "westeurope"}
        ).status_code
        == 201
    )
    bad = arm.call("GET", f"{SUB}/resourcegroups/rg-v", api_version="latest")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "InvalidApiVersionParameter"


def test_skip_api_version_check(arm: ArmSession, control: object, resource_group: str) -> None:
    from iothub_emulator.control import EmulatorControl

    assert isinstance(control, EmulatorControl)
    control.set_settings(skip_api_version_check=True)
    assert (
        arm.call("GET", f"{SUB}/providers/Microsoft.Devices/IotHubs", api_version="2099-01-01").status_code
        == 200
    )


def test_request_ids_and_correlation_echo(arm: ArmSession, resource_group: str) -> None:
    plain = arm.call("GET", f"{SUB}/providers/Microsoft.Devices/IotHubs")
    assert plain.headers["x-ms-request-id"] == plain.headers["x-ms-correlation-request-id"]
    echoed = arm.call(
        "GET",
        f"{SUB}/providers/Microsoft.Devices/IotHubs",
        headers={"x-ms-correlation-request-id": "corr-123"},
    )
    assert echoed.headers["x-ms-correlation-request-id"] == "corr-123"
    assert echoed.headers["x-ms-request-id"] not in (plain.headers["x-ms-request-id"], "corr-123")


def test_error_shapes(arm: ArmSession, resource_group: str) -> None:
    missing_rg = arm.call("PUT", hub_path("hub1", rg="nope"), json=hub_body())
    assert missing_rg.status_code == 404
    assert missing_rg.json() == {
        "error": {"code": "ResourceGroupNotFound", "message": "Resource group 'nope' could not be found."}
    }
    missing_hub = arm.call("GET", hub_path("hub1"))
    assert missing_hub.status_code == 404
    assert missing_hub.json()["error"]["message"].startswith(
        "The Resource 'Microsoft.Devices/IotHubs/hub1' under resource group 'rg-test' was not found."
    )
    rp = arm.call(
        "PUT", hub_path("hub1"), json=hub_body(sku="F1", eventHubEndpoints={"events": {"partitionCount": 4}})
    )
    assert rp.status_code == 400
    body = rp.json()
    assert set(body) == {"code", "httpStatusCode", "message"}
    assert body["code"] == 400016 and body["httpStatusCode"] == "BadRequest"
    assert body["message"].startswith("Invalid PartitionCount 4 - value must be between 2 and 2.")
    assert body["message"].endswith("errorcode: IH400016.")


def test_paths_and_names_are_case_insensitive_but_case_preserving(
    arm: ArmSession, resource_group: str
) -> None:
    arm.create_hub("CaseHub")
    lower = arm.call("GET", f"{SUB}/resourcegroups/RG-TEST/providers/microsoft.devices/iothubs/casehub")
    assert lower.status_code == 200
    assert lower.json()["name"] == "CaseHub"
    cg = arm.call(
        "PUT",
        hub_path("CASEHUB") + "/EventHubEndpoints/Events/consumerGroups/MyGroup",
        json={"properties": {"name": "MyGroup"}},
    )
    assert cg.status_code == 200 and cg.json()["name"] == "MyGroup"
    assert (
        arm.call("GET", hub_path("casehub") + "/eventHubEndpoints/events/ConsumerGroups/mygroup").json()[
            "name"
        ]
        == "MyGroup"
    )


def test_unknown_route_is_an_explicit_error(arm: ArmSession) -> None:
    response = arm.call("GET", f"{SUB}/providers/Microsoft.Devices/usages")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotImplementedByEmulator"


def test_malformed_json_is_arms_invalid_request_content(arm: ArmSession, resource_group: str) -> None:
    response = arm.session.put(
        arm.url + hub_path("json-hub"),
        params={"api-version": "2023-06-30"},
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "InvalidRequestContent"
    assert error["message"].startswith("The request content was invalid and could not be deserialized: '")
    no_version = arm.session.put(arm.url + hub_path("json-hub"), data=b"{not json", timeout=10)
    assert no_version.json()["error"]["code"] == "MissingApiVersionParameter"


def test_wrong_method_on_a_known_path(arm: ArmSession, resource_group: str) -> None:
    response = arm.call("POST", hub_path("any-hub"), json={})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "MethodNotAllowed"
