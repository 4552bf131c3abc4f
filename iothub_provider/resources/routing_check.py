"""The rules of the hub's ``routing`` input: endpoint names, routes, fallback route, enrichments, limits.

Its structure (objects, lists, keys, required keys) is checked against the schema by ``hub_check``; this
module holds the rules between its parts. Names follow the 2023-06-30 spec (``[A-Za-z0-9-._]{1,64}``,
reserved ``events``, ``fileNotifications``, ``$default``); limits per tier come from the IoT Hub quotas
(Free: 5 routes, 1 custom endpoint, 2 enrichments; paid tiers: 100, 10, 10).
"""

from __future__ import annotations

import re
from typing import Any

from iothub_provider.resources import hub_schema as schema
from iothub_provider.resources import validation as v
from iothub_provider.resources.values import is_unknown

# Per tier: (routes, custom endpoints, enrichments).
ROUTING_LIMITS = {"Free": (5, 1, 2), "Standard": (100, 10, 10), "Basic": (100, 10, 10)}
ENDPOINT_KINDS = schema.ROUTING_ENDPOINTS.allowed_keys()
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


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The objects of a list (the rest was reported by the structure check)."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def check_routing(f: v.Failures, inputs: dict[str, Any], tier: str | None) -> None:
    routing = inputs.get("routing")
    if not isinstance(routing, dict):
        return
    names = _routing_endpoints(f, routing.get("endpoints"))
    routes = _dicts(routing.get("routes"))
    for i, route in routes:
        _route(f, f"routing.routes[{i}]", route, names, fallback=False)
    fallback = routing.get("fallback_route")
    if isinstance(fallback, dict):
        _route(f, "routing.fallback_route", fallback, names, fallback=True)
    enrichments = _dicts(routing.get("enrichments"))
    for i, item in enrichments:
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
    if is_unknown(endpoints):
        return None
    if not isinstance(endpoints, dict):
        return names
    complete = True  # False once a list, an endpoint or a name is still unknown (preview)
    for kind in ENDPOINT_KINDS:
        listed = endpoints.get(kind)
        complete = complete and not is_unknown(listed)
        if isinstance(listed, list):
            complete = complete and not any(is_unknown(item) for item in listed)
        for i, endpoint in _dicts(listed):
            path = f"routing.endpoints.{kind}[{i}]"
            name = endpoint.get("name")
            complete = complete and not is_unknown(name)
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


def _route(
    f: v.Failures, path: str, route: dict[str, Any], names: set[str] | None, *, fallback: bool
) -> None:
    name = route.get("name")
    if not fallback and isinstance(name, str) and not ROUTING_NAME_RE.match(name):
        f.add("routing", f"{path}.name {name!r} must match [A-Za-z0-9-._]{{1,64}}")
    sources = ("DeviceMessages",) if fallback else ROUTE_SOURCES
    source = route.get("source")
    if source is not None and not is_unknown(source) and source not in sources:
        f.add("routing", f"{path}.source must be one of {', '.join(sources)}, got {source!r}")
    targets = route.get("endpoint_names")
    if isinstance(targets, list):
        if len(targets) != 1:
            f.add("routing", f"{path}.endpoint_names must name exactly one endpoint, got {len(targets)}")
        _targets_exist(f, path, targets, names)


def _enrichment(f: v.Failures, path: str, item: dict[str, Any], names: set[str] | None) -> None:
    targets = item.get("endpoint_names")
    if isinstance(targets, list):
        if not targets:
            f.add("routing", f"{path}.endpoint_names must name at least one endpoint")
        _targets_exist(f, path, targets, names)


def _targets_exist(f: v.Failures, path: str, targets: list[Any], names: set[str] | None) -> None:
    if names is None:
        return
    for target in targets:
        if isinstance(target, str) and target not in names:
            f.add(
                "routing",
                f"{path}.endpoint_names: {target!r} is not 'events' or an endpoint in routing.endpoints",
            )
