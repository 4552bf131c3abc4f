"""The real CLI: replacements. A kept name deletes first, a new name creates first; groups follow the hub."""

from __future__ import annotations

from typing import Any

from harness.cli import PulumiProject
from iothub_emulator.control import EmulatorControl
from tests.e2e.requests import hub_writes, writes
from tests.lifecycle.arm import Arm

HUB: dict[str, Any] = {"name": "e2e-replace", "partitionCount": 2, "consumerGroups": ["analytics"]}


def hub_calls(control: EmulatorControl, name: str) -> list[str]:
    """'PUT' / 'DELETE' of the hub itself, in order."""
    return [request["method"] for request in hub_writes(control, name)]


def test_partition_count_and_location_replace_the_hub_deleting_it_first(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": {"replace": HUB}})
    project.up()

    for change in ({"partitionCount": 4}, {"partitionCount": 4, "location": "northeurope"}):
        project.set_program_config({"hubs": {"replace": {**HUB, **change}}})
        control.clear_requests()
        result = project.up()
        assert result.names("replaced") == ["replace", "replace-analytics"], result
        assert hub_calls(control, "e2e-replace") == ["DELETE", "PUT"]
        live = arm.hub(resource_group, "e2e-replace")
        assert live is not None
        assert live["properties"]["eventHubEndpoints"]["events"]["partitionCount"] == 4
        assert live["location"] == change.get("location", "westeurope")
        assert arm.consumer_groups(resource_group, "e2e-replace") == ["$Default", "analytics"]
    assert arm.hub_names(resource_group) == ["e2e-replace"]


def test_a_new_name_creates_the_new_hub_before_deleting_the_old(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": {"replace": HUB}})
    project.up()
    project.set_program_config({"hubs": {"replace": {**HUB, "name": "e2e-renamed"}}})
    control.clear_requests()

    result = project.up()
    assert result.names("replaced") == ["replace", "replace-analytics"], result
    hub_writes = [(method, path.rsplit("/", 1)[1]) for method, path in writes(control)
                  if "/iothubs/" in path.lower() and "/eventhubendpoints/" not in path.lower()]
    assert hub_writes == [("PUT", "e2e-renamed"), ("DELETE", "e2e-replace")]
    assert arm.hub_names(resource_group) == ["e2e-renamed"]
    assert arm.consumer_groups(resource_group, "e2e-renamed") == ["$Default", "analytics"]
    assert project.outputs()["hubNames"] == {"replace": "e2e-renamed"}
