"""An IoT hub written the way pulumi-azure-native programs are: typed Args, nested settings in snake_case.

    cd examples/typed && ../../scripts/pulumi up     # against the stack's iothub:* settings

Configuration (``pulumi config set``): ``resourceGroup`` (required), ``location`` (westeurope),
``hubName`` (a generated name when unset), ``maxDeliveryCount`` (10). mypy --strict checks this file in the
tests (tests/providers/test_typed_example.py), so a misspelt key or a wrong type fails before any deploy.
"""

from __future__ import annotations

import pulumi

from iothub_provider import (
    CloudToDevicePropertiesArgs,
    ConsumerGroup,
    EnrichmentPropertiesArgs,
    FallbackRoutePropertiesArgs,
    FeedbackPropertiesArgs,
    IotHub,
    IotHubArgs,
    IotHubSkuInfoArgs,
    IpFilterRuleArgs,
    MessagingEndpointPropertiesArgs,
    NetworkRuleSetIpRuleArgs,
    NetworkRuleSetPropertiesArgs,
    RoutePropertiesArgs,
    RoutingEndpointsArgs,
    RoutingPropertiesArgs,
    RoutingServiceBusQueueEndpointPropertiesArgs,
)

config = pulumi.Config()
resource_group = config.require("resourceGroup")
queue_connection = config.get_secret("queueConnectionString") or pulumi.Output.secret(
    "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0;EntityPath=alerts"
)

hub = IotHub(
    "typed",
    IotHubArgs(
        resource_group_name=resource_group,
        location=config.get("location") or "westeurope",
        name=config.get("hubName"),
        sku=IotHubSkuInfoArgs(name="S1", capacity=1),
        partition_count=2,
        tags={"env": "example"},
        min_tls_version="1.2",
        cloud_to_device=CloudToDevicePropertiesArgs(
            max_delivery_count=config.get_int("maxDeliveryCount") or 10,
            default_ttl_as_iso8601="PT1H",
            feedback=FeedbackPropertiesArgs(lock_duration_as_iso8601="PT1M", max_delivery_count=10),
        ),
        routing=RoutingPropertiesArgs(
            endpoints=RoutingEndpointsArgs(
                service_bus_queues=[
                    RoutingServiceBusQueueEndpointPropertiesArgs(
                        name="alerts", connection_string=queue_connection
                    )
                ]
            ),
            routes=[
                RoutePropertiesArgs(
                    name="alerts",
                    source="DeviceMessages",
                    condition="level = 'critical'",
                    endpoint_names=["alerts"],
                    is_enabled=True,
                )
            ],
            fallback_route=FallbackRoutePropertiesArgs(
                source="DeviceMessages", endpoint_names=["events"], is_enabled=True
            ),
            enrichments=[EnrichmentPropertiesArgs(key="site", value="plant-1", endpoint_names=["alerts"])],
        ),
        ip_filter_rules=[IpFilterRuleArgs(filter_name="office", action="Accept", ip_mask="10.0.0.0/8")],
        network_rule_sets=NetworkRuleSetPropertiesArgs(
            default_action="Allow",
            apply_to_built_in_event_hub_endpoint=False,
            ip_rules=[NetworkRuleSetIpRuleArgs(filter_name="lab", action="Allow", ip_mask="192.168.0.0/16")],
        ),
        messaging_endpoints={
            "fileNotifications": MessagingEndpointPropertiesArgs(max_delivery_count=5, ttl_as_iso8601="PT1H")
        },
        enable_data_residency=False,
    ),
)
group = ConsumerGroup(
    "typed-analytics", resource_group_name=resource_group, hub_name=hub.name, name="analytics"
)

# Outputs are typed too: cloud_to_device is an Output[CloudToDevicePropertiesResponse].
pulumi.export("hostName", hub.host_name)
pulumi.export("maxDeliveryCount", hub.cloud_to_device.apply(lambda c2d: c2d.get("max_delivery_count")))
pulumi.export("policies", hub.shared_access_policies.apply(lambda ps: [p.get("key_name") for p in ps]))
pulumi.export("serviceConnectionString", hub.service_connection_string)
