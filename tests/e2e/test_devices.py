"""The real CLI with devices from the stack program's configuration (`hubs.<key>.devices`): a hub with an edge
gateway and a leaf device under it through up, a device change, a twin changed elsewhere with refresh, and
destroy, against the emulator's service API (reached through `iothub:serviceEndpoint`, with real SAS
verification); the keys and connection strings only ever encrypted in the state; bad device input refused at
preview; a create cut off after the service accepted it converging, and the devices following their replaced
hub."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ServiceSession
from tests.e2e.interrupt import converge, kill_session
from tests.e2e.requests import is_write
from tests.lifecycle.arm import Arm

HUB_NAME = "e2e-devices"
GIVEN_KEY = base64.b64encode(b"gateway-key-" * 3).decode()
"""The gateway's keys, given in the stack configuration (secret inputs, through refresh too)."""
SECRET_SIG = "4dabf18193072939515e22adb298388d"
"""The key the CLI marks an encrypted value with in `pulumi stack export`."""


def hub(sensor: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": HUB_NAME,
        "partitionCount": 2,
        "devices": {
            "gateway": {
                "iotEdge": True,
                "twinTags": {"site": "lab"},
                "authentication": {"symmetricKey": {"primaryKey": GIVEN_KEY, "secondaryKey": GIVEN_KEY}},
            },
            "sensor-1": {"parent": "gateway", "desiredProperties": {"interval": 30}, **(sensor or {})},
        },
    }


@pytest.fixture
def devices_project(project: PulumiProject, emulator: EmulatorServer) -> PulumiProject:
    """The e2e stack with the hubs' service API on the emulator, set as a user would."""
    project.run(
        "config", "set", "--stack", project.stack, "--plaintext", "iothub:serviceEndpoint", emulator.url
    )
    return project


@pytest.fixture
def portal(emulator: EmulatorServer) -> Iterator[ServiceSession]:
    session = ServiceSession(emulator.url, HUB_NAME, f"Bearer {emulator.token}")
    yield session
    session.close()


