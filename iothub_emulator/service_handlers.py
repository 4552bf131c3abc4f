"""Handlers of a hub's service API: one service call each, then status, headers and rendered body.

What the wire decides lives here (recorded, /tmp research notes sections 0-2): 200 (never 201) for a device
PUT, create or replace, with ``ETag: "<etag>"`` quoted; 200 + ``ETag`` for a GET; 204 with no body for a
DELETE; twins answer 200 with no ``ETag`` header (their etag is in the body); lists are plain arrays;
``Vary: Origin`` on every answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iothub_emulator import device_rendering
from iothub_emulator.backend import Backend
from iothub_emulator.devices import ServiceHub, device_etag
from iothub_emulator.wire import NO_BODY, Reply

VARY = {"Vary": "Origin"}


@dataclass
class ServiceCtx:
    """One service-API request as a handler sees it."""

    backend: Backend
    hub: ServiceHub
    params: dict[str, str]
    body: Any
    if_match: str | None
    if_none_match: str | None
    query: dict[str, str]
    api_version: str
    now: float


ServiceHandler = Callable[[ServiceCtx], Reply]


def _device_reply(record: dict[str, Any], api_version: str, created: bool = False) -> Reply:
    body = device_rendering.device(record, api_version, created=created)
    return Reply(200, body, {**VARY, "ETag": f'"{device_etag(record["version"])}"'})


def put_device(ctx: ServiceCtx) -> Reply:
    write = ctx.backend.devices.put(
        ctx.hub.key, ctx.params["id"], ctx.body, if_match=ctx.if_match, if_none_match=ctx.if_none_match
    )
    return _device_reply(write.record, ctx.api_version, created=write.created)


def get_device(ctx: ServiceCtx) -> Reply:
    return _device_reply(ctx.backend.devices.get(ctx.hub.key, ctx.params["id"]), ctx.api_version)


def delete_device(ctx: ServiceCtx) -> Reply:
    ctx.backend.devices.delete(ctx.hub.key, ctx.params["id"], if_match=ctx.if_match)
    return Reply(204, NO_BODY, dict(VARY))


def list_devices(ctx: ServiceCtx) -> Reply:
    raw = ctx.query.get("top", "")
    top = int(raw) if raw.isascii() and raw.isdigit() else None
    records = ctx.backend.devices.list(ctx.hub.key, top)
    return Reply(200, [device_rendering.device(r, ctx.api_version) for r in records], dict(VARY))


def device_statistics(ctx: ServiceCtx) -> Reply:
    return Reply(200, ctx.backend.devices.statistics(ctx.hub.key), dict(VARY))


def get_twin(ctx: ServiceCtx) -> Reply:
    view = ctx.backend.twins.get(ctx.hub.key, ctx.params["id"])
    return Reply(200, device_rendering.twin(view.device, view.twin, ctx.api_version), dict(VARY))


def _write_twin(ctx: ServiceCtx, replace: bool) -> Reply:
    view = ctx.backend.twins.update(
        ctx.hub.key, ctx.params["id"], ctx.body, if_match=ctx.if_match, replace=replace
    )
    return Reply(200, device_rendering.twin(view.device, view.twin, ctx.api_version), dict(VARY))


def patch_twin(ctx: ServiceCtx) -> Reply:
    return _write_twin(ctx, replace=False)


def replace_twin(ctx: ServiceCtx) -> Reply:
    return _write_twin(ctx, replace=True)


def create_job(ctx: ServiceCtx) -> Reply:
    job = ctx.backend.device_jobs.start_service(ctx.hub.key, ctx.body)
    return Reply(200, device_rendering.service_job(job, ctx.now), dict(VARY))


def get_job(ctx: ServiceCtx) -> Reply:
    job = ctx.backend.device_jobs.service_job(ctx.hub.key, ctx.params["job"])
    return Reply(200, device_rendering.service_job(job, ctx.now), dict(VARY))
