"""The shipped stack files work: `local` deploys against the emulator exactly as scripts/up would run it, and
the Azure template passes a preview (which makes no calls, as in CI)."""

from __future__ import annotations

import re

from harness.process import PROJECT_ROOT, ProviderProcess
from harness.stack import SimulatedStack, load_stack_config
from harness.wire import Secret
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ServiceSession
from tests.lifecycle.arm import Arm, user_tags
from tests.program.test_program import PROJECT, run_main

STACKS = PROJECT_ROOT / "stacks"
SCRIPT_UP = PROJECT_ROOT / "scripts" / "up"


def test_local_stack_points_at_the_emulator_that_scripts_up_starts() -> None:
    config = load_stack_config(STACKS / "Pulumi.local.yaml")
    script = SCRIPT_UP.read_text()

    assert config["iothub:armEndpoint"] == config["iothub:serviceEndpoint"] == "http://127.0.0.1:8910"
    assert 'PORT="${IOTHUB_EMULATOR_PORT:-8910}"' in script
    started_with = re.search(r'TOKEN="\$\{IOTHUB_EMULATOR_TOKEN:-([^}]+)\}"', script)
    assert started_with is not None and config["iothub:accessToken"] == started_with.group(1)


def test_local_stack_deploys_and_destroys(emulator: EmulatorServer, control: EmulatorControl) -> None:
    config = load_stack_config(STACKS / "Pulumi.local.yaml")
    subscription, group = str(config["iothub:subscriptionId"]), str(config["iothub-provider:resourceGroup"])
    control.create_resource_group(subscription, group, str(config["iothub-provider:location"]))
    config.update({"iothub:armEndpoint": emulator.url, "iothub:serviceEndpoint": emulator.url,
                   "iothub:accessToken": Secret(emulator.token)})
    arm = Arm(emulator.url, emulator.token, subscription)

    # A process of its own: the stack file's subscription is not the shared process's (tests/conftest.py).
    with ProviderProcess(project=PROJECT) as local_provider:
        stack = SimulatedStack(local_provider, project=PROJECT, stack="local", config=config)
        up = stack.up(run_main)

        assert sorted(up.exports["hubNames"].values()) == arm.hub_names(group)
        assert arm.hub_names(group) == ["iot-local-devices", "iot-local-telemetry"]
        assert arm.consumer_groups(group, "iot-local-telemetry") == ["$Default", "alerts", "analytics"]
        assert user_tags(arm.hub(group, "iot-local-telemetry")) == {"env": "local"}
        assert up.secret_exports() == {"connectionStrings", "deviceConnectionStrings"}
        assert up.exports["devices"]["telemetry"] == {"edge-gateway": "edge-gateway", "sensor-1": "sensor-1"}
        hub = ServiceSession(emulator.url, "iot-local-telemetry", f"Bearer {emulator.token}")
        gateway, sensor = (hub.call("GET", f"/devices/{d}").json() for d in ("edge-gateway", "sensor-1"))
        assert gateway["capabilities"]["iotEdge"] is True
        assert sensor["parentScopes"] == [gateway["deviceScope"]]
        assert hub.call("GET", "/twins/sensor-1").json()["properties"]["desired"]["telemetryInterval"] == 30
        assert [op for op, _ in stack.up(run_main).deployment.ops()] == ["same"] * 7

        stack.destroy()

    assert arm.hub_names(group) == []


def test_azure_template_previews_without_calls(control: EmulatorControl) -> None:
    config = load_stack_config(STACKS / "Pulumi.azure.yaml.example")
    control.clear_requests()

    with ProviderProcess(project=PROJECT) as azure_provider:
        stack = SimulatedStack(azure_provider, project=PROJECT, stack="dev", config=config)
        preview = stack.preview(run_main)

    assert sorted(preview.deployment.ops()) == [
        ("create", "telemetry"), ("create", "telemetry-alerts"), ("create", "telemetry-analytics"),
        ("create", "telemetry-line-1-sensor"), ("create", "telemetry-plant-gateway")]
    assert control.requests() == []
