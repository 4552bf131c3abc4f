"""The IoT hub, defined once: every property of ``IotHub``, where it lives in ARM, and its nested types.

Everything else is derived from ``PROPERTIES`` and the shapes below: the typed ``IotHubArgs``, its nested
``*Args`` classes and ``*ArgsDict``/``*Response`` dictionaries (generated into ``hub_types.py`` by
``scripts/generate-hub-types``), the declared outputs, the ARM mapping of the hub model, the lists of
properties that replace the hub or are kept secret, the live values read and diff compare, and the keys of the
stack program's configuration. Adding a property is one entry here, its validation in ``hub_check``, and a
regenerated ``hub_types.py`` (a test fails while it is stale).

Nested types follow the 2023-06-30 spec (``../specs``) and carry pulumi-azure-native's names.

| kind | meaning |
| --- | --- |
| identity | says which hub: never sent in the body, any change is a new hub |
| managed | an input written to ``arm`` in the hub document and read back from there for drift |
| tags | the program's tags, merged key by key with the hub's (the hub model owns the rules) |
| control | steers the provider (``adopt``); never sent, never compared |
| computed | an output read from ``arm`` in the live hub |
| secret | an output the provider derives from the hub's keys; always a secret |
"""

from __future__ import annotations

from iothub_provider.resources.arm_shapes import Field, Shape
from iothub_provider.resources.arm_shapes import Property as Property  # re-exported: the stack program's
from iothub_provider.resources.arm_shapes import config_key as config_key  # config keys come from here

MANAGED_IDENTITY = Shape(
    "ManagedIdentity",
    (Field("userAssignedIdentity", "str", doc="the user-assigned identity's resource id"),),
    doc="The identity an endpoint authenticates with (identity-based authentication).",
)


def _endpoint_fields(*extra: Field) -> tuple[Field, ...]:
    """The fields every routing endpoint kind shares, then its own."""
    return (
        Field("name", "str", required=True, doc="the endpoint's name, unique across kinds"),
        Field("id", "str", doc="the endpoint's id"),
        Field("connectionString", "str", doc="a connection string with a key (secret)"),
        Field("endpointUri", "str", doc="the endpoint's URI (identity-based authentication)"),
        Field("authenticationType", "str", doc="keyBased or identityBased"),
        Field("identity", MANAGED_IDENTITY),
        Field("subscriptionId", "str"),
        Field("resourceGroup", "str"),
        *extra,
    )


