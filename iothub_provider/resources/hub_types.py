"""Typed inputs and outputs of ``IotHub``: generated from ``hub_schema.py`` by
``scripts/generate-hub-types``; edit the schema and regenerate, never this file.

Per nested setting, as in pulumi-azure-native: ``<Name>Args`` (a class), ``<Name>ArgsDict`` (the
same as a dictionary) and ``<Name>Response`` (the output). Keys are snake_case; the hub model
converts them to and from ARM's camelCase."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from pulumi import Input, Output

__all__ = [
    "ArmIdentityArgs",
    "ArmIdentityArgsDict",
    "ArmIdentityResponse",
    "ArmUserIdentityArgs",
    "ArmUserIdentityArgsDict",
    "ArmUserIdentityResponse",
    "CloudToDevicePropertiesArgs",
    "CloudToDevicePropertiesArgsDict",
    "CloudToDevicePropertiesResponse",
    "EnrichmentPropertiesArgs",
    "EnrichmentPropertiesArgsDict",
    "EnrichmentPropertiesResponse",
    "FallbackRoutePropertiesArgs",
    "FallbackRoutePropertiesArgsDict",
    "FallbackRoutePropertiesResponse",
    "FeedbackPropertiesArgs",
    "FeedbackPropertiesArgsDict",
    "FeedbackPropertiesResponse",
    "IotHubArgs",
    "IotHubArgsDict",
    "IotHubOutputs",
    "IotHubSkuInfoArgs",
    "IotHubSkuInfoArgsDict",
    "IotHubSkuInfoResponse",
    "IpFilterRuleArgs",
    "IpFilterRuleArgsDict",
    "IpFilterRuleResponse",
    "ManagedIdentityArgs",
    "ManagedIdentityArgsDict",
    "ManagedIdentityResponse",
    "MessagingEndpointPropertiesArgs",
    "MessagingEndpointPropertiesArgsDict",
    "MessagingEndpointPropertiesResponse",
    "NetworkRuleSetIpRuleArgs",
    "NetworkRuleSetIpRuleArgsDict",
    "NetworkRuleSetIpRuleResponse",
    "NetworkRuleSetPropertiesArgs",
    "NetworkRuleSetPropertiesArgsDict",
    "NetworkRuleSetPropertiesResponse",
    "RoutePropertiesArgs",
    "RoutePropertiesArgsDict",
    "RoutePropertiesResponse",
    "RoutingCosmosDBSqlApiPropertiesArgs",
    "RoutingCosmosDBSqlApiPropertiesArgsDict",
    "RoutingCosmosDBSqlApiPropertiesResponse",
    "RoutingEndpointsArgs",
    "RoutingEndpointsArgsDict",
    "RoutingEndpointsResponse",
    "RoutingEventHubPropertiesArgs",
    "RoutingEventHubPropertiesArgsDict",
    "RoutingEventHubPropertiesResponse",
    "RoutingPropertiesArgs",
    "RoutingPropertiesArgsDict",
    "RoutingPropertiesResponse",
    "RoutingServiceBusQueueEndpointPropertiesArgs",
    "RoutingServiceBusQueueEndpointPropertiesArgsDict",
    "RoutingServiceBusQueueEndpointPropertiesResponse",
    "RoutingServiceBusTopicEndpointPropertiesArgs",
    "RoutingServiceBusTopicEndpointPropertiesArgsDict",
    "RoutingServiceBusTopicEndpointPropertiesResponse",
    "RoutingStorageContainerPropertiesArgs",
    "RoutingStorageContainerPropertiesArgsDict",
    "RoutingStorageContainerPropertiesResponse",
    "SharedAccessSignatureAuthorizationRuleArgs",
    "SharedAccessSignatureAuthorizationRuleArgsDict",
    "SharedAccessSignatureAuthorizationRuleResponse",
    "StorageEndpointPropertiesArgs",
    "StorageEndpointPropertiesArgsDict",
    "StorageEndpointPropertiesResponse",
]


class _IotHubSkuInfoArgsDictRequired(TypedDict):
    name: Input[str]


class IotHubSkuInfoArgsDict(_IotHubSkuInfoArgsDictRequired, total=False):
    """ARM ``IotHubSkuInfo``."""
    capacity: Input[int]


@dataclass(frozen=True, kw_only=True)
class IotHubSkuInfoArgs:
    """ARM ``IotHubSkuInfo``."""
    name: Input[str]
    """F1, S1, S2, S3, B1, B2 or B3"""
    capacity: Input[int] | None = None
    """the number of units (1 for F1); 1 when left out"""


class IotHubSkuInfoResponse(TypedDict, total=False):
    """IotHubSkuInfo as read from the hub (snake_case keys)."""
    name: str
    capacity: int
    tier: str


class ArmUserIdentityArgsDict(TypedDict, total=False):
    """ARM ``ArmUserIdentity``."""


@dataclass(frozen=True, kw_only=True)
class ArmUserIdentityArgs:
    """ARM ``ArmUserIdentity``."""


class ArmUserIdentityResponse(TypedDict, total=False):
    """ArmUserIdentity as read from the hub (snake_case keys)."""
    principal_id: str
    client_id: str


class _ArmIdentityArgsDictRequired(TypedDict):
    type: Input[str]


class ArmIdentityArgsDict(_ArmIdentityArgsDictRequired, total=False):
    """ARM ``ArmIdentity``."""
    user_assigned_identities: Input[Mapping[str, Input[ArmUserIdentityArgs | ArmUserIdentityArgsDict]]]


@dataclass(frozen=True, kw_only=True)
class ArmIdentityArgs:
    """ARM ``ArmIdentity``."""
    type: Input[str]
    """SystemAssigned, UserAssigned, both, or None"""
    user_assigned_identities: Input[Mapping[str, Input[ArmUserIdentityArgs | ArmUserIdentityArgsDict]]] | None = None
    """identity resource id -> {}"""


class ArmIdentityResponse(TypedDict, total=False):
    """ArmIdentity as read from the hub (snake_case keys)."""
    type: str
    user_assigned_identities: dict[str, ArmUserIdentityResponse]
    principal_id: str
    tenant_id: str


class FeedbackPropertiesArgsDict(TypedDict, total=False):
    """ARM ``FeedbackProperties``."""
    lock_duration_as_iso8601: Input[str]
    ttl_as_iso8601: Input[str]
    max_delivery_count: Input[int]


@dataclass(frozen=True, kw_only=True)
class FeedbackPropertiesArgs:
    """ARM ``FeedbackProperties``."""
    lock_duration_as_iso8601: Input[str] | None = None
    ttl_as_iso8601: Input[str] | None = None
    max_delivery_count: Input[int] | None = None
    """1-100"""


class FeedbackPropertiesResponse(TypedDict, total=False):
    """FeedbackProperties as read from the hub (snake_case keys)."""
    lock_duration_as_iso8601: str
    ttl_as_iso8601: str
    max_delivery_count: int


class CloudToDevicePropertiesArgsDict(TypedDict, total=False):
    """ARM ``CloudToDeviceProperties``."""
    max_delivery_count: Input[int]
    default_ttl_as_iso8601: Input[str]
    feedback: Input[FeedbackPropertiesArgs | FeedbackPropertiesArgsDict]


@dataclass(frozen=True, kw_only=True)
class CloudToDevicePropertiesArgs:
    """ARM ``CloudToDeviceProperties``."""
    max_delivery_count: Input[int] | None = None
    """1-100"""
    default_ttl_as_iso8601: Input[str] | None = None
    feedback: Input[FeedbackPropertiesArgs | FeedbackPropertiesArgsDict] | None = None


class CloudToDevicePropertiesResponse(TypedDict, total=False):
    """CloudToDeviceProperties as read from the hub (snake_case keys)."""
    max_delivery_count: int
    default_ttl_as_iso8601: str
    feedback: FeedbackPropertiesResponse


class ManagedIdentityArgsDict(TypedDict, total=False):
    """The identity an endpoint authenticates with (identity-based authentication)."""
    user_assigned_identity: Input[str]


@dataclass(frozen=True, kw_only=True)
class ManagedIdentityArgs:
    """The identity an endpoint authenticates with (identity-based authentication)."""
    user_assigned_identity: Input[str] | None = None
    """the user-assigned identity's resource id"""


