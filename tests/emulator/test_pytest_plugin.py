"""The emulator's pytest plugin, used as a user would: its fixtures here, and a fresh pytest run that gets
them from the installed entry point alone (no conftest)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import IotHubDescription, IotHubSkuInfo

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from tests.conftest import SUBSCRIPTION_ID, TOKEN
from tests.emulator.conftest import run_pytest_in_process


def test_the_fixtures_give_a_client_and_a_control_on_one_reset_emulator(
    iothub_emulator: EmulatorServer,
    iothub_emulator_client: IotHubClient,
    iothub_emulator_control: EmulatorControl,
    iothub_emulator_resource_group: str,
) -> None:
    assert iothub_emulator.token == TOKEN  # this suite's override of iothub_emulator_token
    assert iothub_emulator_control.url == iothub_emulator.url
    hub = iothub_emulator_client.iot_hub_resource.begin_create_or_update(
        iothub_emulator_resource_group,
        "plugin-hub",
        IotHubDescription(location="westeurope", sku=IotHubSkuInfo(name="S1", capacity=1)),
    ).result()
    assert hub.properties.state == "Active"
    stored = iothub_emulator_control.stored_hub("plugin-hub")
    assert (stored["subscription"], stored["resource_group"]) == (SUBSCRIPTION_ID, "rg-test")


USER_TESTS = """
import pytest
from azure.mgmt.iothub.models import IotHubDescription, IotHubSkuInfo


def test_1_leaves_state_behind(iothub_emulator_client, iothub_emulator_control,
                               iothub_emulator_resource_group, iothub_emulator_subscription):
    assert iothub_emulator_subscription == "00000000-0000-0000-0000-000000000000"
    iothub_emulator_client.iot_hub_resource.begin_create_or_update(
        iothub_emulator_resource_group, "left-hub",
        IotHubDescription(location="westeurope", sku=IotHubSkuInfo(name="S1", capacity=1)),
    ).result()
    iothub_emulator_control.add_fault(kind="throttle", count=5)
    iothub_emulator_control.set_provisioning("polls", 3)
    iothub_emulator_control.advance_clock(3600)


def test_2_starts_from_a_reset_emulator(iothub_emulator_control, iothub_emulator_server):
    assert iothub_emulator_control.faults() == []
    assert iothub_emulator_control.provisioning()["mode"] == "immediate"
    assert iothub_emulator_control.clock()["offset"] == 0
    with pytest.raises(Exception, match="404"):
        iothub_emulator_control.stored_hub("left-hub")
    assert len(iothub_emulator_server.token) >= 16  # a random token unless overridden
"""


def test_a_fresh_project_gets_the_fixtures_from_the_entry_point_and_a_reset_per_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pytest run of a directory with no conftest: its plugin manager loads the plugin from the entry
    point alone."""
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    monkeypatch.chdir(tmp_path)
    exit_code, out = run_pytest_in_process(["-q", "-p", "no:randomly", str(tmp_path)], monkeypatch, capsys)
    assert exit_code == 0, out
    assert "2 passed" in out


def test_the_readme_example_creates_a_slow_hub_without_waiting_for_it(
    iothub_emulator_client: IotHubClient,
    iothub_emulator_control: EmulatorControl,
    iothub_emulator_resource_group: str,
) -> None:
    iothub_emulator_control.set_provisioning("seconds", 120)  # as slow as Azure...
    poller = iothub_emulator_client.iot_hub_resource.begin_create_or_update(
        iothub_emulator_resource_group,
        "my-hub",
        IotHubDescription(location="westeurope", sku=IotHubSkuInfo(name="S1", capacity=1)),
    )
    assert iothub_emulator_control.stored_hub("my-hub")["state"] == "Activating"
    iothub_emulator_control.advance_clock(120)  # ...without waiting for it
    assert poller.result(timeout=30).properties.state == "Active"
