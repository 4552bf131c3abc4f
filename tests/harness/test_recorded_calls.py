"""The engine simulator makes the calls the real engine was recorded making (tests/harness/recorded.py),
step by step through the same scenario: the same per-resource sequences and the same provider start-up,
one provider process per command as the CLI starts one."""

from __future__ import annotations

import json
import runpy
from typing import Any

import pytest

from harness.engine import Deployment
from harness.errors import CheckFailed
from harness.process import PROJECT_ROOT, ProviderProcess
from harness.stack import SimulatedStack, emulator_provider_config
from harness.wire import Secret
from iothub_emulator.server import EmulatorServer
from tests.conftest import LOCATION, SUBSCRIPTION_ID
from tests.harness.recorded import RECORDING, SCENARIO, SETTINGS, describe, summarize
from tests.lifecycle.arm import Arm

PROJECT = "iothub-provider"


def run_main() -> None:
    runpy.run_path(str(PROJECT_ROOT / "__main__.py"), run_name="__main__")


def simulated_calls(deployment: Deployment, provider: ProviderProcess) -> list[dict[str, Any]]:
    """The deployment's calls in the recorder's form: provider-level ones tagged with the process."""
    calls: list[dict[str, Any]] = [{"method": m, "pid": "provider"} for m in provider.startup_calls]
    calls += [{"method": c.method, "request": describe(c.request)} for c in deployment.calls]
    return calls


def run(stack: SimulatedStack, command: str, *, fails: bool) -> Deployment:
    """One CLI command through the simulator; a failing one must fail with a check failure."""
    if fails:
        with pytest.raises(CheckFailed):
            stack.preview(run_main) if command == "preview" else stack.up(run_main)
        return stack.engine.history[-1]
    if command == "preview":
        return stack.preview(run_main).deployment
    if command == "up":
        return stack.up(run_main).deployment
    return stack.refresh() if command == "refresh" else stack.destroy()


def test_the_simulator_makes_the_calls_the_real_engine_was_recorded_making(
        emulator: EmulatorServer, resource_group: str) -> None:
    arm = Arm(emulator.url, emulator.token, SUBSCRIPTION_ID)
    config: dict[str, str | Secret] = {
        **emulator_provider_config(emulator.url, emulator.token, SUBSCRIPTION_ID),
        "iothub-provider:resourceGroup": resource_group,
        "iothub-provider:location": LOCATION,
        **SETTINGS,
    }
    recorded = json.loads(RECORDING.read_text())["steps"]
    observed = []
    state: dict[str, Any] = {}
    for step in SCENARIO:
        config["iothub-provider:hubs"] = json.dumps(step.hubs)
        with ProviderProcess(project=PROJECT) as provider:
            stack = SimulatedStack(provider, project=PROJECT, stack="e2e", config=config, state=state,
                                   program_run=step.command in ("preview", "up"))
            if step.delete_elsewhere:
                arm.delete_hub(resource_group, step.delete_elsewhere)
            deployment = run(stack, step.command, fails=step.fails)
            state = dict(stack.state)
        observed.append({"step": step.label, **summarize(simulated_calls(deployment, provider))})
    assert observed == recorded
