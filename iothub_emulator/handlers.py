"""Handlers: HTTP in (path parameters, a parsed ``Call``), one service call, status + headers + body out.

Everything the wire decides lives here: which status answers (201 for an accepted hub write, 202 with
``Azure-AsyncOperation``/``Location`` for a delete, 204 for an absent one), when ``Retry-After`` is sent,
how rows render (``rendering``) and how lists page. The services below know none of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iothub_emulator import device_rendering, errors, operations, rendering
from iothub_emulator.backend import Backend
from iothub_emulator.clock import Clock
from iothub_emulator.faults import Faults
from iothub_emulator.settings import EmulatorSettings
from iothub_emulator.wire import NO_BODY, Call, HubPath, Reply

if TYPE_CHECKING:
    from iothub_emulator.routes import Route


@dataclass
class Ctx:
    """One request as a handler sees it, with the emulator parts a handler may use."""

    backend: Backend
    encoded: rendering.Encoded
    settings: EmulatorSettings
    faults: Faults
    clock: Clock
    route: Route
    call: Call
    params: dict[str, str]

    @property
    def hub(self) -> HubPath:
        return HubPath(self.params["sub"], self.params["rg"], self.params["hub"])

    def operation_failure(self) -> dict[str, Any] | None:
        """The error an operation started by this request ends with, if a ``fail_operation`` rule says so
        (asked by the service only once the operation really starts)."""
        rule = self.faults.take_failure(self.call.method, self.call.path)
        if rule is None:
            return None
        code = int(rule.code) if rule.code is not None else 400123
        message = rule.message or "The async operation failed"
        return errors.IotHubError(message, code=code, status=rule.status or code // 1000).body(
            self.clock.now()
        )

    def retry_after(self) -> dict[str, str]:
        return {"Retry-After": str(self.settings.retry_after)} if self.settings.retry_after else {}

    def page(self, items: list[Any]) -> Reply:
        return rendering.page(self.call, items, self.settings.page_size)


Handler = Callable[[Ctx], Reply]


# Resource groups.
def put_resource_group(ctx: Ctx) -> Reply:
    row, created = ctx.backend.resource_groups.put(ctx.params["sub"], ctx.params["rg"], ctx.call.body)
    return Reply(201 if created else 200, rendering.resource_group(row))


def get_resource_group(ctx: Ctx) -> Reply:
    return Reply(
        200, rendering.resource_group(ctx.backend.resource_groups.get(ctx.params["sub"], ctx.params["rg"]))
    )


def head_resource_group(ctx: Ctx) -> Reply:
    return Reply(204 if ctx.backend.resource_groups.exists(ctx.params["sub"], ctx.params["rg"]) else 404)


def delete_resource_group(ctx: Ctx) -> Reply:
    op = ctx.backend.resource_groups.delete(ctx.params["sub"], ctx.params["rg"])
    location = operations.resource_group_status_url(ctx.call.base_url, op, ctx.call.api_version)
    return Reply(202, NO_BODY, {"Location": location, **ctx.retry_after()})


def resource_group_operation(ctx: Ctx) -> Reply:
    op = ctx.backend.resource_groups.operation(ctx.params["sub"], ctx.params["op"])
    if op["status"] == operations.RUNNING:
        return Reply(202, NO_BODY, ctx.retry_after())
    return Reply(200, NO_BODY)


# Hubs.
def put_hub(ctx: Ctx) -> Reply:
    call = ctx.call
    write = ctx.backend.hubs.put(
        ctx.hub,
        call.body,
        if_match=call.if_match,
        if_none_match=call.if_none_match,
        failure=ctx.operation_failure,
    )
    if ctx.route.arms_get_404:
        ctx.faults.arm_get_404(call.method, call.path)
    body = rendering.accepted(write.hub, call.body, call.api_version, creating=write.created)
    status_url = operations.hub_status_url(call.base_url, write.operation, call.api_version, True)
    # Azure answers an update as it answers a create: 201 + Azure-AsyncOperation (as recorded).
    return Reply(201, body, {"Azure-AsyncOperation": status_url})


def get_hub(ctx: Ctx) -> Reply:
    # No ETag header: none was ever recorded; the etag is in the body.
    return Reply(200, ctx.encoded.hub(ctx.backend.hubs.get(ctx.hub), ctx.call.api_version))


def patch_hub(ctx: Ctx) -> Reply:
    hub = ctx.backend.hubs.patch_tags(ctx.hub, ctx.call.body, if_match=ctx.call.if_match)
    return Reply(200, rendering.hub(hub, ctx.call.api_version, etag=""))


def delete_hub(ctx: Ctx) -> Reply:
    call = ctx.call
    op = ctx.backend.hubs.delete(ctx.hub, if_match=call.if_match, failure=ctx.operation_failure)
    if op is None:
        return Reply(204)
    headers = {
        "Azure-AsyncOperation": operations.hub_status_url(call.base_url, op, call.api_version, True),
        "Location": operations.hub_status_url(call.base_url, op, call.api_version, False),
        **ctx.retry_after(),
    }
    return Reply(202, None, headers)


def _hub_list(ctx: Ctx, resource_group: str | None) -> Reply:
    rows = ctx.backend.hubs.list(ctx.params["sub"], resource_group)
    return ctx.page([rendering.hub(row, ctx.call.api_version) for row in rows])


def list_hubs_in_subscription(ctx: Ctx) -> Reply:
    return _hub_list(ctx, None)


def list_hubs_in_resource_group(ctx: Ctx) -> Reply:
    return _hub_list(ctx, ctx.params["rg"])


def check_name_availability(ctx: Ctx) -> Reply:
    found = ctx.backend.hubs.name_availability(ctx.call.body)
    return Reply(200, {"nameAvailable": found.available, "reason": found.reason, "message": found.message})


def operation_status(ctx: Ctx) -> Reply:
    """Azure-AsyncOperation (``asyncinfo``): 200 + status; Location: 202 while running, then final."""
    op, hub = ctx.backend.hubs.operation(ctx.params["sub"], ctx.params["op"])
    if "asyncinfo" in ctx.call.query:
        body: dict[str, Any] = {"status": op["status"]}
        if op["status"] == operations.FAILED:
            body["error"] = op["failure"]
        return Reply(200, body)
    if op["status"] == operations.RUNNING:
        return Reply(202, NO_BODY, ctx.retry_after())
    if op["status"] == operations.FAILED:
        prefix = str(op["failure"]["code"])[:3]
        return Reply(int(prefix) if prefix.isdigit() else 400, op["failure"])
    if op["kind"] in (operations.HUB_CREATE, operations.HUB_UPDATE) and hub is not None:
        return Reply(200, rendering.hub(hub, ctx.call.api_version))
    return Reply(200, NO_BODY)


# A hub's sub-resources.
def list_keys(ctx: Ctx) -> Reply:
    return ctx.page(ctx.backend.hub_children.keys(ctx.hub))


def get_key(ctx: Ctx) -> Reply:
    return Reply(200, ctx.backend.hub_children.key(ctx.hub, ctx.params["key"]))


def stats(ctx: Ctx) -> Reply:
    return Reply(200, ctx.backend.hub_children.stats(ctx.hub))


def skus(ctx: Ctx) -> Reply:
    return ctx.page(ctx.backend.hub_children.skus(ctx.hub))


def quota_metrics(ctx: Ctx) -> Reply:
    return ctx.page(ctx.backend.hub_children.quota_metrics(ctx.hub))


def export_devices(ctx: Ctx) -> Reply:
    job = ctx.backend.device_jobs.start_arm(ctx.hub, "export", ctx.call.body)
    return Reply(200, device_rendering.arm_job(job, ctx.clock.now()))


def import_devices(ctx: Ctx) -> Reply:
    job = ctx.backend.device_jobs.start_arm(ctx.hub, "import", ctx.call.body)
    return Reply(200, device_rendering.arm_job(job, ctx.clock.now()))


def list_jobs(ctx: Ctx) -> Reply:
    now = ctx.clock.now()
    return ctx.page([device_rendering.arm_job(job, now) for job in ctx.backend.device_jobs.arm_jobs(ctx.hub)])


def get_job(ctx: Ctx) -> Reply:
    job = ctx.backend.device_jobs.arm_job(ctx.hub, ctx.params["job"])
    return Reply(200, device_rendering.arm_job(job, ctx.clock.now()))


# Consumer groups.
def list_consumer_groups(ctx: Ctx) -> Reply:
    hub, rows = ctx.backend.consumer_groups.list(ctx.hub, ctx.params["ep"])
    return ctx.page([rendering.consumer_group(hub, row) for row in rows])


def put_consumer_group(ctx: Ctx) -> Reply:
    hub, row, sent_name = ctx.backend.consumer_groups.put(
        ctx.hub, ctx.params["ep"], ctx.params["cg"], ctx.call.body, ctx.call.api_version
    )
    return Reply(200, ctx.encoded.consumer_group(hub, row, sent_name))


def get_consumer_group(ctx: Ctx) -> Reply:
    hub, row = ctx.backend.consumer_groups.get(ctx.hub, ctx.params["ep"], ctx.params["cg"])
    return Reply(200, ctx.encoded.consumer_group(hub, row))


def delete_consumer_group(ctx: Ctx) -> Reply:
    ctx.backend.consumer_groups.delete(ctx.hub, ctx.params["ep"], ctx.params["cg"])
    return Reply(200, NO_BODY)
