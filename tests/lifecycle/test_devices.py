"""Devices over the engine protocol: a hub with an edge gateway and two leaf devices under it, through
preview, up, a no-op up, an in-place update with the service's etags, a twin changed elsewhere with refresh,
adoption, the hub replaced (its devices with it), destroy in dependency order, a create cut off after the
service made the device, and bad input refused at check.

The provider reaches each hub's service API on the emulator through `iothub:serviceEndpoint` (in every
stack's settings, tests/conftest.py); `ServiceSession` stands in for someone using the portal or
`az iot hub device-identity`."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pytest

from harness.errors import CheckFailed, ProviderError
from harness.process import ProviderProcess
from harness.stack import SimulatedStack
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ServiceSession
from iothub_provider import Device, IotHub
from reliability.proxy import LossyProxy, upstream_of
from tests.conftest import RESOURCE_GROUP
from tests.lifecycle.arm import Arm
from tests.lifecycle.conftest import PROJECT
from tests.lifecycle.programs import BASE_HUB, HUB, HUB_NAME, hub_program
from tests.lifecycle.test_converge import KillableProvider, kill_once_held, wait_until

GATEWAY = "gateway"
LEAVES = ("sensor-1", "sensor-2")
DEVICES = (GATEWAY, *LEAVES)
SECRETS = ("primary_key", "secondary_key", "primary_connection_string", "secondary_connection_string")


def device_program(*, hub: dict[str, Any] | None = None, leaf: dict[str, Any] | None = None,
                   sensor_1: dict[str, Any] | None = None) -> Callable[[], None]:
    """The hub (BASE_HUB with `hub`), an edge gateway with a twin tag, and two leaf devices under it with a
    desired property (`leaf` for both, `sensor_1` for the first only)."""

    def program() -> None:
        iot_hub = IotHub(HUB, **{**BASE_HUB, **(hub or {})})
        gateway = Device(GATEWAY, resource_group_name=RESOURCE_GROUP, hub_name=iot_hub.name, iot_edge=True,
                         twin_tags={"site": "lab"})
        for name in LEAVES:
            settings: dict[str, Any] = {"status": "enabled", "desired_properties": {"interval": 30}}
            settings.update(leaf or {})
            if name == "sensor-1":
                settings.update(sensor_1 or {})
            Device(name, resource_group_name=RESOURCE_GROUP, hub_name=iot_hub.name,
                   parent_scope=gateway.device_scope, **settings)
        pulumi.export("gatewayScope", gateway.device_scope)

    return program


@pytest.fixture
def portal(emulator: EmulatorServer) -> Iterator[ServiceSession]:
    """Someone else's client on the hub's service API (the portal, `az iot hub device-identity`)."""
    session = ServiceSession(emulator.url, HUB_NAME, f"Bearer {emulator.token}")
    yield session
    session.close()


def live_device(portal: ServiceSession, device_id: str) -> dict[str, Any] | None:
    response = portal.call("GET", f"/devices/{device_id}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def live_twin(portal: ServiceSession, device_id: str) -> dict[str, Any]:
    response = portal.call("GET", f"/twins/{device_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def service_writes(control: EmulatorControl) -> list[tuple[str, str]]:
    """(method, path) of every device and twin write, oldest first."""
    return [(r["method"], r["path"]) for r in control.requests()
            if r["method"] in ("PUT", "PATCH", "DELETE") and r["path"].startswith(("/devices/", "/twins/"))]


def writes(control: EmulatorControl) -> list[tuple[str, str]]:
    """(method, path) of every write, ARM and service API, oldest first."""
    return [(r["method"], r["path"]) for r in control.requests()
            if r["method"] in ("PUT", "PATCH", "DELETE")]


def index_of(entries: list[tuple[str, str]], method: str, suffix: str) -> int:
    """Where the first write of `method` whose path ends with `suffix` is in the log."""
    for i, (m, path) in enumerate(entries):
        if m == method and path.lower().endswith(suffix.lower()):
            return i
    raise AssertionError(f"no {method} ...{suffix} in {entries}")


def in_dependency_order(ops: list[tuple[str, str]], hub: str = "create", gateway: str = "create",
                        **leaves: str) -> bool:
    """The hub's step first, then the gateway's, then its leaves' in either order (siblings that depend on
    the same output are registered as soon as it resolves, in no fixed order); ``leaves`` gives a leaf's
    step where it is not the gateway's."""
    wanted = sorted((leaves.get(leaf.replace("-", "_"), gateway), leaf) for leaf in LEAVES)
    return ops[:2] == [(hub, HUB), (gateway, GATEWAY)] and sorted(ops[2:]) == wanted