class ManagedIdentityResponse(TypedDict, total=False):
    """ManagedIdentity as read from the hub (snake_case keys)."""
    user_assigned_identity: str


class _RoutingServiceBusQueueEndpointPropertiesArgsDictRequired(TypedDict):
    name: Input[str]


class RoutingServiceBusQueueEndpointPropertiesArgsDict(_RoutingServiceBusQueueEndpointPropertiesArgsDictRequired, total=False):
    """ARM ``RoutingServiceBusQueueEndpointProperties``."""
    id: Input[str]
    connection_string: Input[str]
    endpoint_uri: Input[str]
    authentication_type: Input[str]
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict]
    subscription_id: Input[str]
    resource_group: Input[str]
    entity_path: Input[str]


@dataclass(frozen=True, kw_only=True)
class RoutingServiceBusQueueEndpointPropertiesArgs:
    """ARM ``RoutingServiceBusQueueEndpointProperties``."""
    name: Input[str]
    """the endpoint's name, unique across kinds"""
    id: Input[str] | None = None
    """the endpoint's id"""
    connection_string: Input[str] | None = None
    """a connection string with a key (secret)"""
    endpoint_uri: Input[str] | None = None
    """the endpoint's URI (identity-based authentication)"""
    authentication_type: Input[str] | None = None
    """keyBased or identityBased"""
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict] | None = None
    subscription_id: Input[str] | None = None
    resource_group: Input[str] | None = None
    entity_path: Input[str] | None = None
    """the queue, topic or event hub name"""


