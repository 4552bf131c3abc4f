"""The device provider's methods called as the engine calls them, against the emulator's service API over
loopback (reached through iothub:serviceEndpoint with the hub's host name, as the setting documents)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ServiceSession
from iothub_provider import DeviceProvider, IotHubProvider
from iothub_provider.client import runtime
from iothub_provider.client.runtime import Seams
from iothub_provider.client.settings import Settings
from iothub_provider.errors import ChangedElsewhereError, OwnershipError, PreconditionFailedError
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID
from tests.providers.conftest import hub_inputs

HUB = "hub-devices"
KEY = base64.b64encode(b"d" * 32).decode()


@pytest.fixture
def service_settings(emulator: EmulatorServer, resource_group: str) -> Iterator[Settings]:
    settings = Settings(
        endpoint=emulator.url,
        subscription_id=SUBSCRIPTION_ID,
        access_token=emulator.token,
        service_endpoint=emulator.url,
    )
    runtime.configure(settings, Seams(sleep=lambda _: None))
    yield settings
    runtime.reset()


@pytest.fixture
def hub(service_settings: Settings) -> dict[str, Any]:
    hubs = IotHubProvider()
    checked = hubs.check({}, hub_inputs(name=HUB, pulumi_owner="proj/dev/hub"))
    return hubs.create(checked.inputs).outs or {}


@pytest.fixture
def devices(hub: dict[str, Any]) -> DeviceProvider:
    return DeviceProvider()


@pytest.fixture
def outside(emulator: EmulatorServer, hub: dict[str, Any]) -> Iterator[ServiceSession]:
    """Someone else's client on the hub's service API (the portal, az iot hub device-identity)."""
    session = ServiceSession(emulator.url, HUB, f"Bearer {emulator.token}")
    yield session
    session.close()


def device_inputs(**overrides: Any) -> dict[str, Any]:
    news: dict[str, Any] = {
        "resource_group_name": RESOURCE_GROUP,
        "hub_name": HUB,
        "pulumi_owner": "proj/dev/sensor-1",
        "__provider": "gASVpickled",
    }
    news.update(overrides)
    return {k: v for k, v in news.items() if v is not None}


def create(devices: DeviceProvider, **overrides: Any) -> tuple[str, dict[str, Any]]:
    checked = devices.check({}, device_inputs(**overrides))
    assert checked.failures == []
    result = devices.create(checked.inputs)
    assert result.outs is not None
    return result.id, result.outs


def update(
    devices: DeviceProvider, resource_id: str, olds: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    news = devices.check(olds, device_inputs(**overrides))
    assert news.failures == []
    assert devices.diff(resource_id, olds, news.inputs).changes
    return devices.update(resource_id, olds, news.inputs).outs or {}


def test_create_with_generated_keys_returns_them_as_outputs(
    devices: DeviceProvider, control: EmulatorControl, outside: ServiceSession
) -> None:
    control.clear_requests()
    device_id, outs = create(devices, desired_properties={"interval": 30.0}, twin_tags={"site": "lab"})
    puts = [r for r in control.requests() if r["method"] == "PUT" and "/devices/" in r["path"]]
    assert [r["headers"].get("if-none-match") for r in puts] == ["*"]
    authorization = [
        r["headers"].get("authorization") for r in control.requests() if "/devices/" in r["path"]
    ]
    assert authorization and all(a == "<redacted>" for a in authorization)  # a SAS token, not the bearer
    assert device_id.endswith("/devices/sensor-1")
    live = outside.call("GET", "/devices/sensor-1").json()
    assert outs["etag"] == live["etag"] and outs["generation_id"] == live["generationId"]
    assert outs["primary_key"] == live["authentication"]["symmetricKey"]["primaryKey"]
    assert outs["primary_connection_string"] == (
        f"HostName={HUB}.azure-devices.net;DeviceId=sensor-1;SharedAccessKey={outs['primary_key']}"
    )
    twin = outside.call("GET", "/twins/sensor-1").json()
    assert twin["properties"]["desired"]["interval"] == 30 and twin["tags"] == {"site": "lab"}
    assert outs["twin_etag"] == twin["etag"]


def test_no_op_and_in_place_update_with_the_state_etag(
    devices: DeviceProvider, control: EmulatorControl, outside: ServiceSession
) -> None:
    device_id, outs = create(devices, status="enabled", desired_properties={"interval": 30.0})
    same = devices.check(outs, device_inputs(status="enabled", desired_properties={"interval": 30.0}))
    assert devices.diff(device_id, outs, same.inputs).changes is False

    control.clear_requests()
    outs = update(
        devices,
        device_id,
        outs,
        status="disabled",
        status_reason="maintenance",
        desired_properties={"interval": 60.0},
    )
    writes = [r for r in control.requests() if r["method"] in ("PUT", "PATCH")]
    assert [r["method"] for r in writes] == ["PUT", "PATCH"]
    assert writes[0]["headers"]["if-match"].strip('"') != "*"
    live = outside.call("GET", "/devices/sensor-1").json()
    assert live["status"] == "disabled" and live["statusReason"] == "maintenance"
    assert outs["etag"] == live["etag"] and outs["status"] == "disabled"
    assert outside.call("GET", "/twins/sensor-1").json()["properties"]["desired"]["interval"] == 60


def test_a_twin_key_the_program_stops_declaring_is_removed_and_others_are_kept(
    devices: DeviceProvider, outside: ServiceSession
) -> None:
    device_id, outs = create(devices, desired_properties={"interval": 30.0, "mode": "eco"})
    twin = outside.call("GET", "/twins/sensor-1").json()
    outside.call(
        "PATCH",
        "/twins/sensor-1",
        json={"properties": {"desired": {"portal": True}}},
        headers={"If-Match": f'"{twin["etag"]}"'},
    )
    refreshed = devices.read(device_id, outs)
    assert refreshed.outs is not None
    update(devices, device_id, refreshed.outs, desired_properties={"interval": 30.0})
    desired = outside.call("GET", "/twins/sensor-1").json()["properties"]["desired"]
    assert desired["interval"] == 30 and "mode" not in desired and desired["portal"] is True


def test_a_change_made_elsewhere_fails_the_update_with_the_refresh_hint_and_writes_nothing(
    devices: DeviceProvider, outside: ServiceSession
) -> None:
    device_id, outs = create(devices, status="enabled")
    live = outside.call("GET", "/devices/sensor-1").json()
    changed = outside.call(
        "PUT",
        "/devices/sensor-1",
        json={**live, "statusReason": "portal"},
        headers={"If-Match": f'"{live["etag"]}"'},
    )
    assert changed.status_code == 200
    with pytest.raises(PreconditionFailedError, match="pulumi refresh"):
        update(devices, device_id, outs, status="disabled")
    assert outside.call("GET", "/devices/sensor-1").json()["status"] == "enabled"

    device_id, outs = create(
        devices, device_id="sensor-2", pulumi_owner="proj/dev/sensor-2", desired_properties={"interval": 1.0}
    )
    twin = outside.call("GET", "/twins/sensor-2").json()
    outside.call(
        "PATCH", "/twins/sensor-2", json={"tags": {"by": "portal"}}, headers={"If-Match": f'"{twin["etag"]}"'}
    )
    before = outside.call("GET", "/devices/sensor-2").json()
    with pytest.raises(ChangedElsewhereError, match="pulumi refresh"):
        update(
            devices,
            device_id,
            outs,
            device_id="sensor-2",
            pulumi_owner="proj/dev/sensor-2",
            status="disabled",
            desired_properties={"interval": 2.0},
        )
    assert outside.call("GET", "/devices/sensor-2").json()["etag"] == before["etag"]  # nothing written


def test_refresh_reports_drift_and_a_device_deleted_elsewhere_drops_out(
    devices: DeviceProvider, outside: ServiceSession
) -> None:
    device_id, outs = create(devices, status="enabled")
    live = outside.call("GET", "/devices/sensor-1").json()
    outside.call("PUT", "/devices/sensor-1", json={**live, "status": "disabled"}, headers={"If-Match": "*"})
    refreshed = devices.read(device_id, outs)
    assert refreshed.outs is not None and refreshed.outs["status"] == "disabled"
    assert refreshed.inputs is not None and refreshed.inputs["status"] == "disabled"
    outside.call("DELETE", "/devices/sensor-1", headers={"If-Match": "*"})
    gone = devices.read(device_id, refreshed.outs)
    assert gone.id == "" and gone.outs == {}
    devices.delete(device_id, refreshed.outs)  # already gone: deleted


def test_an_existing_device_is_never_taken_over_silently(
    devices: DeviceProvider, emulator: EmulatorServer, outside: ServiceSession
) -> None:
    outside.call("PUT", "/devices/foreign", json={"deviceId": "foreign"})
    foreign_hub = {"pulumi_owner": "other-project/dev/sensor"}
    with pytest.raises(OwnershipError, match="adopt=True"):
        create(devices, device_id="foreign", **foreign_hub)
    _, outs = create(devices, device_id="foreign", adopt=True, status="disabled", **foreign_hub)
    assert outs["status"] == "disabled"


def test_a_create_cut_off_after_the_service_accepted_it_converges(
    devices: DeviceProvider, outside: ServiceSession
) -> None:
    """The hub carries this stack's owner tag, so the device the earlier create made is continued with."""
    outside.call("PUT", "/devices/sensor-1", json={"deviceId": "sensor-1"})
    _, outs = create(devices, status="enabled")
    assert outs["device_id"] == "sensor-1" and outs["primary_key"]


