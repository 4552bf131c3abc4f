"""The provider against Azure as it really answers: connection-string keys masked on every read
(``SharedAccessKey=****``, ``AccountKey=****``) and hub updates answered 201 + ``Azure-AsyncOperation``.

Over the engine protocol: create, refresh and preview show no diff when nothing changed but the masking; an
update of tags and capacity on a hub holding endpoints the program manages and endpoints it does not never
writes a mask over a real key (checked in the emulator's stored document, where the secrets are in clear); a
key the program really changes is sent; an update answered as a long-running operation is polled to its end;
destroy leaves nothing.
"""

from __future__ import annotations

from typing import Any

import pulumi

from harness.stack import SimulatedStack
from iothub_emulator.control import EmulatorControl
from tests.conftest import RESOURCE_GROUP
from tests.lifecycle.arm import Arm
from tests.lifecycle.programs import HUB, HUB_NAME, hub_program

QUEUE_KEY = "cXVldWUta2V5LTE="
QUEUE_KEY_ROTATED = "cXVldWUta2V5LTI="
PORTAL_QUEUE_KEY = "cG9ydGFsLXF1ZXVl"
STORAGE_KEY = "c3RvcmFnZS1rZXk="
PORTAL_STORAGE_KEY = "cG9ydGFsLXN0b3JhZ2U="
REAL_KEYS = (QUEUE_KEY, QUEUE_KEY_ROTATED, PORTAL_QUEUE_KEY, STORAGE_KEY, PORTAL_STORAGE_KEY)


def queue(name: str, key: str) -> str:
    return (f"Endpoint=sb://ns-{name}.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={key};"
            f"EntityPath={name}")


def storage(account: str, key: str) -> str:
    return (f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};"
            "EndpointSuffix=core.windows.net")


def routing(key: str = QUEUE_KEY) -> dict[str, Any]:
    return {
        "endpoints": {"serviceBusQueues": [{"name": "alerts", "connectionString": queue("alerts", key)}]},
        "routes": [{"name": "to-alerts", "source": "DeviceMessages", "condition": "true",
                    "endpointNames": ["alerts"], "isEnabled": True}],
    }


def storage_endpoints(key: str = STORAGE_KEY) -> dict[str, Any]:
    return {"$default": {"connectionString": storage("files", key), "containerName": "uploads"}}


def managing_routing(key: str = QUEUE_KEY, **changes: Any) -> Any:
    """A program that manages the routing endpoints (a Service Bus queue with its key), not file upload."""
    return hub_program(routing=pulumi.Output.secret(routing(key)), **changes)


def managing_storage(**changes: Any) -> Any:
    """A program that manages the file-upload storage endpoint, not routing."""
    return hub_program(storage_endpoints=pulumi.Output.secret(storage_endpoints()), **changes)


def stored_properties(control: EmulatorControl) -> dict[str, Any]:
    """The hub's properties as the emulator stores them: secrets in clear."""
    properties: dict[str, Any] = control.stored_hub(HUB_NAME)["document"]["properties"]
    return properties


def stored_queue_key(control: EmulatorControl, endpoint: str) -> str:
    props = stored_properties(control)
    [found] = [e for e in props["routing"]["endpoints"]["serviceBusQueues"] if e["name"] == endpoint]
    return _key(found["connectionString"], "SharedAccessKey")


def stored_storage_key(control: EmulatorControl) -> str:
    props = stored_properties(control)
    return _key(props["storageEndpoints"]["$default"]["connectionString"], "AccountKey")


def _key(connection_string: str, name: str) -> str:
    parts = dict(p.split("=", 1) for p in connection_string.split(";") if "=" in p)
    return parts[name]


def hub_writes(control: EmulatorControl) -> list[dict[str, Any]]:
    return [r for r in control.requests()
            if r["method"] in ("PUT", "PATCH") and r["path"].lower().endswith(f"/iothubs/{HUB_NAME}")]


def test_reads_really_are_masked(stack: SimulatedStack, arm: Arm, control: EmulatorControl) -> None:
    """The ground the other tests stand on: the emulator masks on read and keeps the key it was sent."""
    stack.up(managing_routing())

    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None
    read_back = live["properties"]["routing"]["endpoints"]["serviceBusQueues"][0]["connectionString"]
    assert "SharedAccessKey=****" in read_back and QUEUE_KEY not in read_back
    assert stored_queue_key(control, "alerts") == QUEUE_KEY


def test_no_diff_after_create_or_refresh_when_only_the_masking_differs(
        stack: SimulatedStack, control: EmulatorControl) -> None:
    stack.up(managing_routing())
    control.clear_requests()

    preview = stack.preview(managing_routing())
    refresh = stack.refresh()
    after_refresh = stack.preview(managing_routing())
    same = stack.up(managing_routing())

    assert preview.deployment.ops() == [("same", HUB)]
    assert [step.detail for step in refresh.steps] == ["DIFF_NONE"]
    assert after_refresh.deployment.ops() == [("same", HUB)]
    assert same.deployment.ops() == [("same", HUB)]
    assert hub_writes(control) == []
    recorded = stack.resource(HUB)
    assert "routing" in recorded.secret_outputs
    assert "****" not in str(recorded.outputs["routing"]), "a masked read replaced the program's value"
    assert "****" not in str(recorded.inputs.get("routing")), "refresh recorded the mask as an input"