def test_preview_then_up_creates_the_hub_then_the_gateway_then_its_leaves(
        stack: SimulatedStack, control: EmulatorControl, portal: ServiceSession) -> None:
    control.clear_requests()

    preview = stack.preview(device_program())

    assert in_dependency_order(preview.deployment.ops())
    assert control.requests() == [] and stack.state == {}

    run = stack.up(device_program())

    assert in_dependency_order(run.deployment.ops())
    log = writes(control)
    hub_put = index_of(log, "PUT", f"/IotHubs/{HUB_NAME}")
    gateway_put = index_of(log, "PUT", "/devices/gateway")
    assert hub_put < gateway_put < min(index_of(log, "PUT", f"/devices/{leaf}") for leaf in LEAVES)
    creates = [r for r in control.requests() if r["method"] == "PUT" and r["path"].startswith("/devices/")]
    assert [r["headers"].get("if-none-match") for r in creates] == ["*"] * 3
    assert all("if-match" not in r["headers"] for r in creates)
    assert all(r["headers"]["host"] == f"{HUB_NAME}.azure-devices.net" for r in creates)

    gateway = live_device(portal, GATEWAY)
    assert gateway is not None and gateway["capabilities"]["iotEdge"] is True
    scope = stack.resource(GATEWAY).outputs["device_scope"]
    assert scope == gateway["deviceScope"] and scope.startswith("ms-azure-iot-edge://gateway-")
    assert run.exports["gatewayScope"] == scope
    assert live_twin(portal, GATEWAY)["tags"] == {"site": "lab"}
    for leaf in LEAVES:
        live = live_device(portal, leaf)
        assert live is not None and live["deviceScope"] == scope and live["parentScopes"] == [scope]
        assert live_twin(portal, leaf)["properties"]["desired"]["interval"] == 30
        state = stack.resource(leaf)
        assert state.outputs["etag"] == live["etag"] and state.outputs["parent_scope"] == scope
        assert state.outputs["primary_key"] == live["authentication"]["symmetricKey"]["primaryKey"]
        assert set(SECRETS) <= state.secret_outputs  # stored encrypted by the engine
        assert not set(SECRETS) & set(state.plain_outputs())


def test_up_without_changes_sends_no_request(stack: SimulatedStack, control: EmulatorControl) -> None:
    stack.up(device_program())
    before = {d: dict(stack.resource(d).outputs) for d in DEVICES}
    control.clear_requests()

    run = stack.up(device_program())

    assert in_dependency_order(run.deployment.ops(), "same", "same"), run.deployment.ops()
    assert control.requests() == []
    assert {d: stack.resource(d).outputs for d in DEVICES} == before


def test_status_and_desired_property_change_update_in_place_with_the_etags_in_state(
        stack: SimulatedStack, control: EmulatorControl, portal: ServiceSession) -> None:
    stack.up(device_program())
    old = stack.resource("sensor-1")
    control.clear_requests()

    run = stack.up(device_program(sensor_1={"status": "disabled", "status_reason": "maintenance",
                                            "desired_properties": {"interval": 60}}))

    assert in_dependency_order(run.deployment.ops(), "same", "same", sensor_1="update"), run.deployment.ops()
    requests = [r for r in control.requests() if r["method"] in ("PUT", "PATCH", "DELETE")]
    assert [(r["method"], r["path"]) for r in requests] == [("PUT", "/devices/sensor-1"),
                                                           ("PATCH", "/twins/sensor-1")]
    assert requests[0]["headers"]["if-match"].strip('"') == old.outputs["etag"]
    assert requests[1]["headers"]["if-match"].strip('"') == old.outputs["twin_etag"]
    live = live_device(portal, "sensor-1")
    assert live is not None and live["status"] == "disabled" and live["statusReason"] == "maintenance"
    assert live["deviceScope"] == stack.resource(GATEWAY).outputs["device_scope"]  # the parent is kept
    assert live["authentication"]["symmetricKey"]["primaryKey"] == old.outputs["primary_key"]  # keys kept
    assert live_twin(portal, "sensor-1")["properties"]["desired"]["interval"] == 60
    new = stack.resource("sensor-1")
    assert new.id == old.id and new.outputs["etag"] == live["etag"] != old.outputs["etag"]
    assert new.outputs["status"] == "disabled" and new.outputs["desired_properties"] == {"interval": 60}


