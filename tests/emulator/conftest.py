"""Fixtures for the emulator's own tests: a raw ARM session (``iothub_emulator.testing.ArmSession``) and
Microsoft's IotHubClient on loopback, addressing this suite's subscription and resource group."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from azure.mgmt.iothub import IotHubClient

from iothub_emulator import testing
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ArmSession, make_iothub_client
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID, TOKEN

API = testing.API_VERSION


def hub_path(name: str, rg: str = RESOURCE_GROUP, sub: str = SUBSCRIPTION_ID) -> str:
    return testing.hub_path(name, rg, sub)


def arm_at(url: str, token: str = TOKEN) -> ArmSession:
    """Raw ARM calls to the emulator at ``url``, addressing this suite's subscription and resource group."""
    return ArmSession(url, token, SUBSCRIPTION_ID, RESOURCE_GROUP)


@pytest.fixture
def arm(emulator: EmulatorServer) -> ArmSession:
    return arm_at(emulator.url, emulator.token)


def make_client(url: str, token: str = TOKEN, **kwargs: Any) -> IotHubClient:
    """Microsoft's client on the emulator, through the plugin's helper (the test subscription)."""
    return make_iothub_client(url, token, SUBSCRIPTION_ID, **kwargs)


@pytest.fixture
def iothub_client(emulator: EmulatorServer) -> Iterator[IotHubClient]:
    client = make_client(emulator.url, retry_total=0)
    yield client
    client.close()


def run_pytest_in_process(
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reimport: tuple[str, ...] = (),
) -> tuple[int, str]:
    """A pytest run in this process, as pytester's inline runs are (a second interpreter cost a second per
    run): its exit code and output. It loads its plugins anew from the entry points; the modules named in
    ``reimport`` are imported afresh for it (so module-level settings are read again) and, like every test
    module it imported, put back as they were after it."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = dict(sys.modules)
    for name in reimport:
        sys.modules.pop(name, None)
    try:
        # plugins a nested run has no use for (hypothesis' alone imports for a second at the end)
        code = pytest.main([*args, "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:anyio"])
    finally:
        for name in set(sys.modules) - set(before):
            root = name.split(".")[0]
            if root == "tests" or root.startswith("test_"):  # this suite's modules, the run's own tests
                del sys.modules[name]
        sys.modules.update({name: before[name] for name in reimport if name in before})
    return int(code), capsys.readouterr().out



# A hub's service API (data plane) on the emulator.
SERVICE_HUB = "svc-hub"


def policy_key(arm: ArmSession, hub: str, policy: str, which: str = "primaryKey") -> str:
    """A shared access policy's key, read as a client reads it (ARM listkeys)."""
    response = arm.call("POST", hub_path(hub) + f"/IotHubKeys/{policy}/listkeys")
    assert response.status_code == 200, response.text
    return str(response.json()[which])


def service_session(
    emulator: EmulatorServer, arm: ArmSession, policy: str = "iothubowner", hub: str = SERVICE_HUB
) -> testing.ServiceSession:
    """The hub's service API signed with ``policy``'s primary key (an hour from the emulator's now)."""
    expiry = int(emulator.control.clock()["now"]) + 3600
    token = testing.sas_token(testing.service_host(hub), policy_key(arm, hub, policy), policy, expiry)
    return testing.ServiceSession(emulator.url, hub, token)


@pytest.fixture
def service_hub(arm: ArmSession, resource_group: str) -> str:
    """An Active S1 hub whose service API the tests call."""
    arm.create_hub(SERVICE_HUB)
    return SERVICE_HUB


@pytest.fixture
def owner(emulator: EmulatorServer, arm: ArmSession, service_hub: str) -> Iterator[testing.ServiceSession]:
    """The service API of ``service_hub`` with an ``iothubowner`` SAS token (every right)."""
    session = service_session(emulator, arm)
    yield session
    session.close()