def test_an_update_never_writes_a_mask_over_a_real_key(
        stack: SimulatedStack, arm: Arm, control: EmulatorControl) -> None:
    """Tags and capacity change on a hub with a managed routing endpoint and a file-upload endpoint set in
    the portal: the full PUT carries the program's key and sends the portal endpoint's mask back, and the
    stored secrets of both are still the real keys."""
    stack.up(managing_routing())
    arm.change_properties(RESOURCE_GROUP, HUB_NAME, storageEndpoints={
        "$default": {"connectionString": storage("portal", PORTAL_STORAGE_KEY), "containerName": "portal"}})
    assert stored_storage_key(control) == PORTAL_STORAGE_KEY
    assert stack.refresh().steps[0].detail == "DIFF_NONE"  # file upload is not the program's business
    control.clear_requests()

    run = stack.up(managing_routing(tags={"env": "test", "rev": "2"}, sku={"name": "S1", "capacity": 2}))

    assert run.deployment.ops() == [("update", HUB)]
    [put] = [w for w in hub_writes(control) if w["method"] == "PUT" and w["status"] in (200, 201)]
    sent = put["body"]["properties"]
    assert queue("alerts", QUEUE_KEY) in str(sent["routing"]), "the managed endpoint went without its key"
    # The endpoint the program does not manage goes back as it was read: masked, which Azure keeps as it is.
    portal_endpoint = sent["storageEndpoints"]["$default"]
    assert portal_endpoint["containerName"] == "portal"
    assert "AccountKey=****" in portal_endpoint["connectionString"]
    assert stored_queue_key(control, "alerts") == QUEUE_KEY
    assert stored_storage_key(control) == PORTAL_STORAGE_KEY
    live = arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["sku"]["capacity"] == 2 and live["tags"]["rev"] == "2"
    assert stack.refresh().steps[0].detail == "DIFF_NONE"
    again = stack.preview(managing_routing(tags={"env": "test", "rev": "2"},
                                           sku={"name": "S1", "capacity": 2}))
    assert again.deployment.ops() == [("same", HUB)]


def test_routing_set_in_the_portal_keeps_its_key_when_the_program_manages_file_upload(
        stack: SimulatedStack, arm: Arm, control: EmulatorControl) -> None:
    stack.up(managing_storage())
    endpoint = {"name": "ops", "connectionString": queue("ops", PORTAL_QUEUE_KEY)}
    route = {"name": "to-ops", "source": "DeviceMessages", "condition": "true", "endpointNames": ["ops"],
             "isEnabled": True}
    arm.change_properties(RESOURCE_GROUP, HUB_NAME,
                          routing={"endpoints": {"serviceBusQueues": [endpoint]}, "routes": [route]})
    assert stack.refresh().steps[0].detail == "DIFF_NONE"  # routing is not the program's business
    control.clear_requests()

    run = stack.up(managing_storage(tags={"env": "test", "rev": "2"}, sku={"name": "S1", "capacity": 2}))

    assert run.deployment.ops() == [("update", HUB)]
    assert [w["method"] for w in hub_writes(control) if w["status"] < 400] == ["PUT"]
    assert stored_queue_key(control, "ops") == PORTAL_QUEUE_KEY
    assert stored_storage_key(control) == STORAGE_KEY
    assert stack.refresh().steps[0].detail == "DIFF_NONE"


def test_a_key_the_program_really_changes_is_sent(stack: SimulatedStack, control: EmulatorControl) -> None:
    stack.up(managing_routing())
    control.clear_requests()

    preview = stack.preview(managing_routing(QUEUE_KEY_ROTATED))
    run = stack.up(managing_routing(QUEUE_KEY_ROTATED))

    assert preview.deployment.ops() == [("update", HUB)]
    assert run.deployment.ops() == [("update", HUB)]
    assert stored_queue_key(control, "alerts") == QUEUE_KEY_ROTATED
    assert [step.detail for step in stack.refresh().steps] == ["DIFF_NONE"]
    assert stack.up(managing_routing(QUEUE_KEY_ROTATED)).deployment.ops() == [("same", HUB)]


def test_an_update_answered_as_a_long_running_operation_is_polled_to_its_end(
        stack: SimulatedStack, arm: Arm, control: EmulatorControl) -> None:
    stack.up(managing_routing())
    control.set_provisioning("polls", 3)
    control.clear_requests()

    stack.up(managing_routing(sku={"name": "S1", "capacity": 3}))

    [put] = [w for w in hub_writes(control) if w["method"] == "PUT"]
    assert put["status"] == 201
    polls = [r["status"] for r in control.requests() if "/operationresults/" in r["path"].lower()]
    assert len(polls) >= 3 and polls[-1] == 200
    recorded, live = stack.resource(HUB).outputs, arm.hub(RESOURCE_GROUP, HUB_NAME)
    assert live is not None and live["properties"]["provisioningState"] == "Succeeded"
    assert recorded["provisioning_state"] == "Succeeded" and recorded["etag"] == live["etag"]
    assert recorded["sku"]["capacity"] == 3


def test_destroy_of_a_hub_with_masked_endpoints_leaves_nothing(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(managing_routing())

    stack.destroy()

    assert stack.state == {}
    assert arm.hub_names(RESOURCE_GROUP) == []


def test_no_real_key_reaches_plain_state_or_the_provider_output(stack: SimulatedStack, arm: Arm) -> None:
    stack.up(managing_routing())
    arm.change_properties(RESOURCE_GROUP, HUB_NAME, storageEndpoints={
        "$default": {"connectionString": storage("portal", PORTAL_STORAGE_KEY), "containerName": "portal"}})
    stack.refresh()
    stack.up(managing_routing(QUEUE_KEY_ROTATED, sku={"name": "S1", "capacity": 2}))
    stack.refresh()

    hub = stack.resource(HUB)
    plain = str([hub.plain_outputs(), {k: v for k, v in hub.inputs.items() if k not in hub.secret_inputs}])
    assert not [key for key in REAL_KEYS if key in plain]
    assert not [key for key in REAL_KEYS if key in stack.provider.output()]