def test_edge_gateway_and_leaf_device_under_it(devices: DeviceProvider, outside: ServiceSession) -> None:
    _, gateway = create(devices, device_id="gateway", pulumi_owner="proj/dev/gateway", iot_edge=True)
    scope = gateway["device_scope"]
    assert scope.startswith("ms-azure-iot-edge://gateway-")
    _, leaf = create(devices, device_id="leaf", pulumi_owner="proj/dev/leaf", parent_scope=scope)
    live = outside.call("GET", "/devices/leaf").json()
    assert live["deviceScope"] == scope and live["parentScopes"] == [scope]
    assert leaf["parent_scope"] == scope


def test_delete_with_the_state_etag_and_a_deleted_hub_counts_as_deleted(
    devices: DeviceProvider, hub: dict[str, Any], outside: ServiceSession
) -> None:
    device_id, outs = create(devices)
    devices.delete(device_id, outs)
    assert outside.call("GET", "/devices/sensor-1").status_code == 404
    device_id, outs = create(devices)
    IotHubProvider().delete(hub["id"], hub)
    devices.delete(device_id, outs)  # the hub and its devices are gone


def test_keys_given_as_inputs_are_the_devices_keys(devices: DeviceProvider, outside: ServiceSession) -> None:
    _, outs = create(devices, authentication={"symmetric_key": {"primary_key": KEY, "secondary_key": KEY}})
    live = outside.call("GET", "/devices/sensor-1").json()
    assert live["authentication"]["symmetricKey"]["primaryKey"] == KEY == outs["primary_key"]


