"""Hub settings beyond the required ones over the engine protocol: declared ones are created, changed and
refreshed without phantom drift; settings the program does not declare (routes, IP filters, shared access
policies made in the portal) survive every update; a per-resource subscription wins over the provider's."""

from __future__ import annotations

from typing import Any

import pulumi

from harness.stack import SimulatedStack
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_provider import ConsumerGroup, IotHub
from tests.conftest import LOCATION, RESOURCE_GROUP
from tests.lifecycle.arm import Arm
from tests.lifecycle.programs import BASE_HUB, HUB, HUB_NAME, group_resource, hub_program

QUEUE = ("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0;"
         "EntityPath=q1")
STORAGE = "DefaultEndpointsProtocol=https;AccountName=files;AccountKey=a2V5;EndpointSuffix=core.windows.net"
ROUTE = {"name": "to-q", "source": "DeviceMessages", "condition": "true", "endpointNames": ["q1"],
         "isEnabled": True}


def settings(**changes: Any) -> dict[str, Any]:
    """Every optional hub setting the program can declare, ARM-shaped."""
    declared: dict[str, Any] = {
        "routing": pulumi.Output.secret({
            "endpoints": {"serviceBusQueues": [{"name": "q1", "connectionString": QUEUE}]},
            "routes": [ROUTE],
            "fallbackRoute": {"source": "DeviceMessages", "endpointNames": ["events"], "isEnabled": True},
            "enrichments": [{"key": "site", "value": "plant-1", "endpointNames": ["q1"]}],
        }),
        "cloud_to_device": {"maxDeliveryCount": 5, "defaultTtlAsIso8601": "PT2H",
                            "feedback": {"maxDeliveryCount": 3, "ttlAsIso8601": "PT1H"}},
        "ip_filter_rules": [{"filterName": "office", "action": "Accept", "ipMask": "10.0.0.0/8"}],
        "network_rule_sets": {
            "defaultAction": "Deny",
            "applyToBuiltInEventHubEndpoint": True,
            "ipRules": [{"filterName": "office", "action": "Allow", "ipMask": "10.0.0.0/8"}],
        },
        "identity": {"type": "SystemAssigned"},
        "storage_endpoints": pulumi.Output.secret({"$default": {
            "connectionString": STORAGE, "containerName": "uploads", "sasTtlAsIso8601": "PT2H"}}),
        "messaging_endpoints": {"fileNotifications": {"maxDeliveryCount": 4, "ttlAsIso8601": "PT2H"}},
        "enable_file_upload_notifications": True,
        "features": "DeviceManagement",
        "public_network_access": "Enabled",
        "min_tls_version": "1.2",
        "disable_local_auth": False,
    }
    declared.update(changes)
    return declared


def test_declared_settings_are_created_changed_and_refreshed_without_drift(
        stack: SimulatedStack, arm: Arm, control: EmulatorControl) -> None:
    stack.up(hub_program(["analytics"], **settings()))
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None
    props = live["properties"]
    assert props["routing"]["routes"][0]["name"] == "to-q"
    assert props["routing"]["enrichments"][0]["key"] == "site"
    assert props["cloudToDevice"]["maxDeliveryCount"] == 5
    assert props["ipFilterRules"][0]["filterName"] == "office"
    assert props["networkRuleSets"]["defaultAction"] == "Deny" and props["features"] == "DeviceManagement"
    assert props["messagingEndpoints"]["fileNotifications"]["maxDeliveryCount"] == 4
    assert props["enableFileUploadNotifications"] is True and live["identity"]["type"] == "SystemAssigned"
    assert props["storageEndpoints"]["$default"]["containerName"] == "uploads"
    assert "routing" in stack.resource(HUB).secret_outputs
    keys_before = arm.keys(RESOURCE_GROUP, HUB_NAME)

    control.clear_requests()
    same = stack.up(hub_program(["analytics"], **settings()))
    refresh = stack.refresh()

    assert same.deployment.ops() == [("same", HUB), ("same", group_resource("analytics"))]
    assert [step.detail for step in refresh.steps] == ["DIFF_NONE", "DIFF_NONE"]
    assert not [r for r in control.requests() if r["method"] in ("PUT", "PATCH", "DELETE")]

    second = {**ROUTE, "name": "to-q-2", "condition": "$body.level = 'critical'"}
    changed = settings(cloud_to_device={"maxDeliveryCount": 9, "defaultTtlAsIso8601": "PT2H"},
                       ip_filter_rules=[])
    changed["routing"] = pulumi.Output.secret({"endpoints": {"serviceBusQueues": [
        {"name": "q1", "connectionString": QUEUE}]}, "routes": [ROUTE, second]})
    run = stack.up(hub_program(["analytics"], **changed))

    assert run.deployment.ops() == [("update", HUB), ("same", group_resource("analytics"))]
    after = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert after is not None
    assert [r["name"] for r in after["properties"]["routing"]["routes"]] == ["to-q", "to-q-2"]
    assert after["properties"]["cloudToDevice"]["maxDeliveryCount"] == 9
    assert after["properties"]["ipFilterRules"] == []
    assert arm.keys(RESOURCE_GROUP, HUB_NAME) == keys_before  # the shared access policies were carried over
    assert stack.refresh().steps[0].detail == "DIFF_NONE"


