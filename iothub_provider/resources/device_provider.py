"""A device identity's lifecycle over its hub's service API, with the service's ETag rules.

- check (no calls): every rule the service would refuse (``device_check``).
- diff (no calls): hub, resource group, subscription or id changed (or the hub being replaced): a new device.
- create: GET device, PUT ``If-None-Match: *``, then the twin (PATCH, or GET when nothing is declared);
  never takes over a device silently.
- update: GET twin (its etag against the state's), GET device, PUT ``If-Match: <etag in state>``, PATCH twin
  ``If-Match: <twin etag>``; a 412 fails with the refresh hint.
- read: GET device and twin; gone (or its hub gone) -> ReadResult("", {}).
- delete: DELETE ``If-Match: <etag in state>``; 404 (device or hub gone) means deleted.

Ownership: the service keeps no owner marker on a device, so, as for consumer groups, the hub decides. When a
device with the id already exists and its hub's owner tag names this stack, it is taken over with a warning
(most likely this resource's own create, cut off after the service accepted it); on any other hub only
``adopt=True`` takes it. Both write the program's settings over it with its current etag.

Changed elsewhere: an update reads the twin and compares its etag with the one in state before writing
anything, then writes the device with ``If-Match: <etag in state>``; a change made since the last refresh
fails the update with the refresh hint and leaves the device as it was. A delete that meets a changed device
fails likewise (``pulumi refresh`` first, then destroy).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from iothub_provider.client import runtime
from iothub_provider.client.api import HubRef
from iothub_provider.client.service import DeviceRef, ServiceApi
from iothub_provider.client.transport import new_client_request_id
from iothub_provider.errors import (
    ChangedElsewhereError,
    ConflictError,
    NotFoundError,
    OwnershipError,
    PreconditionFailedError,
)
from iothub_provider.resources import device_model as model
from iothub_provider.resources import device_schema as schema
from iothub_provider.resources.call_pool import sends_requests
from iothub_provider.resources.config import configure_from_request, settings_or_none
from iothub_provider.resources.consumer_group import same_stack
from iothub_provider.resources.device_check import check_device
from iothub_provider.resources.diagnostics import warn
from iothub_provider.resources.hub_check import OWNER_TAG
from iothub_provider.resources.values import is_unknown, subscription_changed, user_props


def device_ref(inputs: dict[str, Any]) -> DeviceRef:
    sub = runtime.current_settings().require_subscription(inputs.get("subscription_id"))
    hub = HubRef(sub, str(inputs["resource_group_name"]), str(inputs["hub_name"]))
    return DeviceRef(hub, str(inputs["device_id"]))


def _changed(key: str, old: dict[str, Any], new: dict[str, Any], default_sub: str | None) -> bool:
    before, after = old.get(key), new.get(key)
    if is_unknown(after):
        return True
    if key == "subscription_id":
        return subscription_changed(before, after, default_sub)
    return bool(before != after)


class DeviceProvider(ResourceProvider):
    """Pulumi dynamic provider for device identities and their twins; stateless, pickled by reference."""

    def configure(self, req: ConfigureRequest) -> None:
        configure_from_request(req)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = check_device(model.normalised(user_props(_olds)), user_props(news))
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        old, new = model.normalised(user_props(_olds)), model.normalised(user_props(_news))
        settings = settings_or_none()
        default_sub = settings.subscription_id if settings else None
        changed = [k for k in schema.COMPARED if _changed(k, old, new, default_sub)]
        replaces = [k for k in changed if k in schema.REPLACE_ON_CHANGE]
        same_place = not any(k in replaces for k in ("hub_name", "resource_group_name", "subscription_id"))
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces) and same_place and "device_id" not in replaces,
        )

    # -- create -------------------------------------------------------------------------------------------

    @sends_requests
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = user_props(props)
        service, ref, crid = runtime.current_service(), device_ref(inputs), new_client_request_id()
        existing = service.find_device(ref, client_request_id=crid)
        if existing is not None:
            device = self._claim(service, ref, existing, inputs, crid)
        else:
            try:
                device = service.put_device(
                    ref, model.device_body(inputs, None, None), client_request_id=crid, create=True
                )
            except (PreconditionFailedError, ConflictError):
                # Made meanwhile: by someone else, or by this PUT whose first answer was lost.
                existing = service.get_device(ref, client_request_id=crid)
                device = self._claim(service, ref, existing, inputs, crid)
        twin = self._write_twin(service, ref, inputs, None, None, crid)
        host = service.host_name(ref.hub, client_request_id=crid)
        outs = model.outputs_for(device, twin, inputs, host)
        return CreateResult(f"{ref.hub.path}/devices/{ref.device_id}", outs)

    def _claim(
        self, service: ServiceApi, ref: DeviceRef, live: dict[str, Any], inputs: dict[str, Any], crid: str
    ) -> dict[str, Any]:
        """Take over an existing device: on a hub this stack owns (with a warning), or with adopt=True."""
        if not inputs.get("adopt"):
            hub = runtime.current_api().find_hub(ref.hub, client_request_id=crid) or {}
            hub_owner = (hub.get("tags") or {}).get(OWNER_TAG)
            if not same_stack(hub_owner, inputs.get("pulumi_owner")):
                raise OwnershipError(
                    f"device {ref.device_id!r} already exists on IoT hub {ref.hub.name!r}, which this stack "
                    f"does not manage (the hub's {OWNER_TAG!r} tag is {hub_owner!r}). To manage it from this "
                    "program, set adopt=True on the Device (its settings become the program's; Pulumi "
                    f"deletes it on destroy); otherwise choose another device_id. "
                    f"[x-ms-client-request-id: {crid}]"
                )
            warn(
                f"device {ref.device_id!r} already exists on hub {ref.hub.name!r}, which this stack "
                "manages; continuing with it (an earlier create cut off after the service accepted it)"
            )
        body = model.device_body(inputs, live, None)
        return service.put_device(ref, body, client_request_id=crid, if_match=str(live.get("etag") or "*"))

    # -- update -------------------------------------------------------------------------------------------

    @sends_requests
    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        old, inputs = model.normalised(user_props(_olds)), user_props(_news)
        service, ref, crid = runtime.current_service(), device_ref(inputs), new_client_request_id()
        twin_etag = self._twin_unchanged_since(service, ref, old, inputs, crid)
        live = self._live(service, ref, crid)
        device_changes = any(_changed(p.name, old, inputs, None) for p in schema.DEVICE_INPUTS) or (
            old.get("parent_scope") != inputs.get("parent_scope")
        )
        device = live
        if device_changes:
            body = model.device_body(inputs, live, old)
            device = service.put_device(
                ref, body, client_request_id=crid, if_match=str(old.get("etag") or "*")
            )
        twin = self._write_twin(service, ref, inputs, old, twin_etag, crid)
        host = service.host_name(ref.hub, client_request_id=crid)
        return UpdateResult(model.outputs_for(device, twin, inputs, host))

    @staticmethod
    def _twin_unchanged_since(
        service: ServiceApi, ref: DeviceRef, old: dict[str, Any], inputs: dict[str, Any], crid: str
    ) -> str | None:
        """The twin's etag, after checking it is the one in state (when the twin is to be written): nothing
        is written when the twin changed elsewhere since the last refresh."""
        if not model.twin_changes(inputs, old):
            return None
        twin = service.get_twin(ref, client_request_id=crid)
        etag = str(twin.get("etag") or "")
        if old.get("twin_etag") and etag != old["twin_etag"]:
            raise ChangedElsewhereError(
                f"the twin of device {ref.device_id!r} on hub {ref.hub.name!r}", etag, str(old["twin_etag"])
            )
        return etag

    @staticmethod
    def _live(service: ServiceApi, ref: DeviceRef, crid: str) -> dict[str, Any]:
        try:
            return service.get_device(ref, client_request_id=crid)
        except NotFoundError as exc:
            raise exc.with_hint(
                "The device was deleted outside Pulumi; run `pulumi refresh` to drop it from "
                "the state, then `pulumi up` to create it again."
            ) from exc

    @staticmethod
    def _write_twin(
        service: ServiceApi,
        ref: DeviceRef,
        inputs: dict[str, Any],
        old: dict[str, Any] | None,
        etag: str | None,
        crid: str,
    ) -> dict[str, Any]:
        """The twin after writing what the program declares (only when that differs from the state)."""
        if model.twin_changes(inputs, old):
            return service.patch_twin(
                ref, model.twin_patch(inputs, old), client_request_id=crid, if_match=etag or "*"
            )
        return service.get_twin(ref, client_request_id=crid)

    # -- read and delete ----------------------------------------------------------------------------------

    @sends_requests
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        old = model.normalised(user_props(props))
        service, ref, crid = runtime.current_service(), device_ref(old), new_client_request_id()
        try:
            device = service.get_device(ref, client_request_id=crid)
            twin = service.get_twin(ref, client_request_id=crid)
        except NotFoundError:  # the device, or its hub, is gone
            return ReadResult("", {})
        inputs = {k: v for k, v in old.items() if k in schema.INPUT_KEYS}
        host = service.host_name(ref.hub, client_request_id=crid)
        fresh = model.outputs_for(device, twin, inputs, host)
        outs = {**old, **fresh}
        refreshed = {k: outs[k] for k in schema.INPUT_KEYS if k in inputs}
        return ReadResult(id_, outs, refreshed)

    @sends_requests
    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        old = user_props(_props)
        service, ref, crid = runtime.current_service(), device_ref(old), new_client_request_id()
        try:
            service.delete_device(ref, client_request_id=crid, if_match=str(old.get("etag") or "*"))
        except NotFoundError:  # the hub is gone, and its devices with it
            return
