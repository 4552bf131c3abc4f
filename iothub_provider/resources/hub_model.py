"""Between provider inputs (snake_case) and the ARM hub document: create bodies, read-modify-write, outputs.

Each managed input maps to one place in the ``IotHubDescription`` (``FIELD_PATHS``). Updates start from the
live document and overlay only the inputs the program sets, so settings made elsewhere (shared access
policies, routes, tags added in the portal) survive. Tags are merged key by key: the program owns the keys it
declares (and removes the ones it stops declaring); other keys are left alone.
"""

from __future__ import annotations

import copy
from typing import Any

from iothub_provider.resources import hub_schema as schema
from iothub_provider.resources.arm_shapes import from_arm, get_path, set_path, to_arm
from iothub_provider.resources.hub_check import OWNER_TAG
from iothub_provider.resources.values import is_unknown, project, same_location

FIELD_PATHS = schema.ARM_PATHS
INPUT_KEYS = schema.INPUT_KEYS
CONTROL_INPUTS = schema.CONTROL_INPUTS
SECRET_OUTPUTS = schema.SECRET_OUTPUTS
SECRET_INPUTS = schema.SECRET_INPUTS
COMPUTED_OUTPUTS = schema.COMPUTED_OUTPUTS
READ_ONLY_PROPERTIES = ("provisioningState", "state", "hostName", "locations")
READ_ONLY_EVENT_HUB = ("partitionIds", "path", "endpoint")


def arm_value(key: str, value: Any) -> Any:
    """An input as the hub document spells it (nested keys in camelCase)."""
    prop = schema.BY_NAME[key]
    return value if prop.shape is None else to_arm(prop.shape, value, prop.container)


def input_value(key: str, value: Any) -> Any:
    """A part of the hub document (or of state written before snake_case) as the inputs spell it."""
    prop = schema.BY_NAME[key]
    return value if prop.shape is None else from_arm(prop.shape, value, prop.container)


def normalised(props: dict[str, Any]) -> dict[str, Any]:
    """Props with every nested setting spelled in snake_case: state written by earlier versions spells them
    the ARM way, and must compare equal to the same settings spelled the new way (no diff on upgrade)."""
    out = dict(props)
    for prop in schema.NESTED:
        if prop.name in out and not is_unknown(out[prop.name]):
            out[prop.name] = input_value(prop.name, out[prop.name])
    return out


def merged_tags(
    live: dict[str, str], wanted: dict[str, str] | None, previously: dict[str, Any] | None, owner: str
) -> dict[str, str]:
    """Live tags, minus keys the program stopped declaring, plus the declared ones and the owner tag."""
    tags = dict(live)
    for key in previously or {}:
        if wanted is None or key not in wanted:
            tags.pop(key, None)
    tags.update(wanted or {})
    tags[OWNER_TAG] = owner
    return tags


def create_body(inputs: dict[str, Any]) -> dict[str, Any]:
    """The PUT body for a new hub: only what the program declares, plus the owner tag."""
    body: dict[str, Any] = {"properties": {}}
    for key, path in FIELD_PATHS.items():
        if key in inputs:
            set_path(body, path, arm_value(key, inputs[key]))
    body["tags"] = merged_tags({}, inputs.get("tags"), None, inputs["pulumi_owner"])
    return body


def writable(live: dict[str, Any]) -> dict[str, Any]:
    """The live document without the read-only parts, ready to be modified and PUT back."""
    body = {
        k: copy.deepcopy(v)
        for k, v in live.items()
        if k in ("location", "tags", "sku", "identity", "properties")
    }
    props = body.get("properties")
    if isinstance(props, dict):
        for key in READ_ONLY_PROPERTIES:
            props.pop(key, None)
        events = get_path(props, ("eventHubEndpoints", "events"))
        if isinstance(events, dict):
            for key in READ_ONLY_EVENT_HUB:
                events.pop(key, None)
    sku = body.get("sku")
    if isinstance(sku, dict):
        sku.pop("tier", None)
    identity = body.get("identity")
    if isinstance(identity, dict):
        identity.pop("principalId", None)
        identity.pop("tenantId", None)
    return body


