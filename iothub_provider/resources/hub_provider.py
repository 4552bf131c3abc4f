"""The IoT hub's lifecycle: check and diff make no calls; create, read, update and delete speak ARM.

| step | ARM calls | rule |
| --- | --- | --- |
| check | none | validate, fill defaults, derive the name |
| diff | none | explicit changes; immutable fields replace |
| create | GET, PUT If-None-Match: *, poll, listkeys | never takes over a hub it did not create |
| update | GET, listkeys, PUT If-Match (PATCH: tags only), poll | overlay on live hub; 412: `pulumi refresh` |
| read | GET (404: again, see below), listkeys | gone -> ReadResult("", {}); live merged over olds |
| delete | DELETE, poll | 404/204 means already gone |

A hub this provider creates carries the owner tag (``pulumi-iothub-owner: <project>/<stack>/<resource>``).
When create finds a hub with its name, it continues only if the tag names this resource (a create cut off
half way, now converging) or if the program set ``adopt=True``; otherwise it fails and says how to adopt.

Read confirms a disappearance before dropping the hub from state: Azure answers GET 404 for a while after a
successful PUT (azure-rest-api-specs#27183), so one 404 during a refresh would make Pulumi forget a live hub
(and one 404 at the start of an update would call a hub just scaled in the portal "deleted outside Pulumi").
After a 404 the hub is read again after ``GONE_CONFIRMATION_DELAYS`` (0.5, 1 and 1.5 s: 3 s of waiting, four
reads), and no re-read would start later than ``GONE_CONFIRMATION_BUDGET`` (5 s) after the first 404 (slow
answers cut the schedule short); only when every read says 404 is the hub gone. The waits use the process's
sleep and clock seams (``runtime.current_seams``). Consumer groups do not show the glitch, so their read
trusts one 404.

When a create's or an update's write is refused with 412, the hub is there (someone else's, or ours: the first
answer to this write was lost and its retry met the hub the write made); that re-read cannot mean "gone", so
it rides out 404s until the operation deadline (``IotHubApi.read_hub_after_write``, ``settle_hub``).
"""

from __future__ import annotations

import re
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
from iothub_provider.client.api import HubRef, IotHubApi
from iothub_provider.client.transport import new_client_request_id
from iothub_provider.errors import (
    AuthenticationError,
    HubOwnershipError,
    IotHubProviderError,
    NotFoundError,
    OperationFailedError,
    PreconditionFailedError,
)
from iothub_provider.resources import hub_model as model
from iothub_provider.resources import hub_schema as schema
from iothub_provider.resources.call_pool import sends_requests
from iothub_provider.resources.config import configure_from_request, settings_or_none
from iothub_provider.resources.diagnostics import warn
from iothub_provider.resources.hub_check import OWNER_TAG, check_hub, tier_of
from iothub_provider.resources.values import is_unknown, same_location, subscription_changed, user_props

HUB_ID_RE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.Devices/IotHubs/(?P<name>[^/]+)$",
    re.IGNORECASE,
)
REPLACE_ON_CHANGE = schema.REPLACE_ON_CHANGE
COMPARED = tuple(k for k in model.INPUT_KEYS if k not in model.CONTROL_INPUTS)
TAG_ONLY = frozenset({"tags"})
GONE_CONFIRMATION_DELAYS = (0.5, 1.0, 1.5)
"""Seconds to wait before each re-read of a hub that answered 404 (see the module docstring)."""
GONE_CONFIRMATION_BUDGET = 5.0
"""Seconds after the first 404 past which no re-read starts: a refresh never waits long on a deleted hub."""


def hub_ref(inputs: dict[str, Any], hub_id: str | None = None) -> HubRef:
    """Where the hub lives: from its ARM id when there is one, else from the inputs and settings."""
    if hub_id:
        match = HUB_ID_RE.match(hub_id)
        if match:
            return HubRef(match["sub"], match["rg"], match["name"])
    sub = runtime.current_settings().require_subscription(inputs.get("subscription_id"))
    return HubRef(sub, str(inputs["resource_group_name"]), str(inputs["name"]))


def _changed(key: str, old: dict[str, Any], new: dict[str, Any], default_sub: str | None) -> bool:
    before, after = old.get(key), new.get(key)
    if is_unknown(after):
        return True
    if key == "subscription_id":
        return subscription_changed(before, after, default_sub)
    if key == "location":
        return not same_location(before, after)
    if key == "tags":
        return (before or {}) != (after or {})
    return bool(before != after)


