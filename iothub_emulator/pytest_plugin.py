"""pytest fixtures for testing code against the emulator; registered through the ``pytest11`` entry point,
so installing ``iothub-provider[emulator]`` makes them available to every test without a conftest.

Scope and reset: one in-memory emulator per test session, on a free loopback port, in a thread of the
test process (``iothub_emulator_server``, session scope). Each test that asks for ``iothub_emulator``
(directly or through the other function-scoped fixtures) gets it reset first: no resource groups, hubs
or operations, no fault rules, an empty request log, the start-up settings and the wall clock.

    iothub_emulator_server          session   the running ``EmulatorServer`` (``.url``, ``.token``), not reset
    iothub_emulator                 function  the same server, reset before the test
    iothub_emulator_control         function  its ``EmulatorControl`` (faults, provisioning, clock, log)
    iothub_emulator_client          function  an azure-mgmt-iothub ``IotHubClient`` pointed at it
    iothub_emulator_resource_group  function  a resource group created in ``iothub_emulator_subscription``

Override these session fixtures (define one of the same name in a conftest) to change the defaults:
``iothub_emulator_token`` (a random token), ``iothub_emulator_subscription``
(``00000000-0000-0000-0000-000000000000``), ``iothub_emulator_location`` (``westeurope``),
``iothub_emulator_settings`` (``EmulatorSettings()``: immediate provisioning; what a reset returns to).

The emulator's web stack is imported only when a fixture is used, so the plugin costs nothing to test
sessions that do not use it; the client fixture needs ``azure-mgmt-iothub``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from azure.mgmt.iothub import IotHubClient

    from iothub_emulator.control import EmulatorControl
    from iothub_emulator.server import EmulatorServer
    from iothub_emulator.settings import EmulatorSettings


@pytest.fixture(scope="session")
def iothub_emulator_token() -> str:
    """The bearer token the emulator requires (random per session)."""
    return secrets.token_urlsafe(18)


@pytest.fixture(scope="session")
def iothub_emulator_subscription() -> str:
    return "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="session")
def iothub_emulator_location() -> str:
    return "westeurope"


@pytest.fixture(scope="session")
def iothub_emulator_settings() -> EmulatorSettings:
    """The start-up settings (what every reset returns to)."""
    from iothub_emulator.settings import EmulatorSettings

    return EmulatorSettings()


@pytest.fixture(scope="session")
def iothub_emulator_server(
    iothub_emulator_token: str, iothub_emulator_settings: EmulatorSettings
) -> Iterator[EmulatorServer]:
    """The session's emulator: in memory, on a free loopback port, stopped at the end of the session."""
    from iothub_emulator.server import EmulatorServer

    with EmulatorServer(token=iothub_emulator_token, settings=iothub_emulator_settings) as server:
        yield server


@pytest.fixture
def iothub_emulator(iothub_emulator_server: EmulatorServer) -> EmulatorServer:
    """The session's emulator, reset: empty state, no faults, empty log, start-up settings, wall clock."""
    iothub_emulator_server.control.reset()
    return iothub_emulator_server


@pytest.fixture
def iothub_emulator_control(iothub_emulator: EmulatorServer) -> EmulatorControl:
    return iothub_emulator.control


@pytest.fixture
def iothub_emulator_resource_group(
    iothub_emulator_control: EmulatorControl, iothub_emulator_subscription: str, iothub_emulator_location: str
) -> str:
    """The name of a resource group that exists (hubs need one), ``rg-test``."""
    iothub_emulator_control.create_resource_group(
        iothub_emulator_subscription, "rg-test", iothub_emulator_location
    )
    return "rg-test"


@pytest.fixture
def iothub_emulator_client(
    iothub_emulator: EmulatorServer, iothub_emulator_subscription: str
) -> Iterator[IotHubClient]:
    """An ``azure.mgmt.iothub.IotHubClient`` on the emulator (``polling_interval=0``), closed after."""
    from iothub_emulator.testing import make_iothub_client

    client = make_iothub_client(iothub_emulator.url, iothub_emulator.token, iothub_emulator_subscription)
    yield client
    client.close()  # type: ignore[no-untyped-call]