class RoutingServiceBusQueueEndpointPropertiesResponse(TypedDict, total=False):
    """RoutingServiceBusQueueEndpointProperties as read from the hub (snake_case keys)."""
    name: str
    id: str
    connection_string: str
    endpoint_uri: str
    authentication_type: str
    identity: ManagedIdentityResponse
    subscription_id: str
    resource_group: str
    entity_path: str


class _RoutingServiceBusTopicEndpointPropertiesArgsDictRequired(TypedDict):
    name: Input[str]


class RoutingServiceBusTopicEndpointPropertiesArgsDict(_RoutingServiceBusTopicEndpointPropertiesArgsDictRequired, total=False):
    """ARM ``RoutingServiceBusTopicEndpointProperties``."""
    id: Input[str]
    connection_string: Input[str]
    endpoint_uri: Input[str]
    authentication_type: Input[str]
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict]
    subscription_id: Input[str]
    resource_group: Input[str]
    entity_path: Input[str]


@dataclass(frozen=True, kw_only=True)
class RoutingServiceBusTopicEndpointPropertiesArgs:
    """ARM ``RoutingServiceBusTopicEndpointProperties``."""
    name: Input[str]
    """the endpoint's name, unique across kinds"""
    id: Input[str] | None = None
    """the endpoint's id"""
    connection_string: Input[str] | None = None
    """a connection string with a key (secret)"""
    endpoint_uri: Input[str] | None = None
    """the endpoint's URI (identity-based authentication)"""
    authentication_type: Input[str] | None = None
    """keyBased or identityBased"""
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict] | None = None
    subscription_id: Input[str] | None = None
    resource_group: Input[str] | None = None
    entity_path: Input[str] | None = None
    """the queue, topic or event hub name"""


class RoutingServiceBusTopicEndpointPropertiesResponse(TypedDict, total=False):
    """RoutingServiceBusTopicEndpointProperties as read from the hub (snake_case keys)."""
    name: str
    id: str
    connection_string: str
    endpoint_uri: str
    authentication_type: str
    identity: ManagedIdentityResponse
    subscription_id: str
    resource_group: str
    entity_path: str


class _RoutingEventHubPropertiesArgsDictRequired(TypedDict):
    name: Input[str]


class RoutingEventHubPropertiesArgsDict(_RoutingEventHubPropertiesArgsDictRequired, total=False):
    """ARM ``RoutingEventHubProperties``."""
    id: Input[str]
    connection_string: Input[str]
    endpoint_uri: Input[str]
    authentication_type: Input[str]
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict]
    subscription_id: Input[str]
    resource_group: Input[str]
    entity_path: Input[str]


@dataclass(frozen=True, kw_only=True)
class RoutingEventHubPropertiesArgs:
    """ARM ``RoutingEventHubProperties``."""
    name: Input[str]
    """the endpoint's name, unique across kinds"""
    id: Input[str] | None = None
    """the endpoint's id"""
    connection_string: Input[str] | None = None
    """a connection string with a key (secret)"""
    endpoint_uri: Input[str] | None = None
    """the endpoint's URI (identity-based authentication)"""
    authentication_type: Input[str] | None = None
    """keyBased or identityBased"""
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict] | None = None
    subscription_id: Input[str] | None = None
    resource_group: Input[str] | None = None
    entity_path: Input[str] | None = None
    """the queue, topic or event hub name"""


class RoutingEventHubPropertiesResponse(TypedDict, total=False):
    """RoutingEventHubProperties as read from the hub (snake_case keys)."""
    name: str
    id: str
    connection_string: str
    endpoint_uri: str
    authentication_type: str
    identity: ManagedIdentityResponse
    subscription_id: str
    resource_group: str
    entity_path: str


class _RoutingStorageContainerPropertiesArgsDictRequired(TypedDict):
    name: Input[str]
    container_name: Input[str]


class RoutingStorageContainerPropertiesArgsDict(_RoutingStorageContainerPropertiesArgsDictRequired, total=False):
    """ARM ``RoutingStorageContainerProperties``."""
    id: Input[str]
    connection_string: Input[str]
    endpoint_uri: Input[str]
    authentication_type: Input[str]
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict]
    subscription_id: Input[str]
    resource_group: Input[str]
    file_name_format: Input[str]
    batch_frequency_in_seconds: Input[int]
    max_chunk_size_in_bytes: Input[int]
    encoding: Input[str]