def test_a_twin_changed_elsewhere_shows_on_refresh_and_the_next_up_restores_the_program_value(
        stack: SimulatedStack, control: EmulatorControl, portal: ServiceSession) -> None:
    stack.up(device_program())
    twin = live_twin(portal, "sensor-1")
    changed = portal.call("PATCH", "/twins/sensor-1", json={"properties": {"desired": {"interval": 5,
                                                                                       "portal": True}}},
                          headers={"If-Match": f'"{twin["etag"]}"'})
    assert changed.status_code == 200, changed.text
    control.clear_requests()

    refresh = stack.refresh()

    assert ("refresh", "sensor-1") in refresh.ops()
    assert writes(control) == []
    refreshed = stack.resource("sensor-1")
    assert refreshed.outputs["desired_properties"] == {"interval": 5}  # the program's keys only
    assert refreshed.outputs["twin_etag"] == changed.json()["etag"]
    assert stack.resource("sensor-2").outputs["desired_properties"] == {"interval": 30}
    control.clear_requests()

    run = stack.up(device_program())

    assert ("update", "sensor-1") in run.deployment.ops()
    assert service_writes(control) == [("PATCH", "/twins/sensor-1")]  # the device itself is unchanged
    patch = next(r for r in control.requests() if r["method"] == "PATCH")
    assert patch["headers"]["if-match"].strip('"') == changed.json()["etag"]
    desired = live_twin(portal, "sensor-1")["properties"]["desired"]
    assert desired["interval"] == 30 and desired["portal"] is True  # a key the program does not own stays
    assert stack.resource("sensor-1").outputs["desired_properties"] == {"interval": 30}


def test_an_update_after_a_twin_change_elsewhere_fails_with_the_refresh_hint_and_writes_nothing(
        stack: SimulatedStack, control: EmulatorControl, portal: ServiceSession) -> None:
    stack.up(device_program())
    twin = live_twin(portal, "sensor-1")
    portal.call("PATCH", "/twins/sensor-1", json={"tags": {"by": "portal"}},
                headers={"If-Match": f'"{twin["etag"]}"'})
    control.clear_requests()

    with pytest.raises(ProviderError, match="pulumi refresh") as failure:
        stack.up(device_program(sensor_1={"desired_properties": {"interval": 60}}))

    assert failure.value.method == "Update"
    assert service_writes(control) == []
    assert live_twin(portal, "sensor-1")["properties"]["desired"]["interval"] == 30


def test_a_device_of_another_stacks_hub_is_only_taken_with_adopt(
        stack: SimulatedStack, control: EmulatorControl, portal: ServiceSession) -> None:
    other = SimulatedStack(stack.provider, project=PROJECT, stack="other", config=stack.config)
    other.up(device_program())
    hub_id = other.resource(HUB).id
    existing = portal.call("PUT", "/devices/legacy", json={"deviceId": "legacy"},
                           headers={"If-None-Match": "*"})
    assert existing.status_code == 200, existing.text
    before = existing.json()

    def program(adopt: bool | None) -> Callable[[], None]:
        def run() -> None:
            hub = IotHub.get("existing", hub_id)
            Device("legacy", resource_group_name=RESOURCE_GROUP, hub_name=hub.name, status="disabled",
                   status_reason="retired", desired_properties={"mode": "off"}, adopt=adopt)

        return run

    control.clear_requests()
    with pytest.raises(ProviderError, match="adopt=True") as failure:
        stack.up(program(None))

    assert failure.value.method == "Create" and service_writes(control) == []
    assert "legacy" not in {res.name for res in stack.state.values()}

    run = stack.up(program(True))

    assert ("create", "legacy") in run.deployment.ops()
    put = next(r for r in control.requests() if r["method"] == "PUT" and r["path"] == "/devices/legacy")
    assert put["headers"]["if-match"].strip('"') == before["etag"]  # its etag, never If-None-Match
    live = live_device(portal, "legacy")
    assert live is not None and live["status"] == "disabled"
    assert live["generationId"] == before["generationId"]  # the same device, not a new one
    assert live["authentication"]["symmetricKey"] == before["authentication"]["symmetricKey"]
    assert live_twin(portal, "legacy")["properties"]["desired"]["mode"] == "off"
    assert stack.resource("legacy").outputs["primary_key"] == before["authentication"]["symmetricKey"][
        "primaryKey"]


