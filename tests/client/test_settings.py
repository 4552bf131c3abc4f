"""Settings: precedence, environment fallbacks, safety of the endpoint, clouds, durations."""

from __future__ import annotations

import pytest

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

SUB = "00000000-0000-0000-0000-000000000001"
OTHER_SUB = "00000000-0000-0000-0000-000000000002"


def test_defaults_without_config_or_environment() -> None:
    s = settings_from(None, {})
    assert s.endpoint == DEFAULT_ENDPOINT
    assert s.api_version == DEFAULT_API_VERSION == "2023-06-30"
    assert s.subscription_id is None and s.access_token is None
    assert s.operation_timeout == 1800.0


def test_stack_config_wins_over_environment() -> None:
    config = namespaced({"iothub:subscriptionId": SUB, "iothub:armEndpoint": "http://127.0.0.1:9"})
    s = settings_from(
        config, {"AZURE_SUBSCRIPTION_ID": OTHER_SUB, "IOTHUB_ARM_ENDPOINT": "https://x.example"}
    )
    assert s.subscription_id == SUB and s.endpoint == "http://127.0.0.1:9"


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