@dataclass(frozen=True, kw_only=True)
class RoutingStorageContainerPropertiesArgs:
    """ARM ``RoutingStorageContainerProperties``."""
    name: Input[str]
    """the endpoint's name, unique across kinds"""
    id: Input[str] | None = None
    """the endpoint's id"""
    connection_string: Input[str] | None = None
    """a connection string with a key (secret)"""
    endpoint_uri: Input[str] | None = None
    """the endpoint's URI (identity-based authentication)"""
    authentication_type: Input[str] | None = None
    """keyBased or identityBased"""
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict] | None = None
    subscription_id: Input[str] | None = None
    resource_group: Input[str] | None = None
    container_name: Input[str]
    file_name_format: Input[str] | None = None
    batch_frequency_in_seconds: Input[int] | None = None
    """60-720"""
    max_chunk_size_in_bytes: Input[int] | None = None
    """10485760-524288000"""
    encoding: Input[str] | None = None
    """Avro, AvroDeflate or JSON"""


class RoutingStorageContainerPropertiesResponse(TypedDict, total=False):
    """RoutingStorageContainerProperties as read from the hub (snake_case keys)."""
    name: str
    id: str
    connection_string: str
    endpoint_uri: str
    authentication_type: str
    identity: ManagedIdentityResponse
    subscription_id: str
    resource_group: str
    container_name: str
    file_name_format: str
    batch_frequency_in_seconds: int
    max_chunk_size_in_bytes: int
    encoding: str


class _RoutingCosmosDBSqlApiPropertiesArgsDictRequired(TypedDict):
    name: Input[str]
    database_name: Input[str]
    container_name: Input[str]


class RoutingCosmosDBSqlApiPropertiesArgsDict(_RoutingCosmosDBSqlApiPropertiesArgsDictRequired, total=False):
    """ARM ``RoutingCosmosDBSqlApiProperties``."""
    id: Input[str]
    connection_string: Input[str]
    endpoint_uri: Input[str]
    authentication_type: Input[str]
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict]
    subscription_id: Input[str]
    resource_group: Input[str]
    primary_key: Input[str]
    secondary_key: Input[str]
    partition_key_name: Input[str]
    partition_key_template: Input[str]


@dataclass(frozen=True, kw_only=True)
class RoutingCosmosDBSqlApiPropertiesArgs:
    """ARM ``RoutingCosmosDBSqlApiProperties``."""
    name: Input[str]
    """the endpoint's name, unique across kinds"""
    id: Input[str] | None = None
    """the endpoint's id"""
    connection_string: Input[str] | None = None
    """a connection string with a key (secret)"""
    endpoint_uri: Input[str] | None = None
    """the endpoint's URI (identity-based authentication)"""
    authentication_type: Input[str] | None = None
    """keyBased or identityBased"""
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict] | None = None
    subscription_id: Input[str] | None = None
    resource_group: Input[str] | None = None
    database_name: Input[str]
    container_name: Input[str]
    primary_key: Input[str] | None = None
    """a key (secret)"""
    secondary_key: Input[str] | None = None
    """a key (secret)"""
    partition_key_name: Input[str] | None = None
    partition_key_template: Input[str] | None = None


class RoutingCosmosDBSqlApiPropertiesResponse(TypedDict, total=False):
    """RoutingCosmosDBSqlApiProperties as read from the hub (snake_case keys)."""
    name: str
    id: str
    connection_string: str
    endpoint_uri: str
    authentication_type: str
    identity: ManagedIdentityResponse
    subscription_id: str
    resource_group: str
    database_name: str
    container_name: str
    primary_key: str
    secondary_key: str
    partition_key_name: str
    partition_key_template: str


class RoutingEndpointsArgsDict(TypedDict, total=False):
    """Custom endpoints messages can be routed to, by kind."""
    service_bus_queues: Input[Sequence[Input[RoutingServiceBusQueueEndpointPropertiesArgs | RoutingServiceBusQueueEndpointPropertiesArgsDict]]]
    service_bus_topics: Input[Sequence[Input[RoutingServiceBusTopicEndpointPropertiesArgs | RoutingServiceBusTopicEndpointPropertiesArgsDict]]]
    event_hubs: Input[Sequence[Input[RoutingEventHubPropertiesArgs | RoutingEventHubPropertiesArgsDict]]]
    storage_containers: Input[Sequence[Input[RoutingStorageContainerPropertiesArgs | RoutingStorageContainerPropertiesArgsDict]]]
    cosmos_db_sql_containers: Input[Sequence[Input[RoutingCosmosDBSqlApiPropertiesArgs | RoutingCosmosDBSqlApiPropertiesArgsDict]]]