ENTITY_PATH = Field("entityPath", "str", doc="the queue, topic or event hub name")
EVENT_HUB_ENDPOINT = Shape("RoutingEventHubProperties", _endpoint_fields(ENTITY_PATH))
SERVICE_BUS_QUEUE_ENDPOINT = Shape("RoutingServiceBusQueueEndpointProperties", _endpoint_fields(ENTITY_PATH))
SERVICE_BUS_TOPIC_ENDPOINT = Shape("RoutingServiceBusTopicEndpointProperties", _endpoint_fields(ENTITY_PATH))
STORAGE_CONTAINER_ENDPOINT = Shape(
    "RoutingStorageContainerProperties",
    _endpoint_fields(
        Field("containerName", "str", required=True),
        Field("fileNameFormat", "str"),
        Field("batchFrequencyInSeconds", "int", doc="60-720"),
        Field("maxChunkSizeInBytes", "int", doc="10485760-524288000"),
        Field("encoding", "str", doc="Avro, AvroDeflate or JSON"),
    ),
)
COSMOS_DB_ENDPOINT = Shape(
    "RoutingCosmosDBSqlApiProperties",
    _endpoint_fields(
        Field("databaseName", "str", required=True),
        Field("containerName", "str", required=True),
        Field("primaryKey", "str", doc="a key (secret)"),
        Field("secondaryKey", "str", doc="a key (secret)"),
        Field("partitionKeyName", "str"),
        Field("partitionKeyTemplate", "str"),
    ),
)
ROUTING_ENDPOINTS = Shape(
    "RoutingEndpoints",
    (
        Field("serviceBusQueues", SERVICE_BUS_QUEUE_ENDPOINT, "list"),
        Field("serviceBusTopics", SERVICE_BUS_TOPIC_ENDPOINT, "list"),
        Field("eventHubs", EVENT_HUB_ENDPOINT, "list"),
        Field("storageContainers", STORAGE_CONTAINER_ENDPOINT, "list"),
        Field("cosmosDBSqlContainers", COSMOS_DB_ENDPOINT, "list", snake="cosmos_db_sql_containers"),
    ),
    doc="Custom endpoints messages can be routed to, by kind.",
)
ROUTE = Shape(
    "RouteProperties",
    (
        Field("name", "str", required=True),
        Field("source", "str", required=True, doc="DeviceMessages, TwinChangeEvents, ..."),
        Field("condition", "str", doc="a routing query; true when left out"),
        Field("endpointNames", "str", "list", required=True, doc="exactly one endpoint name"),
        Field("isEnabled", "bool", required=True),
    ),
)
FALLBACK_ROUTE = Shape(
    "FallbackRouteProperties",
    (
        Field("name", "str"),
        Field("source", "str", required=True, doc="DeviceMessages"),
        Field("condition", "str"),
        Field("endpointNames", "str", "list", required=True, doc="exactly one endpoint name"),
        Field("isEnabled", "bool", required=True),
    ),
)
ENRICHMENT = Shape(
    "EnrichmentProperties",
    (
        Field("key", "str", required=True),
        Field("value", "str", required=True),
        Field("endpointNames", "str", "list", required=True),
    ),
)
ROUTING = Shape(
    "RoutingProperties",
    (
        Field("endpoints", ROUTING_ENDPOINTS),
        Field("routes", ROUTE, "list"),
        Field("fallbackRoute", FALLBACK_ROUTE),
        Field("enrichments", ENRICHMENT, "list"),
    ),
    doc="Message routing: endpoints, routes, the fallback route and enrichments.",
)
SKU = Shape(
    "IotHubSkuInfo",
    (
        Field("name", "str", required=True, doc="F1, S1, S2, S3, B1, B2 or B3"),
        Field("capacity", "int", doc="the number of units (1 for F1); 1 when left out"),
        Field("tier", "str", read_only=True),
    ),
)
FEEDBACK = Shape(
    "FeedbackProperties",
    (
        Field("lockDurationAsIso8601", "str"),
        Field("ttlAsIso8601", "str"),
        Field("maxDeliveryCount", "int", doc="1-100"),
    ),
)
CLOUD_TO_DEVICE = Shape(
    "CloudToDeviceProperties",
    (
        Field("maxDeliveryCount", "int", doc="1-100"),
        Field("defaultTtlAsIso8601", "str"),
        Field("feedback", FEEDBACK),
    ),
)
IP_FILTER_RULE = Shape(
    "IpFilterRule",
    (
        Field("filterName", "str", required=True),
        Field("action", "str", required=True, doc="Accept or Reject"),
        Field("ipMask", "str", required=True, doc="an IPv4 address or CIDR range"),
    ),
)
NETWORK_IP_RULE = Shape(
    "NetworkRuleSetIpRule",
    (
        Field("filterName", "str", required=True),
        Field("action", "str", doc="Allow"),
        Field("ipMask", "str", required=True),
    ),
)
NETWORK_RULE_SETS = Shape(
    "NetworkRuleSetProperties",
    (
        Field("defaultAction", "str", doc="Deny or Allow"),
        Field("applyToBuiltInEventHubEndpoint", "bool", required=True),
        Field("ipRules", NETWORK_IP_RULE, "list", required=True),
    ),
)
USER_IDENTITY = Shape(
    "ArmUserIdentity",
    (Field("principalId", "str", read_only=True), Field("clientId", "str", read_only=True)),
)
IDENTITY = Shape(
    "ArmIdentity",
    (
        Field("type", "str", required=True, doc="SystemAssigned, UserAssigned, both, or None"),
        Field("userAssignedIdentities", USER_IDENTITY, "map", doc="identity resource id -> {}"),
        Field("principalId", "str", read_only=True),
        Field("tenantId", "str", read_only=True),
    ),
)
STORAGE_ENDPOINT = Shape(
    "StorageEndpointProperties",
    (
        Field("sasTtlAsIso8601", "str"),
        Field("connectionString", "str", required=True, doc="a connection string with a key (secret)"),
        Field("containerName", "str", required=True),
        Field("authenticationType", "str", doc="keyBased or identityBased"),
        Field("identity", MANAGED_IDENTITY),
    ),
)
MESSAGING_ENDPOINT = Shape(
    "MessagingEndpointProperties",
    (
        Field("lockDurationAsIso8601", "str"),
        Field("ttlAsIso8601", "str"),
        Field("maxDeliveryCount", "int", doc="1-100"),
    ),
)
ACCESS_POLICY = Shape(
    "SharedAccessSignatureAuthorizationRule",
    (
        Field("keyName", "str", required=True),
        Field("rights", "str", required=True),
        Field("primaryKey", "str"),
        Field("secondaryKey", "str"),
    ),
)


