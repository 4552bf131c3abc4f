"""The routes table: ARM paths (matched case-insensitively) -> handlers, with their api-version family."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from iothub_emulator import handlers
from iothub_emulator.handlers import Handler

_SEG = r"[^/]+"
SUB = rf"/subscriptions/(?P<sub>{_SEG})"
RG = rf"{SUB}/resourcegroups/(?P<rg>{_SEG})"
DEVICES = r"/providers/Microsoft\.Devices"
HUB = rf"{RG}{DEVICES}/IotHubs/(?P<hub>{_SEG})"
CG = rf"{HUB}/eventHubEndpoints/(?P<ep>{_SEG})/ConsumerGroups"

RESOURCE_GROUPS = "resource_groups"  # any well-formed api-version (Microsoft.Resources)
IOTHUB = "iothub"  # the Microsoft.Devices api-version list


@dataclass(frozen=True)
class Route:
    """A path pattern and method, its handler, and what the front door and fault rules need to know.

    family: which api-version list applies. arms_get_404: a success arms ``get_404_after_put`` rules
    (the hub PUT). answers_get_404: an armed ``get_404_after_put`` rule answers it with 404 (the hub GET).
    """

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    family: str
    arms_get_404: bool = False
    answers_get_404: bool = False


def _r(method: str, path: str, handler: Handler, family: str = IOTHUB, **flags: bool) -> Route:
    return Route(method, re.compile(rf"^{path}/?$", re.IGNORECASE), handler, family, **flags)


ROUTES: tuple[Route, ...] = (
    _r("PUT", RG, handlers.put_resource_group, RESOURCE_GROUPS),
    _r("GET", RG, handlers.get_resource_group, RESOURCE_GROUPS),
    _r("HEAD", RG, handlers.head_resource_group, RESOURCE_GROUPS),
    _r("DELETE", RG, handlers.delete_resource_group, RESOURCE_GROUPS),
    _r("GET", rf"{SUB}/operationresults/(?P<op>{_SEG})", handlers.resource_group_operation, RESOURCE_GROUPS),
    _r("GET", rf"{SUB}{DEVICES}/IotHubs", handlers.list_hubs_in_subscription),
    _r("GET", rf"{RG}{DEVICES}/IotHubs", handlers.list_hubs_in_resource_group),
    _r("POST", rf"{SUB}{DEVICES}/checkNameAvailability", handlers.check_name_availability),
    _r(
        "GET",
        rf"{SUB}{DEVICES}/locations/(?P<region>{_SEG})/operationResults/(?P<op>{_SEG})",
        handlers.operation_status,
    ),
    _r("PUT", HUB, handlers.put_hub, arms_get_404=True),
    _r("GET", HUB, handlers.get_hub, answers_get_404=True),
    _r("PATCH", HUB, handlers.patch_hub),
    _r("DELETE", HUB, handlers.delete_hub),
    _r("POST", rf"{HUB}/listkeys", handlers.list_keys),
    _r("GET", rf"{HUB}/listkeys", handlers.list_keys),  # nextLink pages of the pageable POST
    _r("POST", rf"{HUB}/IotHubKeys/(?P<key>{_SEG})/listkeys", handlers.get_key),
    _r("GET", rf"{HUB}/IotHubStats", handlers.stats),
    _r("GET", rf"{HUB}/skus", handlers.skus),
    _r("GET", rf"{HUB}/quotaMetrics", handlers.quota_metrics),
    _r("POST", rf"{HUB}/exportDevices", handlers.export_devices),
    _r("POST", rf"{HUB}/importDevices", handlers.import_devices),
    _r("GET", rf"{HUB}/jobs", handlers.list_jobs),
    _r("GET", rf"{HUB}/jobs/(?P<job>{_SEG})", handlers.get_job),
    _r("GET", CG, handlers.list_consumer_groups),
    _r("PUT", rf"{CG}/(?P<cg>{_SEG})", handlers.put_consumer_group),
    _r("GET", rf"{CG}/(?P<cg>{_SEG})", handlers.get_consumer_group),
    _r("DELETE", rf"{CG}/(?P<cg>{_SEG})", handlers.delete_consumer_group),
)


_BY_METHOD: dict[str, tuple[Route, ...]] = {
    method: tuple(route for route in ROUTES if route.method == method)
    for method in {route.method for route in ROUTES}
}
"""The routes of each method in table order: a request tries only its own method's patterns."""


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for this request and its path parameters (the caller's own copy); None when no route has
    this path (405 is decided by the caller)."""
    found = _match(method, path) if len(path) <= _CACHED_PATH_LENGTH else _match.__wrapped__(method, path)
    return None if found is None else (found[0], dict(found[1]))


_CACHED_PATH_LENGTH = 512  # longer paths (no real one is) are matched uncached, bounding the cache's memory


@functools.lru_cache(maxsize=4096)
def _match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """Cached by method and path: clients poll and re-read the same URLs, and trying the patterns in turn
    was a tenth of a request's own cost. The table is fixed, so an answer never goes stale."""
    for route in _BY_METHOD.get(method.upper(), ()):
        found = route.pattern.match(path)
        if found:
            return route, found.groupdict()
    return None


def path_exists(path: str) -> bool:
    return any(route.pattern.match(path) for route in ROUTES)