def test_replacing_the_hub_deletes_its_devices_first_and_creates_them_again_on_the_new_hub(
        stack: SimulatedStack, control: EmulatorControl, arm: Arm, portal: ServiceSession) -> None:
    stack.up(device_program())
    old_keys = {d: stack.resource(d).outputs["primary_key"] for d in DEVICES}
    control.clear_requests()

    run = stack.up(device_program(hub={"partition_count": 4}))

    methods = run.deployment.methods()
    hub_delete, hub_create = methods.index(("Delete", HUB)), methods.index(("Create", HUB))
    assert hub_delete < hub_create
    for device in DEVICES:
        assert methods.index(("Delete", device)) < hub_delete
        assert hub_create < methods.index(("Create", device))
    for leaf in LEAVES:  # leaves go before their gateway, and come after it
        assert methods.index(("Delete", leaf)) < methods.index(("Delete", GATEWAY))
        assert methods.index(("Create", GATEWAY)) < methods.index(("Create", leaf))
    log = writes(control)
    hub_deleted = index_of(log, "DELETE", f"/IotHubs/{HUB_NAME}")
    hub_put = index_of(log, "PUT", f"/IotHubs/{HUB_NAME}")
    for device in DEVICES:
        assert index_of(log, "DELETE", f"/devices/{device}") < hub_deleted < hub_put
        assert hub_put < index_of(log, "PUT", f"/devices/{device}")
    live_hub = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live_hub is not None
    assert live_hub["properties"]["eventHubEndpoints"]["events"]["partitionCount"] == 4
    scope = stack.resource(GATEWAY).outputs["device_scope"]
    for device in DEVICES:
        live = live_device(portal, device)
        assert live is not None and stack.resource(device).outputs["etag"] == live["etag"]
        assert stack.resource(device).outputs["primary_key"] != old_keys[device]  # a new identity
    for leaf in LEAVES:
        assert live_device(portal, leaf)["deviceScope"] == scope  # type: ignore[index]
        assert live_twin(portal, leaf)["properties"]["desired"]["interval"] == 30
    again = stack.up(device_program(hub={"partition_count": 4}))
    assert {op for op, _ in again.deployment.ops()} == {"same"}


def test_destroy_deletes_the_leaves_then_the_gateway_then_the_hub(
        stack: SimulatedStack, control: EmulatorControl, arm: Arm, portal: ServiceSession) -> None:
    stack.up(device_program())
    etags = {d: stack.resource(d).outputs["etag"] for d in DEVICES}
    control.clear_requests()

    stack.destroy()

    log = writes(control)
    deletes = [r for r in control.requests() if r["method"] == "DELETE" and r["path"].startswith("/devices/")]
    assert {r["path"].rsplit("/", 1)[-1]: r["headers"]["if-match"].strip('"') for r in deletes} == etags
    hub_deleted = index_of(log, "DELETE", f"/IotHubs/{HUB_NAME}")
    gateway_deleted = index_of(log, "DELETE", "/devices/gateway")
    for leaf in LEAVES:
        assert index_of(log, "DELETE", f"/devices/{leaf}") < gateway_deleted
    assert gateway_deleted < hub_deleted
    assert arm.hub_names(RESOURCE_GROUP) == [] and stack.state == {}


