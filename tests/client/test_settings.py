"""Settings: precedence, environment fallbacks, safety of the endpoint, clouds, durations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from iothub_provider.client import runtime
from iothub_provider.client.settings import (
    CHINA_CLOUD,
    DEFAULT_API_VERSION,
    DEFAULT_ENDPOINT,
    PUBLIC_CLOUD,
    US_GOV_CLOUD,
    Settings,
    cloud_for_endpoint,
    namespaced,
    parse_duration,
    settings_from,
)
from iothub_provider.errors import ConfigurationError
from iothub_provider.resources.config import configure_from_request, settings_or_none

SUB = "00000000-0000-0000-0000-000000000001"
OTHER_SUB = "00000000-0000-0000-0000-000000000002"


def test_defaults_without_config_or_environment() -> None:
    s = settings_from(None, {})
    assert s.endpoint == DEFAULT_ENDPOINT
    assert s.api_version == DEFAULT_API_VERSION == "2023-06-30"
    assert s.subscription_id is None and s.access_token is None
    assert s.operation_timeout == 1800.0


@pytest.fixture
def fresh_runtime() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def configure_request(values: dict[str, str]) -> ConfigureRequest:
    """What the engine hands a provider's ``configure``: pulumi's own Config over namespaced keys."""
    return ConfigureRequest(Config(values, "proj"))


def test_stack_config_wins_over_environment(monkeypatch: pytest.MonkeyPatch, fresh_runtime: None) -> None:
    """Through the provider's configure path, with the Config object the engine hands it."""
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", OTHER_SUB)
    monkeypatch.setenv("IOTHUB_ARM_ENDPOINT", "https://x.example")
    config = {"iothub:subscriptionId": SUB, "iothub:armEndpoint": "http://127.0.0.1:9", "proj:x": "y"}
    configure_from_request(configure_request(config))
    s = runtime.current_settings()
    assert s.subscription_id == SUB and s.endpoint == "http://127.0.0.1:9"


def test_the_getter_reads_only_the_iothub_namespace() -> None:
    config = Config({"iothub:apiVersion": "2021-07-02", "proj:apiVersion": "1999-01-01"}, "proj")
    assert namespaced(config)("apiVersion") == "2021-07-02"
    assert namespaced(config)("subscriptionId") is None
    assert namespaced({"iothub:operationTimeout": 90})("operationTimeout") == "90"


def test_environment_fallbacks_in_order() -> None:
    assert settings_from(None, {"ARM_SUBSCRIPTION_ID": SUB}).subscription_id == SUB
    both = {"AZURE_SUBSCRIPTION_ID": SUB, "ARM_SUBSCRIPTION_ID": OTHER_SUB}
    assert settings_from(None, both).subscription_id == SUB
    s = settings_from(None, {"IOTHUB_ACCESS_TOKEN": "t0k", "IOTHUB_ARM_ENDPOINT": "http://localhost:1/"})
    assert s.access_token == "t0k" and s.endpoint == "http://localhost:1"


def test_operation_timeout_from_config() -> None:
    assert settings_from(namespaced({"iothub:operationTimeout": "45m"}), {}).operation_timeout == 2700.0
    assert parse_duration("90", key="k") == 90.0 and parse_duration("1h", key="k") == 3600.0
    with pytest.raises(ConfigurationError, match="not a duration"):
        parse_duration("soon", key="iothub:operationTimeout")


def test_plain_http_only_to_loopback() -> None:
    for ok in ("http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:5"):
        assert Settings(endpoint=ok).endpoint == ok
    with pytest.raises(ConfigurationError, match="clear text"):
        Settings(endpoint="http://management.azure.com")


@pytest.mark.parametrize("endpoint", ["http://[::1", "http://127.0.0.1:99999", "https://arm.example:port"])
def test_an_endpoint_urllib_cannot_parse_is_a_configuration_error(endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match="not a valid URL") as info:
        settings_from(None, {"IOTHUB_ARM_ENDPOINT": endpoint})
    assert isinstance(info.value.__cause__, ValueError)


def test_diff_gets_no_settings_when_they_are_unusable(
    monkeypatch: pytest.MonkeyPatch, fresh_runtime: None
) -> None:
    monkeypatch.setenv("IOTHUB_ARM_ENDPOINT", "http://arm.example.com")  # plain http to a remote host
    assert settings_or_none() is None
    monkeypatch.setenv("IOTHUB_ARM_ENDPOINT", "http://[::1")
    assert settings_or_none() is None


def test_diff_does_not_hide_a_bug_in_reading_the_settings(
    monkeypatch: pytest.MonkeyPatch, fresh_runtime: None
) -> None:
    """Only a ConfigurationError means "no settings"; anything else is a bug and must surface."""

    def broken(*_args: object) -> Settings:
        raise TypeError("a bug in settings_from")

    monkeypatch.setattr(runtime, "settings_from", broken)
    with pytest.raises(TypeError, match="a bug in settings_from"):
        settings_or_none()


def test_bad_values_are_refused_with_the_key() -> None:
    with pytest.raises(ConfigurationError, match="iothub:apiVersion"):
        Settings(api_version="latest")
    with pytest.raises(ConfigurationError, match="not a GUID"):
        Settings(subscription_id="my-sub")
    with pytest.raises(ConfigurationError, match="not an http"):
        Settings(endpoint="ftp://x")


def test_token_never_in_repr() -> None:
    assert "s3cret" not in repr(Settings(access_token="s3cret"))


def test_missing_subscription_says_how_to_set_it() -> None:
    with pytest.raises(ConfigurationError, match="iothub:subscriptionId"):
        Settings().require_subscription(None)
    assert Settings(subscription_id=SUB).require_subscription(OTHER_SUB) == OTHER_SUB


def test_cloud_follows_the_endpoint() -> None:
    assert cloud_for_endpoint("https://management.azure.com") is PUBLIC_CLOUD
    assert cloud_for_endpoint("https://management.chinacloudapi.cn") is CHINA_CLOUD
    assert cloud_for_endpoint("https://management.usgovcloudapi.net") is US_GOV_CLOUD
    assert US_GOV_CLOUD.scope == "https://management.core.usgovcloudapi.net/.default"
    assert cloud_for_endpoint("http://127.0.0.1:1") is PUBLIC_CLOUD
