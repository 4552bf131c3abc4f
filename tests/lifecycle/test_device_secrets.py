"""Device keys, connection strings and the SAS tokens signed for a hub's service API are secret outputs only:
never in plain state or inputs, the pickled provider, what the provider process prints, or error messages."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from harness.errors import ProviderError
from harness.process import ProviderProcess
from harness.stack import SimulatedStack
from harness.wire import PROVIDER_KEY
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ServiceSession
from iothub_provider import Device, IotHub
from tests.conftest import PROJECT, RESOURCE_GROUP, shared_provider_config
from tests.lifecycle.arm import Arm
from tests.lifecycle.programs import BASE_HUB, HUB_NAME

GIVEN_KEY = base64.b64encode(b"given-key-" * 3 + b"xx").decode()
SAS_MARKERS = ("SharedAccessSignature", "sig=", "&se=")


def program(status: str = "enabled") -> None:
    hub = IotHub("hub", **BASE_HUB)
    Device(
        "generated",
        resource_group_name=RESOURCE_GROUP,
        hub_name=hub.name,
        status=status,
        desired_properties={"interval": 30},
    )
    Device(
        "given",
        resource_group_name=RESOURCE_GROUP,
        hub_name=hub.name,
        authentication={"symmetric_key": {"primary_key": GIVEN_KEY, "secondary_key": GIVEN_KEY}},
    )


@pytest.fixture(scope="module")
def own_provider() -> Iterator[ProviderProcess]:
    """A process of its own: its settings add the service endpoint to the shared ones."""
    with ProviderProcess(project=PROJECT) as process:
        yield process


@pytest.fixture
def deployed(own_provider: ProviderProcess, emulator: EmulatorServer, resource_group: str) -> SimulatedStack:
    config = {**shared_provider_config(emulator), "iothub:serviceEndpoint": emulator.url}
    stack = SimulatedStack(own_provider, project=PROJECT, stack="device-secrets", config=config)
    stack.up(program)
    stack.up(lambda: program(status="disabled"))
    stack.refresh()
    return stack


def all_secrets(emulator: EmulatorServer, arm: Arm) -> list[str]:
    session = ServiceSession(emulator.url, HUB_NAME, f"Bearer {emulator.token}")
    keys = [GIVEN_KEY, *arm.keys(RESOURCE_GROUP, HUB_NAME), emulator.token]
    for device in ("generated", "given"):
        symmetric = session.call("GET", f"/devices/{device}").json()["authentication"]["symmetricKey"]
        keys += [symmetric["primaryKey"], symmetric["secondaryKey"]]
    session.close()
    return keys


def test_keys_are_only_in_secret_outputs_and_inputs(
    deployed: SimulatedStack, emulator: EmulatorServer, arm: Arm
) -> None:
    secrets = all_secrets(emulator, arm)
    for res in deployed.state.values():
        plain = json.dumps(
            [res.plain_outputs(), {k: v for k, v in res.inputs.items() if k not in res.secret_inputs}]
        )
        assert not [s for s in secrets if s in plain], f"{res.name} stores a key in plain text"
        assert not [m for m in SAS_MARKERS if m in plain], f"{res.name} stores a SAS token"
    generated = deployed.resource("generated")
    assert {"primary_key", "primary_connection_string"} <= generated.secret_outputs
    assert generated.outputs["primary_key"] in secrets  # not vacuous: the key is there, as a secret
    assert "authentication" in deployed.resource("given").secret_inputs


def test_pickles_and_printed_output_hold_no_secrets(
    deployed: SimulatedStack, emulator: EmulatorServer, arm: Arm
) -> None:
    secrets = all_secrets(emulator, arm)
    output = deployed.provider.output()
    for secret in secrets:
        assert secret not in output
    assert not [m for m in SAS_MARKERS if m in output]
    for res in deployed.state.values():
        pickled = base64.b64decode(res.outputs[PROVIDER_KEY])
        assert not [s for s in secrets if s.encode() in pickled], res.name


def test_errors_name_no_secret(deployed: SimulatedStack, emulator: EmulatorServer, arm: Arm) -> None:
    session = ServiceSession(emulator.url, HUB_NAME, f"Bearer {emulator.token}")
    live = session.call("GET", "/devices/generated").json()
    session.call(
        "PUT", "/devices/generated", json={**live, "statusReason": "portal"}, headers={"If-Match": "*"}
    )
    session.close()
    with pytest.raises(ProviderError) as failure:
        deployed.up(program)  # status back to enabled: the device changed elsewhere, so 412
    message = str(failure.value)
    assert "412" in message and "pulumi refresh" in message
    for secret in all_secrets(emulator, arm):
        assert secret not in message
    assert not [m for m in SAS_MARKERS if m in message]