def live(portal: ServiceSession, path: str) -> dict[str, Any]:
    response = portal.call("GET", path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def write_log(control: EmulatorControl) -> list[dict[str, Any]]:
    return [r for r in control.requests() if is_write(r)]


def stored_resources(project: PulumiProject) -> str:
    """The state of the stack's hubs, groups and devices as `pulumi stack export` shows it. Left out: the
    default provider's inputs, which mirror the stack configuration (this test writes the gateway's keys there
    in plain text; a user would set them with `pulumi config set --secret --path`)."""
    return json.dumps([r for r in project.resources() if r["type"].startswith("pulumi-python:dynamic")])


def position(log: list[dict[str, Any]], method: str, suffix: str) -> int:
    for i, request in enumerate(log):
        if request["method"] == method and request["path"].lower().endswith(suffix.lower()):
            return i
    raise AssertionError(f"no {method} ...{suffix} among {[(r['method'], r['path']) for r in log]}")


def test_devices_up_change_twin_drift_refresh_and_destroy(
    devices_project: PulumiProject,
    control: EmulatorControl,
    arm: Arm,
    portal: ServiceSession,
    resource_group: str,
) -> None:
    project = devices_project
    project.set_program_config({"hubs": {"edge": hub()}})
    control.clear_requests()

    created = project.up()

    assert created.steps() == {
        "edge": {"created"},
        "edge-gateway": {"created"},
        "edge-sensor-1": {"created"},
    }, created
    log = write_log(control)
    assert (
        position(log, "PUT", f"/IotHubs/{HUB_NAME}")
        < position(log, "PUT", "/devices/gateway")
        < position(log, "PUT", "/devices/sensor-1")
    )
    device_puts = [r for r in log if r["path"].startswith("/devices/")]
    assert [r["headers"].get("if-none-match") for r in device_puts] == ["*", "*"]
    assert all(r["headers"]["authorization"] == "<redacted>" for r in device_puts)  # SAS, not the bearer
    gateway, sensor = live(portal, "/devices/gateway"), live(portal, "/devices/sensor-1")
    assert gateway["capabilities"]["iotEdge"] is True
    assert gateway["authentication"]["symmetricKey"]["primaryKey"] == GIVEN_KEY
    assert sensor["deviceScope"] == gateway["deviceScope"]
    assert sensor["parentScopes"] == [gateway["deviceScope"]]
    assert live(portal, "/twins/sensor-1")["properties"]["desired"]["interval"] == 30
    assert live(portal, "/twins/gateway")["tags"] == {"site": "lab"}
    assert project.outputs()["devices"] == {"edge": {"gateway": "gateway", "sensor-1": "sensor-1"}}

    # Keys and connection strings: encrypted in the state, revealed only on request.
    keys = [
        d["authentication"]["symmetricKey"][k]
        for d in (gateway, sensor)
        for k in ("primaryKey", "secondaryKey")
    ]
    revealed = project.outputs(show_secrets=True)["deviceConnectionStrings"]["edge"]
    assert revealed["sensor-1"] == (
        f"HostName={HUB_NAME}.azure-devices.net;DeviceId=sensor-1;"
        f"SharedAccessKey={sensor['authentication']['symmetricKey']['primaryKey']}"
    )
    exported = stored_resources(project)
    for secret in [*keys, *revealed.values()]:
        assert secret not in exported
    assert "SharedAccessKey=" not in exported
    assert project.outputs()["deviceConnectionStrings"] == "[secret]"
    state = project.resource("edge-sensor-1")["outputs"]
    for name in ("primary_key", "secondary_key", "primary_connection_string", "secondary_connection_string"):
        assert SECRET_SIG in state[name], name
    assert state["etag"] == sensor["etag"] and state["parent_scope"] == gateway["deviceScope"]

    # A device change: status and a desired property, in place with the etags in state.
    project.set_program_config(
        {"hubs": {"edge": hub({"status": "disabled", "desiredProperties": {"interval": 60}})}}
    )
    control.clear_requests()
    changed = project.up()
    assert changed.steps() == {"edge-sensor-1": {"updated"}}, changed
    writes = write_log(control)
    assert [(r["method"], r["path"]) for r in writes] == [
        ("PUT", "/devices/sensor-1"),
        ("PATCH", "/twins/sensor-1"),
    ]
    assert writes[0]["headers"]["if-match"].strip('"') == state["etag"]
    assert writes[1]["headers"]["if-match"].strip('"') == state["twin_etag"]
    assert live(portal, "/devices/sensor-1")["status"] == "disabled"
    assert live(portal, "/devices/sensor-1")["deviceScope"] == gateway["deviceScope"]

    # A twin change made elsewhere: refresh shows it, the next up restores the program's value.
    twin = live(portal, "/twins/sensor-1")
    outside = portal.call(
        "PATCH",
        "/twins/sensor-1",
        json={"properties": {"desired": {"interval": 5}}},
        headers={"If-Match": f'"{twin["etag"]}"'},
    )
    assert outside.status_code == 200, outside.text
    control.clear_requests()
    refreshed = project.refresh()
    assert refreshed.steps() == {"edge-sensor-1": {"updated"}}, refreshed
    assert write_log(control) == []
    assert project.resource("edge-sensor-1")["outputs"]["desired_properties"] == {"interval": 5}
    assert GIVEN_KEY not in stored_resources(project)  # refreshed inputs keep the given keys encrypted
    control.clear_requests()
    restored = project.up()
    assert restored.steps() == {"edge-sensor-1": {"updated"}}, restored
    assert [(r["method"], r["path"]) for r in write_log(control)] == [("PATCH", "/twins/sensor-1")]
    assert live(portal, "/twins/sensor-1")["properties"]["desired"]["interval"] == 60

    # Destroy: the leaf, then its gateway, then the hub.
    control.clear_requests()
    destroyed = project.destroy()
    assert destroyed.names("deleted") == ["edge", "edge-gateway", "edge-sensor-1"], destroyed
    log = write_log(control)
    assert (
        position(log, "DELETE", "/devices/sensor-1")
        < position(log, "DELETE", "/devices/gateway")
        < position(log, "DELETE", f"/IotHubs/{HUB_NAME}")
    )
    assert all(r["headers"]["if-match"] != "*" for r in log if r["path"].startswith("/devices/"))
    assert arm.hub_names(resource_group) == []


def test_bad_device_input_fails_preview_naming_the_property_and_sends_nothing(
    devices_project: PulumiProject, control: EmulatorControl
) -> None:
    short_key = base64.b64encode(b"k" * 8).decode()
    cases = [
        ({"sensor/1": {}}, "device_id"),
        (
            {
                "sensor-1": {
                    "authentication": {"symmetricKey": {"primaryKey": short_key, "secondaryKey": short_key}}
                }
            },
            "primary_key must be base64 of 16-64 bytes",
        ),
        (
            {
                "sensor-1": {
                    "authentication": {
                        "type": "selfSigned",
                        "x509Thumbprint": {"primaryThumbprint": "z" * 40},
                    }
                }
            },
            "hex digits",
        ),
    ]
    for devices, words in cases:
        devices_project.set_program_config({"hubs": {"bad": {"name": "e2e-bad-devices", "devices": devices}}})
        control.clear_requests()
        preview = devices_project.preview(check=False)
        assert preview.code != 0, preview
        assert words in preview.output, preview
        assert control.requests() == []


def wait_for_device_put(control: EmulatorControl, device: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(
        r["method"] == "PUT" and r["path"] == f"/devices/{device}" and r["status"] == 200
        for r in control.requests()
    ):
        assert time.monotonic() < deadline, f"the CLI never sent the PUT of device {device}"
        time.sleep(0.05)


def test_devices_follow_a_replaced_hub_and_a_cut_off_create_converges(
    devices_project: PulumiProject, control: EmulatorControl, portal: ServiceSession
) -> None:
    project = devices_project
    project.set_program_config({"hubs": {"edge": hub()}})

    # Cut off right after the service accepted the gateway's PUT: the next runs continue with that device.
    running = project.start("up", "--stack", project.stack, "--non-interactive", "--yes", "--skip-preview")
    try:
        wait_for_device_put(control, "gateway")
    finally:
        kill_session(running.pid)
        running.wait()
    made = live(portal, "/devices/gateway")
    runs = converge(project)
    assert runs[-1].code == 0, runs[-1]
    assert live(portal, "/devices/gateway")["generationId"] == made["generationId"]  # the same device
    assert [d["deviceId"] for d in portal.call("GET", "/devices").json()] == ["gateway", "sensor-1"]
    assert project.resource("edge-gateway")["outputs"]["generation_id"] == made["generationId"]

    # The hub replaced (partition count): its devices are deleted before it and created on the new hub.
    project.set_program_config({"hubs": {"edge": {**hub(), "partitionCount": 4}}})
    control.clear_requests()
    replaced = project.up()
    assert replaced.steps() == {
        name: {"deleted", "created", "replaced"} for name in ("edge", "edge-gateway", "edge-sensor-1")
    }, replaced
    log = write_log(control)
    hub_delete = position(log, "DELETE", f"/IotHubs/{HUB_NAME}")
    assert (
        position(log, "DELETE", "/devices/sensor-1")
        < position(log, "DELETE", "/devices/gateway")
        < hub_delete
    )
    hub_put = position(log, "PUT", f"/IotHubs/{HUB_NAME}")
    assert (
        hub_delete
        < hub_put
        < position(log, "PUT", "/devices/gateway")
        < position(log, "PUT", "/devices/sensor-1")
    )
    assert live(portal, "/devices/gateway")["generationId"] != made["generationId"]  # a new device
    project.destroy()