PROPS = "properties"
EVENTS = (PROPS, "eventHubEndpoints", "events")
PROPERTIES: tuple[Property, ...] = (
    Property("resource_group_name", "identity", "str", required=True, replace_on_change=True,
             doc="the resource group that holds the hub", config_key="resourceGroup"),
    Property("location", "managed", "str", arm=("location",), required=True, replace_on_change=True,
             doc="the Azure region, e.g. westeurope"),
    Property("sku", "managed", SKU, arm=("sku",), required=True, doc="pricing tier and units"),
    Property("name", "identity", "str", replace_on_change=True,
             doc="the hub's name; the resource name plus a stable suffix when left out"),
    Property("subscription_id", "identity", "str", replace_on_change=True,
             doc="the subscription; iothub:subscriptionId when left out"),
    Property("partition_count", "managed", "int", arm=(*EVENTS, "partitionCount"), replace_on_change=True,
             doc="device-to-cloud partitions, 2-32 (2 on F1); fixed at creation"),
    Property("retention_days", "managed", "int", arm=(*EVENTS, "retentionTimeInDays"),
             doc="days device-to-cloud messages are kept, 1-7"),
    Property("tags", "tags", "str", "map", doc="tags the program owns; others on the hub are kept"),
    Property("identity", "managed", IDENTITY, arm=("identity",), doc="the hub's managed identities"),
    Property("min_tls_version", "managed", "str", arm=(PROPS, "minTlsVersion"), replace_on_change=True,
             doc="1.2; set only at creation"),
    Property("public_network_access", "managed", "str", arm=(PROPS, "publicNetworkAccess"),
             doc="Enabled or Disabled"),
    Property("disable_local_auth", "managed", "bool", arm=(PROPS, "disableLocalAuth"),
             doc="refuse SAS tokens made from the hub's keys (Entra ID only)"),
    Property("features", "managed", "str", arm=(PROPS, "features"), doc="None or DeviceManagement"),
    Property("enable_file_upload_notifications", "managed", "bool",
             arm=(PROPS, "enableFileUploadNotifications")),
    Property("enable_data_residency", "managed", "bool", arm=(PROPS, "enableDataResidency"),
             doc="keep data in the hub's region (no cross-region disaster recovery)"),
    Property("disable_device_sas", "managed", "bool", arm=(PROPS, "disableDeviceSAS"),
             doc="refuse device SAS tokens signed with device keys"),
    Property("disable_module_sas", "managed", "bool", arm=(PROPS, "disableModuleSAS"),
             doc="refuse module SAS tokens signed with module keys"),
    Property("restrict_outbound_network_access", "managed", "bool",
             arm=(PROPS, "restrictOutboundNetworkAccess"),
             doc="let the hub reach only the hosts in allowed_fqdn_list"),
    Property("allowed_fqdn_list", "managed", "str", "list", arm=(PROPS, "allowedFqdnList"),
             doc="host names the hub may reach when restrict_outbound_network_access is set"),
    Property("cloud_to_device", "managed", CLOUD_TO_DEVICE, arm=(PROPS, "cloudToDevice"),
             doc="cloud-to-device messaging (not on the Basic tier)"),
    Property("routing", "managed", ROUTING, arm=(PROPS, "routing"), secret=True,
             doc="message routing; its connection strings carry keys, so it is kept secret"),
    Property("ip_filter_rules", "managed", IP_FILTER_RULE, "list", arm=(PROPS, "ipFilterRules")),
    Property("network_rule_sets", "managed", NETWORK_RULE_SETS, arm=(PROPS, "networkRuleSets")),
    Property("storage_endpoints", "managed", STORAGE_ENDPOINT, "map", arm=(PROPS, "storageEndpoints"),
             secret=True, doc='file upload storage, keyed "$default"; kept secret (connection string)'),
    Property("messaging_endpoints", "managed", MESSAGING_ENDPOINT, "map", arm=(PROPS, "messagingEndpoints"),
             doc='file upload notifications, keyed "fileNotifications"'),
    Property("adopt", "control", "bool",
             doc="take an existing hub this resource did not create under management"),
    Property("etag", "computed", "str", arm=("etag",)),
    Property("host_name", "computed", "str", arm=(PROPS, "hostName")),
    Property("event_hub_endpoint", "computed", "str", arm=(*EVENTS, "endpoint")),
    Property("event_hub_path", "computed", "str", arm=(*EVENTS, "path")),
    Property("event_hub_partition_ids", "computed", "str", "list", arm=(*EVENTS, "partitionIds")),
    Property("provisioning_state", "computed", "str", arm=(PROPS, "provisioningState")),
    Property("state", "computed", "str", arm=(PROPS, "state")),
    Property("sku_tier", "computed", "str", arm=("sku", "tier")),
    Property("all_tags", "computed", "str", "map", arm=("tags",),
             doc="every tag on the hub, the provider's owner tag left out"),
    Property("type", "computed", "str", arm=("type",)),
    Property("shared_access_policies", "secret", ACCESS_POLICY, "list",
             doc="the hub's shared access policies with their keys"),
    Property("owner_connection_string", "secret", "str"),
    Property("service_connection_string", "secret", "str"),
    Property("event_hub_connection_string", "secret", "str",
             doc="the built-in Event Hub-compatible endpoint, with the service policy's key"),
)

BY_NAME = {p.name: p for p in PROPERTIES}
INPUTS = tuple(p for p in PROPERTIES if p.is_input)
MANAGED = tuple(p for p in PROPERTIES if p.kind == "managed")
NESTED = tuple(p for p in MANAGED if p.shape is not None)
ARM_PATHS: dict[str, tuple[str, ...]] = {p.name: p.arm for p in MANAGED}
IDENTITY_INPUTS = tuple(p.name for p in PROPERTIES if p.kind == "identity")
CONTROL_INPUTS = (*(p.name for p in PROPERTIES if p.kind == "control"), "pulumi_owner")
INPUT_KEYS = (*(p.name for p in INPUTS if p.kind != "control"), *CONTROL_INPUTS)
REPLACE_ON_CHANGE = tuple(p.name for p in PROPERTIES if p.replace_on_change)
SECRET_INPUTS = tuple(p.name for p in INPUTS if p.secret)
SECRET_OUTPUTS = tuple(p.name for p in PROPERTIES if p.kind == "secret")
COMPUTED_OUTPUTS = ("id", *(p.name for p in PROPERTIES if p.kind == "computed"))
OUTPUT_KEYS = tuple(p.name for p in PROPERTIES)
