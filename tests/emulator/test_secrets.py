"""Connection-string secrets: masked on every read as Azure masks them, kept when a PUT sends the mask
back."""

from __future__ import annotations

from typing import Any

from azure.mgmt.iothub import IotHubClient

from iothub_emulator.control import EmulatorControl
from iothub_emulator.testing import ArmSession, hub_body
from tests.conftest import SUBSCRIPTION_ID
from tests.emulator.conftest import hub_path

QUEUE = (
    "Endpoint=sb://ns1.servicebus.windows.net/"
    ";SharedAccessKeyName=send;SharedAccessKey=cXVldWUta2V5;EntityPath=q1"
)
TOPIC = (
    "Endpoint=sb://ns1.servicebus.windows.net:5671/"
    ";SharedAccessKeyName=send;SharedAccessKey=dG9waWM=;EntityPath=t1"
)
EVENTS = (
    "Endpoint=sb://eh1.servicebus.windows.net/"
    ";SharedAccessKeyName=send;SharedAccessKey=ZXZlbnRz;EntityPath=e1"
)
STORAGE = (
    "DefaultEndpointsProtocol=https"
    ";AccountName=acct1;AccountKey=c3RvcmFnZS1rZXk=;EndpointSuffix=core.windows.net"
)
UPLOADS = (
    "DefaultEndpointsProtocol=https;AccountName=acct2;AccountKey=dXBsb2Fkcw==;EndpointSuffix=core.windows.net"
)

# What Azure answers for each (keys replaced by ****, Service Bus hosts with the AMQP port 5671), in the
# format a 2025 azure-cli recording (test_iot_hub.yaml) shows for Event Hubs and storage endpoints.
QUEUE_READ = (
    "Endpoint=sb://ns1.servicebus.windows.net:5671/"
    ";SharedAccessKeyName=send;SharedAccessKey=****;EntityPath=q1"
)
TOPIC_READ = (
    "Endpoint=sb://ns1.servicebus.windows.net:5671/"
    ";SharedAccessKeyName=send;SharedAccessKey=****;EntityPath=t1"
)
EVENTS_READ = (
    "Endpoint=sb://eh1.servicebus.windows.net:5671/"
    ";SharedAccessKeyName=send;SharedAccessKey=****;EntityPath=e1"
)
STORAGE_READ = (
    "DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=****;EndpointSuffix=core.windows.net"
)
UPLOADS_READ = (
    "DefaultEndpointsProtocol=https;AccountName=acct2;AccountKey=****;EndpointSuffix=core.windows.net"
)


def _body_with_endpoints() -> dict[str, Any]:
    return hub_body(
        routing={
            "endpoints": {
                "serviceBusQueues": [{"name": "q1", "connectionString": QUEUE}],
                "serviceBusTopics": [{"name": "t1", "connectionString": TOPIC}],
                "eventHubs": [{"name": "e1", "connectionString": EVENTS}],
                "storageContainers": [
                    {"name": "s1", "connectionString": STORAGE, "containerName": "c1", "encoding": "JSON"}
                ],
            },
            "routes": [],
        },
        storageEndpoints={
            "$default": {"connectionString": UPLOADS, "containerName": "up", "sasTtlAsIso8601": "PT1H"}
        },
    )


def _strings(hub: dict[str, Any]) -> dict[str, str]:
    endpoints = hub["properties"]["routing"]["endpoints"]
    found = {e["name"]: e["connectionString"] for group in endpoints.values() for e in group}
    found["$default"] = hub["properties"]["storageEndpoints"]["$default"]["connectionString"]
    return found


MASKED = {"q1": QUEUE_READ, "t1": TOPIC_READ, "e1": EVENTS_READ, "s1": STORAGE_READ, "$default": UPLOADS_READ}
CLEAR = {"q1": QUEUE, "t1": TOPIC, "e1": EVENTS, "s1": STORAGE, "$default": UPLOADS}


def _stored(control: EmulatorControl, name: str) -> dict[str, str]:
    return _strings(control.stored_hub(name)["document"])


