"""The ASGI application: ARM front door (ids, auth, faults, api-version, body checks) -> routes -> handlers.

Bodies are checked as ARM does before any RP sees them: at most 4 MB (413 RequestContentTooLarge), JSON
media type (415 UnsupportedMediaType), deserializable JSON (400 InvalidRequestContent; NaN/Infinity and
nesting deeper than ``MAX_BODY_DEPTH`` included), so no input reaches the rules that could crash them.

Front-door failures answer in ARM's envelope; the backend's RP failures in IoT Hub's ErrorDetails.
Every response carries ``x-ms-request-id`` and ``x-ms-correlation-request-id`` (the client's, if sent).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from iothub_emulator import api_versions, auth, control_api, etags, ids, rendering, routes, service_api
from iothub_emulator.backend import Backend
from iothub_emulator.clock import Clock
from iothub_emulator.errors import (
    INTERNAL_ERROR,
    NOT_ACTIVE,
    ArmEnvelopeError,
    EmulatorError,
    IotHubError,
    ResourceNotFound,
    Throttled,
)
from iothub_emulator.faults import FRONT_DOOR_KINDS, FaultRule, Faults
from iothub_emulator.handlers import Ctx
from iothub_emulator.request_log import RequestLog
from iothub_emulator.settings import EmulatorSettings
from iothub_emulator.store import Store
from iothub_emulator.wire import NO_BODY, Call, Reply

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

TRANSPORT_EXTENSION = "iothub_emulator.transport"
log = logging.getLogger("iothub_emulator")

_COMMON_HEADERS = {
    "Cache-Control": "no-cache",
    "Pragma": "no-cache",
    "Expires": "-1",
    "X-Content-Type-Options": "nosniff",
}


_COMMON_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in _COMMON_HEADERS.items()]
_JSON_CONTENT_TYPE = (b"content-type", b"application/json; charset=utf-8")


class DropConnection(Exception):
    """A ``drop`` fault: close the socket without answering."""


MAX_BODY_BYTES = 4 * 1024 * 1024  # ARM refuses larger requests with 413 RequestContentTooLarge
MAX_BODY_DEPTH = 64  # no real request nests deeper than ~8; bounds recursion in every later step


class _TooLarge:
    """Marker for a request body that exceeded ``MAX_BODY_BYTES`` (it is not read any further)."""


TOO_LARGE = _TooLarge()


def _invalid_content(detail: str) -> ArmEnvelopeError:
    return ArmEnvelopeError(
        f"The request content was invalid and could not be deserialized: '{detail}'.",
        code="InvalidRequestContent",
        status=400,
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON value")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_ENCODER = json.JSONEncoder(separators=(",", ":"))  # json.dumps(..., separators=...) builds one per call


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, computed without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _parse_body(raw: bytes) -> Any:
    """The JSON body, or None when there is none; anything ARM could not deserialize is its 400."""
    if not raw.strip():
        return None
    try:
        # json.loads(raw, parse_constant=...) without building a decoder per request
        body = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except RecursionError as exc:
        raise _invalid_content(f"nesting deeper than {MAX_BODY_DEPTH} levels") from exc
    except ValueError as exc:  # includes UnicodeDecodeError (not UTF-8)
        raise _invalid_content(str(exc)) from exc
    # A value nests no deeper than its count of opening brackets: short bodies need no walk.
    if raw.count(b"{") + raw.count(b"[") > MAX_BODY_DEPTH and _depth(body) > MAX_BODY_DEPTH:
        raise _invalid_content(f"nesting deeper than {MAX_BODY_DEPTH} levels")
    return body


def _check_media_type(content_type: str | None) -> None:
    """ARM accepts request bodies only as JSON; a missing Content-Type is reported as '<null>'."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise ArmEnvelopeError(
            f"The content media type '{content_type or '<null>'}' is not supported. "
            "Only 'application/json' is supported.",
            code="UnsupportedMediaType",
            status=415,
        )


class _Incoming:
    """What the front door reads of a request, taken from the ASGI scope once (a look-up per header or
    parameter on the raw scope re-scans or re-parses it, which was a tenth of a request's cost)."""

    __slots__ = ("scope", "method", "raw_headers", "headers", "query_items", "query")

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.raw_headers: list[tuple[bytes, bytes]] = scope["headers"]  # names lower-case (ASGI)
        # Of a repeated header the first counts.
        self.headers: dict[str, str] = {
            k.decode("latin-1"): v.decode("latin-1") for k, v in reversed(self.raw_headers)
        }
        self.query_items = _parse_query(scope.get("query_string", b""))
        self.query: dict[str, str] = dict(self.query_items)


@functools.lru_cache(maxsize=1024)
def _parse_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    """The query's parameters, of a repeated one the last (cached: clients poll the same URLs over and
    over, and parsing was a twentieth of a request's own cost)."""
    return tuple(dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True)).items())


async def _read_body(receive: Receive, incoming: _Incoming) -> bytes | _TooLarge:
    """The request body from the ASGI ``http.request`` messages, read no further than ``MAX_BODY_BYTES``."""
    declared = incoming.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return TOO_LARGE
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect: the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_ids = random.Random()


