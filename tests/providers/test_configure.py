"""configure(): settings come from the stack config in the provider process; check and diff make no calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_provider import ConsumerGroupProvider, IotHubProvider
from iothub_provider.client import runtime
from iothub_provider.errors import ConfigurationError
from tests.conftest import SUBSCRIPTION_ID
from tests.providers.conftest import hub_inputs


@pytest.fixture(autouse=True)
def fresh_runtime() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def request(values: dict[str, str]) -> ConfigureRequest:
    return ConfigureRequest(Config(values, "proj"))


def test_stack_config_reaches_the_shared_client(emulator: EmulatorServer) -> None:
    config = {
        "iothub:armEndpoint": emulator.url,
        "iothub:subscriptionId": SUBSCRIPTION_ID,
        "iothub:accessToken": emulator.token,
        "iothub:operationTimeout": "10m",
        "proj:unrelated": "x",
    }
    IotHubProvider().configure(request(config))
    api = runtime.current_api()
    ConsumerGroupProvider().configure(request(config))  # same settings: same session
    assert runtime.current_api() is api
    settings = runtime.current_settings()
    assert settings.endpoint == emulator.url and settings.subscription_id == SUBSCRIPTION_ID
    assert settings.operation_timeout == 600.0 and settings.access_token == emulator.token


def test_environment_is_the_fallback(monkeypatch: pytest.MonkeyPatch, emulator: EmulatorServer) -> None:
    monkeypatch.setenv("ARM_SUBSCRIPTION_ID", SUBSCRIPTION_ID)
    monkeypatch.setenv("IOTHUB_ARM_ENDPOINT", emulator.url)
    IotHubProvider().configure(request({}))
    assert runtime.current_settings().subscription_id == SUBSCRIPTION_ID
    assert runtime.current_settings().endpoint == emulator.url


def test_unsafe_endpoint_fails_configure() -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        IotHubProvider().configure(request({"iothub:armEndpoint": "http://arm.example.com"}))


def test_check_and_diff_make_no_calls(emulator: EmulatorServer, control: EmulatorControl) -> None:
    IotHubProvider().configure(
        request({"iothub:armEndpoint": emulator.url, "iothub:accessToken": emulator.token})
    )
    control.clear_requests()
    provider = IotHubProvider()
    checked = provider.check({}, hub_inputs()).inputs
    provider.diff(
        "id", {**checked, "etag": "x"}, provider.check(checked, hub_inputs(retention_days=2.0)).inputs
    )
    groups = ConsumerGroupProvider()
    inputs = groups.check({}, {"resource_group_name": "rg", "hub_name": "hub-a", "name": "cg"}).inputs
    groups.diff("id", inputs, inputs)
    assert control.requests() == []
