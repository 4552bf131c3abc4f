"""State survives restarts and kill -9; the command line starts, announces itself and stops cleanly.

Only what needs a process of its own runs in one (start-up, signals, kill -9): argument errors and
``--help`` end before anything starts, so they run ``main`` in this process (a second interpreter cost
more than the check).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from iothub_emulator.__main__ import main, parser, settings_from
from iothub_emulator.server import EmulatorServer
from iothub_emulator.settings import EmulatorSettings
from iothub_emulator.store import Store
from iothub_emulator.testing import ArmSession
from tests.conftest import LOCATION, RESOURCE_GROUP, SUBSCRIPTION_ID, TOKEN
from tests.emulator.conftest import arm_at, hub_path

READY = "iothub-emulator ready at "


def _seed(server: EmulatorServer) -> ArmSession:
    server.control.create_resource_group(SUBSCRIPTION_ID, RESOURCE_GROUP, LOCATION)
    arm = arm_at(server.url, server.token)
    arm.create_hub("kept-hub")
    cg = arm.call(
        "PUT",
        hub_path("kept-hub") + "/eventHubEndpoints/events/ConsumerGroups/kept",
        json={"properties": {"name": "kept"}},
    )
    assert cg.status_code == 200
    return arm


def test_data_dir_survives_restart_and_in_flight_operations_finish(tmp_path: Path) -> None:
    with EmulatorServer(token=TOKEN, data_dir=tmp_path) as first:
        arm = _seed(first)
        etag = arm.get_hub("kept-hub")["etag"]
        keys = arm.call("POST", hub_path("kept-hub") + "/listkeys").json()
        first.control.set_provisioning("polls", 3)  # status poll, hub read after the restart, status poll
        aao = arm.create_hub("pending-hub").headers["Azure-AsyncOperation"]
        assert arm.call("GET", aao, api_version=None).json()["status"] == "Running"
        old_url = first.url
    with EmulatorServer(token=TOKEN, data_dir=tmp_path) as second:
        arm = arm_at(second.url, second.token)
        assert arm.get_hub("kept-hub")["etag"] == etag
        assert arm.call("POST", hub_path("kept-hub") + "/listkeys").json() == keys
        groups = arm.call("GET", hub_path("kept-hub") + "/eventHubEndpoints/events/ConsumerGroups").json()
        assert [g["name"] for g in groups["value"]] == ["$Default", "kept"]
        assert arm.get_hub("pending-hub")["properties"]["state"] == "Activating"
        moved = aao.replace(old_url, second.url)
        assert arm.call("GET", moved, api_version=None).json()["status"] == "Running"
        assert arm.call("GET", moved, api_version=None).json()["status"] == "Succeeded"
        assert arm.get_hub("pending-hub")["properties"]["state"] == "Active"


def _start(args: list[str], env_token: str | None = TOKEN) -> tuple[subprocess.Popen[str], str, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "IOTHUB_EMULATOR_TOKEN"}
    if env_token is not None:
        env["IOTHUB_EMULATOR_TOKEN"] = env_token
    proc = subprocess.Popen(
        [sys.executable, "-m", "iothub_emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith(READY):
            return proc, line[len(READY) :].strip(), lines
    proc.kill()
    raise AssertionError(f"no ready line; stdout={lines} stderr={proc.stderr.read() if proc.stderr else ''}")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_kill_9_then_restart_keeps_state_and_finishes_operations(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    # three polls: the status poll before the kill, the hub read after the restart, one more status poll
    proc, url, _ = _start(["--data-dir", str(tmp_path), "--provisioning-polls", "3"])
    processes.append(proc)
    arm = arm_at(url, TOKEN)
    assert (
        arm.call(
            "PUT",
            f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{RESOURCE_GROUP}",
            api_version="2021-04-01",
            json={"location": LOCATION},
        ).status_code
        == 201
    )
    aao = arm.create_hub("crash-hub").headers["Azure-AsyncOperation"]
    assert arm.call("GET", aao, api_version=None).json()["status"] == "Running"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    # Restarted in this process (a second CLI start would only cost time): the operation keeps its rule.
    with EmulatorServer(token=TOKEN, data_dir=tmp_path) as again:
        arm = arm_at(again.url, TOKEN)
        hub = arm.get_hub("crash-hub")
        assert hub["properties"]["state"] == "Activating"
        moved = aao.replace(url, again.url)
        assert [arm.call("GET", moved, api_version=None).json()["status"] for _ in range(2)] == [
            "Running",
            "Succeeded",
        ]
        assert arm.get_hub("crash-hub")["properties"]["state"] == "Active"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_sigterm_shuts_down_cleanly_and_keeps_data(
    tmp_path: Path, processes: list[subprocess.Popen[str]], stop: signal.Signals
) -> None:
    proc, url, lines = _start(["--data-dir", str(tmp_path)])
    processes.append(proc)
    assert lines == [f"{READY}{url}"]
    arm = arm_at(url, TOKEN)
    arm.call(
        "PUT",
        f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/rg-term",
        api_version="2021-04-01",
        json={"location": LOCATION},
    )
    proc.send_signal(stop)
    assert proc.wait(timeout=15) == 0
    store = Store.in_data_dir(tmp_path)  # what a restart reads
    try:
        with store.reading() as tx:
            assert tx.resource_group(SUBSCRIPTION_ID, "rg-term") is not None
    finally:
        store.close()


def test_generated_token_is_printed_and_enforced(processes: list[subprocess.Popen[str]]) -> None:
    proc, url, lines = _start(["--in-memory"], env_token=None)
    processes.append(proc)
    assert lines[0].startswith("token: ") and lines[1] == f"{READY}{url}"
    token = lines[0].split(" ", 1)[1]
    list_path = f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/IotHubs"
    assert arm_at(url, token).call("GET", list_path).status_code == 200
    assert arm_at(url, "not-it").call("GET", list_path).status_code == 401


def test_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        "--host",
        "--port",
        "--data-dir",
        "--in-memory",
        "--token",
        "IOTHUB_EMULATOR_TOKEN",
        "--provisioning-delay",
        "--provisioning-polls",
        "--retry-after",
        "--page-size",
        "--skip-api-version-check",
    ):
        assert flag in out


def test_main_rejects_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--retry-after", "0", "--in-memory"])
    assert stopped.value.code == 2 and "retry_after" in capsys.readouterr().err


def test_settings_validate() -> None:
    with pytest.raises(ValueError):
        EmulatorSettings(provisioning_mode="sometimes").validate()


def test_fault_flag_is_active_from_the_start_and_after_reset(processes: list[subprocess.Popen[str]]) -> None:
    proc, url, _ = _start(["--in-memory", "--fault", '{"kind": "throttle", "retry_after": 2}'])
    processes.append(proc)
    arm = arm_at(url, TOKEN)
    list_path = f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/IotHubs"
    first = arm.call("GET", list_path)
    assert first.status_code == 429 and first.headers["Retry-After"] == "2"
    assert arm.call("GET", list_path).status_code == 200
    arm.call("POST", "/_emulator/reset", api_version=None)
    assert arm.call("GET", list_path).status_code == 429


def test_fault_flag_is_validated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--in-memory", "--fault", '{"kind": "nope"}'])
    assert stopped.value.code == 2 and "kind must be one of" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "mode", "value"),
    [
        ([], "immediate", 0),
        (["--provisioning-delay", "2.5"], "seconds", 2.5),
        (["--provisioning-polls", "3"], "polls", 3),
        (["--provisioning-delay", "0"], "immediate", 0),
    ],
)
def test_provisioning_flags(argv: list[str], mode: str, value: float) -> None:
    settings = settings_from(parser().parse_args(["--in-memory", *argv]))
    assert (settings.provisioning_mode, settings.provisioning_value) == (mode, value)


def test_provisioning_flags_are_exclusive() -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["--provisioning-delay", "1", "--provisioning-polls", "2"])