def _request_id() -> str:
    """A version-4 UUID for ``x-ms-request-id`` (unique, not secret: no system entropy per request), formatted
    directly: ``uuid.UUID`` validates and re-derives what is set here by construction."""
    h = "%032x" % ((_ids.getrandbits(128) & _UUID_CLEAR) | _UUID_V4)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# Version 4 in bits 76-79, the RFC 4122 variant (0b10) in bits 62-63; as uuid.UUID(version=4) sets them.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_V4 = (0x4000 << 64) | (0x8000 << 48)


def _hub_name_in(path: str) -> str:
    segments = path.rstrip("/").split("/")
    return next(
        (segments[i + 1] for i, seg in enumerate(segments[:-1]) if seg.lower() == "iothubs"), "IotHub"
    )


def _fault_reply(rule: FaultRule, path: str) -> EmulatorError:
    """The answer of a firing front-door rule: ARM shape for a string code, IoT Hub shape for a number."""
    if rule.kind == "throttle":
        retry_after = rule.retry_after or 1
        message = (
            "Number of requests for subscription exceeded the limit. "
            f"Please try again after '{retry_after}' seconds."
        )
        return Throttled(
            rule.message or message,
            code=str(rule.code or "SubscriptionRequestsThrottled"),
            headers={"Retry-After": str(retry_after)},
        )
    headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after else {}
    if rule.kind == "not_active":
        status = rule.status or 409
        default_code: int = NOT_ACTIVE
        message = (
            f"{_hub_name_in(path)} is not currently in Active state. "
            "Try the request again after it is in Active state."
        )
    else:
        status = rule.status or 500
        default_code = INTERNAL_ERROR if status == 500 else status * 1000 + 1
        message = "Internal Error"
    code = rule.code if rule.code is not None else default_code
    if isinstance(code, str) and not code.isdigit():
        return ArmEnvelopeError(rule.message or message, code=code, status=status, headers=headers)
    return IotHubError(rule.message or message, code=int(code), status=status, headers=headers)


