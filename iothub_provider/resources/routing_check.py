"""Validation of the hub's ``routing`` input: endpoints, routes, the fallback route, enrichments, tier limits.

Names follow the 2023-06-30 spec (``[A-Za-z0-9-._]{1,64}``, reserved ``events``, ``fileNotifications``,
``$default``); limits per tier come from the IoT Hub quotas (Free: 5 routes, 1 custom endpoint, 2 enrichments;
paid tiers: 100, 10, 10).
"""

from __future__ import annotations

import re
from typing import Any

from iothub_provider.resources import validation as v
from iothub_provider.resources.values import is_unknown

# Per tier: (routes, custom endpoints, enrichments).
ROUTING_LIMITS = {"Free": (5, 1, 2), "Standard": (100, 10, 10), "Basic": (100, 10, 10)}
ENDPOINT_TYPES = (
    "serviceBusQueues",
    "serviceBusTopics",
    "eventHubs",
    "storageContainers",
    "cosmosDBSqlContainers",
)
RESERVED_ENDPOINT_NAMES = {"events", "filenotifications", "$default"}
ROUTE_SOURCES = (
    "Invalid",
    "DeviceMessages",
    "TwinChangeEvents",
    "DeviceLifecycleEvents",
    "DeviceJobLifecycleEvents",
    "DeviceConnectionStateEvents",
    "DigitalTwinChangeEvents",
)
ROUTING_NAME_RE = re.compile(r"^[A-Za-z0-9-._]{1,64}$")


def check_routing(f: v.Failures, inputs: dict[str, Any], tier: str | None) -> None:
    routing = v.expect_dict(f, "routing", "routing", inputs.get("routing"))
    if routing is None:
        return
    v.check_keys(f, "routing", "routing", routing, ("endpoints", "routes", "fallbackRoute", "enrichments"))
    names = _routing_endpoints(f, routing.get("endpoints"))
    routes = v.expect_list(f, "routing", "routing.routes", routing.get("routes")) or []
    for i, route in enumerate(routes):
        _route(f, f"routing.routes[{i}]", route, names, fallback=False)
    fallback = routing.get("fallbackRoute")
    if fallback is not None:
        _route(f, "routing.fallbackRoute", fallback, names, fallback=True)
    enrichments = v.expect_list(f, "routing", "routing.enrichments", routing.get("enrichments")) or []
    for i, item in enumerate(enrichments):
        _enrichment(f, f"routing.enrichments[{i}]", item, names)
    if tier is not None and names is not None:
        max_routes, max_endpoints, max_enrichments = ROUTING_LIMITS[tier]
        for count, limit, what in (
            (len(routes), max_routes, "routes"),
            (len(names) - 1, max_endpoints, "custom endpoints"),
            (len(enrichments), max_enrichments, "enrichments"),
        ):
            if count > limit:
                f.add("routing", f"the {tier} tier allows at most {limit} {what}, got {count}")


def _routing_endpoints(f: v.Failures, endpoints: Any) -> set[str] | None:
    """Names a route may target ("events" plus every custom endpoint), or None while any is unknown."""
    names = {"events"}
    table = v.expect_dict(f, "routing", "routing.endpoints", endpoints)
    if table is None:
        return None if is_unknown(endpoints) else names
    v.check_keys(f, "routing", "routing.endpoints", table, ENDPOINT_TYPES)
    complete = True  # False once a list, an endpoint or a name is still unknown (preview)
    for kind in ENDPOINT_TYPES:
        listed = table.get(kind)
        complete = complete and not is_unknown(listed)
        for i, endpoint in enumerate(v.expect_list(f, "routing", f"routing.endpoints.{kind}", listed) or []):
            path = f"routing.endpoints.{kind}[{i}]"
            complete = complete and not is_unknown(endpoint)
            endpoint = v.expect_dict(f, "routing", path, endpoint)
            if endpoint is None:
                continue
            name = endpoint.get("name")
            complete = complete and not is_unknown(name)
            required = ("name", "containerName") if kind == "storageContainers" else ("name",)
            v.check_required_keys(f, "routing", path, endpoint, required)
            if isinstance(name, str):
                if not ROUTING_NAME_RE.match(name) or name.lower() in RESERVED_ENDPOINT_NAMES:
                    f.add(
                        "routing",
                        f"{path}.name {name!r} must match [A-Za-z0-9-._]{{1,64}} and not be "
                        "events, fileNotifications or $default",
                    )
                elif name in names:
                    f.add("routing", f"{path}.name {name!r} is used by another endpoint; names are unique")
                names.add(name)
    return names if complete else None


def _route(f: v.Failures, path: str, route: Any, names: set[str] | None, *, fallback: bool) -> None:
    route = v.expect_dict(f, "routing", path, route)
    if route is None:
        return
    required = (
        ("source", "endpointNames", "isEnabled")
        if fallback
        else ("name", "source", "endpointNames", "isEnabled")
    )
    v.check_required_keys(f, "routing", path, route, required)
    name = route.get("name")
    if not fallback and isinstance(name, str) and not ROUTING_NAME_RE.match(name):
        f.add("routing", f"{path}.name {name!r} must match [A-Za-z0-9-._]{{1,64}}")
    sources = ("DeviceMessages",) if fallback else ROUTE_SOURCES
    source = route.get("source")
    if source is not None and not is_unknown(source) and source not in sources:
        f.add("routing", f"{path}.source must be one of {', '.join(sources)}, got {source!r}")
    if (
        "isEnabled" in route
        and not is_unknown(route["isEnabled"])
        and not isinstance(route["isEnabled"], bool)
    ):
        f.add("routing", f"{path}.isEnabled must be true or false")
    targets = v.expect_list(f, "routing", f"{path}.endpointNames", route.get("endpointNames"))
    if targets is not None:
        if len(targets) != 1:
            f.add("routing", f"{path}.endpointNames must name exactly one endpoint, got {len(targets)}")
        _targets_exist(f, path, targets, names)


def _enrichment(f: v.Failures, path: str, item: Any, names: set[str] | None) -> None:
    item = v.expect_dict(f, "routing", path, item)
    if item is None:
        return
    v.check_required_keys(f, "routing", path, item, ("key", "value", "endpointNames"))
    targets = v.expect_list(f, "routing", f"{path}.endpointNames", item.get("endpointNames"))
    if targets is not None:
        if not targets:
            f.add("routing", f"{path}.endpointNames must name at least one endpoint")
        _targets_exist(f, path, targets, names)


def _targets_exist(f: v.Failures, path: str, targets: list[Any], names: set[str] | None) -> None:
    if names is None:
        return
    for target in targets:
        if isinstance(target, str) and target not in names:
            f.add(
                "routing",
                f"{path}.endpointNames: {target!r} is not 'events' or an endpoint in routing.endpoints",
            )
