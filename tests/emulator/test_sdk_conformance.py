"""Microsoft's azure-mgmt-iothub client, unmodified, against the emulator for every emulated operation."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.core.polling.base_polling import LocationPolling
from azure.mgmt.core.polling.arm_polling import ARMPolling
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import (
    EventHubProperties,
    ExportDevicesRequest,
    ImportDevicesRequest,
    IotHubDescription,
    IotHubProperties,
    IotHubSkuInfo,
    OperationInputs,
    TagsResource,
)

from iothub_emulator.control import EmulatorControl
from tests.conftest import LOCATION, SUBSCRIPTION_ID
from tests.emulator.conftest import make_client

RG = "rg-test"


def _description(partitions: int = 4, tags: dict[str, str] | None = None) -> IotHubDescription:
    return IotHubDescription(
        location=LOCATION,
        sku=IotHubSkuInfo(name="S1", capacity=1),
        tags=tags or {},
        properties=IotHubProperties(
            event_hub_endpoints={
                "events": EventHubProperties(partition_count=partitions, retention_time_in_days=1)
            }
        ),
    )


def test_create_get_update_delete_hub(iothub_client: IotHubClient, resource_group: str) -> None:
    ops = iothub_client.iot_hub_resource
    hub = ops.begin_create_or_update(RG, "sdk-hub", _description(tags={"env": "dev"})).result()
    assert hub.properties.state == "Active"
    assert hub.properties.provisioning_state == "Succeeded"
    assert hub.properties.host_name == "sdk-hub.azure-devices.net"
    events = hub.properties.event_hub_endpoints["events"]
    assert events.partition_ids == ["0", "1", "2", "3"] and events.path == "sdk-hub"
    assert events.endpoint.startswith("sb://iothub-ns-sdk-hub-")
    assert hub.additional_properties["subscriptionid"] == SUBSCRIPTION_ID
    assert hub.additional_properties["resourcegroup"] == RG
    assert hub.properties.authorization_policies is None

    fetched = ops.get(RG, "sdk-hub")
    assert fetched.etag == hub.etag and fetched.tags == {"env": "dev"}

    fetched.sku.capacity = 3
    updated = ops.begin_create_or_update(RG, "sdk-hub", fetched, if_match=fetched.etag).result()
    assert updated.sku.capacity == 3 and updated.etag != fetched.etag

    patched = ops.begin_update(RG, "sdk-hub", TagsResource(tags={"team": "iot"})).result()
    assert patched.tags == {"team": "iot"}
    assert patched.etag == ""

    ops.begin_delete(RG, "sdk-hub").result()
    with pytest.raises(ResourceNotFoundError):
        ops.get(RG, "sdk-hub")


def test_lists_keys_and_name_availability(
    iothub_client: IotHubClient, resource_group: str, control: EmulatorControl
) -> None:
    ops = iothub_client.iot_hub_resource
    control.set_settings(page_size=2)
    for name in ("list-a", "list-b", "list-c"):
        ops.begin_create_or_update(RG, name, _description()).result()
    assert [h.name for h in ops.list_by_subscription()] == ["list-a", "list-b", "list-c"]
    assert [h.name for h in ops.list_by_resource_group(RG)] == ["list-a", "list-b", "list-c"]

    keys = list(ops.list_keys(RG, "list-a"))
    assert [k.key_name for k in keys] == [
        "iothubowner",
        "service",
        "device",
        "registryRead",
        "registryReadWrite",
    ]
    assert all(len(k.primary_key) == 44 and len(k.secondary_key) == 44 for k in keys)
    owner = ops.get_keys_for_key_name(RG, "list-a", "iothubowner")
    assert owner.primary_key == keys[0].primary_key
    assert owner.rights == "RegistryWrite, ServiceConnect, DeviceConnect"

    taken = ops.check_name_availability(OperationInputs(name="list-a"))
    assert taken.name_available is False and taken.reason == "AlreadyExists"
    free = ops.check_name_availability(OperationInputs(name="never-made"))
    assert free.name_available is True


def test_read_only_operations(iothub_client: IotHubClient, resource_group: str) -> None:
    ops = iothub_client.iot_hub_resource
    ops.begin_create_or_update(RG, "ro-hub", _description()).result()
    stats = ops.get_stats(RG, "ro-hub")
    assert stats.total_device_count == 0
    skus = [s.sku.name for s in ops.get_valid_skus(RG, "ro-hub")]
    assert skus == ["S1", "S2", "S3"]
    quota = {q.name: q.max_value for q in ops.get_quota_metrics(RG, "ro-hub")}
    assert quota["TotalMessages"] == 400_000


def test_jobs(iothub_client: IotHubClient, resource_group: str, control: EmulatorControl) -> None:
    ops = iothub_client.iot_hub_resource
    ops.begin_create_or_update(RG, "job-hub", _description()).result()
    control.freeze_clock()
    export = ops.export_devices(
        RG, "job-hub", ExportDevicesRequest(export_blob_container_uri="https://x/c", exclude_keys=True)
    )
    assert export.type == "export" and export.status == "enqueued" and export.end_time_utc is None
    control.advance_clock(2)  # an export completes 2 s after it starts, on the emulator's clock
    imported = ops.import_devices(
        RG,
        "job-hub",
        ImportDevicesRequest(input_blob_container_uri="https://x/i", output_blob_container_uri="https://x/o"),
    )
    jobs = list(ops.list_jobs(RG, "job-hub"))
    assert [j.job_id for j in jobs] == [export.job_id, imported.job_id]
    assert ops.get_job(RG, "job-hub", export.job_id).status == "completed"


def test_consumer_groups(iothub_client: IotHubClient, resource_group: str) -> None:
    ops = iothub_client.iot_hub_resource
    ops.begin_create_or_update(RG, "cg-hub", _description()).result()
    created = ops.create_event_hub_consumer_group(
        RG, "cg-hub", "events", "analytics", {"properties": {"name": "analytics"}}
    )
    assert created.name == "analytics"
    assert created.properties["properties"] == {"name": "analytics"}
    assert "created" in created.properties
    assert ops.get_event_hub_consumer_group(RG, "cg-hub", "events", "analytics").id == created.id
    names = [g.name for g in ops.list_event_hub_consumer_groups(RG, "cg-hub", "events")]
    assert names == ["$Default", "analytics"]
    ops.delete_event_hub_consumer_group(RG, "cg-hub", "events", "analytics")
    with pytest.raises(ResourceNotFoundError):
        ops.get_event_hub_consumer_group(RG, "cg-hub", "events", "analytics")


def test_async_failure_surfaces_as_http_response_error(
    iothub_client: IotHubClient, resource_group: str, control: EmulatorControl
) -> None:
    control.add_fault(
        kind="fail_operation",
        method="PUT",
        path="/IotHubs/doomed",
        code=400123,
        message="Endpoint validation failed",
    )
    poller = iothub_client.iot_hub_resource.begin_create_or_update(RG, "doomed", _description())
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert caught.value.status_code == 200
    assert caught.value.error is not None and caught.value.error.code == 400123


def test_progression_by_polls_with_the_sdk(
    emulator: object, resource_group: str, control: EmulatorControl
) -> None:
    control.set_provisioning("polls", 3)
    client = make_client(control.url)
    poller = client.iot_hub_resource.begin_create_or_update(RG, "slow-hub", _description())
    hub = poller.result()
    assert hub.properties.state == "Active"
    polls = [r for r in control.requests() if "/operationResults/" in r["path"]]
    assert len(polls) == 4  # three Running answers, then Succeeded
    client.close()


@pytest.mark.parametrize("version", ["2019-03-22", "2019-07-01-preview", "2023-06-30-preview"])
def test_every_api_version_the_sdk_ships(
    emulator: object, resource_group: str, control: EmulatorControl, version: str
) -> None:
    client = make_client(control.url, api_version=version)
    ops = client.iot_hub_resource
    ops.begin_create_or_update(
        RG, "old-api", {"location": LOCATION, "sku": {"name": "S1", "capacity": 1}}
    ).result()
    assert ops.get(RG, "old-api").name == "old-api"
    if version < "2020-08-31":  # these versions send no body, which was optional then (recorded 2019)
        created = ops.create_event_hub_consumer_group(RG, "old-api", "events", "cg")
        assert created.name == "cg" and created.properties["created"].endswith(" GMT")
    else:
        ops.create_event_hub_consumer_group(RG, "old-api", "events", "cg", {"properties": {"name": "cg"}})
    assert len(list(ops.list_keys(RG, "old-api"))) == 5
    ops.begin_delete(RG, "old-api").result()
    assert {r["query"]["api-version"] for r in control.requests()} == {version}
    client.close()


def test_every_list_follows_next_link(
    iothub_client: IotHubClient, resource_group: str, control: EmulatorControl
) -> None:
    """With one item per page, each pageable operation only sees everything by following nextLink."""
    ops = iothub_client.iot_hub_resource
    for name in ("page-a", "page-b"):
        ops.begin_create_or_update(RG, name, _description()).result()
    ops.create_event_hub_consumer_group(RG, "page-a", "events", "extra", {"properties": {"name": "extra"}})
    for _ in range(2):
        ops.export_devices(
            RG, "page-a", ExportDevicesRequest(export_blob_container_uri="https://x/c", exclude_keys=False)
        )
    control.set_settings(page_size=1)
    control.clear_requests()
    assert [h.name for h in ops.list_by_subscription()] == ["page-a", "page-b"]
    assert [h.name for h in ops.list_by_resource_group(RG)] == ["page-a", "page-b"]
    assert len(list(ops.list_keys(RG, "page-a"))) == 5
    groups = [g.name for g in ops.list_event_hub_consumer_groups(RG, "page-a", "events")]
    assert groups == ["$Default", "extra"]
    assert len(list(ops.list_jobs(RG, "page-a"))) == 2
    assert [s.sku.name for s in ops.get_valid_skus(RG, "page-a")] == ["S1", "S2", "S3"]
    assert [q.name for q in ops.get_quota_metrics(RG, "page-a")] == ["TotalMessages", "TotalDeviceCount"]
    followed = {r["path"].rsplit("/", 1)[-1] for r in control.requests() if "$skipToken" in r["query"]}
    assert followed == {"IotHubs", "listkeys", "ConsumerGroups", "jobs", "skus", "quotaMetrics"}
    assert all(r["status"] == 200 for r in control.requests())
    key_pages = [r["method"] for r in control.requests() if r["path"].endswith("/listkeys")]
    assert key_pages == ["POST", "GET", "GET", "GET", "GET"]  # the pageable POST's next pages are GETs


def test_delete_polled_through_location_by_the_sdk(
    iothub_client: IotHubClient, resource_group: str, control: EmulatorControl
) -> None:
    """The client's Location algorithm (what ARM clients use without Azure-AsyncOperation)."""
    ops = iothub_client.iot_hub_resource
    ops.begin_create_or_update(RG, "loc-hub", _description()).result()
    control.set_provisioning("polls", 2)
    control.clear_requests()
    ops.begin_delete(RG, "loc-hub", polling=ARMPolling(0, lro_algorithms=[LocationPolling()])).result()
    polls = [r for r in control.requests() if "/operationResults/" in r["path"]]
    assert all("asyncinfo" not in r["query"] for r in polls)
    assert [r["status"] for r in polls] == [202, 202, 200]
    with pytest.raises(ResourceNotFoundError):
        ops.get(RG, "loc-hub")