def test_every_read_masks_connection_string_keys(arm: ArmSession, resource_group: str) -> None:
    created = arm.create_hub("masked-hub", _body_with_endpoints())
    assert _strings(created.json()) == MASKED
    assert _strings(arm.get_hub("masked-hub")) == MASKED
    listed = arm.call("GET", f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/IotHubs")
    assert [_strings(h) for h in listed.json()["value"]] == [MASKED]
    by_group = arm.call("GET", hub_path("masked-hub").rsplit("/", 1)[0])
    assert [_strings(h) for h in by_group.json()["value"]] == [MASKED]
    patched = arm.call("PATCH", hub_path("masked-hub"), json={"tags": {"a": "b"}})
    assert _strings(patched.json()) == MASKED
    keys = arm.call("POST", hub_path("masked-hub") + "/listkeys").json()["value"]
    assert all(len(k["primaryKey"]) == 44 for k in keys)  # listkeys is where keys are read: never masked


def test_an_update_that_sends_the_masks_back_keeps_the_stored_secrets(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("rmw-hub", _body_with_endpoints())
    body = arm.get_hub("rmw-hub")
    body["sku"]["capacity"] = 3
    body["tags"] = {"env": "dev"}
    response = arm.call("PUT", hub_path("rmw-hub"), json=body, headers={"If-Match": body["etag"]})
    assert response.status_code == 201, response.text
    assert _strings(response.json()) == MASKED
    stored = _stored(control, "rmw-hub")
    # The keys are the real ones; the hosts now carry the port the client sent back.
    assert stored == {
        "q1": QUEUE.replace(".net/", ".net:5671/"),
        "t1": TOPIC,
        "e1": EVENTS.replace(".net/", ".net:5671/"),
        "s1": STORAGE,
        "$default": UPLOADS,
    }
    assert arm.get_hub("rmw-hub")["sku"]["capacity"] == 3


def test_an_endpoint_whose_key_really_changed_is_stored_with_the_new_key(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("rotate-hub", _body_with_endpoints())
    body = arm.get_hub("rotate-hub")
    rotated = QUEUE.replace("cXVldWUta2V5", "bmV3LWtleQ==")
    body["properties"]["routing"]["endpoints"]["serviceBusQueues"][0]["connectionString"] = rotated
    assert arm.call("PUT", hub_path("rotate-hub"), json=body).status_code == 201
    stored = _stored(control, "rotate-hub")
    assert stored["q1"] == rotated
    assert stored["e1"] == EVENTS.replace(".net/", ".net:5671/") and stored["$default"] == UPLOADS
    assert _strings(arm.get_hub("rotate-hub"))["q1"] == QUEUE_READ


def test_the_mask_is_matched_by_endpoint_name_not_by_position(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("order-hub", _body_with_endpoints())
    body = arm.get_hub("order-hub")
    endpoints = body["properties"]["routing"]["endpoints"]
    queue = endpoints["serviceBusQueues"][0]
    endpoints["serviceBusQueues"] = [
        {"name": "q0", "connectionString": QUEUE.replace("q1", "q0").replace("cXVldWUta2V5", "cTA=")},
        {**queue, "name": "Q1"},  # same endpoint, names compare case-insensitively
    ]
    assert arm.call("PUT", hub_path("order-hub"), json=body).status_code == 201
    stored = _stored(control, "order-hub")
    assert stored["q0"].endswith("SharedAccessKey=cTA=;EntityPath=q0")
    assert stored["Q1"].endswith("SharedAccessKey=cXVldWUta2V5;EntityPath=q1")


def test_a_mask_sent_for_an_endpoint_that_never_existed_is_stored_as_sent(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    queue = {"name": "new", "connectionString": QUEUE_READ}
    body = hub_body(routing={"endpoints": {"serviceBusQueues": [queue]}})
    arm.create_hub("nomatch-hub", body)
    assert (
        control.stored_hub("nomatch-hub")["document"]["properties"]["routing"]["endpoints"][
            "serviceBusQueues"
        ][0]["connectionString"]
        == QUEUE_READ
    )


def test_endpoints_without_a_connection_string_are_read_as_written(
    arm: ArmSession, resource_group: str
) -> None:
    identity_based = {
        "name": "ident",
        "authenticationType": "identityBased",
        "endpointUri": "sb://ns1.servicebus.windows.net",
        "entityPath": "q9",
    }
    arm.create_hub("ident-hub", hub_body(routing={"endpoints": {"serviceBusQueues": [identity_based]}}))
    queue = arm.get_hub("ident-hub")["properties"]["routing"]["endpoints"]["serviceBusQueues"][0]
    assert {k: queue[k] for k in identity_based} == identity_based and "connectionString" not in queue
    assert arm.get_hub("ident-hub")["properties"]["storageEndpoints"]["$default"]["connectionString"] == ""


def test_the_request_log_shows_the_mask_the_client_sent_not_the_restored_key(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    arm.create_hub("log-hub", _body_with_endpoints())
    body = arm.get_hub("log-hub")
    control.clear_requests()
    assert arm.call("PUT", hub_path("log-hub"), json=body).status_code == 201
    [put] = [r for r in control.requests() if r["method"] == "PUT"]
    assert _strings(put["body"]) == MASKED
    assert _stored(control, "log-hub")["s1"] == STORAGE


def test_microsofts_client_read_modify_write_keeps_every_secret(
    iothub_client: IotHubClient, resource_group: str, control: EmulatorControl
) -> None:
    """What the portal, the CLI and azurerm do: GET the hub, change a setting, PUT it all back with
    If-Match. The masks go back; the keys stay; the update is polled to its end as a create is."""
    ops = iothub_client.iot_hub_resource
    ops.begin_create_or_update(resource_group, "sdk-rmw-hub", _body_with_endpoints()).result()
    hub = ops.get(resource_group, "sdk-rmw-hub")
    queues = hub.properties.routing.endpoints.service_bus_queues
    assert [q.connection_string for q in queues] == [QUEUE_READ]
    assert hub.properties.storage_endpoints["$default"].connection_string == UPLOADS_READ
    hub.sku.capacity = 2
    hub.tags = {"changed": "yes"}
    updated = ops.begin_create_or_update(resource_group, "sdk-rmw-hub", hub, if_match=hub.etag).result()
    assert updated.sku.capacity == 2 and updated.properties.state == "Active"
    assert _stored(control, "sdk-rmw-hub") == {
        "q1": QUEUE.replace(".net/", ".net:5671/"),
        "t1": TOPIC,
        "e1": EVENTS.replace(".net/", ".net:5671/"),
        "s1": STORAGE,
        "$default": UPLOADS,
    }
    put = [r for r in control.requests() if r["method"] == "PUT"][-1]  # the update, as the SDK sent it
    assert put["status"] == 201 and _strings(put["body"]) == MASKED
