"""The mapping between inputs and the ARM document: read-modify-write, tag merging, drift views. Pure."""

from __future__ import annotations

from typing import Any

from iothub_provider.resources.hub_check import OWNER_TAG
from iothub_provider.resources.hub_model import (
    already_applied,
    create_body,
    managed_view,
    merged_tags,
    outputs_for,
    overlay,
    unchanged_body,
    writable,
)
from iothub_provider.resources.values import project

OWNER = "p/s/hub"


def live_hub() -> dict[str, Any]:
    return {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/hub",
        "name": "hub",
        "type": "Microsoft.Devices/IotHubs",
        "etag": "AAAAAAAAAAE=",
        "location": "westeurope",
        "tags": {"env": "dev", "team": "ops", OWNER_TAG: OWNER},
        "sku": {"name": "S1", "tier": "Standard", "capacity": 1},
        "identity": {"type": "None", "principalId": "p"},
        "properties": {
            "state": "Active",
            "provisioningState": "Succeeded",
            "hostName": "hub.azure-devices.net",
            "eventHubEndpoints": {
                "events": {
                    "partitionCount": 2,
                    "retentionTimeInDays": 1,
                    "partitionIds": ["0", "1"],
                    "path": "hub",
                    "endpoint": "sb://ns/",
                }
            },
            "routing": {
                "routes": [
                    {
                        "name": "portal-route",
                        "source": "DeviceMessages",
                        "endpointNames": ["events"],
                        "isEnabled": True,
                    }
                ]
            },
            "cloudToDevice": {"maxDeliveryCount": 10},
        },
    }


def test_create_body_has_only_declared_settings_and_the_owner_tag() -> None:
    body = create_body(
        {
            "location": "westeurope",
            "sku": {"name": "S1", "capacity": 1},
            "partition_count": 4,
            "retention_days": 1,
            "tags": {"env": "dev"},
            "pulumi_owner": OWNER,
            "name": "hub",
        }
    )
    assert body == {
        "location": "westeurope",
        "sku": {"name": "S1", "capacity": 1},
        "tags": {"env": "dev", OWNER_TAG: OWNER},
        "properties": {"eventHubEndpoints": {"events": {"partitionCount": 4, "retentionTimeInDays": 1}}},
    }


def test_writable_drops_read_only_parts() -> None:
    body = writable(live_hub())
    assert set(body) == {"location", "tags", "sku", "identity", "properties"}
    assert "tier" not in body["sku"] and "principalId" not in body["identity"]
    assert "state" not in body["properties"] and "hostName" not in body["properties"]
    assert body["properties"]["eventHubEndpoints"]["events"] == {
        "partitionCount": 2,
        "retentionTimeInDays": 1,
    }


def test_overlay_changes_only_declared_inputs() -> None:
    inputs = {
        "sku": {"name": "S2", "capacity": 2},
        "retention_days": 3,
        "tags": {"env": "prod"},
        "pulumi_owner": OWNER,
    }
    policies = [{"keyName": "iothubowner", "rights": "RegistryWrite", "primaryKey": "k1"}]
    body = overlay(live_hub(), inputs, {"env": "dev"}, policies)
    assert body["sku"] == {"name": "S2", "capacity": 2}
    assert body["properties"]["eventHubEndpoints"]["events"]["retentionTimeInDays"] == 3
    assert body["properties"]["routing"]["routes"][0]["name"] == "portal-route"
    assert body["properties"]["cloudToDevice"] == {"maxDeliveryCount": 10}
    assert body["properties"]["authorizationPolicies"] == policies
    assert body["tags"] == {"env": "prod", "team": "ops", OWNER_TAG: OWNER}


def test_tag_merge_removes_only_keys_the_program_stopped_declaring() -> None:
    live = {"a": "1", "b": "2", "foreign": "x"}
    assert merged_tags(live, {"a": "9"}, {"a": "1", "b": "2"}, OWNER) == {
        "a": "9",
        "foreign": "x",
        OWNER_TAG: OWNER,
    }
    assert merged_tags(live, None, {"a": "1"}, OWNER) == {"b": "2", "foreign": "x", OWNER_TAG: OWNER}


def test_no_op_detection() -> None:
    live = live_hub()
    same = {"sku": {"name": "S1", "capacity": 1}, "tags": {"env": "dev"}, "pulumi_owner": OWNER}
    assert overlay(live, same, {"env": "dev"}, None) == unchanged_body(live, None)
    assert already_applied(live, same, {"env": "dev"})
    assert not already_applied(live, {**same, "retention_days": 2}, {"env": "dev"})


def test_managed_view_ignores_what_azure_adds_and_masks() -> None:
    inputs = {
        "location": "West Europe",
        "sku": {"name": "S1", "capacity": 1},
        "cloud_to_device": {"max_delivery_count": 10},
        "tags": {"env": "dev"},
    }
    view = managed_view(live_hub(), inputs)
    assert view == inputs


def test_projection_treats_masked_connection_strings_as_equal() -> None:
    sent = (
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc;EntityPath=q"
    )
    masked = "Endpoint=sb://ns.servicebus.windows.net:5671/;SharedAccessKeyName=send;SharedAccessKey=****;EntityPath=q"
    assert project({"connectionString": masked, "name": "q1", "extra": 1}, {"connectionString": sent}) == {
        "connectionString": sent
    }
    other = masked.replace("EntityPath=q", "EntityPath=other")
    assert project(other, sent) == other


