"""The real CLI on a stack made before the typed API (tests/e2e/data/arm_spelled_stack/README.md): its state
spells nested settings the ARM way; after the upgrade neither the same program nor its snake_case rewrite
shows a change, before or after a refresh, and the camelCase program is warned about each key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID
from tests.e2e.conftest import STACK, provider_settings
from tests.e2e.requests import hub_writes

DATA = Path(__file__).parent / "data" / "arm_spelled_stack"
HUB = "e2e-legacy"
PASSPHRASE = "e2e-passphrase"
"""The passphrase the checkpoint's secrets were encrypted with (data/arm_spelled_stack/README.md)."""


def put_hub_as_it_was(emulator: EmulatorServer) -> None:
    """The hub the earlier version created, with the settings the checkpoint records."""
    url = (f"{emulator.url}/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}"
           f"/providers/Microsoft.Devices/IotHubs/{HUB}?api-version=2023-06-30")
    answer = requests.put(url, json=json.loads((DATA / "hub.json").read_text()),
                          headers={"Authorization": f"Bearer {emulator.token}"}, timeout=30)
    assert answer.status_code in (200, 201), answer.text


def upgraded_project(tmp_path: Path, emulator: EmulatorServer, program: str) -> PulumiProject:
    """A project whose stack is the checkpoint, imported, with this test emulator's settings."""
    project = PulumiProject(tmp_path / "project", stack=STACK, program=(DATA / program).read_text())
    project.env["PULUMI_CONFIG_PASSPHRASE"] = PASSPHRASE
    project.run("stack", "init", STACK, "--secrets-provider", "passphrase", "--non-interactive")
    project.stack_file.write_text((DATA / f"Pulumi.{STACK}.yaml").read_text())  # the checkpoint's salt
    for key, value in provider_settings(emulator).items():
        secret = "--secret" if key == "iothub:accessToken" else "--plaintext"
        project.run("config", "set", "--stack", STACK, secret, key, value)
    project.run("stack", "import", "--stack", STACK, "--file", str(DATA / "checkpoint.json"))
    return project


@pytest.mark.parametrize("program", ["program_after.py", "program_before.py"])
def test_a_stack_made_with_arm_spelled_settings_shows_no_change_after_the_upgrade(
        tmp_path: Path, emulator: EmulatorServer, control: EmulatorControl, resource_group: str,
        program: str) -> None:
    put_hub_as_it_was(emulator)
    project = upgraded_project(tmp_path, emulator, program)
    inputs_before = project.resource("legacy")["inputs"]
    assert "maxDeliveryCount" in json.dumps(inputs_before["cloud_to_device"])  # the state is the old one

    control.clear_requests()
    preview = project.preview("--expect-no-changes", "--diff")
    assert preview.steps() == {}, preview
    warned = "'maxDeliveryCount' is the ARM spelling; write 'max_delivery_count'" in preview.output
    assert warned == (program == "program_before.py"), preview.output

    up = project.up()
    assert "legacy" not in up.steps(), up
    assert hub_writes(control, HUB) == []
    routing_input = project.resource("legacy")["inputs"]["routing"]
    assert "ciphertext" in routing_input, "routing (connection strings with keys) is an encrypted input"

    project.refresh()
    refreshed = project.resource("legacy")["outputs"]
    assert refreshed["cloud_to_device"] == {"max_delivery_count": 5, "default_ttl_as_iso8601": "PT2H",
                                            "feedback": {"lock_duration_as_iso8601": "PT1M",
                                                         "max_delivery_count": 3}}
    again = project.preview("--expect-no-changes")
    assert again.steps() == {}, again
    assert hub_writes(control, HUB) == []