def _tier_move_refused(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Free to or from anything, and Standard to Basic, are refused by Azure: only a new hub can do it."""
    old_sku, new_sku = old.get("sku"), new.get("sku")
    if not isinstance(old_sku, dict) or not isinstance(new_sku, dict) or is_unknown(new_sku.get("name")):
        return isinstance(new_sku, dict) and is_unknown(new_sku.get("name"))
    before, after = tier_of(old_sku.get("name")), tier_of(new_sku.get("name"))
    if before is None or after is None or before == after:
        return False
    return before == "Free" or after == "Free" or (before == "Standard" and after == "Basic")


class IotHubProvider(ResourceProvider):
    """Pulumi dynamic provider for ``Microsoft.Devices/IotHubs``; stateless, pickled by reference."""

    def configure(self, req: ConfigureRequest) -> None:
        configure_from_request(req)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = check_hub(model.normalised(user_props(_olds)), user_props(news))
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        old, new = model.normalised(user_props(_olds)), model.normalised(user_props(_news))
        settings = settings_or_none()
        default_sub = settings.subscription_id if settings else None
        changed = [k for k in COMPARED if _changed(k, old, new, default_sub)]
        # No longer declaring min_tls_version stops managing it; it does not ask for a new hub.
        replaces = [k for k in changed if k in REPLACE_ON_CHANGE and (k in new or k != "min_tls_version")]
        if _tier_move_refused(old, new):
            replaces.append("sku")
        keeps_name = not is_unknown(new.get("name")) and new.get("name") == old.get("name")
        return DiffResult(
            changes=bool(changed) or bool(replaces),
            replaces=replaces,
            delete_before_replace=bool(replaces) and keeps_name,
        )

    @sends_requests
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = user_props(props)
        api, ref, crid = runtime.current_api(), hub_ref(inputs), new_client_request_id()
        existing = api.find_hub(ref, client_request_id=crid)
        if existing is not None:
            live = self._claim(api, ref, existing, inputs, crid)
        else:
            try:
                live = api.put_hub(ref, model.create_body(inputs), if_none_match="*", client_request_id=crid)
            except PreconditionFailedError:
                # The hub exists: made by someone else, or by this PUT whose first answer was lost (the retry
                # met our own hub), in which case the service may still answer the re-read 404 for a while.
                existing = api.read_hub_after_write(ref, client_request_id=crid)
                live = self._claim(api, ref, existing, inputs, crid)
            except OperationFailedError:
                self._discard_failed_create(api, ref, crid)
                raise
        outs = model.outputs_for(live, inputs, ref.subscription_id, self._keys(api, ref, crid))
        return CreateResult(str(live.get("id") or ref.path), outs)

    def _claim(
        self, api: IotHubApi, ref: HubRef, live: dict[str, Any], inputs: dict[str, Any], crid: str
    ) -> dict[str, Any]:
        """Continue with an existing hub only when it is ours (owner tag) or the program asked to adopt it."""
        owner = (live.get("tags") or {}).get(OWNER_TAG)
        trace = f" [x-ms-client-request-id: {crid}]"
        ours = owner == inputs["pulumi_owner"]
        if not ours and not inputs.get("adopt"):
            raise HubOwnershipError(
                f"IoT hub {ref.name!r} already exists in resource group {ref.resource_group!r} and was not "
                f"created by this Pulumi resource (its {OWNER_TAG!r} tag is {owner!r}). To manage it from "
                "this program, set adopt=True on the IotHub (settings the program does not declare are "
                "kept); to only read it, use IotHub.get(...); otherwise choose another name." + trace
            )
        problems = model.immutable_mismatches(live, inputs)
        if problems:
            leftover = (
                " It was created by this resource in an earlier `pulumi up` that did not finish, so Pulumi "
                "does not know it: to give it these settings, delete it (az iot hub delete --name "
                f"{ref.name} --resource-group {ref.resource_group}) and run `pulumi up` again, or change "
                "the program back to match it."
                if ours
                else " Change the program to match the hub, or choose another name."
            )
            raise HubOwnershipError(
                f"IoT hub {ref.name!r} exists but cannot take this program's settings without replacement: "
                + "; ".join(problems)
                + "."
                + leftover
                + trace
            )
        live = api.settle_hub(ref, client_request_id=crid)
        return self._write(api, ref, live, inputs, None, str(live.get("etag") or ""), crid)

    @staticmethod
    def _discard_failed_create(api: IotHubApi, ref: HubRef, crid: str) -> None:
        """A create Azure accepted and then failed leaves a hub Pulumi never records: remove it."""
        try:
            api.delete_hub(ref, client_request_id=crid)
        except IotHubProviderError as exc:  # keep the create's own error as the one reported
            warn(f"could not remove the failed hub {ref.name!r}; delete it by hand: {exc}")

    @staticmethod
    def _keys(api: IotHubApi, ref: HubRef, crid: str) -> list[dict[str, Any]] | None:
        """The shared access policies with keys, or None when this identity may not list them."""
        try:
            return api.list_keys(ref, client_request_id=crid)
        except (AuthenticationError, NotFoundError) as exc:
            warn(f"keys of {ref.name!r} are not readable, so secret outputs stay empty: {exc}")
            return None

    @staticmethod
    def _policies_for_write(api: IotHubApi, ref: HubRef, crid: str) -> list[dict[str, Any]]:
        """The shared access policies a full PUT must carry, or Azure would reset them to the defaults."""
        try:
            return api.list_keys(ref, client_request_id=crid)
        except AuthenticationError as exc:
            raise exc.with_hint(
                "A hub update rewrites the whole hub; without permission to list its keys "
                "(Microsoft.Devices/IotHubs/listkeys/action) it would drop the hub's shared access policies, "
                "so nothing was sent. Grant that permission to the identity Pulumi uses.",
            ) from exc

    def _write(
        self,
        api: IotHubApi,
        ref: HubRef,
        live: dict[str, Any],
        inputs: dict[str, Any],
        previous_tags: dict[str, Any] | None,
        etag: str,
        crid: str,
    ) -> dict[str, Any]:
        """Read-modify-write: PUT the live hub with the inputs laid over it, unless that changes nothing."""
        policies = self._policies_for_write(api, ref, crid)
        body = model.overlay(live, inputs, previous_tags, policies)
        if body == model.unchanged_body(live, policies):
            return live
        return api.put_hub(ref, body, if_match=etag or None, client_request_id=crid)

    @sends_requests
    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        old, inputs = model.normalised(user_props(_olds)), user_props(_news)
        api, ref, crid = runtime.current_api(), hub_ref(inputs, _id), new_client_request_id()
        live = self._live_for_update(api, ref, crid)
        try:
            live = self._apply(api, ref, live, old, inputs, crid)
        except PreconditionFailedError:
            # Changed since Pulumi last read it. Harmless only when the hub already is what the program wants
            # (for example our own write whose response was lost and whose retry met the new etag). That write
            # may still be provisioning: wait for it, so state records the hub's final etag.
            current = api.settle_hub(ref, client_request_id=crid)
            if not model.already_applied(current, inputs, old.get("tags")):
                raise
            live = current
        outs = model.outputs_for(live, inputs, ref.subscription_id, self._keys(api, ref, crid))
        return UpdateResult({**{k: v for k, v in old.items() if k in model.SECRET_OUTPUTS}, **outs})

    @classmethod
    def _live_for_update(cls, api: IotHubApi, ref: HubRef, crid: str) -> dict[str, Any]:
        try:
            return api.get_hub(ref, client_request_id=crid)
        except NotFoundError as exc:
            live = cls._reread_after_404(api, ref, crid)  # a portal change just before may cause a brief 404
            if live is not None:
                return live
            raise exc.with_hint(
                "The hub was deleted outside Pulumi; run `pulumi refresh` to drop it from the state, "
                "then `pulumi up` to create it again.",
            ) from exc

    def _apply(
        self,
        api: IotHubApi,
        ref: HubRef,
        live: dict[str, Any],
        old: dict[str, Any],
        inputs: dict[str, Any],
        crid: str,
    ) -> dict[str, Any]:
        """PATCH when only tags change, else read-modify-write PUT; both with If-Match: the etag in state."""
        etag = str(old.get("etag") or "")
        changed = {k for k in COMPARED if _changed(k, old, inputs, ref.subscription_id)}
        if not changed <= TAG_ONLY:
            return self._write(api, ref, live, inputs, old.get("tags"), etag, crid)
        tags = model.merged_tags(
            live.get("tags") or {}, inputs.get("tags"), old.get("tags"), inputs["pulumi_owner"]
        )
        patched = api.patch_hub_tags(ref, tags, if_match=etag or None, client_request_id=crid)
        return patched if patched.get("etag") else api.read_hub_after_write(ref, client_request_id=crid)

    @sends_requests
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        old = model.normalised(user_props(props))
        ref = hub_ref(old, id_)
        api, crid = runtime.current_api(), new_client_request_id()
        live = api.find_hub(ref, client_request_id=crid)
        if live is None:
            live = self._reread_after_404(api, ref, crid)
        if live is None:
            return ReadResult("", {})
        policies = self._keys(api, ref, crid)
        inputs = {k: v for k, v in old.items() if k in model.INPUT_KEYS}
        if "location" not in inputs:  # a read-only reference (IotHub.get): describe the hub as it is
            inputs = {**model.live_inputs(live), "resource_group_name": ref.resource_group, "name": ref.name}
        fresh = model.outputs_for(live, inputs, ref.subscription_id, policies)
        gone = [k for k in model.FIELD_PATHS if k in inputs and k not in fresh]  # removed elsewhere: drift
        outs = {k: v for k, v in {**old, **fresh}.items() if k not in gone}
        refreshed_inputs = {k: outs[k] for k in model.INPUT_KEYS if k in inputs or k in ("subscription_id",)}
        return ReadResult(str(live.get("id") or id_), outs, refreshed_inputs)

    @staticmethod
    def _reread_after_404(api: IotHubApi, ref: HubRef, crid: str) -> dict[str, Any] | None:
        """After a first 404: the hub, or None once the re-reads over a few seconds all said 404 too (a single
        404 may be the service's brief 404 after a successful PUT)."""
        seams = runtime.current_seams()
        first_404 = seams.clock()
        for delay in GONE_CONFIRMATION_DELAYS:
            if seams.clock() - first_404 + delay > GONE_CONFIRMATION_BUDGET:
                break
            seams.sleep(delay)
            live = api.find_hub(ref, client_request_id=crid)
            if live is not None:
                return live
        return None

    @sends_requests
    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        ref = hub_ref(user_props(_props), _id)
        runtime.current_api().delete_hub(ref, client_request_id=new_client_request_id())
