"""The real CLI cut off with SIGKILL after the hub PUT was accepted: the next runs converge on one hub."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

from iothub_emulator.control import EmulatorControl
from tests.e2e.cli import PulumiProject, Result
from tests.e2e.requests import hub_writes
from tests.lifecycle.arm import OWNER_TAG, Arm

HUB: dict[str, Any] = {"name": "e2e-cutoff", "partitionCount": 2, "consumerGroups": ["analytics"]}
PUT_WAIT_SECONDS = 120.0


def wait_for_hub_put(control: EmulatorControl, hub: str) -> None:
    deadline = time.monotonic() + PUT_WAIT_SECONDS
    while not any(r["method"] == "PUT" and r["status"] in (200, 201) for r in hub_writes(control, hub)):
        assert time.monotonic() < deadline, "the CLI never sent the hub PUT"
        time.sleep(0.05)


def kill_session(session: int) -> None:
    """SIGKILL every process of the session: the CLI, its language host, the program and the providers."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == session:
                    os.kill(int(entry), signal.SIGKILL)
            except ProcessLookupError:
                pass


def converge(project: PulumiProject) -> list[Result]:
    """What a user does after a cut-off run, following what the CLI says: `pulumi cancel` to remove the dead
    run's lock, refresh, up; the CLI then warns that a non-interactive refresh keeps pending creates, so
    `pulumi refresh --clear-pending-creates` and a last up."""
    runs = [project.refresh(check=False)]
    if runs[-1].code != 0 and "pulumi cancel" in runs[-1].output:
        runs.append(project.run("cancel", "--stack", "e2e", "--yes", "--non-interactive"))
        runs.append(project.refresh(check=False))
    runs.append(project.up(check=False))
    if any("pending CREATE operations" in run.output for run in runs):
        runs.append(project.refresh("--clear-pending-creates"))
        runs.append(project.up(check=False))
    return runs


def test_an_up_killed_after_the_hub_put_converges_on_exactly_one_owned_hub(
        project: PulumiProject, control: EmulatorControl, arm: Arm, resource_group: str) -> None:
    project.set_program_config({"hubs": {"cutoff": HUB}})
    control.set_provisioning("seconds", 4)
    running = project.start("up", "--stack", "e2e", "--non-interactive", "--yes", "--skip-preview")
    try:
        wait_for_hub_put(control, "e2e-cutoff")
    finally:
        # The CLI and the plugins it started die at once, as on a lost machine. The engine puts each plugin in
        # a process group of its own, so the CLI's session (it leads one) is what holds them all.
        kill_session(running.pid)
        running.wait()
    control.set_provisioning("immediate")

    runs = converge(project)
    assert [run.args[0] for run in runs] == ["refresh", "cancel", "refresh", "up", "refresh", "up"], runs
    # The up creates the hub the dead run started (found by its owner tag) and its group.
    assert runs[3].names("created") == ["cutoff", "cutoff-analytics"], runs[3]
    assert runs[-1].code == 0, runs[-1]
    assert arm.hub_names(resource_group) == ["e2e-cutoff"]
    live = arm.hub(resource_group, "e2e-cutoff")
    assert live is not None and live["tags"][OWNER_TAG] == "iothub-provider/e2e/cutoff"
    assert arm.consumer_groups(resource_group, "e2e-cutoff") == ["$Default", "analytics"]
    hubs_in_state = [r for r in project.resources() if r["type"].endswith("iothub:IotHub")]
    assert [r["outputs"]["name"] for r in hubs_in_state] == ["e2e-cutoff"]
    pending = json.loads(project.export())["deployment"].get("pending_operations") or []
    assert pending == []
    control.clear_requests()
    again = project.up()
    assert again.steps() == {}, again