def test_a_hub_without_local_auth_is_reached_with_an_entra_id_token(
    service_settings: Settings, control: EmulatorControl
) -> None:
    hubs = IotHubProvider()
    checked = hubs.check({}, hub_inputs(name="hub-entra", disable_local_auth=True, pulumi_owner="proj/dev/e"))
    hubs.create(checked.inputs)
    control.clear_requests()
    _, outs = create(DeviceProvider(), hub_name="hub-entra", status="enabled")
    authorization = [
        r["headers"].get("authorization") for r in control.requests() if "/devices/" in r["path"]
    ]
    assert authorization and set(authorization) == {"Bearer <redacted>"}
    assert outs["primary_key"]  # the device's own keys still exist; only the hub's keys are refused


def test_devices_created_at_once_read_their_hub_and_its_keys_once(
    devices: DeviceProvider, control: EmulatorControl
) -> None:
    """The engine creates a hub's devices several at a time: the first to need the hub looks it up (hub GET,
    listkeys) and the others wait for that answer instead of each reading the hub and its keys."""
    control.add_fault(kind="delay", method="POST", path="/listkeys", delay=0.2)  # all arrive meanwhile
    control.clear_requests()
    ids = [f"sensor-{n}" for n in range(6)]
    start = threading.Barrier(len(ids))

    def one(device_id: str) -> None:
        start.wait()
        create(devices, device_id=device_id, pulumi_owner=f"proj/dev/{device_id}")

    threads = [threading.Thread(target=one, args=(device_id,)) for device_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    arm = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in control.requests()
           if r["path"].startswith("/subscriptions/")]
    assert arm == [("GET", HUB), ("POST", "listkeys")]
    created = [r["path"] for r in control.requests() if r["method"] == "PUT"]
    assert sorted(created) == sorted(f"/devices/{device_id}" for device_id in ids)
