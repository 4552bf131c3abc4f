"""End-to-end fixtures: the real Pulumi CLI on a fresh project and stack per test, against the test emulator.

Where no CLI can be had (no `pulumi` on PATH and no Go to build one) every test here is skipped with one line
saying why; on a machine with Go, scripts/setup builds the CLI and they run.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli import SCRIPT, PulumiProject, cli_unavailable
from iothub_emulator.server import EmulatorServer
from tests.conftest import LOCATION, SUBSCRIPTION_ID
from tests.lifecycle.arm import Arm

UNAVAILABLE = cli_unavailable()

# A test run started in the background (`... &` without job control, as some CI runners do) ignores SIGINT,
# and the CLI and its plugins would inherit that: the engine stops its plugins with SIGINT, waits, then kills
# them, about 5 s more per command. With a Python handler here, the CLI starts with SIGINT's default action.
signal.signal(signal.SIGINT, signal.default_int_handler)
STACK = "e2e"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if UNAVAILABLE is None or UNAVAILABLE[1]:
        return
    skip = pytest.mark.skip(reason=f"end-to-end tests need the Pulumi CLI: {UNAVAILABLE[0]}")
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line in every run saying whether the real CLI ran, so that CI shows it."""
    reports = [r for kind in ("passed", "failed", "error") for r in terminalreporter.stats.get(kind, [])
               if getattr(r, "when", "call") == "call" and "tests/e2e/" in getattr(r, "nodeid", "")]
    if UNAVAILABLE is not None:
        terminalreporter.write_line(f"end-to-end tests with the real Pulumi CLI: not run: {UNAVAILABLE[0]}")
    elif reports:
        version = subprocess.run([str(SCRIPT), "version"], capture_output=True, text=True).stdout.strip()
        terminalreporter.write_line(
            f"end-to-end tests with the real Pulumi CLI {version}: {len(reports)} ran")


@pytest.fixture(autouse=True)
def _require_cli() -> None:
    if UNAVAILABLE is not None and UNAVAILABLE[1]:
        pytest.fail(f"end-to-end tests cannot run: {UNAVAILABLE[0]}")


def provider_settings(emulator: EmulatorServer) -> dict[str, str]:
    """The `iothub:` settings of a stack on the test emulator, set as a user would: `pulumi config set`."""
    return {
        "iothub:armEndpoint": emulator.url,
        "iothub:subscriptionId": SUBSCRIPTION_ID,
        "iothub:accessToken": emulator.token,
        "iothub:operationTimeout": "120",
    }


@pytest.fixture
def project(tmp_path: Path, emulator: EmulatorServer, resource_group: str) -> Iterator[PulumiProject]:
    """A fresh project and stack `e2e` whose provider settings point at the (reset) test emulator."""
    project = PulumiProject(tmp_path / "project", stack=STACK)
    project.init(provider_settings(emulator), secret=("iothub:accessToken",))
    project.set_program_config({"resourceGroup": resource_group, "location": LOCATION})
    yield project


@pytest.fixture
def arm(emulator: EmulatorServer) -> Arm:
    return Arm(emulator.url, emulator.token, SUBSCRIPTION_ID)