def overlay(
    live: dict[str, Any],
    inputs: dict[str, Any],
    previous_tags: dict[str, Any] | None,
    policies: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """Read-modify-write: the live hub with the program's inputs laid over it; nothing else is dropped."""
    body = writable(live)
    for key, path in FIELD_PATHS.items():
        if key in inputs and key != "location":
            set_path(body, path, arm_value(key, inputs[key]))
    body["tags"] = merged_tags(
        live.get("tags") or {}, inputs.get("tags"), previous_tags, inputs["pulumi_owner"]
    )
    if policies:
        body.setdefault("properties", {})["authorizationPolicies"] = copy.deepcopy(policies)
    return body


def unchanged_body(live: dict[str, Any], policies: list[dict[str, Any]] | None) -> dict[str, Any]:
    """What ``overlay`` returns when the inputs change nothing: a PUT of this body would be a no-op."""
    body = writable(live)
    body["tags"] = dict(live.get("tags") or {})
    if policies:
        body.setdefault("properties", {})["authorizationPolicies"] = copy.deepcopy(policies)
    return body


def already_applied(
    live: dict[str, Any], inputs: dict[str, Any], previous_tags: dict[str, Any] | None
) -> bool:
    """True when the live hub already is what the program declares, judged as a diff judges it: each
    managed input against its live value shaped like the input (so fields Azure adds and keys it masks on
    read are no difference), and the tags an update would write are the live tags. Comparing whole
    documents instead would never match a hub with declared routing or storage endpoints."""
    view = managed_view(live, inputs)
    if any(key in inputs and view.get(key) != inputs[key] for key in FIELD_PATHS):
        return False
    live_tags = dict(live.get("tags") or {})
    return merged_tags(live_tags, inputs.get("tags"), previous_tags, inputs["pulumi_owner"]) == live_tags


def live_inputs(live: dict[str, Any]) -> dict[str, Any]:
    """Inputs that describe an existing hub as it is (for read-only references made with ``IotHub.get``):
    its SKU and every plain setting it has."""
    values: dict[str, Any] = {}
    for prop in schema.MANAGED:
        value = get_path(live, prop.arm)
        if value is not None and (prop.shape is None or prop.name == "sku"):
            values[prop.name] = value
    if isinstance(values.get("sku"), dict):
        values["sku"] = {"name": values["sku"].get("name"), "capacity": values["sku"].get("capacity", 1)}
    values["tags"] = {k: v for k, v in (live.get("tags") or {}).items() if k != OWNER_TAG}
    return values


def managed_view(live: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The live value of every managed input the program declares, shaped like the input (for drift)."""
    view: dict[str, Any] = {}
    for key, path in FIELD_PATHS.items():
        if key not in inputs:
            continue
        value = input_value(key, get_path(live, path))
        if key == "location" and same_location(value, inputs[key]):
            value = inputs[key]
        elif key == "sku" and isinstance(value, dict):
            value = {"name": value.get("name"), "capacity": value.get("capacity", 1)}
        elif isinstance(inputs[key], (dict, list)):
            value = project(value, inputs[key])
        if value is not None:
            view[key] = value
    wanted = inputs.get("tags")
    if isinstance(wanted, dict):
        live_tags = live.get("tags") or {}
        view["tags"] = {k: live_tags[k] for k in wanted if k in live_tags}
    return view


def computed(live: dict[str, Any]) -> dict[str, Any]:
    """Outputs that only Azure knows: ids, endpoints, states."""
    values = {"id": live.get("id")}
    for prop in schema.PROPERTIES:
        if prop.kind == "computed":
            values[prop.name] = get_path(live, prop.arm)
    values["all_tags"] = {k: v for k, v in (live.get("tags") or {}).items() if k != OWNER_TAG}
    return {k: v for k, v in values.items() if v is not None}


def secret_outputs(live: dict[str, Any], policies: list[dict[str, Any]]) -> dict[str, Any]:
    """Keys and connection strings (listed in the resource's additional_secret_outputs)."""
    host = (live.get("properties") or {}).get("hostName")
    events = get_path(live, ("properties", "eventHubEndpoints", "events")) or {}
    by_name = {p.get("keyName"): p for p in policies}
    out: dict[str, Any] = {
        "shared_access_policies": [from_arm(schema.ACCESS_POLICY, policy) for policy in policies]
    }
    owner, service = by_name.get("iothubowner"), by_name.get("service")
    if host and owner and owner.get("primaryKey"):
        out["owner_connection_string"] = _hub_connection_string(host, owner)
    if host and service and service.get("primaryKey"):
        out["service_connection_string"] = _hub_connection_string(host, service)
    reader = service or owner
    if events.get("endpoint") and reader and reader.get("primaryKey"):
        out["event_hub_connection_string"] = (
            f"Endpoint={events['endpoint']};SharedAccessKeyName={reader['keyName']};"
            f"SharedAccessKey={reader['primaryKey']};EntityPath={events.get('path', '')}"
        )
    return out


def _hub_connection_string(host: str, policy: dict[str, Any]) -> str:
    return f"HostName={host};SharedAccessKeyName={policy['keyName']};SharedAccessKey={policy['primaryKey']}"


def outputs_for(
    live: dict[str, Any], inputs: dict[str, Any], subscription_id: str, policies: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """Every input, the live value of each managed one, every computed value, and the secrets when read."""
    out = {k: v for k, v in inputs.items() if k in INPUT_KEYS}
    out.update(managed_view(live, inputs))
    out["name"] = live.get("name") or inputs.get("name")
    out["subscription_id"] = subscription_id
    out.update(computed(live))
    if policies is not None:
        out.update(secret_outputs(live, policies))
    return out


def immutable_mismatches(live: dict[str, Any], inputs: dict[str, Any]) -> list[str]:
    """Why an existing hub cannot become what the program declares without replacement (for adoption)."""
    problems = []
    if "location" in inputs and not same_location(live.get("location"), inputs["location"]):
        problems.append(f"location is {live.get('location')!r}, the program says {inputs['location']!r}")
    live_partitions = get_path(live, FIELD_PATHS["partition_count"])
    if "partition_count" in inputs and live_partitions not in (None, inputs["partition_count"]):
        wanted = inputs["partition_count"]  # a float after its trip through the engine
        wanted = int(wanted) if isinstance(wanted, float) and wanted.is_integer() else wanted
        problems.append(f"partition_count is {live_partitions}, the program says {wanted}")
    return problems