@dataclass(frozen=True, kw_only=True)
class RoutingEndpointsArgs:
    """Custom endpoints messages can be routed to, by kind."""
    service_bus_queues: Input[Sequence[Input[RoutingServiceBusQueueEndpointPropertiesArgs | RoutingServiceBusQueueEndpointPropertiesArgsDict]]] | None = None
    service_bus_topics: Input[Sequence[Input[RoutingServiceBusTopicEndpointPropertiesArgs | RoutingServiceBusTopicEndpointPropertiesArgsDict]]] | None = None
    event_hubs: Input[Sequence[Input[RoutingEventHubPropertiesArgs | RoutingEventHubPropertiesArgsDict]]] | None = None
    storage_containers: Input[Sequence[Input[RoutingStorageContainerPropertiesArgs | RoutingStorageContainerPropertiesArgsDict]]] | None = None
    cosmos_db_sql_containers: Input[Sequence[Input[RoutingCosmosDBSqlApiPropertiesArgs | RoutingCosmosDBSqlApiPropertiesArgsDict]]] | None = None


class RoutingEndpointsResponse(TypedDict, total=False):
    """RoutingEndpoints as read from the hub (snake_case keys)."""
    service_bus_queues: list[RoutingServiceBusQueueEndpointPropertiesResponse]
    service_bus_topics: list[RoutingServiceBusTopicEndpointPropertiesResponse]
    event_hubs: list[RoutingEventHubPropertiesResponse]
    storage_containers: list[RoutingStorageContainerPropertiesResponse]
    cosmos_db_sql_containers: list[RoutingCosmosDBSqlApiPropertiesResponse]


class _RoutePropertiesArgsDictRequired(TypedDict):
    name: Input[str]
    source: Input[str]
    endpoint_names: Input[Sequence[Input[str]]]
    is_enabled: Input[bool]


class RoutePropertiesArgsDict(_RoutePropertiesArgsDictRequired, total=False):
    """ARM ``RouteProperties``."""
    condition: Input[str]


@dataclass(frozen=True, kw_only=True)
class RoutePropertiesArgs:
    """ARM ``RouteProperties``."""
    name: Input[str]
    source: Input[str]
    """DeviceMessages, TwinChangeEvents, ..."""
    condition: Input[str] | None = None
    """a routing query; true when left out"""
    endpoint_names: Input[Sequence[Input[str]]]
    """exactly one endpoint name"""
    is_enabled: Input[bool]


class RoutePropertiesResponse(TypedDict, total=False):
    """RouteProperties as read from the hub (snake_case keys)."""
    name: str
    source: str
    condition: str
    endpoint_names: list[str]
    is_enabled: bool


class _FallbackRoutePropertiesArgsDictRequired(TypedDict):
    source: Input[str]
    endpoint_names: Input[Sequence[Input[str]]]
    is_enabled: Input[bool]


class FallbackRoutePropertiesArgsDict(_FallbackRoutePropertiesArgsDictRequired, total=False):
    """ARM ``FallbackRouteProperties``."""
    name: Input[str]
    condition: Input[str]


@dataclass(frozen=True, kw_only=True)
class FallbackRoutePropertiesArgs:
    """ARM ``FallbackRouteProperties``."""
    name: Input[str] | None = None
    source: Input[str]
    """DeviceMessages"""
    condition: Input[str] | None = None
    endpoint_names: Input[Sequence[Input[str]]]
    """exactly one endpoint name"""
    is_enabled: Input[bool]


class FallbackRoutePropertiesResponse(TypedDict, total=False):
    """FallbackRouteProperties as read from the hub (snake_case keys)."""
    name: str
    source: str
    condition: str
    endpoint_names: list[str]
    is_enabled: bool


class _EnrichmentPropertiesArgsDictRequired(TypedDict):
    key: Input[str]
    value: Input[str]
    endpoint_names: Input[Sequence[Input[str]]]


class EnrichmentPropertiesArgsDict(_EnrichmentPropertiesArgsDictRequired, total=False):
    """ARM ``EnrichmentProperties``."""


@dataclass(frozen=True, kw_only=True)
class EnrichmentPropertiesArgs:
    """ARM ``EnrichmentProperties``."""
    key: Input[str]
    value: Input[str]
    endpoint_names: Input[Sequence[Input[str]]]


class EnrichmentPropertiesResponse(TypedDict, total=False):
    """EnrichmentProperties as read from the hub (snake_case keys)."""
    key: str
    value: str
    endpoint_names: list[str]


class RoutingPropertiesArgsDict(TypedDict, total=False):
    """Message routing: endpoints, routes, the fallback route and enrichments."""
    endpoints: Input[RoutingEndpointsArgs | RoutingEndpointsArgsDict]
    routes: Input[Sequence[Input[RoutePropertiesArgs | RoutePropertiesArgsDict]]]
    fallback_route: Input[FallbackRoutePropertiesArgs | FallbackRoutePropertiesArgsDict]
    enrichments: Input[Sequence[Input[EnrichmentPropertiesArgs | EnrichmentPropertiesArgsDict]]]


