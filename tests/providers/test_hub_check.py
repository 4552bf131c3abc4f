"""check: every rule Azure would enforce, one failure per property with what to do; no calls made."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from iothub_provider import IotHubProvider
from iothub_provider.resources.hub_check import OWNER_TAG, generated_name
from tests.providers.conftest import hub_inputs


def failures(news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, str]:
    """All reasons per property, joined."""
    result = IotHubProvider().check(olds or {}, news)
    found: dict[str, str] = {}
    for f in result.failures:
        found[f.property] = f"{found[f.property]} | {f.reason}" if f.property in found else f.reason
    return found


def test_valid_inputs_are_normalised_floats_to_ints() -> None:
    result = IotHubProvider().check({}, hub_inputs())
    assert result.failures == []
    assert result.inputs["sku"] == {"name": "S1", "capacity": 1}
    assert result.inputs["partition_count"] == 2 and isinstance(result.inputs["partition_count"], int)
    assert result.inputs["retention_days"] == 1


def test_defaults_are_filled() -> None:
    result = IotHubProvider().check(
        {}, hub_inputs(partition_count=None, retention_days=None, sku={"name": "S1"})
    )
    assert result.inputs["partition_count"] == 4 and result.inputs["retention_days"] == 1
    assert result.inputs["sku"]["capacity"] == 1
    free = IotHubProvider().check({}, hub_inputs(partition_count=None, sku={"name": "F1"}))
    assert free.inputs["partition_count"] == 2


def test_missing_required_inputs_each_named() -> None:
    found = failures({"pulumi_owner": "p/s/r"})
    assert set(found) >= {"resource_group_name", "location", "sku"}
    assert "westeurope" in found["location"] and "S1" in found["sku"]


@pytest.mark.parametrize(
    ("overrides", "prop", "words"),
    [
        ({"name": "-bad"}, "name", "not a valid IoT hub name"),
        ({"name": "12345"}, "name", "not only digits"),
        ({"resource_group_name": "rg."}, "resource_group_name", "not ending in '.'"),
        ({"subscription_id": "abc"}, "subscription_id", "GUID"),
        ({"sku": {"name": "S9"}}, "sku", "must be one of F1, S1"),
        ({"sku": {"name": "S3", "capacity": 11.0}}, "sku", "between 1 and 10"),
        ({"sku": {"name": "S1", "capacity": 1.5}}, "sku", "whole number"),
        ({"sku": {"name": "F1", "capacity": 2.0}}, "sku", "between 1 and 1"),
        ({"sku": {"name": "F1", "capacity": 1.0}, "partition_count": 4.0}, "partition_count", "F1"),
        ({"partition_count": 64.0}, "partition_count", "between 2 and 32"),
        ({"retention_days": 8.0}, "retention_days", "between 1 and 7"),
        ({"min_tls_version": "1.0"}, "min_tls_version", "1.2"),
        ({"public_network_access": "enabled"}, "public_network_access", "Enabled, Disabled"),
        ({"disable_local_auth": "yes"}, "disable_local_auth", "true or false"),
        ({"tags": {OWNER_TAG: "x"}}, "tags", "written by the provider"),
        ({"tags": {"a/b": "x"}}, "tags", "without"),
        ({"tags": {"n": 1.0}}, "tags", "string value"),
        (
            {"sku": {"name": "B1"}, "cloud_to_device": {"max_delivery_count": 10.0}},
            "cloud_to_device",
            "Basic tier",
        ),
        ({"cloud_to_device": {"max_delivery_count": 500.0}}, "cloud_to_device", "between 1 and 100"),
        ({"cloud_to_device": {"default_ttl_as_iso8601": "1 hour"}}, "cloud_to_device", "ISO 8601"),
        ({"cloud_to_device": {"max_deliveries": 3.0}}, "cloud_to_device", "unknown key 'max_deliveries'"),
        ({"cloud_to_device": {"feedback": {"ttl": "PT1H"}}}, "cloud_to_device", "cloud_to_device.feedback:"),
        ({"routing": {"routes": [{"name": "r"}]}}, "routing", "routing.routes[0].source is required"),
        (
            {"ip_filter_rules": [{"filter_name": "a", "action": "Allow", "ip_mask": "10.0.0.0/8"}]},
            "ip_filter_rules",
            "Accept or Reject",
        ),
        (
            {"ip_filter_rules": [{"filter_name": "a", "action": "Accept", "ip_mask": "nope"}]},
            "ip_filter_rules",
            "CIDR",
        ),
        (
            {"network_rule_sets": {"default_action": "Deny"}},
            "network_rule_sets",
            "apply_to_built_in_event_hub_endpoint",
        ),
        ({"identity": {"type": "UserAssigned"}}, "identity", "user_assigned_identities"),
        ({"storage_endpoints": {"other": {}}}, "storage_endpoints", "unknown key"),
        ({"features": "All"}, "features", "DeviceManagement"),
    ],
)
def test_each_rule_fails_on_its_property(overrides: dict[str, Any], prop: str, words: str) -> None:
    found = failures(hub_inputs(**overrides))
    assert prop in found, found
    assert words in found[prop]


def test_routing_rules() -> None:
    routing = {
        "endpoints": {
            "event_hubs": [{"name": "events", "connection_string": "Endpoint=sb://x/;SharedAccessKey=k"}],
            "storage_containers": [{"name": "cold"}],
        },
        "routes": [
            {"name": "r1", "source": "Telemetry", "endpoint_names": ["nowhere"], "is_enabled": True},
            {"name": "r2", "source": "DeviceMessages", "endpoint_names": ["events", "cold"], "is_enabled": 1},
        ],
        "fallback_route": {"source": "TwinChangeEvents", "endpoint_names": ["events"], "is_enabled": True},
    }
    text = failures(hub_inputs(routing=routing))["routing"]
    for words in (
        "must match",
        "container_name is required",
        "source must be one of",
        "'nowhere' is not",
        "exactly one endpoint",
        "is_enabled must be true or false",
        "fallback_route.source",
    ):
        assert words in text, words


def test_free_tier_routing_limits() -> None:
    routes = [
        {"name": f"r{i}", "source": "DeviceMessages", "endpoint_names": ["events"], "is_enabled": True}
        for i in range(6)
    ]
    found = failures(hub_inputs(sku={"name": "F1"}, partition_count=2.0, routing={"routes": routes}))
    assert "at most 5 routes" in found["routing"]


def test_valid_routing_passes() -> None:
    routing = {
        "endpoints": {
            "service_bus_queues": [{"name": "q1", "connection_string": "Endpoint=sb://x/;SharedAccessKey=k"}]
        },
        "routes": [
            {"name": "to-q", "source": "DeviceMessages", "endpoint_names": ["q1"], "is_enabled": True}
        ],
        "fallback_route": {"source": "DeviceMessages", "endpoint_names": ["events"], "is_enabled": True},
        "enrichments": [{"key": "k", "value": "v", "endpoint_names": ["q1"]}],
    }
    assert failures(hub_inputs(routing=routing)) == {}


def test_unknowns_are_tolerated_during_preview() -> None:
    news = hub_inputs(
        name=Unknown(),
        location=Unknown(),
        sku={"name": Unknown(), "capacity": 1.0},
        tags={"env": Unknown()},
        routing=Unknown(),
        partition_count=Unknown(),
    )
    result = IotHubProvider().check({}, news)
    assert result.failures == []
    assert isinstance(result.inputs["name"], Unknown)


NESTED_UNKNOWNS: list[dict[str, Any]] = [
    {"cloud_to_device": {"max_delivery_count": Unknown(), "feedback": {"ttl_as_iso8601": Unknown()}}},
    {"ip_filter_rules": [{"filter_name": "a", "action": Unknown(), "ip_mask": Unknown()}, Unknown()]},
    {
        "network_rule_sets": {
            "default_action": Unknown(),
            "apply_to_built_in_event_hub_endpoint": True,
            "ip_rules": [{"filter_name": "a", "ip_mask": Unknown()}, Unknown()],
        }
    },
    {"identity": {"type": Unknown(), "user_assigned_identities": Unknown()}},
    {"storage_endpoints": {"$default": {"connection_string": Unknown(), "container_name": Unknown()}}},
    {
        "messaging_endpoints": {
            "fileNotifications": {"max_delivery_count": Unknown(), "ttl_as_iso8601": "PT1H"}
        }
    },
    {
        "routing": {
            "endpoints": {"event_hubs": [{"name": Unknown(), "connection_string": Unknown()}]},
            "routes": [
                {"name": "r", "source": "DeviceMessages", "endpoint_names": ["eh"], "is_enabled": True}
            ],
        }
    },
    {
        "routing": {
            "endpoints": {"service_bus_queues": Unknown()},
            "routes": [
                {"name": "r", "source": "DeviceMessages", "endpoint_names": ["q"], "is_enabled": True}
            ],
            "enrichments": [{"key": "k", "value": Unknown(), "endpoint_names": ["q"]}],
        }
    },
    {
        "routing": {
            "endpoints": {"event_hubs": [Unknown()]},
            "fallback_route": Unknown(),
            "routes": [Unknown()],
        }
    },
]


@pytest.mark.parametrize("overrides", NESTED_UNKNOWNS, ids=lambda o: next(iter(o)))
def test_nested_unknowns_in_every_setting_are_tolerated(overrides: dict[str, Any]) -> None:
    assert failures(hub_inputs(**overrides)) == {}


def test_nested_floats_become_whole_numbers_everywhere() -> None:
    news = hub_inputs(
        cloud_to_device={"max_delivery_count": 10.0, "feedback": {"max_delivery_count": 5.0}},
        messaging_endpoints={"fileNotifications": {"max_delivery_count": 7.0}},
        routing={
            "endpoints": {
                "storage_containers": [
                    {"name": "s", "container_name": "c", "batch_frequency_in_seconds": 100.0}
                ]
            },
            "routes": [
                {"name": "r", "source": "DeviceMessages", "endpoint_names": ["s"], "is_enabled": True}
            ],
        },
    )
    result = IotHubProvider().check({}, news)
    assert result.failures == []
    c2d, routing = result.inputs["cloud_to_device"], result.inputs["routing"]
    assert type(c2d["max_delivery_count"]) is int and type(c2d["feedback"]["max_delivery_count"]) is int
    assert type(result.inputs["messaging_endpoints"]["fileNotifications"]["max_delivery_count"]) is int
    assert type(routing["endpoints"]["storage_containers"][0]["batch_frequency_in_seconds"]) is int


def test_generated_name_is_stable_and_kept_from_olds() -> None:
    first = IotHubProvider().check({}, hub_inputs(name=None)).inputs["name"]
    again = IotHubProvider().check({}, hub_inputs(name=None)).inputs["name"]
    assert first == again == generated_name("proj/dev/telemetry")
    assert first.startswith("telemetry-") and len(first) == len("telemetry-") + 6
    kept = IotHubProvider().check({"name": "older-name-1"}, hub_inputs(name=None)).inputs["name"]
    assert kept == "older-name-1"
    other_stack = IotHubProvider().check({}, hub_inputs(name=None, pulumi_owner="proj/prod/telemetry"))
    assert other_stack.inputs["name"] != first


def test_generated_names_are_valid_hub_names() -> None:
    for owner in ("p/s/My_Hub!!", "p/s/" + "x" * 80, "p/s/---", "p/s/9"):
        name = generated_name(owner)
        assert failures(hub_inputs(name=name)) == {}, name


def test_name_required_without_owner() -> None:
    news = hub_inputs(name=None, pulumi_owner=None)
    assert "name is required" in failures(news)["name"]


def test_the_arm_spelling_of_earlier_programs_is_read_as_snake_case() -> None:
    """Programs and state from before the typed API spell nested keys the ARM way; check takes both."""
    result = IotHubProvider().check(
        {},
        hub_inputs(
            cloud_to_device={"maxDeliveryCount": 5.0, "feedback": {"ttlAsIso8601": "PT1H"}},
            storage_endpoints={"$default": {"connectionString": "c", "containerName": "files"}},
            routing={
                "fallbackRoute": {"source": "DeviceMessages", "endpointNames": ["events"], "isEnabled": True}
            },
        ),
    )
    assert result.failures == []
    assert result.inputs["cloud_to_device"] == {
        "max_delivery_count": 5,
        "feedback": {"ttl_as_iso8601": "PT1H"},
    }
    assert result.inputs["storage_endpoints"] == {
        "$default": {"connection_string": "c", "container_name": "files"}
    }
    assert result.inputs["routing"] == {
        "fallback_route": {"source": "DeviceMessages", "endpoint_names": ["events"], "is_enabled": True}
    }


def test_outbound_access_settings() -> None:
    good = hub_inputs(
        restrict_outbound_network_access=True, allowed_fqdn_list=["contoso.servicebus.windows.net"]
    )
    assert failures(good) == {}
    found = failures(
        hub_inputs(
            allowed_fqdn_list=["not a host", "a.example.com", "A.example.com"], disable_device_sas="yes"
        )
    )
    assert "allowed_fqdn_list[0] must be a host name" in found["allowed_fqdn_list"]
    assert "'A.example.com' more than once" in found["allowed_fqdn_list"]
    assert "disable_device_sas must be true or false" in found["disable_device_sas"]
