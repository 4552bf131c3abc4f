"""The stack program (__main__.py) under `pulumi.runtime.set_mocks`, its resources handed to the real
providers through the engine simulator, against the emulator: preview, up, a configuration change, destroy."""

from __future__ import annotations

import json
import runpy
from typing import Any

import pulumi
import pytest

from harness.process import PROJECT_ROOT, ProviderProcess
from harness.stack import SimulatedStack
from harness.wire import Secret, contains_unknown
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from tests.conftest import LOCATION, PROJECT, RESOURCE_GROUP, SUBSCRIPTION_ID, shared_provider_config
from tests.lifecycle.arm import Arm, user_tags

PROGRAM = PROJECT_ROOT / "__main__.py"
HUBS: dict[str, Any] = {
    "telemetry": {"name": "iot-prog-telemetry", "partitionCount": 2,
                  "consumerGroups": ["analytics", "alerts"]},
    "devices": {"name": "iot-prog-devices", "sku": {"name": "B1", "capacity": 1}, "partitionCount": 2},
}


def run_main() -> None:
    runpy.run_path(str(PROGRAM), run_name="__main__")


@pytest.fixture
def stack(provider: ProviderProcess, emulator: EmulatorServer, resource_group: str) -> SimulatedStack:
    config: dict[str, str | Secret] = {
        **shared_provider_config(emulator),
        "iothub-provider:resourceGroup": resource_group,
        "iothub-provider:location": LOCATION,
        "iothub-provider:tags": json.dumps({"env": "test"}),
        "iothub-provider:hubs": json.dumps(HUBS),
    }
    return SimulatedStack(provider, project=PROJECT, stack="test", config=config)


@pytest.fixture
def arm(emulator: EmulatorServer) -> Arm:
    return Arm(emulator.url, emulator.token, SUBSCRIPTION_ID)


def test_preview_up_change_destroy(stack: SimulatedStack, control: EmulatorControl, arm: Arm) -> None:
    control.clear_requests()
    preview = stack.preview(run_main)

    assert sorted(preview.deployment.ops()) == [
        ("create", "devices"), ("create", "telemetry"), ("create", "telemetry-alerts"),
        ("create", "telemetry-analytics")]
    assert control.requests() == []
    assert contains_unknown(preview.exports["hostNames"])

    up = stack.up(run_main)

    telemetry = arm.hub(RESOURCE_GROUP, "iot-prog-telemetry")
    devices = arm.hub(RESOURCE_GROUP, "iot-prog-devices")
    assert telemetry is not None and devices is not None
    assert up.exports["hubNames"] == {"telemetry": "iot-prog-telemetry", "devices": "iot-prog-devices"}
    assert up.exports["hostNames"] == {"telemetry": telemetry["properties"]["hostName"],
                                       "devices": devices["properties"]["hostName"]}
    assert up.exports["eventHubEndpoints"]["telemetry"] == (
        telemetry["properties"]["eventHubEndpoints"]["events"]["endpoint"])
    assert up.exports["consumerGroups"] == {"telemetry": ["analytics", "alerts"], "devices": []}
    assert up.secret_exports() == {"connectionStrings", "deviceConnectionStrings"}
    connection = up.exports["connectionStrings"].value["telemetry"]
    assert any(key in connection for key in arm.keys(RESOURCE_GROUP, "iot-prog-telemetry"))
    assert user_tags(telemetry) == {"env": "test"}
    assert arm.consumer_groups(RESOURCE_GROUP, "iot-prog-telemetry") == ["$Default", "alerts", "analytics"]

    changed = {"telemetry": {**HUBS["telemetry"], "consumerGroups": ["analytics", "archive"],
                             "tags": {"team": "iot"}}}
    stack.config["iothub-provider:hubs"] = json.dumps(changed)
    control.clear_requests()
    planned = stack.preview(run_main)

    assert control.requests() == []
    assert arm.hub_names(RESOURCE_GROUP) == ["iot-prog-devices", "iot-prog-telemetry"]

    change = stack.up(run_main)

    assert sorted(planned.deployment.ops()) == sorted(change.deployment.ops())
    assert sorted(change.deployment.ops()) == [
        ("create", "telemetry-archive"), ("delete", "devices"), ("delete", "telemetry-alerts"),
        ("same", "telemetry-analytics"), ("update", "telemetry")]
    assert arm.hub_names(RESOURCE_GROUP) == ["iot-prog-telemetry"]
    assert user_tags(arm.hub(RESOURCE_GROUP, "iot-prog-telemetry")) == {"env": "test", "team": "iot"}
    assert arm.consumer_groups(RESOURCE_GROUP, "iot-prog-telemetry") == ["$Default", "analytics", "archive"]

    destroy = stack.destroy()

    assert [method for method, _ in destroy.methods()] == ["Delete", "Delete", "Delete"]
    assert arm.hub_names(RESOURCE_GROUP) == []
    assert stack.state == {}


def test_bad_hub_config_names_the_key_before_any_request(stack: SimulatedStack,
                                                         control: EmulatorControl) -> None:
    stack.config["iothub-provider:hubs"] = json.dumps({"telemetry": {"partitionCount": "four"}})
    control.clear_requests()

    with pytest.raises(pulumi.RunError, match=r"iothub-provider:hubs\.telemetry\.partitionCount"):
        stack.up(run_main)

    assert control.requests() == []
    assert stack.state == {}


def test_default_config_deploys_one_hub_with_a_consumer_group(stack: SimulatedStack, arm: Arm) -> None:
    del stack.config["iothub-provider:hubs"]

    up = stack.up(run_main)

    assert sorted(up.exports["hubNames"]) == ["telemetry"]
    hub_name = up.exports["hubNames"]["telemetry"]
    assert arm.consumer_groups(RESOURCE_GROUP, hub_name) == ["$Default", "analytics"]
