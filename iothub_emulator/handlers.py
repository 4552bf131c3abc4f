"""Thin handlers: path parameters and request fields in, one backend call, a ``Reply`` out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iothub_emulator.backend import Backend, Call, HubRef, Reply


@dataclass
class Ctx:
    backend: Backend
    call: Call
    params: dict[str, str]

    @property
    def hub(self) -> HubRef:
        return HubRef(self.params["sub"], self.params["rg"], self.params["hub"])


Handler = Callable[[Ctx], Reply]


def put_resource_group(ctx: Ctx) -> Reply:
    return ctx.backend.put_resource_group(ctx.params["sub"], ctx.params["rg"], ctx.call.body)


def get_resource_group(ctx: Ctx) -> Reply:
    return ctx.backend.get_resource_group(ctx.params["sub"], ctx.params["rg"])


def head_resource_group(ctx: Ctx) -> Reply:
    return ctx.backend.head_resource_group(ctx.params["sub"], ctx.params["rg"])


def delete_resource_group(ctx: Ctx) -> Reply:
    return ctx.backend.delete_resource_group(ctx.call, ctx.params["sub"], ctx.params["rg"])


def resource_group_operation(ctx: Ctx) -> Reply:
    return ctx.backend.resource_group_operation(ctx.params["sub"], ctx.params["op"])


def put_hub(ctx: Ctx) -> Reply:
    return ctx.backend.put_hub(ctx.call, ctx.hub)


def get_hub(ctx: Ctx) -> Reply:
    return ctx.backend.get_hub(ctx.hub, ctx.call.api_version)


def patch_hub(ctx: Ctx) -> Reply:
    return ctx.backend.patch_hub(ctx.call, ctx.hub)


def delete_hub(ctx: Ctx) -> Reply:
    return ctx.backend.delete_hub(ctx.call, ctx.hub)


def list_hubs_in_subscription(ctx: Ctx) -> Reply:
    return ctx.backend.list_hubs(ctx.call, ctx.params["sub"], None)


def list_hubs_in_resource_group(ctx: Ctx) -> Reply:
    return ctx.backend.list_hubs(ctx.call, ctx.params["sub"], ctx.params["rg"])


def check_name_availability(ctx: Ctx) -> Reply:
    return ctx.backend.check_name_availability(ctx.params["sub"], ctx.call.body)


def operation_status(ctx: Ctx) -> Reply:
    return ctx.backend.operation_status(
        ctx.params["sub"], ctx.params["op"], "asyncinfo" in ctx.call.query, ctx.call.api_version
    )


def list_keys(ctx: Ctx) -> Reply:
    return ctx.backend.list_keys(ctx.call, ctx.hub)


def get_key(ctx: Ctx) -> Reply:
    return ctx.backend.get_key(ctx.hub, ctx.params["key"])


def stats(ctx: Ctx) -> Reply:
    return ctx.backend.stats(ctx.hub)


def skus(ctx: Ctx) -> Reply:
    return ctx.backend.skus(ctx.call, ctx.hub)


def quota_metrics(ctx: Ctx) -> Reply:
    return ctx.backend.quota_metrics(ctx.call, ctx.hub)


def export_devices(ctx: Ctx) -> Reply:
    return ctx.backend.start_job(ctx.call, ctx.hub, "export")


def import_devices(ctx: Ctx) -> Reply:
    return ctx.backend.start_job(ctx.call, ctx.hub, "import")


def list_jobs(ctx: Ctx) -> Reply:
    return ctx.backend.list_jobs(ctx.call, ctx.hub)


def get_job(ctx: Ctx) -> Reply:
    return ctx.backend.get_job(ctx.hub, ctx.params["job"])


def list_consumer_groups(ctx: Ctx) -> Reply:
    return ctx.backend.list_consumer_groups(ctx.call, ctx.hub, ctx.params["ep"])


def put_consumer_group(ctx: Ctx) -> Reply:
    return ctx.backend.put_consumer_group(ctx.call, ctx.hub, ctx.params["ep"], ctx.params["cg"])


def get_consumer_group(ctx: Ctx) -> Reply:
    return ctx.backend.get_consumer_group(ctx.hub, ctx.params["ep"], ctx.params["cg"])


def delete_consumer_group(ctx: Ctx) -> Reply:
    return ctx.backend.delete_consumer_group(ctx.hub, ctx.params["ep"], ctx.params["cg"])