def test_create_polled_through_azure_async_operation_then_final_get(
    iothub_client: IotHubClient, resource_group: str, control: EmulatorControl
) -> None:
    control.set_provisioning("polls", 1)
    control.clear_requests()
    hub = iothub_client.iot_hub_resource.begin_create_or_update(RG, "aao-hub", _description()).result()
    assert hub.properties.provisioning_state == "Succeeded"
    sent = [(r["method"], "asyncinfo" in r["query"], r["status"]) for r in control.requests()]
    assert sent == [("PUT", False, 201), ("GET", True, 200), ("GET", True, 200), ("GET", False, 200)]


def test_sdk_errors_carry_the_wire_codes(
    iothub_client: IotHubClient, resource_group: str, control: EmulatorControl
) -> None:
    ops = iothub_client.iot_hub_resource
    hub = ops.begin_create_or_update(RG, "err-hub", _description()).result()
    with pytest.raises(HttpResponseError) as stale:
        ops.begin_create_or_update(RG, "err-hub", hub, if_match="AAAAAAAAAAA=").result()
    assert stale.value.status_code == 412 and stale.value.error is not None
    assert stale.value.error.code == 412001
    with pytest.raises(HttpResponseError) as partitions:
        ops.begin_create_or_update(RG, "err-hub", _description(partitions=8)).result()
    assert partitions.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        ops.get_keys_for_key_name(RG, "err-hub", "nope")
    with pytest.raises(ResourceNotFoundError):
        ops.get_job(RG, "err-hub", "no-job")
    with pytest.raises(ResourceNotFoundError) as missing_group:
        ops.list_by_resource_group("rg-missing").next()
    assert missing_group.value.error is not None
    assert missing_group.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ClientAuthenticationError):
        make_client(control.url, token="wrong", retry_total=0).iot_hub_resource.get(RG, "err-hub")
