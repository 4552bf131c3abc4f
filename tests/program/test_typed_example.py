"""The typed example program (examples/typed): mypy --strict accepts it and refuses its misspellings, and it
deploys, updates and refreshes over the engine protocol against the emulator."""

from __future__ import annotations

import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.process import PROJECT_ROOT, ProviderProcess
from harness.stack import SimulatedStack, emulator_provider_config
from harness.wire import Secret
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from tests.conftest import SUBSCRIPTION_ID
from tests.lifecycle.arm import Arm

PROJECT = "iothub-typed-example"
PROGRAM = PROJECT_ROOT / "examples" / "typed" / "__main__.py"
HUB = "typed-example-hub"


def mypy_strict(path: Path) -> subprocess.CompletedProcess[str]:
    """mypy --strict on one program; the package it imports is followed but not reported on."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental", str(path)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )


def test_mypy_strict_accepts_the_typed_example() -> None:
    checked = mypy_strict(PROGRAM)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (
            ("max_delivery_count=config.get_int", "max_delivery_cnt=config.get_int"),
            'keyword argument "max_delivery_cnt"',
        ),
        (
            ("is_enabled=True,\n                )", 'is_enabled="yes",\n                )'),
            'Argument "is_enabled"',
        ),
        (
            ('sku=IotHubSkuInfoArgs(name="S1", capacity=1)', 'sku={"name": "S1", "capacity": "one"}'),
            'Argument "sku"',
        ),
        (("partition_count=2,", 'partition_count="2",'), '"partition_count"'),
    ],
)
def test_mypy_strict_refuses_a_misspelt_or_mistyped_setting(
    tmp_path: Path, change: tuple[str, str], complaint: str
) -> None:
    text = PROGRAM.read_text()
    assert change[0] in text
    broken = tmp_path / "broken.py"
    broken.write_text(text.replace(change[0], change[1], 1))
    checked = mypy_strict(broken)
    assert checked.returncode == 1 and complaint in checked.stdout, checked.stdout


def run_example() -> None:
    runpy.run_path(str(PROGRAM), run_name="__main__")


@pytest.fixture(scope="module")
def provider() -> Iterator[ProviderProcess]:
    with ProviderProcess(project=PROJECT) as process:
        yield process


@pytest.fixture
def stack(provider: ProviderProcess, emulator: EmulatorServer, resource_group: str) -> SimulatedStack:
    config: dict[str, str | Secret] = {
        **emulator_provider_config(emulator.url, emulator.token, SUBSCRIPTION_ID),
        "iothub:serviceEndpoint": emulator.url,
        "iothub:providerProcesses": "1",
        f"{PROJECT}:resourceGroup": resource_group,
        f"{PROJECT}:hubName": HUB,
    }
    return SimulatedStack(provider, project=PROJECT, stack="test", config=config)


def test_the_typed_example_deploys_updates_and_refreshes_without_drift(
    stack: SimulatedStack, arm: Arm, control: EmulatorControl, resource_group: str
) -> None:
    up = stack.up(run_example)
    live = arm.hub(resource_group, HUB)
    assert live is not None
    props = live["properties"]
    assert props["cloudToDevice"] == {
        "maxDeliveryCount": 10,
        "defaultTtlAsIso8601": "PT1H",
        "feedback": {"lockDurationAsIso8601": "PT1M", "maxDeliveryCount": 10},
    }
    assert props["routing"]["routes"][0]["endpointNames"] == ["alerts"]
    assert props["routing"]["fallbackRoute"]["isEnabled"] is True
    assert props["networkRuleSets"]["ipRules"][0]["ipMask"] == "192.168.0.0/16"
    assert props["messagingEndpoints"]["fileNotifications"]["maxDeliveryCount"] == 5
    assert up.exports["maxDeliveryCount"] == 10
    policies = up.exports["policies"]
    assert isinstance(policies, Secret) and "iothubowner" in policies.value  # derived from a secret output
    sensor, gateway = stack.resource("typed-sensor"), stack.resource("typed-gateway")
    assert sensor.outputs["parent_scopes"] == [gateway.outputs["device_scope"]]
    assert "primary_connection_string" in sensor.secret_outputs
    hub = stack.resource("typed")
    assert hub.outputs["cloud_to_device"]["feedback"] == {
        "lock_duration_as_iso8601": "PT1M",
        "max_delivery_count": 10,
    }
    assert "routing" in hub.secret_outputs  # its connection string carries a key

    stack.config[f"{PROJECT}:maxDeliveryCount"] = "20"
    updated = stack.up(run_example)
    assert ("update", "typed") in updated.deployment.ops()
    live = arm.hub(resource_group, HUB)
    assert live is not None and live["properties"]["cloudToDevice"]["maxDeliveryCount"] == 20
    assert live["properties"]["routing"]["enrichments"][0]["key"] == "site"  # the rest kept

    refreshed = stack.refresh()
    assert ("update", "typed") not in refreshed.ops()
    control.clear_requests()
    again = stack.preview(run_example)
    assert all(op == "same" for op, _ in again.deployment.ops()), again.deployment.ops()
    assert control.requests() == []


@pytest.fixture
def arm(emulator: EmulatorServer) -> Arm:
    return Arm(emulator.url, emulator.token, SUBSCRIPTION_ID)
