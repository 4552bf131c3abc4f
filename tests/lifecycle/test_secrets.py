"""Keys and connection strings are secret outputs only: never in plain state, in the pickled provider or in
what the provider process prints; the access token stays out of all of them too."""

from __future__ import annotations

import base64
import json

import pytest

from harness.stack import SimulatedStack
from harness.wire import PROVIDER_KEY
from iothub_emulator.server import EmulatorServer
from tests.conftest import RESOURCE_GROUP
from tests.lifecycle.arm import Arm
from tests.lifecycle.programs import HUB, HUB_NAME, hub_program


@pytest.fixture
def deployed(stack: SimulatedStack) -> SimulatedStack:
    stack.up(hub_program(["analytics"]))
    stack.up(hub_program(["analytics"], tags={"env": "test", "rev": "2"}))
    stack.refresh()
    return stack


def test_keys_are_only_in_secret_outputs(deployed: SimulatedStack, arm: Arm) -> None:
    keys = arm.keys(RESOURCE_GROUP, HUB_NAME)
    assert keys, "the emulator returned no keys to look for"

    for res in deployed.state.values():
        plain = json.dumps([res.plain_outputs(), res.inputs])
        assert not [key for key in keys if key in plain], f"{res.name} stores a key in plain text"
    secret = json.dumps({k: v for k, v in deployed.resource(HUB).outputs.items()
                         if k in deployed.resource(HUB).secret_outputs and k != PROVIDER_KEY})
    assert any(key in secret for key in keys), "the hub exposes no key material as a secret output"


def test_pickled_provider_holds_no_secrets(deployed: SimulatedStack, arm: Arm,
                                           emulator: EmulatorServer) -> None:
    keys = arm.keys(RESOURCE_GROUP, HUB_NAME)

    for res in deployed.state.values():
        pickled = base64.b64decode(res.outputs[PROVIDER_KEY])
        assert len(pickled) < 1024, f"{res.name}: the provider pickles {len(pickled)} bytes (state captured?)"
        for secret in [*keys, emulator.token]:
            assert secret.encode() not in pickled


def test_provider_prints_no_secrets(deployed: SimulatedStack, arm: Arm, emulator: EmulatorServer) -> None:
    output = deployed.provider.output()

    for secret in [*arm.keys(RESOURCE_GROUP, HUB_NAME), emulator.token]:
        assert secret not in output


def test_connection_string_export_is_secret(stack: SimulatedStack, arm: Arm) -> None:
    import pulumi

    from iothub_provider import IotHub
    from tests.lifecycle.programs import BASE_HUB

    def program() -> None:
        hub = IotHub(HUB, **BASE_HUB)
        pulumi.export("hostName", hub.host_name)
        pulumi.export("connectionString", hub.service_connection_string)

    run = stack.up(program)

    assert run.secret_exports() == {"connectionString"}
    keys = arm.keys(RESOURCE_GROUP, HUB_NAME)
    assert any(key in str(run.exports["connectionString"].value) for key in keys)
