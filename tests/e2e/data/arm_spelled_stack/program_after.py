"""program_before.py written the new way: the same hub, its nested settings in snake_case."""

import pulumi

from iothub_provider import IotHub

hub = IotHub(
    "legacy",
    name="e2e-legacy",
    resource_group_name="rg-test",
    location="westeurope",
    sku={"name": "S1", "capacity": 1},
    partition_count=2,
    tags={"env": "dev"},
    cloud_to_device={"max_delivery_count": 5, "default_ttl_as_iso8601": "PT2H",
                     "feedback": {"lock_duration_as_iso8601": "PT1M", "max_delivery_count": 3}},
    ip_filter_rules=[{"filter_name": "office", "action": "Accept", "ip_mask": "10.0.0.0/8"}],
    network_rule_sets={"default_action": "Allow", "apply_to_built_in_event_hub_endpoint": False,
                       "ip_rules": [{"filter_name": "lab", "action": "Allow", "ip_mask": "192.168.0.0/16"}]},
    messaging_endpoints={"fileNotifications": {"max_delivery_count": 4, "ttl_as_iso8601": "PT1H"}},
    routing={
        "endpoints": {"service_bus_queues": [{
            "name": "q1",
            "connection_string": "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;"
                                "SharedAccessKey=c2VjcmV0;EntityPath=q1"}]},
        "routes": [{"name": "to-q", "source": "DeviceMessages", "endpoint_names": ["q1"],
                    "is_enabled": True}],
        "fallback_route": {"source": "DeviceMessages", "endpoint_names": ["events"], "is_enabled": True},
        "enrichments": [{"key": "site", "value": "lab", "endpoint_names": ["q1"]}],
    },
)
pulumi.export("hostName", hub.host_name)