@dataclass(frozen=True, kw_only=True)
class RoutingPropertiesArgs:
    """Message routing: endpoints, routes, the fallback route and enrichments."""
    endpoints: Input[RoutingEndpointsArgs | RoutingEndpointsArgsDict] | None = None
    routes: Input[Sequence[Input[RoutePropertiesArgs | RoutePropertiesArgsDict]]] | None = None
    fallback_route: Input[FallbackRoutePropertiesArgs | FallbackRoutePropertiesArgsDict] | None = None
    enrichments: Input[Sequence[Input[EnrichmentPropertiesArgs | EnrichmentPropertiesArgsDict]]] | None = None


class RoutingPropertiesResponse(TypedDict, total=False):
    """RoutingProperties as read from the hub (snake_case keys)."""
    endpoints: RoutingEndpointsResponse
    routes: list[RoutePropertiesResponse]
    fallback_route: FallbackRoutePropertiesResponse
    enrichments: list[EnrichmentPropertiesResponse]


class _IpFilterRuleArgsDictRequired(TypedDict):
    filter_name: Input[str]
    action: Input[str]
    ip_mask: Input[str]


class IpFilterRuleArgsDict(_IpFilterRuleArgsDictRequired, total=False):
    """ARM ``IpFilterRule``."""


@dataclass(frozen=True, kw_only=True)
class IpFilterRuleArgs:
    """ARM ``IpFilterRule``."""
    filter_name: Input[str]
    action: Input[str]
    """Accept or Reject"""
    ip_mask: Input[str]
    """an IPv4 address or CIDR range"""


class IpFilterRuleResponse(TypedDict, total=False):
    """IpFilterRule as read from the hub (snake_case keys)."""
    filter_name: str
    action: str
    ip_mask: str


class _NetworkRuleSetIpRuleArgsDictRequired(TypedDict):
    filter_name: Input[str]
    ip_mask: Input[str]


class NetworkRuleSetIpRuleArgsDict(_NetworkRuleSetIpRuleArgsDictRequired, total=False):
    """ARM ``NetworkRuleSetIpRule``."""
    action: Input[str]


@dataclass(frozen=True, kw_only=True)
class NetworkRuleSetIpRuleArgs:
    """ARM ``NetworkRuleSetIpRule``."""
    filter_name: Input[str]
    action: Input[str] | None = None
    """Allow"""
    ip_mask: Input[str]


class NetworkRuleSetIpRuleResponse(TypedDict, total=False):
    """NetworkRuleSetIpRule as read from the hub (snake_case keys)."""
    filter_name: str
    action: str
    ip_mask: str


class _NetworkRuleSetPropertiesArgsDictRequired(TypedDict):
    apply_to_built_in_event_hub_endpoint: Input[bool]
    ip_rules: Input[Sequence[Input[NetworkRuleSetIpRuleArgs | NetworkRuleSetIpRuleArgsDict]]]


class NetworkRuleSetPropertiesArgsDict(_NetworkRuleSetPropertiesArgsDictRequired, total=False):
    """ARM ``NetworkRuleSetProperties``."""
    default_action: Input[str]


@dataclass(frozen=True, kw_only=True)
class NetworkRuleSetPropertiesArgs:
    """ARM ``NetworkRuleSetProperties``."""
    default_action: Input[str] | None = None
    """Deny or Allow"""
    apply_to_built_in_event_hub_endpoint: Input[bool]
    ip_rules: Input[Sequence[Input[NetworkRuleSetIpRuleArgs | NetworkRuleSetIpRuleArgsDict]]]


class NetworkRuleSetPropertiesResponse(TypedDict, total=False):
    """NetworkRuleSetProperties as read from the hub (snake_case keys)."""
    default_action: str
    apply_to_built_in_event_hub_endpoint: bool
    ip_rules: list[NetworkRuleSetIpRuleResponse]


class _StorageEndpointPropertiesArgsDictRequired(TypedDict):
    connection_string: Input[str]
    container_name: Input[str]


class StorageEndpointPropertiesArgsDict(_StorageEndpointPropertiesArgsDictRequired, total=False):
    """ARM ``StorageEndpointProperties``."""
    sas_ttl_as_iso8601: Input[str]
    authentication_type: Input[str]
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict]