def test_an_update_keeps_settings_made_outside_the_program(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(hub_program())
    policies_before = arm.policy_names(RESOURCE_GROUP, HUB_NAME)
    arm.change_properties(
        RESOURCE_GROUP, HUB_NAME,
        routing={"endpoints": {"serviceBusQueues": [{"name": "q1", "connectionString": QUEUE}]},
                 "routes": [ROUTE]},
        ipFilterRules=[{"filterName": "office", "action": "Accept", "ipMask": "10.0.0.0/8"}],
        cloudToDevice={"maxDeliveryCount": 7, "defaultTtlAsIso8601": "PT3H"},
        authorizationPolicies=[{"keyName": "monitoring", "rights": "RegistryRead"}],
    )
    keys_before = arm.keys(RESOURCE_GROUP, HUB_NAME)

    refresh = stack.refresh()
    run = stack.up(hub_program(sku={"name": "S1", "capacity": 2}, retention_days=2))

    assert refresh.steps[0].detail == "DIFF_NONE"  # nothing the program manages changed
    assert run.deployment.ops() == [("update", HUB)]
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["sku"]["capacity"] == 2
    props = live["properties"]
    assert props["eventHubEndpoints"]["events"]["retentionTimeInDays"] == 2
    assert [r["name"] for r in props["routing"]["routes"]] == ["to-q"]
    assert props["ipFilterRules"][0]["filterName"] == "office"
    assert props["cloudToDevice"]["maxDeliveryCount"] == 7
    assert arm.policy_names(RESOURCE_GROUP, HUB_NAME) == sorted([*policies_before, "monitoring"])
    assert arm.keys(RESOURCE_GROUP, HUB_NAME) == keys_before



def test_a_per_resource_subscription_overrides_the_providers(stack: SimulatedStack, arm: Arm,
                                                             emulator: EmulatorServer) -> None:
    other = "00000000-0000-0000-0000-00000000000b"
    emulator.control.create_resource_group(other, RESOURCE_GROUP, LOCATION)
    elsewhere = Arm(emulator.url, emulator.token, other)

    def program() -> None:
        hub = IotHub(HUB, **BASE_HUB, subscription_id=other)
        ConsumerGroup(group_resource("analytics"), resource_group_name=RESOURCE_GROUP, hub_name=hub.name,
                      name="analytics", subscription_id=other)

    stack.up(program)

    hub = stack.resource(HUB)
    assert hub.id.startswith(f"/subscriptions/{other}/") and hub.outputs["subscription_id"] == other
    assert stack.resource(group_resource("analytics")).id.startswith(f"/subscriptions/{other}/")
    assert arm.hub(RESOURCE_GROUP, HUB_NAME) is None  # nothing in the provider's subscription
    assert elsewhere.consumer_groups(RESOURCE_GROUP, HUB_NAME) == ["$Default", "analytics"]
    assert [step.detail for step in stack.refresh().steps] == ["DIFF_NONE", "DIFF_NONE"]
    assert stack.up(program).deployment.ops() == [("same", HUB), ("same", group_resource("analytics"))]

    stack.destroy()

    assert elsewhere.hub(RESOURCE_GROUP, HUB_NAME) is None
