"""A hub declared as programs did before the typed API: nested settings as ARM-spelled (camelCase) dicts."""

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
    cloud_to_device={"maxDeliveryCount": 5, "defaultTtlAsIso8601": "PT2H",
                     "feedback": {"lockDurationAsIso8601": "PT1M", "maxDeliveryCount": 3}},
    ip_filter_rules=[{"filterName": "office", "action": "Accept", "ipMask": "10.0.0.0/8"}],
    network_rule_sets={"defaultAction": "Allow", "applyToBuiltInEventHubEndpoint": False,
                       "ipRules": [{"filterName": "lab", "action": "Allow", "ipMask": "192.168.0.0/16"}]},
    messaging_endpoints={"fileNotifications": {"maxDeliveryCount": 4, "ttlAsIso8601": "PT1H"}},
    routing={
        "endpoints": {"serviceBusQueues": [{
            "name": "q1",
            "connectionString": "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;"
                                "SharedAccessKey=c2VjcmV0;EntityPath=q1"}]},
        "routes": [{"name": "to-q", "source": "DeviceMessages", "endpointNames": ["q1"], "isEnabled": True}],
        "fallbackRoute": {"source": "DeviceMessages", "endpointNames": ["events"], "isEnabled": True},
        "enrichments": [{"key": "site", "value": "lab", "endpointNames": ["q1"]}],
    },
)
pulumi.export("hostName", hub.host_name)
