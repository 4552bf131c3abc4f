"""The front door of every hub's service API (data plane), chosen by the request's ``Host``.

In Azure a hub's service API is ``https://<hub>.azure-devices.net``; locally that name cannot resolve to
loopback, so a client sends its requests to the emulator's address with ``Host: <hub>.azure-devices.net``
(the provider's ``iothub:serviceEndpoint`` does this). A request whose Host (port dropped, any case) ends
in ``.azure-devices.net`` comes here; everything else is ARM's.

In order: the hub (404 ``IotHubNotFound`` when the host names none), fault rules (they match service paths
as they match ARM's), the route (404 ``NotImplementedByEmulator``), the api-version (400
``InvalidProtocolVersion`` unless 2020-03-13, 2021-04-12 or 2024-03-31), authorization (``sas``: 401
``IotHubUnauthorizedAccess``), the body (413, 400 ``IotHubFormatError``), then the handler. Every error
answers in the service's own shape with ``iothub-errorcode``, its tracking id the response's
``x-ms-request-id`` without dashes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from dataclasses import dataclass
from http import HTTPStatus

from iothub_emulator import etags, sas, service_handlers
from iothub_emulator.backend import Backend
from iothub_emulator.clock import Clock
from iothub_emulator.devices import HOST_SUFFIX, ServiceHub
from iothub_emulator.errors import EmulatorError
from iothub_emulator.faults import FRONT_DOOR_KINDS, FaultRule, Faults
from iothub_emulator.service_errors import (
    InvalidProtocolVersion,
    IotHubFormatError,
    MessageTooLarge,
    NotImplementedByEmulator,
    ServerError,
    ServiceError,
    ThrottlingException,
    named,
)
from iothub_emulator.service_handlers import VARY, ServiceCtx, ServiceHandler
from iothub_emulator.wire import Reply

log = logging.getLogger("iothub_emulator")
API_VERSIONS = ("2020-03-13", "2021-04-12", "2024-03-31")
_ID = r"(?P<id>[^/]+)"


@dataclass(frozen=True)
class ServiceRoute:
    method: str
    pattern: re.Pattern[str]
    handler: ServiceHandler
    right: str


def _r(method: str, path: str, handler: ServiceHandler, right: str) -> ServiceRoute:
    return ServiceRoute(method, re.compile(rf"^{path}/?$", re.IGNORECASE), handler, right)


ROUTES: tuple[ServiceRoute, ...] = (
    _r("PUT", f"/devices/{_ID}", service_handlers.put_device, sas.REGISTRY_WRITE),
    _r("GET", f"/devices/{_ID}", service_handlers.get_device, sas.REGISTRY_READ),
    _r("DELETE", f"/devices/{_ID}", service_handlers.delete_device, sas.REGISTRY_WRITE),
    _r("GET", "/devices", service_handlers.list_devices, sas.REGISTRY_READ),
    _r("GET", "/statistics/devices", service_handlers.device_statistics, sas.REGISTRY_READ),
    _r("GET", f"/twins/{_ID}", service_handlers.get_twin, sas.SERVICE_CONNECT),
    _r("PATCH", f"/twins/{_ID}", service_handlers.patch_twin, sas.SERVICE_CONNECT),
    _r("PUT", f"/twins/{_ID}", service_handlers.replace_twin, sas.SERVICE_CONNECT),
    _r("POST", "/jobs/create", service_handlers.create_job, sas.REGISTRY_READ),
    _r("GET", r"/jobs/(?P<job>[^/]+)", service_handlers.get_job, sas.REGISTRY_READ),
)


@functools.lru_cache(maxsize=1024)
def match(method: str, path: str) -> tuple[ServiceRoute, tuple[tuple[str, str], ...]] | None:
    for route in ROUTES:
        if route.method == method.upper():
            found = route.pattern.match(path)
            if found:
                return route, tuple(found.groupdict().items())
    return None


def is_service_host(host: str | None) -> bool:
    """Whether a Host header names a hub's service endpoint (``*.azure-devices.net``, port dropped)."""
    if not host:
        return False
    name = host.strip().lower()
    head, sep, port = name.rpartition(":")
    return (head if sep and port.isdigit() else name).endswith(HOST_SUFFIX)


