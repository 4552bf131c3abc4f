"""The service API's front door: routing by Host, api-versions, SAS verification (signature, expiry on the
emulator's clock, segment-prefix ``sr``, policy rights), the bearer path and ``disableLocalAuth``."""

from __future__ import annotations

import pytest
import requests

from iothub_emulator import testing
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ArmSession, ServiceSession, sas_token, service_host
from tests.emulator.conftest import SERVICE_HUB, hub_path, policy_key, service_session

HOST = service_host(SERVICE_HUB)
UNAUTHORIZED = "ErrorCode:IotHubUnauthorizedAccess;Unauthorized"


def _unauthorized(response: requests.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["iothub-errorcode"] == "IotHubUnauthorizedAccess"
    assert response.json()["Message"] == UNAUTHORIZED


def _session(emulator: EmulatorServer, token: str | None, hub: str = SERVICE_HUB) -> ServiceSession:
    return ServiceSession(emulator.url, hub, token)


def _now(emulator: EmulatorServer) -> int:
    return int(emulator.control.clock()["now"])


def test_host_names_the_hub_and_other_hosts_stay_arm(
    emulator: EmulatorServer, arm: ArmSession, owner: ServiceSession
) -> None:
    assert owner.call("GET", "/statistics/devices").status_code == 200
    # any case, with a port: the same hub
    for host in (HOST.upper(), f"{HOST}:443"):
        response = owner.call("GET", "/statistics/devices", headers={"Host": host})
        assert response.status_code == 200, (host, response.text)
    # the loopback host is ARM's, as before
    assert arm.call("GET", hub_path(SERVICE_HUB)).status_code == 200


def test_a_host_that_names_no_hub_is_iothub_not_found(emulator: EmulatorServer, service_hub: str) -> None:
    response = _session(emulator, f"Bearer {emulator.token}", hub="nohub").call("GET", "/devices/d1")
    assert response.status_code == 404
    assert response.headers["iothub-errorcode"] == "IotHubNotFound"
    assert response.json()["Message"].startswith("ErrorCode:IotHubNotFound;")


def test_error_shape_and_tracking_id(owner: ServiceSession) -> None:
    response = owner.call("GET", "/devices/missing")
    assert response.status_code == 404
    body = response.json()
    assert list(body) == ["Message", "ExceptionMessage"]
    assert body["Message"] == "ErrorCode:DeviceNotFound;missing"
    tracking = response.headers["x-ms-request-id"].replace("-", "")
    assert body["ExceptionMessage"].startswith(f"Tracking ID:{tracking}-G:")
    assert "-TimeStamp:" in body["ExceptionMessage"]
    assert response.headers["Vary"] == "Origin" and "ETag" not in response.headers


@pytest.mark.parametrize("version", ["2020-03-13", "2021-04-12", "2024-03-31"])
def test_supported_api_versions(owner: ServiceSession, version: str) -> None:
    assert owner.call("GET", "/statistics/devices", api_version=version).status_code == 200


@pytest.mark.parametrize("version", [None, "2023-06-30", "bogus"])
def test_other_api_versions_are_invalid_protocol_version(owner: ServiceSession, version: str | None) -> None:
    response = owner.call("GET", "/statistics/devices", api_version=version)
    assert response.status_code == 400
    assert response.headers["iothub-errorcode"] == "InvalidProtocolVersion"


def test_unknown_service_path(owner: ServiceSession) -> None:
    response = owner.call("GET", "/messages/servicebound")
    assert response.status_code == 404 and response.headers["iothub-errorcode"] == "NotImplementedByEmulator"


def test_secondary_key_signs_too(emulator: EmulatorServer, arm: ArmSession, service_hub: str) -> None:
    key = policy_key(arm, service_hub, "iothubowner", "secondaryKey")
    token = sas_token(HOST, key, "iothubowner", _now(emulator) + 60)
    assert _session(emulator, token).call("GET", "/statistics/devices").status_code == 200


def test_wrong_key_missing_header_and_garbage_are_401(
    emulator: EmulatorServer, arm: ArmSession, service_hub: str
) -> None:
    other = policy_key(arm, service_hub, "service")
    for token in (
        sas_token(HOST, other, "iothubowner", _now(emulator) + 60),  # another policy's key
        None,
        "SharedAccessSignature garbage",
        "SharedAccessSignature sr=x&sig=y&se=z&skn=iothubowner",
        "Basic dXNlcjpwYXNz",
    ):
        _unauthorized(_session(emulator, token).call("GET", "/statistics/devices"))


def test_a_device_scoped_token_without_skn_is_refused(
    emulator: EmulatorServer, arm: ArmSession, service_hub: str
) -> None:
    token = sas_token(HOST, policy_key(arm, service_hub, "iothubowner"), "x", _now(emulator) + 60)
    token = token.rsplit("&skn=", 1)[0]
    _unauthorized(_session(emulator, token).call("GET", "/statistics/devices"))


def test_expiry_is_checked_on_the_emulator_clock(
    emulator: EmulatorServer, arm: ArmSession, service_hub: str
) -> None:
    emulator.control.freeze_clock()
    key = policy_key(arm, service_hub, "iothubowner")
    session = _session(emulator, sas_token(HOST, key, "iothubowner", _now(emulator) + 600))
    assert session.call("GET", "/statistics/devices").status_code == 200
    emulator.control.advance_clock(599)
    assert session.call("GET", "/statistics/devices").status_code == 200
    emulator.control.advance_clock(1)  # se == now: expired
    _unauthorized(session.call("GET", "/statistics/devices"))


def test_resource_uri_is_a_segment_prefix(
    emulator: EmulatorServer, arm: ArmSession, service_hub: str
) -> None:
    key = policy_key(arm, service_hub, "iothubowner")
    expiry = _now(emulator) + 600

    def session(resource: str) -> ServiceSession:
        return _session(emulator, sas_token(resource, key, "iothubowner", expiry))

    scoped = session(f"{HOST}/devices/d1")
    assert scoped.call("GET", "/devices/d1").status_code == 404  # authorized: the device is just missing
    _unauthorized(scoped.call("GET", "/devices/d10"))  # /devices/d1 is no prefix of /devices/d10
    _unauthorized(scoped.call("GET", "/statistics/devices"))
    assert session(f"https://{HOST.upper()}/").call("GET", "/statistics/devices").status_code == 200
    _unauthorized(session("otherhub.azure-devices.net").call("GET", "/statistics/devices"))
    _unauthorized(session(HOST[:-1]).call("GET", "/statistics/devices"))


def test_policy_rights(emulator: EmulatorServer, arm: ArmSession, service_hub: str) -> None:
    owner = service_session(emulator, arm, "iothubowner")
    assert owner.call("PUT", "/devices/d1", json={"deviceId": "d1"}).status_code == 200
    read = service_session(emulator, arm, "registryRead")
    assert read.call("GET", "/devices/d1").status_code == 200
    assert read.call("GET", "/devices").status_code == 200
    assert read.call("GET", "/statistics/devices").status_code == 200
    _unauthorized(
        read.call("PUT", "/devices/d2", json={"deviceId": "d2"})
    )  # a registryRead token cannot write
    _unauthorized(read.call("DELETE", "/devices/d1"))
    _unauthorized(read.call("GET", "/twins/d1"))
    write = service_session(emulator, arm, "registryReadWrite")
    assert write.call("GET", "/devices/d1").status_code == 200  # RegistryWrite includes RegistryRead
    assert write.call("PUT", "/devices/d2", json={"deviceId": "d2"}).status_code == 200
    _unauthorized(write.call("PATCH", "/twins/d2", json={"tags": {"a": "b"}}))  # twins need ServiceConnect
    service = service_session(emulator, arm, "service")
    assert service.call("GET", "/twins/d1").status_code == 200
    assert service.call("PATCH", "/twins/d1", json={"tags": {"a": "b"}}).status_code == 200
    _unauthorized(service.call("GET", "/devices/d1"))
    _unauthorized(service_session(emulator, arm, "device").call("GET", "/devices/d1"))
    assert write.call("DELETE", "/devices/d2").status_code == 204


def test_a_custom_policy_with_its_rights(
    emulator: EmulatorServer, arm: ArmSession, resource_group: str
) -> None:
    policies = [
        {"keyName": "iothubowner", "rights": "RegistryWrite, ServiceConnect, DeviceConnect"},
        {"keyName": "devices-and-twins", "rights": "RegistryRead, RegistryWrite, ServiceConnect"},
    ]
    arm.create_hub(SERVICE_HUB, testing.hub_body(authorizationPolicies=policies))
    custom = service_session(emulator, arm, "devices-and-twins")
    assert custom.call("PUT", "/devices/d1", json={"deviceId": "d1"}).status_code == 200
    assert custom.call("PATCH", "/twins/d1", json={"tags": {"a": "b"}}).status_code == 200


def test_bearer_token_is_a_principal_with_every_data_role(emulator: EmulatorServer, service_hub: str) -> None:
    session = _session(emulator, f"Bearer {emulator.token}")
    assert session.call("PUT", "/devices/d1", json={"deviceId": "d1"}).status_code == 200
    assert session.call("PATCH", "/twins/d1", json={"tags": {"a": "b"}}).status_code == 200
    _unauthorized(_session(emulator, "Bearer not-the-token").call("GET", "/devices/d1"))


def test_disable_local_auth_refuses_sas_but_not_bearer(
    emulator: EmulatorServer, arm: ArmSession, resource_group: str
) -> None:
    arm.create_hub(SERVICE_HUB, testing.hub_body(disableLocalAuth=True))
    _unauthorized(service_session(emulator, arm).call("GET", "/statistics/devices"))
    assert (
        _session(emulator, f"Bearer {emulator.token}").call("GET", "/statistics/devices").status_code == 200
    )
    arm.create_hub(SERVICE_HUB, testing.hub_body(disableLocalAuth=False))  # turned back on: SAS works again
    assert service_session(emulator, arm).call("GET", "/statistics/devices").status_code == 200


def test_a_hub_being_created_has_no_service_api_yet(
    emulator: EmulatorServer, arm: ArmSession, resource_group: str
) -> None:
    emulator.control.set_provisioning("polls", 5)
    arm.create_hub(SERVICE_HUB)
    response = _session(emulator, f"Bearer {emulator.token}").call("GET", "/statistics/devices")
    assert response.status_code == 404 and response.headers["iothub-errorcode"] == "IotHubNotFound"
