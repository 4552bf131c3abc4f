"""A `pulumi up` cut off as on a lost machine, and what a user does afterwards, for the end-to-end tests."""

from __future__ import annotations

import os
import signal
import time

from harness.cli import PulumiProject, Result
from iothub_emulator.control import EmulatorControl
from tests.e2e.requests import hub_writes

PUT_WAIT_SECONDS = 120.0


def wait_for_hub_put(control: EmulatorControl, hub: str) -> None:
    deadline = time.monotonic() + PUT_WAIT_SECONDS
    while not any(r["method"] == "PUT" and r["status"] in (200, 201) for r in hub_writes(control, hub)):
        assert time.monotonic() < deadline, "the CLI never sent the hub PUT"
        time.sleep(0.05)


def kill_session(session: int) -> None:
    """SIGKILL every process of the session: the CLI, its language host, the program and the providers.

    The engine starts each plugin in a process group of its own, so killing the CLI's group would leave the
    providers running (and finishing their operations); the session the CLI leads holds them all."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == session:
                    os.kill(int(entry), signal.SIGKILL)
            except ProcessLookupError:
                pass


def cut_off_up(project: PulumiProject, control: EmulatorControl, hub: str) -> None:
    """Start `pulumi up` and kill it, with everything it started, once the emulator accepted `hub`'s PUT."""
    running = project.start("up", "--stack", project.stack, "--non-interactive", "--yes", "--skip-preview")
    try:
        wait_for_hub_put(control, hub)
    finally:
        kill_session(running.pid)
        running.wait()


def converge(project: PulumiProject) -> list[Result]:
    """What a user does after a cut-off run, following what the CLI says: `pulumi cancel` to remove the dead
    run's lock, refresh, up; the CLI then warns that a non-interactive refresh keeps pending creates, so
    `pulumi refresh --clear-pending-creates` and a last up."""
    runs = [project.refresh(check=False)]
    if runs[-1].code != 0 and "pulumi cancel" in runs[-1].output:
        runs.append(project.run("cancel", "--stack", project.stack, "--yes", "--non-interactive"))
        runs.append(project.refresh(check=False))
    runs.append(project.up(check=False))
    if any("pending CREATE operations" in run.output for run in runs):
        runs.append(project.refresh("--clear-pending-creates"))
        runs.append(project.up(check=False))
    return runs
