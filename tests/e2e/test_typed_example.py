"""The real CLI runs the typed example program (examples/typed): up, an update, refresh, then no change."""

from __future__ import annotations

from harness.cli import PulumiProject
from harness.process import PROJECT_ROOT
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from tests.e2e.conftest import STACK
from tests.e2e.requests import hub_writes
from tests.lifecycle.arm import Arm

HUB = "e2e-typed"


def test_the_typed_example_deploys_updates_and_refreshes(project: PulumiProject, control: EmulatorControl,
                                                          arm: Arm, resource_group: str,
                                                          emulator: EmulatorServer) -> None:
    example = PulumiProject(project.directory.parent / "typed", stack=STACK, project="iothub-typed-example",
                            program=(PROJECT_ROOT / "examples" / "typed" / "__main__.py").read_text())
    example.stack_file.write_text(project.stack_file.read_text())  # the same settings, salt and token
    example.run("stack", "init", STACK, "--secrets-provider", "passphrase", "--non-interactive")
    for key, value in {"resourceGroup": resource_group, "hubName": HUB, "maxDeliveryCount": "7"}.items():
        example.run("config", "set", "--stack", STACK, f"iothub-typed-example:{key}", value)
    example.run("config", "set", "--stack", STACK, "iothub:serviceEndpoint", emulator.url)

    created = example.up()
    assert created.steps() == {name: {"created"} for name in (
        "typed", "typed-analytics", "typed-gateway", "typed-sensor")}, created
    live = arm.hub(resource_group, HUB)
    assert live is not None and live["properties"]["cloudToDevice"]["maxDeliveryCount"] == 7
    assert example.outputs()["maxDeliveryCount"] == 7

    example.run("config", "set", "--stack", STACK, "iothub-typed-example:maxDeliveryCount", "9")
    control.clear_requests()
    updated = example.up()
    assert updated.steps() == {"typed": {"updated"}}, updated
    assert [r["method"] for r in hub_writes(control, HUB)] == ["PUT"]
    live = arm.hub(resource_group, HUB)
    assert live is not None and live["properties"]["cloudToDevice"]["maxDeliveryCount"] == 9
    assert live["properties"]["routing"]["routes"][0]["name"] == "alerts"

    example.refresh()
    control.clear_requests()
    example.preview("--expect-no-changes")
    assert hub_writes(control, HUB) == []
    example.destroy()
    assert arm.hub(resource_group, HUB) is None