@dataclass(frozen=True, kw_only=True)
class StorageEndpointPropertiesArgs:
    """ARM ``StorageEndpointProperties``."""
    sas_ttl_as_iso8601: Input[str] | None = None
    connection_string: Input[str]
    """a connection string with a key (secret)"""
    container_name: Input[str]
    authentication_type: Input[str] | None = None
    """keyBased or identityBased"""
    identity: Input[ManagedIdentityArgs | ManagedIdentityArgsDict] | None = None


class StorageEndpointPropertiesResponse(TypedDict, total=False):
    """StorageEndpointProperties as read from the hub (snake_case keys)."""
    sas_ttl_as_iso8601: str
    connection_string: str
    container_name: str
    authentication_type: str
    identity: ManagedIdentityResponse


class MessagingEndpointPropertiesArgsDict(TypedDict, total=False):
    """ARM ``MessagingEndpointProperties``."""
    lock_duration_as_iso8601: Input[str]
    ttl_as_iso8601: Input[str]
    max_delivery_count: Input[int]


@dataclass(frozen=True, kw_only=True)
class MessagingEndpointPropertiesArgs:
    """ARM ``MessagingEndpointProperties``."""
    lock_duration_as_iso8601: Input[str] | None = None
    ttl_as_iso8601: Input[str] | None = None
    max_delivery_count: Input[int] | None = None
    """1-100"""


class MessagingEndpointPropertiesResponse(TypedDict, total=False):
    """MessagingEndpointProperties as read from the hub (snake_case keys)."""
    lock_duration_as_iso8601: str
    ttl_as_iso8601: str
    max_delivery_count: int


class _SharedAccessSignatureAuthorizationRuleArgsDictRequired(TypedDict):
    key_name: Input[str]
    rights: Input[str]


class SharedAccessSignatureAuthorizationRuleArgsDict(_SharedAccessSignatureAuthorizationRuleArgsDictRequired, total=False):
    """ARM ``SharedAccessSignatureAuthorizationRule``."""
    primary_key: Input[str]
    secondary_key: Input[str]


@dataclass(frozen=True, kw_only=True)
class SharedAccessSignatureAuthorizationRuleArgs:
    """ARM ``SharedAccessSignatureAuthorizationRule``."""
    key_name: Input[str]
    rights: Input[str]
    primary_key: Input[str] | None = None
    secondary_key: Input[str] | None = None


class SharedAccessSignatureAuthorizationRuleResponse(TypedDict, total=False):
    """SharedAccessSignatureAuthorizationRule as read from the hub (snake_case keys)."""
    key_name: str
    rights: str
    primary_key: str
    secondary_key: str


class _IotHubArgsDictRequired(TypedDict):
    resource_group_name: Input[str]
    location: Input[str]
    sku: Input[IotHubSkuInfoArgs | IotHubSkuInfoArgsDict]


class IotHubArgsDict(_IotHubArgsDictRequired, total=False):
    """The keyword arguments of ``IotHub``."""
    name: Input[str]
    subscription_id: Input[str]
    partition_count: Input[int]
    retention_days: Input[int]
    tags: Input[Mapping[str, Input[str]]]
    identity: Input[ArmIdentityArgs | ArmIdentityArgsDict]
    min_tls_version: Input[str]
    public_network_access: Input[str]
    disable_local_auth: Input[bool]
    features: Input[str]
    enable_file_upload_notifications: Input[bool]
    enable_data_residency: Input[bool]
    disable_device_sas: Input[bool]
    disable_module_sas: Input[bool]
    restrict_outbound_network_access: Input[bool]
    allowed_fqdn_list: Input[Sequence[Input[str]]]
    cloud_to_device: Input[CloudToDevicePropertiesArgs | CloudToDevicePropertiesArgsDict]
    routing: Input[RoutingPropertiesArgs | RoutingPropertiesArgsDict]
    ip_filter_rules: Input[Sequence[Input[IpFilterRuleArgs | IpFilterRuleArgsDict]]]
    network_rule_sets: Input[NetworkRuleSetPropertiesArgs | NetworkRuleSetPropertiesArgsDict]
    storage_endpoints: Input[Mapping[str, Input[StorageEndpointPropertiesArgs | StorageEndpointPropertiesArgsDict]]]
    messaging_endpoints: Input[Mapping[str, Input[MessagingEndpointPropertiesArgs | MessagingEndpointPropertiesArgsDict]]]
    adopt: Input[bool]


