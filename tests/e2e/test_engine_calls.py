"""The real engine's calls to the provider, step by step through tests/harness/recorded.py's scenario, match
the recording the engine simulator is held to (`IOTHUB_RECORD_ENGINE_CALLS=1` writes the recording anew)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from typing import Any

import pytest

from harness.cli import PulumiProject
from tests.harness.recorded import RECORDING, SCENARIO, SETTINGS, summarize
from tests.lifecycle.arm import Arm


def cli_version(project: PulumiProject) -> str:
    return project.run("version").stdout.strip()


def test_the_real_engine_makes_the_recorded_calls(
        project: PulumiProject, arm: Arm, resource_group: str) -> None:
    observed: list[dict[str, Any]] = []
    for key, value in SETTINGS.items():
        project.run("config", "set", "--stack", project.stack, key, value)
    for step in SCENARIO:
        project.set_program_config({"hubs": step.hubs})
        project.clear_engine_calls()
        if step.delete_elsewhere:
            arm.delete_hub(resource_group, step.delete_elsewhere)
        command = {"preview": project.preview, "up": project.up, "refresh": project.refresh,
                   "destroy": project.destroy}[step.command]
        result = command(check=False)
        assert (result.code != 0) == step.fails, result
        calls = project.engine_calls()
        if not calls and step.command != "preview":
            pytest.skip("no calls were logged: the Pulumi CLI in use runs its own dynamic-provider plugin")
        observed.append({"step": step.label, **summarize(calls)})

    if os.environ.get("IOTHUB_RECORD_ENGINE_CALLS") == "1":
        recording = {"cli": cli_version(project), "recorded": date.today().isoformat(),
                     "command": "IOTHUB_RECORD_ENGINE_CALLS=1 venv/bin/python -m pytest "
                                "tests/e2e/test_engine_calls.py", "steps": observed}
        RECORDING.write_text(json.dumps(recording, indent=1) + "\n")
        subprocess.run(["git", "diff", "--stat", str(RECORDING)], check=False)
    expected = json.loads(RECORDING.read_text())["steps"]
    assert observed == expected
