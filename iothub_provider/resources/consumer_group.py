"""``ConsumerGroup``: a consumer group on a hub's Event Hub-compatible endpoint; replace-only, synchronous.

| step | ARM calls | rule |
| --- | --- | --- |
| check | none | names valid; ``$Default`` refused (always exists); endpoint ``events`` |
| diff | none | any change replaces; an Unknown hub name (hub being replaced) replaces |
| create | GET, (GET hub), PUT | an existing group: kept on a hub this stack owns, else only with adopt=True |
| read | GET | gone (or its hub gone) -> ReadResult("", {}) |
| delete | DELETE | 404 means already gone |

While the hub is updating, ARM answers 409002; the retry policy waits until the hub is Active again.

Azure keeps no owner marker on a consumer group, so create decides by the hub: when a group with the name
already exists and the hub's owner tag (``pulumi-iothub-owner: <project>/<stack>/<resource>``) names this
resource's project and stack, the group is taken over with a warning: it is most likely this resource's own
create, cut off after Azure accepted the PUT, and everything on that hub goes with the stack anyway. On any
other hub (another stack's, or one Pulumi does not manage) an existing group is refused unless the program
sets ``adopt=True``.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
)

from iothub_provider.client import runtime
from iothub_provider.client.api import ConsumerGroupRef, HubRef, IotHubApi
from iothub_provider.client.transport import new_client_request_id
from iothub_provider.errors import NotFoundError, OwnershipError
from iothub_provider.resources import validation as v
from iothub_provider.resources.call_pool import sends_requests
from iothub_provider.resources.config import configure_from_request, settings_or_none
from iothub_provider.resources.diagnostics import warn
from iothub_provider.resources.hub_check import OWNER_TAG
from iothub_provider.resources.values import is_unknown, user_props

DEFAULT_ENDPOINT = "events"
GROUP_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,50}$")
INPUT_KEYS = (
    "resource_group_name",
    "hub_name",
    "name",
    "event_hub_endpoint_name",
    "subscription_id",
    "adopt",
)
OWNER_INPUT = "pulumi_owner"
"""``<project>/<stack>/<resource>``, set by ``ConsumerGroup``; compared with the hub's owner tag on create."""
STATE_KEYS = (*INPUT_KEYS, OWNER_INPUT)
REPLACE_ON_CHANGE = ("resource_group_name", "hub_name", "name", "event_hub_endpoint_name", "subscription_id")
CG_ID_RE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Devices/IotHubs/"
    r"(?P<hub>[^/]+)/eventHubEndpoints/(?P<ep>[^/]+)/ConsumerGroups/(?P<name>[^/]+)$",
    re.IGNORECASE,
)