@dataclass(frozen=True, kw_only=True)
class IotHubArgs:
    """The inputs of ``IotHub``, nested settings typed in snake_case (as azure-native)."""
    resource_group_name: Input[str]
    """the resource group that holds the hub"""
    location: Input[str]
    """the Azure region, e.g. westeurope"""
    sku: Input[IotHubSkuInfoArgs | IotHubSkuInfoArgsDict]
    """pricing tier and units"""
    name: Input[str] | None = None
    """the hub's name; the resource name plus a stable suffix when left out"""
    subscription_id: Input[str] | None = None
    """the subscription; iothub:subscriptionId when left out"""
    partition_count: Input[int] | None = None
    """device-to-cloud partitions, 2-32 (2 on F1); fixed at creation"""
    retention_days: Input[int] | None = None
    """days device-to-cloud messages are kept, 1-7"""
    tags: Input[Mapping[str, Input[str]]] | None = None
    """tags the program owns; others on the hub are kept"""
    identity: Input[ArmIdentityArgs | ArmIdentityArgsDict] | None = None
    """the hub's managed identities"""
    min_tls_version: Input[str] | None = None
    """1.2; set only at creation"""
    public_network_access: Input[str] | None = None
    """Enabled or Disabled"""
    disable_local_auth: Input[bool] | None = None
    """refuse SAS tokens made from the hub's keys (Entra ID only)"""
    features: Input[str] | None = None
    """None or DeviceManagement"""
    enable_file_upload_notifications: Input[bool] | None = None
    enable_data_residency: Input[bool] | None = None
    """keep data in the hub's region (no cross-region disaster recovery)"""
    disable_device_sas: Input[bool] | None = None
    """refuse device SAS tokens signed with device keys"""
    disable_module_sas: Input[bool] | None = None
    """refuse module SAS tokens signed with module keys"""
    restrict_outbound_network_access: Input[bool] | None = None
    """let the hub reach only the hosts in allowed_fqdn_list"""
    allowed_fqdn_list: Input[Sequence[Input[str]]] | None = None
    """host names the hub may reach when restrict_outbound_network_access is set"""
    cloud_to_device: Input[CloudToDevicePropertiesArgs | CloudToDevicePropertiesArgsDict] | None = None
    """cloud-to-device messaging (not on the Basic tier)"""
    routing: Input[RoutingPropertiesArgs | RoutingPropertiesArgsDict] | None = None
    """message routing; its connection strings carry keys, so it is kept secret"""
    ip_filter_rules: Input[Sequence[Input[IpFilterRuleArgs | IpFilterRuleArgsDict]]] | None = None
    network_rule_sets: Input[NetworkRuleSetPropertiesArgs | NetworkRuleSetPropertiesArgsDict] | None = None
    storage_endpoints: Input[Mapping[str, Input[StorageEndpointPropertiesArgs | StorageEndpointPropertiesArgsDict]]] | None = None
    """file upload storage, keyed '$default'; kept secret (connection string)"""
    messaging_endpoints: Input[Mapping[str, Input[MessagingEndpointPropertiesArgs | MessagingEndpointPropertiesArgsDict]]] | None = None
    """file upload notifications, keyed 'fileNotifications'"""
    adopt: Input[bool] | None = None
    """take an existing hub this resource did not create under management"""

    def to_props(self) -> dict[str, Any]:
        """The inputs this program sets, by name (what ``IotHub`` registers, unconverted)."""
        return {k: v for k, v in vars(self).items() if v is not None}


class IotHubOutputs:
    """The outputs of ``IotHub`` (inputs included)."""
    resource_group_name: Output[str]
    location: Output[str]
    sku: Output[IotHubSkuInfoResponse]
    name: Output[str]
    subscription_id: Output[str]
    partition_count: Output[int]
    retention_days: Output[int]
    tags: Output[dict[str, str]]
    identity: Output[ArmIdentityResponse]
    min_tls_version: Output[str]
    public_network_access: Output[str]
    disable_local_auth: Output[bool]
    features: Output[str]
    enable_file_upload_notifications: Output[bool]
    enable_data_residency: Output[bool]
    disable_device_sas: Output[bool]
    disable_module_sas: Output[bool]
    restrict_outbound_network_access: Output[bool]
    allowed_fqdn_list: Output[list[str]]
    cloud_to_device: Output[CloudToDevicePropertiesResponse]
    routing: Output[RoutingPropertiesResponse]
    ip_filter_rules: Output[list[IpFilterRuleResponse]]
    network_rule_sets: Output[NetworkRuleSetPropertiesResponse]
    storage_endpoints: Output[dict[str, StorageEndpointPropertiesResponse]]
    messaging_endpoints: Output[dict[str, MessagingEndpointPropertiesResponse]]
    etag: Output[str]
    host_name: Output[str]
    event_hub_endpoint: Output[str]
    event_hub_path: Output[str]
    event_hub_partition_ids: Output[list[str]]
    provisioning_state: Output[str]
    state: Output[str]
    sku_tier: Output[str]
    all_tags: Output[dict[str, str]]
    shared_access_policies: Output[list[SharedAccessSignatureAuthorizationRuleResponse]]
    owner_connection_string: Output[str]
    service_connection_string: Output[str]
    event_hub_connection_string: Output[str]