def test_a_device_create_cut_off_after_the_service_made_it_converges_on_the_next_up(
        emulator: EmulatorServer, control: EmulatorControl, stack: SimulatedStack,
        portal: ServiceSession) -> None:
    """The provider process dies (OOM kill, lost runner) while the service makes the gateway: the next `up`,
    in a new process, finds it on the hub this stack owns and takes it (with a warning), without adopt."""
    first = KillableProvider(project=PROJECT)
    with first:
        cut = SimulatedStack(first, project=PROJECT, stack="test", config=stack.config)
        cut.up(hub_program())
        held = control.add_fault(kind="delay", method="PUT", path="/devices/gateway", delay=2.0)
        killer = kill_once_held(first, control, held)

        with pytest.raises(ProviderError) as failure:
            cut.up(device_program())
        killer.join(timeout=10)

    assert failure.value.method == "Create"
    assert GATEWAY not in {res.name for res in cut.state.values()}
    wait_until(lambda: live_device(portal, GATEWAY) is not None, "the PUT the dead provider sent")
    made = live_device(portal, GATEWAY)
    assert made is not None

    with ProviderProcess(project=PROJECT) as second:  # the next `pulumi up` starts a new provider process
        again = SimulatedStack(second, project=PROJECT, stack="test", config=stack.config,
                               state=cut.state)
        control.clear_requests()
        run = again.up(device_program())

        assert in_dependency_order(run.deployment.ops(), "same", "create"), run.deployment.ops()
        put = next(r for r in control.requests() if r["method"] == "PUT" and r["path"] == "/devices/gateway")
        assert put["headers"]["if-match"].strip('"') == made["etag"]
        live = live_device(portal, GATEWAY)
        assert live is not None and live["generationId"] == made["generationId"]  # the same device
        assert again.resource(GATEWAY).outputs["etag"] == live["etag"]
        assert again.resource(GATEWAY).outputs["primary_key"] == made["authentication"]["symmetricKey"][
            "primaryKey"]
        assert live_twin(portal, GATEWAY)["tags"] == {"site": "lab"}
        wait_until(lambda: "continuing with it" in second.output(), "the provider's warning")
        again.destroy()


def test_a_device_create_whose_answer_was_lost_converges_in_the_same_up(
        emulator: EmulatorServer, control: EmulatorControl, stack: SimulatedStack,
        portal: ServiceSession) -> None:
    """The service makes the gateway and its answer never arrives (a proxy cuts the connection once the
    emulator answers): the client's retry of the `If-None-Match: *` PUT is refused because the device now
    exists, and the provider takes the device it just made, on the hub this stack owns, in the same up."""
    with LossyProxy(upstream_of(emulator.url)) as proxy:
        config = {**stack.config, "iothub:serviceEndpoint": proxy.url}
        with ProviderProcess(project=PROJECT) as process:  # its own settings: the proxy in front of the hubs
            lossy = SimulatedStack(process, project=PROJECT, stack="test", config=config)
            lossy.up(hub_program())
            rule = proxy.lose("PUT", r"^/devices/gateway$")
            control.clear_requests()

            run = lossy.up(device_program())

            assert rule.fired == 1
            assert in_dependency_order(run.deployment.ops(), "same", "create"), run.deployment.ops()
            puts = [r for r in control.requests() if r["method"] == "PUT" and r["path"] == "/devices/gateway"]
            assert [r["headers"].get("if-none-match") for r in puts] == ["*", "*", None]
            assert [r["status"] for r in puts] == [200, 412, 200]
            made = puts[0]
            assert puts[2]["headers"]["if-match"].strip('"') != "*"
            live = live_device(portal, GATEWAY)
            assert live is not None and lossy.resource(GATEWAY).outputs["etag"] == live["etag"]
            assert made["status"] == 200 and live_twin(portal, GATEWAY)["tags"] == {"site": "lab"}
            wait_until(lambda: "continuing with it" in process.output(), "the provider's warning")
            lossy.destroy()


BAD_KEY = base64.b64encode(b"k" * 8).decode()  # 8 bytes: the service takes 16-64
GOOD_KEY = base64.b64encode(b"k" * 32).decode()


@pytest.mark.parametrize(("settings", "prop", "words"), [
    ({"device_id": "sensor/1"}, "device_id", "not a valid device id"),
    ({"authentication": {"symmetric_key": {"primary_key": BAD_KEY, "secondary_key": GOOD_KEY}}},
     "authentication", "primary_key must be base64 of 16-64 bytes"),
    ({"authentication": {"type": "selfSigned", "x509_thumbprint": {"primary_thumbprint": "z" * 40}}},
     "authentication", "40 (SHA-1) or 64 (SHA-256) hex digits"),
], ids=["device-id", "key-length", "thumbprint"])
def test_bad_device_input_fails_at_check_naming_the_property_and_sends_nothing(
        stack: SimulatedStack, control: EmulatorControl, settings: dict[str, Any], prop: str,
        words: str) -> None:
    stack.up(device_program())
    state_before = dict(stack.state)

    def program() -> None:  # the check fails before the engine would delete what the program left out
        Device("bad", resource_group_name=RESOURCE_GROUP, hub_name=HUB_NAME, **settings)

    control.clear_requests()
    with pytest.raises(CheckFailed) as failure:
        stack.up(program)

    assert [p for p, _ in failure.value.failures] == [prop]
    assert words in failure.value.failures[0][1]
    assert control.requests() == []
    assert stack.state == state_before