def _fault_error(rule: FaultRule) -> ServiceError:
    """A firing rule's answer in the service's shape: ``throttle`` is 429 ThrottlingException (with
    ``Retry-After``), ``error`` its status (500) named by a string ``code`` or by the status, ``not_active``
    409."""
    if rule.kind == "throttle":
        error: ServiceError = ThrottlingException(rule.message or "Throttling")
        retry_after: int | None = rule.retry_after or 1
    else:
        status = rule.status or (409 if rule.kind == "not_active" else 500)
        if isinstance(rule.code, str) and not rule.code.isdigit():
            name = rule.code
        else:
            name = "ServerError" if status >= 500 else HTTPStatus(status).phrase.replace(" ", "")
        error = named(name, status, rule.message or "Internal Error")
        retry_after = rule.retry_after
    if retry_after:
        error.headers["Retry-After"] = str(retry_after)
    return error


class ServiceApi:
    """The service API of every hub the emulator holds."""

    def __init__(
        self, backend: Backend, faults: Faults, clock: Clock, token: str, drop: type[Exception]
    ) -> None:
        self.backend = backend
        self.faults = faults
        self.clock = clock
        self.token = token
        self.drop = drop

    async def handle(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        query: dict[str, str],
        too_large: bool,
        body: object,
        body_error: EmulatorError | None,
        request_id: str,
    ) -> Reply:
        """The answer to one service-API request (errors included: none escapes but a ``drop``)."""
        try:
            return await self._answer(method, path, headers, query, too_large, body, body_error)
        except ServiceError as error:
            return Reply(
                error.status, error.wire_body(request_id, self.clock.now()), {**VARY, **error.wire_headers()}
            )
        except self.drop:
            raise
        except Exception as error:  # the emulator's own bug, or an error outside the service's vocabulary
            if not isinstance(error, EmulatorError):
                log.exception("unhandled error for %s %s (service API)", method, path)
            wrapped = ServerError("Internal Error")
            return Reply(
                500, wrapped.wire_body(request_id, self.clock.now()), {**VARY, **wrapped.wire_headers()}
            )

    async def _answer(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        query: dict[str, str],
        too_large: bool,
        body: object,
        body_error: EmulatorError | None,
    ) -> Reply:
        host = headers.get("host", "")
        hub: ServiceHub | None = self.backend.devices.service_hub(host)
        assert hub is not None  # the app routes only service hosts here
        await self._faults(method, path)
        found = match(method, path)
        if found is None:
            raise NotImplementedByEmulator(
                f"The emulator does not implement {method} {path} of the service API."
            )
        route, params = found
        api_version = query.get("api-version", "")
        if api_version not in API_VERSIONS:
            raise InvalidProtocolVersion(
                f"Protocol version '{api_version}' is not supported; supported: {', '.join(API_VERSIONS)}"
            )
        sas.authorize(
            headers.get("authorization"),
            policies=hub.policies,
            local_auth_disabled=hub.local_auth_disabled,
            bearer_token=self.token,
            host=hub.host,
            path=path,
            right=route.right,
            now=self.clock.now(),
        )
        if too_large:
            raise MessageTooLarge("The request body exceeds 4 MB")
        if body_error is not None:
            raise IotHubFormatError(f"The request body is not valid JSON: {body_error.message}")
        ctx = ServiceCtx(
            backend=self.backend,
            hub=hub,
            params=dict(params),
            body=body,
            if_match=etags.normalise(headers.get("if-match")),
            if_none_match=etags.normalise(headers.get("if-none-match")),
            query=query,
            api_version=api_version,
            now=self.clock.now(),
        )
        return route.handler(ctx)

    async def _faults(self, method: str, path: str) -> None:
        fired = self.faults.take(method, path, FRONT_DOOR_KINDS)
        for rule in fired:
            if rule.kind == "delay":
                await asyncio.sleep(rule.delay if rule.delay is not None else 1.0)
        for rule in fired:
            if rule.kind == "drop":
                raise self.drop()
            if rule.kind != "delay":
                raise _fault_error(rule)