def test_outputs_carry_inputs_computed_values_and_secrets() -> None:
    inputs = {
        "name": "hub",
        "resource_group_name": "rg",
        "location": "westeurope",
        "sku": {"name": "S1", "capacity": 1},
        "tags": {"env": "dev"},
        "pulumi_owner": OWNER,
    }
    policies = [
        {
            "keyName": "iothubowner",
            "rights": "RegistryWrite, ServiceConnect, DeviceConnect",
            "primaryKey": "pk",
            "secondaryKey": "sk",
        }
    ]
    outs = outputs_for(live_hub(), inputs, "sub", policies)
    assert outs["resource_group_name"] == "rg" and outs["subscription_id"] == "sub"
    assert outs["host_name"] == "hub.azure-devices.net" and outs["event_hub_partition_ids"] == ["0", "1"]
    assert outs["all_tags"] == {"env": "dev", "team": "ops"} and outs["tags"] == {"env": "dev"}
    assert (
        outs["owner_connection_string"]
        == "HostName=hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=pk"
    )
    assert outs["event_hub_connection_string"].endswith(";SharedAccessKey=pk;EntityPath=hub")
    assert "service_connection_string" not in outs
    assert "sku_tier" in outs and outs["sku_tier"] == "Standard"


def test_a_hub_whose_endpoint_keys_read_back_masked_counts_as_already_applied() -> None:
    """Azure masks endpoint keys on read and adds fields of its own; neither is a difference."""
    key = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0;EntityPath=q"
    read_back = key.replace("windows.net/", "windows.net:5671/").replace("c2VjcmV0", "****")
    live = live_hub()
    live["properties"]["routing"] = {
        "endpoints": {
            "serviceBusQueues": [
                {"name": "q", "connectionString": read_back, "id": "0f0c", "resourceGroup": "rg"}
            ]
        }
    }
    routing = {"endpoints": {"service_bus_queues": [{"name": "q", "connection_string": key}]}}
    declared = {
        "sku": {"name": "S1", "capacity": 1},
        "tags": {"env": "dev"},
        "pulumi_owner": OWNER,
        "routing": routing,
    }

    assert already_applied(live, declared, {"env": "dev"})
    renamed = {"endpoints": {"service_bus_queues": [{"name": "q2", "connection_string": key}]}}
    assert not already_applied(live, {**declared, "routing": renamed}, {"env": "dev"})
    other_namespace = key.replace("sb://ns.", "sb://other.")
    moved = {"endpoints": {"service_bus_queues": [{"name": "q", "connection_string": other_namespace}]}}
    assert not already_applied(live, {**declared, "routing": moved}, {"env": "dev"})


def test_nested_inputs_are_written_the_arm_way_and_read_back_the_snake_case_way() -> None:
    """The one boundary: snake_case inputs become camelCase in the body and live camelCase reads back as
    snake_case; map keys (``$default``, ``fileNotifications``) are data and stay as they are."""
    inputs = {
        "location": "westeurope",
        "sku": {"name": "S1", "capacity": 1},
        "pulumi_owner": OWNER,
        "cloud_to_device": {"max_delivery_count": 5, "feedback": {"ttl_as_iso8601": "PT1H"}},
        "routing": {
            "endpoints": {
                "cosmos_db_sql_containers": [{"name": "c", "database_name": "d", "container_name": "k"}]
            },
            "fallback_route": {"source": "DeviceMessages", "endpoint_names": ["events"], "is_enabled": True},
        },
        "storage_endpoints": {"$default": {"connection_string": "cs", "container_name": "files"}},
        "messaging_endpoints": {"fileNotifications": {"max_delivery_count": 3}},
        "enable_data_residency": True,
    }
    props = create_body(inputs)["properties"]
    assert props["cloudToDevice"] == {"maxDeliveryCount": 5, "feedback": {"ttlAsIso8601": "PT1H"}}
    assert props["routing"] == {
        "endpoints": {"cosmosDBSqlContainers": [{"name": "c", "databaseName": "d", "containerName": "k"}]},
        "fallbackRoute": {"source": "DeviceMessages", "endpointNames": ["events"], "isEnabled": True},
    }
    assert props["storageEndpoints"] == {"$default": {"connectionString": "cs", "containerName": "files"}}
    assert props["messagingEndpoints"] == {"fileNotifications": {"maxDeliveryCount": 3}}
    assert props["enableDataResidency"] is True

    live = {**live_hub(), "properties": {**live_hub()["properties"], **props}}
    view = managed_view(live, inputs)
    for key in (
        "cloud_to_device",
        "routing",
        "storage_endpoints",
        "messaging_endpoints",
        "enable_data_residency",
    ):
        assert view[key] == inputs[key], key


def test_shared_access_policies_are_output_in_snake_case() -> None:
    policies = [{"keyName": "service", "rights": "ServiceConnect", "primaryKey": "pk", "secondaryKey": "sk"}]
    outs = outputs_for(live_hub(), {"pulumi_owner": OWNER}, "sub", policies)
    assert outs["shared_access_policies"] == [
        {"key_name": "service", "rights": "ServiceConnect", "primary_key": "pk", "secondary_key": "sk"}
    ]
