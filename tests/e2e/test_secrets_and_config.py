"""The real CLI: secrets in state, bad input at preview, provider settings from `pulumi config set`."""

from __future__ import annotations

from typing import Any

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from tests.lifecycle.arm import Arm

HUB: dict[str, Any] = {"name": "e2e-secrets", "partitionCount": 2, "consumerGroups": ["analytics"]}


def test_state_holds_no_secret_in_plain_text_and_show_secrets_reveals_connection_strings(
        project: PulumiProject, emulator: EmulatorServer, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": {"secrets": HUB}})
    project.up()

    keys = arm.keys(resource_group, "e2e-secrets")
    assert len(keys) >= 10  # five default policies, two keys each
    revealed = project.outputs(show_secrets=True)["connectionStrings"]["secrets"]
    assert revealed.startswith("HostName=e2e-secrets.azure-devices.net;SharedAccessKeyName=service;")
    assert any(key in revealed for key in keys)

    exported = project.export()
    for secret in [*keys, revealed, emulator.token]:
        assert secret not in exported
    assert "SharedAccessKey=" not in exported
    assert project.outputs()["connectionStrings"] == "[secret]"
    stack_file = project.stack_file.read_text()
    assert emulator.token not in stack_file  # set with --secret: encrypted in the stack file too


def test_bad_input_fails_preview_naming_the_property_and_sends_nothing(
        project: PulumiProject, control: EmulatorControl) -> None:
    cases = [
        ({**HUB, "retentionDays": 9}, "retention_days"),
        ({**HUB, "sku": {"name": "F1", "capacity": 1}, "partitionCount": 4}, "partition_count"),
    ]
    for hub, prop in cases:
        project.set_program_config({"hubs": {"bad": hub}})
        control.clear_requests()
        preview = project.preview(check=False)
        assert preview.code != 0, preview
        assert prop in preview.output, preview
        assert control.requests() == []


def test_provider_settings_from_config_set_reach_up_refresh_and_destroy(
        project: PulumiProject, control: EmulatorControl) -> None:
    project.run("config", "set", "--stack", project.stack, "iothub:apiVersion", "2021-07-02")
    project.set_program_config({"hubs": {"settings": HUB}})
    for command in (project.up, project.refresh, project.destroy):
        control.clear_requests()
        command()
        versions = {r["query"].get("api-version") for r in control.requests()
                    if "/providers/microsoft.devices/" in r["path"].lower()}
        assert versions == {"2021-07-02"}, (command.__name__, versions)