def check_consumer_group(news: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    inputs = dict(news)
    f = v.Failures()
    v.check_resource_group(f, inputs)
    v.check_subscription(f, inputs)
    hub = v.check_required_string(f, inputs, "hub_name", "the name of the IoT hub (e.g. hub.name)")
    if hub is not None and not v.HUB_NAME_RE.match(hub):
        f.add("hub_name", f"hub_name {hub!r} is not a valid IoT hub name: {v.HUB_NAME_RULE}")
    name = v.check_required_string(f, inputs, "name", "the consumer group's name")
    if name is not None:
        if name.lower() == "$default":
            f.add(
                "name",
                "$Default exists on every hub and cannot be created or deleted; use it without declaring "
                "it, or choose another name",
            )
        elif not GROUP_NAME_RE.match(name):
            f.add("name", f"name {name!r} must be 1-50 letters, digits, periods, hyphens or underscores")
    inputs.setdefault("event_hub_endpoint_name", DEFAULT_ENDPOINT)
    v.check_choice(f, inputs, "event_hub_endpoint_name", [DEFAULT_ENDPOINT])
    v.check_bool(f, inputs, "adopt")
    if OWNER_INPUT in inputs and not isinstance(inputs[OWNER_INPUT], str):
        del inputs[OWNER_INPUT]  # set by ConsumerGroup only; anything else cannot name a stack
    return inputs, f.items


def group_ref(inputs: dict[str, Any], group_id: str | None = None) -> ConsumerGroupRef:
    if group_id:
        match = CG_ID_RE.match(group_id)
        if match:
            return ConsumerGroupRef(
                HubRef(match["sub"], match["rg"], match["hub"]), match["ep"], match["name"]
            )
    sub = runtime.current_settings().require_subscription(inputs.get("subscription_id"))
    hub = HubRef(sub, str(inputs["resource_group_name"]), str(inputs["hub_name"]))
    return ConsumerGroupRef(
        hub, str(inputs.get("event_hub_endpoint_name") or DEFAULT_ENDPOINT), str(inputs["name"])
    )


def same_stack(hub_owner: Any, group_owner: Any) -> bool:
    """True when both owner markers name the same ``<project>/<stack>`` (neither part may contain a slash)."""
    if not isinstance(hub_owner, str) or not isinstance(group_owner, str):
        return False
    hub_parts, group_parts = hub_owner.split("/", 2), group_owner.split("/", 2)
    return len(hub_parts) == len(group_parts) == 3 and hub_parts[:2] == group_parts[:2]


def _outputs(live: dict[str, Any], inputs: dict[str, Any], ref: ConsumerGroupRef) -> dict[str, Any]:
    props = live.get("properties") or {}
    out = {k: v for k, v in inputs.items() if k in STATE_KEYS}
    out.update(
        subscription_id=ref.hub.subscription_id,
        id=live.get("id") or ref.path,
        created=props.get("created"),
    )
    return {k: v for k, v in out.items() if v is not None}


class ConsumerGroupProvider(ResourceProvider):
    """Pulumi dynamic provider for Event Hub-compatible consumer groups; stateless like ``IotHubProvider``."""

    def configure(self, req: ConfigureRequest) -> None:
        configure_from_request(req)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = check_consumer_group(user_props(news))
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        old, new = user_props(_olds), user_props(_news)
        settings = settings_or_none()
        default_sub = settings.subscription_id if settings else None
        replaces = []
        for key in REPLACE_ON_CHANGE:
            before, after = old.get(key), new.get(key)
            if key == "subscription_id":
                before, after = before or default_sub, after or default_sub
                if before is None or after is None:
                    continue
            if is_unknown(after) or before != after:
                replaces.append(key)
        keeps_name = new.get("name") == old.get("name")
        return DiffResult(
            changes=bool(replaces), replaces=replaces, delete_before_replace=bool(replaces) and keeps_name
        )

    @sends_requests
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = user_props(props)
        api, ref, crid = runtime.current_api(), group_ref(inputs), new_client_request_id()
        if not inputs.get("adopt") and self._exists(api, ref, crid):
            self._claim(api, ref, inputs, crid)
        live = api.put_consumer_group(ref, client_request_id=crid)
        return CreateResult(str(live.get("id") or ref.path), _outputs(live, inputs, ref))

    @staticmethod
    def _exists(api: IotHubApi, ref: ConsumerGroupRef, crid: str) -> bool:
        try:
            api.get_consumer_group(ref, client_request_id=crid)
        except NotFoundError:
            return False
        return True

    @staticmethod
    def _claim(api: IotHubApi, ref: ConsumerGroupRef, inputs: dict[str, Any], crid: str) -> None:
        """Continue with an existing group only on a hub this stack owns; refuse it anywhere else."""
        hub = api.find_hub(ref.hub, client_request_id=crid) or {}
        hub_owner = (hub.get("tags") or {}).get(OWNER_TAG)
        if same_stack(hub_owner, inputs.get(OWNER_INPUT)):
            warn(
                f"consumer group {ref.name!r} already exists on hub {ref.hub.name!r}, which this "
                "stack manages; continuing with it (an earlier create cut off after Azure accepted it)"
            )
            return
        raise OwnershipError(
            f"consumer group {ref.name!r} already exists on IoT hub {ref.hub.name!r} (resource group "
            f"{ref.hub.resource_group!r}), which this stack does not manage (the hub's {OWNER_TAG!r} tag is "
            f"{hub_owner!r}), so another program or person created the group. To manage it from this "
            "program, set adopt=True on the ConsumerGroup (Pulumi will then delete it on destroy); otherwise "
            f"choose another name. [x-ms-client-request-id: {crid}]"
        )

    @sends_requests
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        old = user_props(props)
        ref = group_ref(old, id_)
        try:
            live = runtime.current_api().get_consumer_group(ref, client_request_id=new_client_request_id())
        except NotFoundError:
            return ReadResult("", {})
        inputs = {k: v for k, v in old.items() if k in STATE_KEYS}
        if "name" not in inputs:
            inputs = {
                "resource_group_name": ref.hub.resource_group,
                "hub_name": ref.hub.name,
                "name": ref.name,
                "event_hub_endpoint_name": ref.endpoint,
            }
        outs = {**old, **_outputs(live, inputs, ref)}
        return ReadResult(str(outs["id"]), outs, {k: outs[k] for k in STATE_KEYS if k in outs})

    @sends_requests
    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        ref = group_ref(user_props(_props), _id)
        runtime.current_api().delete_consumer_group(ref, client_request_id=new_client_request_id())


class ConsumerGroupArgs:
    """The inputs of a ``ConsumerGroup``."""

    def __init__(
        self,
        *,
        resource_group_name: Input[str],
        hub_name: Input[str],
        name: Input[str],
        event_hub_endpoint_name: Input[str] | None = None,
        subscription_id: Input[str] | None = None,
        adopt: Input[bool] | None = None,
    ) -> None:
        self.resource_group_name = resource_group_name
        self.hub_name = hub_name
        self.name = name
        self.event_hub_endpoint_name = event_hub_endpoint_name
        self.subscription_id = subscription_id
        self.adopt = adopt

    def to_props(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in INPUT_KEYS if getattr(self, k) is not None}


class ConsumerGroup(Resource, module="iothub", name="ConsumerGroup"):
    """A consumer group on an IoT hub's built-in Event Hub-compatible endpoint."""

    resource_group_name: Output[str]
    hub_name: Output[str]
    name: Output[str]
    event_hub_endpoint_name: Output[str]
    subscription_id: Output[str]
    created: Output[str]

    def __init__(
        self,
        resource_name: str,
        args: ConsumerGroupArgs | None = None,
        opts: ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        if args is not None and kwargs:
            raise TypeError("pass either a ConsumerGroupArgs or keyword arguments, not both")
        args = args if args is not None else ConsumerGroupArgs(**kwargs)
        props: dict[str, Any] = {"created": None, "subscription_id": None, **args.to_props()}
        props[OWNER_INPUT] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
        super().__init__(ConsumerGroupProvider(), resource_name, props, opts)