class EmulatorApp:
    """One emulator instance: its store, settings, faults and request log."""

    def __init__(
        self,
        store: Store,
        token: str,
        settings: EmulatorSettings | None = None,
        faults: list[dict[str, Any]] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.token = token
        self.clock = clock or Clock()
        self.settings = settings or EmulatorSettings()
        self.settings.validate()
        self.faults = Faults()
        self.log = RequestLog()
        self.store = store
        self.backend = Backend(store, self.settings, self.clock)
        self.encoded = rendering.Encoded()
        startup_faults = list(faults or [])
        for rule in startup_faults:
            self.faults.add(rule)
        self.control = control_api.ControlState(
            self.backend,
            self.settings,
            self.settings.copy(),
            self.faults,
            self.log,
            self.clock,
            startup_faults,
        )
        # A hub's service API (data plane), for requests whose Host is a hub's host name.
        self.service = service_api.ServiceApi(self.backend, self.faults, self.clock, token, DropConnection)
        self.backend.operations.settle_now()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        incoming = _Incoming(scope)
        request_id = _request_id()
        read = await _read_body(receive, incoming)
        raw = b"" if isinstance(read, _TooLarge) else read
        path: str = scope["path"]  # as sent (request.url would silently drop CR, LF and TAB)
        is_control = path.lower().startswith(control_api.PREFIX + "/") or path.lower() == control_api.PREFIX
        # Parsed once: the handler needs it, and the request log records it even when it is not JSON.
        parsed: Any = None
        parse_error: EmulatorError | None = None
        try:
            parsed = _parse_body(raw)
        except EmulatorError as error:
            parse_error = error
        body: Any = raw.decode("utf-8", "replace") if parse_error is not None else parsed
        try:
            if not is_control and service_api.is_service_host(incoming.headers.get("host")):
                too_large = isinstance(read, _TooLarge)
                reply = await self.service.handle(
                    incoming.method, path, incoming.headers, incoming.query, too_large, parsed, parse_error,
                    request_id,
                )
            else:
                reply = await self._handle(incoming, path, read, is_control, parsed, parse_error)
        except DropConnection:
            if not is_control:
                self._record(incoming, path, body, 0, request_id)
            transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
            if transport is not None:
                transport.abort()
                await asyncio.sleep(0.01)
                return
            raise
        except EmulatorError as error:
            reply = Reply(error.status, error.body(self.clock.now()), error.headers)
        except Exception:  # the emulator's own bug: answer like the RP's internal error, keep serving
            log.exception("unhandled error for %s %s", incoming.method, path)
            reply = Reply(
                500, IotHubError("Internal Error", code=INTERNAL_ERROR, status=500).body(self.clock.now())
            )
        await self._send(send, incoming, reply, request_id)
        if not is_control:
            self._record(incoming, path, body, reply.status, request_id)

    def _record(self, incoming: _Incoming, path: str, body: Any, status: int, request_id: str) -> None:
        query, headers = incoming.query_items, incoming.raw_headers
        self.log.record(incoming.method, path, query, headers, body, status, request_id)

    async def _send(self, send: Send, incoming: _Incoming, reply: Reply, request_id: str) -> None:
        raw_headers = (
            [
                (k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in {**_COMMON_HEADERS, **reply.headers}.items()
            ]
            if reply.headers
            else list(_COMMON_RAW)
        )
        correlation = incoming.headers.get("x-ms-correlation-request-id") or request_id
        raw_headers.append((b"x-ms-request-id", request_id.encode("latin-1")))
        raw_headers.append((b"x-ms-correlation-request-id", correlation.encode("latin-1")))
        client_request_id = incoming.headers.get("x-ms-client-request-id")
        if client_request_id and incoming.headers.get("x-ms-return-client-request-id", "").lower() == "true":
            raw_headers.append((b"x-ms-client-request-id", client_request_id.encode("latin-1")))
        payload = (
            b""
            if reply.body is NO_BODY
            else reply.body
            if isinstance(reply.body, bytes)  # already encoded (a cached rendering)
            else _ENCODER.encode(reply.body).encode()
        )
        if reply.body is not NO_BODY:
            raw_headers.append(_JSON_CONTENT_TYPE)
        if incoming.method == "HEAD":
            payload = b""
        raw_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})

    async def _handle(
        self,
        incoming: _Incoming,
        path: str,
        read: bytes | _TooLarge,
        is_control: bool,
        body: Any,
        body_error: EmulatorError | None,
    ) -> Reply:
        auth.check(incoming.headers.get("authorization"), self.token)
        if isinstance(read, _TooLarge):
            raise ArmEnvelopeError(
                "The request content size exceeds the maximum size of 4 MB.",
                code="RequestContentTooLarge",
                status=413,
            )
        raw = read
        if is_control:
            if body_error is not None:
                raise body_error
            return control_api.handle(self.control, incoming.method, path, body)
        if self.faults.active():
            await self._front_door_faults(incoming.method, path)
        found = routes.match(incoming.method, path)
        if found is None:
            if routes.path_exists(path):
                raise ArmEnvelopeError(
                    f"The requested resource does not support http method '{incoming.method}'.",
                    code="MethodNotAllowed",
                    status=405,
                )
            raise ArmEnvelopeError(
                f"The emulator does not implement {incoming.method} {path}.",
                code="NotImplementedByEmulator",
                status=404,
            )
        route, params = found
        query = incoming.query
        api_version = self._check_api_version(route, query.get("api-version"), body)
        if raw.strip() and incoming.method in ("PUT", "PATCH", "POST"):
            _check_media_type(incoming.headers.get("content-type"))
        if body_error is not None:  # ARM checks the api-version before the RP reads the body
            raise body_error
        if route.answers_get_404 and self.faults.consume_get_404(path):
            raise ResourceNotFound(ids.HUB_TYPE, params["hub"], params["rg"])
        skip = query.get("$skipToken") or query.get("$skiptoken") or "0"
        call = Call(
            method=incoming.method,
            path=path,
            base_url=self._base_url(incoming),
            api_version=api_version,
            body=body,
            if_match=etags.normalise(incoming.headers.get("if-match")),
            if_none_match=etags.normalise(incoming.headers.get("if-none-match")),
            skip_token=int(skip) if skip.isascii() and skip.isdigit() else 0,
            query=dict(query),
        )
        # Handlers run on the event loop: the store serialises every request on one SQLite connection
        # anyway, and a hop to a worker thread and back cost about 30% of the emulator's CPU.
        return route.handler(
            Ctx(self.backend, self.encoded, self.settings, self.faults, self.clock, route, call, params)
        )

    async def _front_door_faults(self, method: str, path: str) -> None:
        fired = self.faults.take(method, path, FRONT_DOOR_KINDS)
        for rule in fired:
            if rule.kind == "delay":
                await asyncio.sleep(rule.delay if rule.delay is not None else 1.0)
        for rule in fired:
            if rule.kind == "drop":
                raise DropConnection()
            if rule.kind != "delay":
                raise _fault_reply(rule, path)

    def _check_api_version(self, route: routes.Route, api_version: str | None, body: Any) -> str:
        if route.family == routes.RESOURCE_GROUPS:
            return api_versions.check_well_formed(api_version)
        location = (
            body.get("location") if isinstance(body, dict) and isinstance(body.get("location"), str) else ""
        )
        return api_versions.check_iothub(
            api_version, location or "westus", ids.SUPPORTED_LOCATIONS, self.settings.skip_api_version_check
        )

    @staticmethod
    def _base_url(incoming: _Incoming) -> str:
        # From the Host header as the client sent it (what request.url uses too, without building a URL).
        scope = incoming.scope
        host = incoming.headers.get("host")
        if not host:
            server_host, port = scope.get("server") or ("127.0.0.1", 80)
            host = f"{server_host}:{port}"
        return f"{scope.get('scheme', 'http')}://{host}"
