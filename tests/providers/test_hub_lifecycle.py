"""The hub provider's methods called as the engine calls them, against the emulator over loopback."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import EmulatorTime
from iothub_provider import IotHubProvider
from iothub_provider.client import runtime
from iothub_provider.client.api import HubRef, IotHubApi
from iothub_provider.client.auth import StaticToken
from iothub_provider.client.runtime import Seams
from iothub_provider.client.settings import Settings
from iothub_provider.client.transport import Transport
from iothub_provider.errors import (
    AuthenticationError,
    HubOwnershipError,
    NotFoundError,
    OperationFailedError,
    OperationTimeoutError,
    PreconditionFailedError,
)
from iothub_provider.resources.hub_check import OWNER_TAG
from iothub_provider.resources.hub_model import SECRET_OUTPUTS
from iothub_provider.resources.hub_provider import GONE_CONFIRMATION_BUDGET
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID
from tests.providers.conftest import OWNER, hub_inputs

REF = HubRef(SUBSCRIPTION_ID, RESOURCE_GROUP, "hub-telemetry")


@pytest.fixture
def outside(emulator: EmulatorServer, configured: Settings) -> IotHubApi:
    """Someone else's client: changes made through it happen outside Pulumi."""
    return IotHubApi(Transport(configured, StaticToken(emulator.token)))


def create(hubs: IotHubProvider, **overrides: Any) -> tuple[str, dict[str, Any]]:
    checked = hubs.check({}, hub_inputs(**overrides))
    assert checked.failures == []
    result = hubs.create(checked.inputs)
    assert result.outs is not None
    return result.id, result.outs


def checked(hubs: IotHubProvider, olds: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    result = hubs.check(olds, hub_inputs(**overrides))
    assert result.failures == []
    return result.inputs


def headers_of(request: dict[str, Any]) -> dict[str, str]:
    return {k.lower(): v for k, v in request["headers"].items()}


def test_create_returns_inputs_and_every_computed_value(hubs: IotHubProvider, outside: IotHubApi) -> None:
    hub_id, outs = create(hubs)
    assert hub_id == REF.path
    assert outs["name"] == "hub-telemetry" and outs["sku"] == {"name": "S1", "capacity": 1}
    assert outs["partition_count"] == 2 and outs["tags"] == {"env": "dev"}
    assert outs["host_name"] == "hub-telemetry.azure-devices.net"
    assert outs["event_hub_partition_ids"] == ["0", "1"] and outs["event_hub_path"] == "hub-telemetry"
    assert outs["event_hub_endpoint"].startswith("sb://")
    assert outs["provisioning_state"] == "Succeeded" and outs["state"] == "Active" and outs["etag"]
    assert outs["owner_connection_string"].startswith("HostName=hub-telemetry.azure-devices.net;")
    assert outs["event_hub_connection_string"].startswith("Endpoint=sb://")
    assert outside.get_hub(REF)["tags"] == {"env": "dev", OWNER_TAG: OWNER}


def test_create_puts_with_if_none_match(hubs: IotHubProvider, control: EmulatorControl) -> None:
    control.clear_requests()
    create(hubs)
    puts = [r for r in control.requests() if r["method"] == "PUT"]
    assert len(puts) == 1 and headers_of(puts[0])["if-none-match"] == "*"


def test_secrets_only_in_secret_outputs(hubs: IotHubProvider, outside: IotHubApi) -> None:
    _, outs = create(hubs)
    keys = [p[k] for p in outside.list_keys(REF) for k in ("primaryKey", "secondaryKey")]
    plain = repr({k: v for k, v in outs.items() if k not in SECRET_OUTPUTS})
    assert keys and not any(key in plain for key in keys)
    assert any(key in repr(outs["shared_access_policies"]) for key in keys)


def test_update_keeps_what_was_changed_elsewhere(
    hubs: IotHubProvider, outside: IotHubApi, control: EmulatorControl
) -> None:
    hub_id, outs = create(hubs)
    live = outside.get_hub(REF)
    policies = outside.list_keys(REF) + [{"keyName": "monitoring", "rights": "RegistryRead"}]
    body = {
        "location": live["location"],
        "sku": {"name": "S1", "capacity": 1},
        "tags": {**live["tags"], "team": "ops"},
        "properties": {**live["properties"], "authorizationPolicies": policies},
    }
    outside.put_hub(REF, body, if_match=live["etag"])

    refreshed = hubs.read(hub_id, outs)  # pulumi refresh: takes the new etag, no managed drift
    assert refreshed.outs is not None and refreshed.outs["etag"] != outs["etag"]
    news = checked(hubs, refreshed.inputs or {}, sku={"name": "S2", "capacity": 2.0})
    assert hubs.diff(hub_id, refreshed.outs, news).changes is True
    control.clear_requests()
    updated = hubs.update(hub_id, refreshed.outs, news).outs
    assert updated is not None and updated["sku"] == {"name": "S2", "capacity": 2}

    after = outside.get_hub(REF)
    assert after["sku"]["name"] == "S2"
    assert after["tags"] == {"env": "dev", "team": "ops", OWNER_TAG: OWNER}
    assert "monitoring" in {p["keyName"] for p in outside.list_keys(REF)}
    put = next(r for r in control.requests() if r["method"] == "PUT")
    assert headers_of(put)["if-match"] == refreshed.outs["etag"]


def test_update_with_a_stale_etag_fails_and_says_refresh(hubs: IotHubProvider, outside: IotHubApi) -> None:
    hub_id, outs = create(hubs)
    live = outside.get_hub(REF)
    outside.patch_hub_tags(REF, {**live["tags"], "changed": "elsewhere"})
    news = checked(hubs, {}, sku={"name": "S2", "capacity": 1.0})
    with pytest.raises(PreconditionFailedError) as info:
        hubs.update(hub_id, outs, news)
    assert "pulumi refresh" in str(info.value) and info.value.code == 412001
    assert outside.get_hub(REF)["sku"]["name"] == "S1"


def test_stale_etag_is_harmless_when_the_hub_already_matches(
    hubs: IotHubProvider, outside: IotHubApi
) -> None:
    hub_id, outs = create(hubs)
    live = outside.get_hub(REF)
    outside.put_hub(
        REF,
        {**{k: live[k] for k in ("location", "tags", "properties")}, "sku": {"name": "S2", "capacity": 1}},
    )
    updated = hubs.update(hub_id, outs, checked(hubs, {}, sku={"name": "S2", "capacity": 1.0})).outs
    assert updated is not None and updated["sku"] == {"name": "S2", "capacity": 1}
    assert updated["etag"] == outside.get_hub(REF)["etag"] != outs["etag"]


def test_tag_only_change_is_a_patch_that_keeps_foreign_tags(
    hubs: IotHubProvider, outside: IotHubApi, control: EmulatorControl
) -> None:
    hub_id, outs = create(hubs, tags={"env": "dev", "cost": "a"})
    outside.patch_hub_tags(REF, {**outside.get_hub(REF)["tags"], "team": "ops"})
    refreshed = hubs.read(hub_id, outs).outs
    assert refreshed is not None
    control.clear_requests()
    news = checked(hubs, {}, tags={"env": "prod"})
    updated = hubs.update(hub_id, refreshed, news).outs
    assert updated is not None and updated["tags"] == {"env": "prod"}
    assert [r["method"] for r in control.requests() if r["method"] in ("PUT", "PATCH")] == ["PATCH"]
    assert outside.get_hub(REF)["tags"] == {"env": "prod", "team": "ops", OWNER_TAG: OWNER}
    assert updated["etag"]


def test_refresh_sees_drift_and_returns_inputs(hubs: IotHubProvider, outside: IotHubApi) -> None:
    hub_id, outs = create(hubs)
    live = outside.get_hub(REF)
    body = {
        "location": live["location"],
        "sku": {"name": "S1", "capacity": 3},
        "tags": live["tags"],
        "properties": {
            **live["properties"],
            "eventHubEndpoints": {"events": {"partitionCount": 2, "retentionTimeInDays": 5}},
        },
    }
    outside.put_hub(REF, body)
    result = hubs.read(hub_id, outs)
    assert result.id == hub_id and result.outs is not None and result.inputs is not None
    assert result.outs["sku"] == {"name": "S1", "capacity": 3} and result.outs["retention_days"] == 5
    assert result.inputs["retention_days"] == 5 and "etag" not in result.inputs
    assert result.outs["owner_connection_string"] == outs["owner_connection_string"]
    assert hubs.diff(hub_id, result.outs, checked(hubs, result.inputs)).changes is True


def test_refresh_of_a_deleted_hub_drops_it(
    hubs: IotHubProvider, outside: IotHubApi, sleeps: list[float]
) -> None:
    hub_id, outs = create(hubs)
    outside.delete_hub(REF)
    sleeps.clear()
    result = hubs.read(hub_id, outs)
    assert result.id == "" and result.outs == {}
    assert sleeps and sum(sleeps) <= GONE_CONFIRMATION_BUDGET  # the 404 was confirmed, within the bound


def test_refresh_waits_out_the_404_after_a_put(
    hubs: IotHubProvider, outside: IotHubApi, control: EmulatorControl, sleeps: list[float]
) -> None:
    hub_id, outs = create(hubs)
    control.add_fault(kind="get_404_after_put", method="PUT", path="/IotHubs/hub-telemetry", count=3)
    body = {**outside.get_hub(REF), "tags": {"env": "portal"}}
    outside.transport.request("PUT", outside.transport.url(REF.path), client_request_id="portal", body=body)
    sleeps.clear()
    result = hubs.read(hub_id, outs)
    assert result.id == hub_id and result.outs is not None and result.outs["tags"] == {"env": "portal"}
    assert len(sleeps) == 3


def test_update_of_a_deleted_hub_says_refresh(hubs: IotHubProvider, outside: IotHubApi) -> None:
    hub_id, outs = create(hubs)
    outside.delete_hub(REF)
    with pytest.raises(NotFoundError, match="pulumi refresh"):
        hubs.update(hub_id, outs, checked(hubs, {}, retention_days=2.0))


def test_delete_is_idempotent(hubs: IotHubProvider, outside: IotHubApi) -> None:
    hub_id, outs = create(hubs)
    hubs.delete(hub_id, outs)
    assert outside.find_hub(REF) is None
    hubs.delete(hub_id, outs)


def test_read_only_reference_by_id(hubs: IotHubProvider) -> None:
    hub_id, _ = create(hubs, retention_days=3.0)
    result = hubs.read(hub_id, {"__provider": "x"})
    assert result.outs is not None
    assert result.outs["retention_days"] == 3 and result.outs["location"] == "westeurope"
    assert result.outs["tags"] == {"env": "dev"} and result.outs["host_name"]


def test_a_create_cut_off_half_way_converges(
    hubs: IotHubProvider, outside: IotHubApi, control: EmulatorControl, configured: Settings
) -> None:
    # The abandoned create ends on the emulator's clock, which the provider's sleeps advance.
    emulator_time = EmulatorTime(control)
    runtime.configure(configured, Seams(sleep=emulator_time.sleep, clock=emulator_time.clock))
    control.set_provisioning("seconds", 30)
    body = {
        "location": "westeurope",
        "sku": {"name": "S1", "capacity": 1},
        "tags": {"env": "dev", OWNER_TAG: OWNER},
        "properties": {"eventHubEndpoints": {"events": {"partitionCount": 2, "retentionTimeInDays": 1}}},
    }
    outside.transport.request(
        "PUT",
        outside.transport.url(REF.path),
        client_request_id="killed",
        body=body,
        headers={"If-None-Match": "*"},
    )  # accepted, then the process died
    _, outs = create(hubs, retention_days=2.0)
    assert outs["state"] == "Active" and outs["retention_days"] == 2
    assert [h["name"] for h in outside.list_hubs(SUBSCRIPTION_ID, RESOURCE_GROUP)] == ["hub-telemetry"]
    assert sum(emulator_time.slept) >= 30  # it waited the abandoned create out (on the emulator's clock)


def test_a_create_that_times_out_names_the_operation_and_converges_next_time(
    hubs: IotHubProvider, outside: IotHubApi, control: EmulatorControl, configured: Settings
) -> None:
    impatient = Settings(
        endpoint=configured.endpoint,
        subscription_id=configured.subscription_id,
        access_token=configured.access_token,
        operation_timeout=40,
    )
    # The deadline and the provisioning on the emulator's clock, which the provider's sleeps advance.
    emulator_time = EmulatorTime(control)
    seams = Seams(sleep=emulator_time.sleep, clock=emulator_time.clock)
    runtime.configure(impatient, seams)
    control.set_provisioning("seconds", 120)
    with pytest.raises(OperationTimeoutError) as info:
        create(hubs)
    assert "operationResults" in info.value.operation_url and "iothub:operationTimeout" in str(info.value)
    assert emulator_time.clock() <= 40  # gave up at its deadline, long before the operation ends
    runtime.configure(configured, seams)  # the next `pulumi up`, with the default deadline
    _, outs = create(hubs)
    assert outs["state"] == "Active"
    assert len(outside.list_hubs(SUBSCRIPTION_ID, RESOURCE_GROUP)) == 1


def test_a_hub_someone_else_owns_is_never_taken_over(hubs: IotHubProvider, outside: IotHubApi) -> None:
    body = {"location": "westeurope", "sku": {"name": "S1", "capacity": 1}, "tags": {"team": "other"}}
    outside.put_hub(REF, body)
    with pytest.raises(HubOwnershipError) as info:
        create(hubs)
    assert "adopt=True" in str(info.value) and "IotHub.get" in str(info.value)
    assert outside.get_hub(REF)["tags"] == {"team": "other"}


def test_if_none_match_guards_the_race_after_the_existence_check(
    hubs: IotHubProvider, outside: IotHubApi, control: EmulatorControl
) -> None:
    outside.put_hub(REF, {"location": "westeurope", "sku": {"name": "S1", "capacity": 1}, "tags": {}})
    control.add_fault(
        kind="error", status=404, code="ResourceNotFound", method="GET", path="/IotHubs/hub-telemetry"
    )
    with pytest.raises(HubOwnershipError):
        create(hubs)
    statuses = [(r["method"], r["status"]) for r in control.requests() if r["method"] in ("PUT",)]
    assert statuses[-1] == ("PUT", 412)


def test_adopt_takes_an_existing_hub_and_keeps_its_other_settings(
    hubs: IotHubProvider, outside: IotHubApi
) -> None:
    body = {
        "location": "westeurope",
        "sku": {"name": "S1", "capacity": 1},
        "tags": {"team": "other"},
        "properties": {
            "eventHubEndpoints": {"events": {"partitionCount": 2, "retentionTimeInDays": 1}},
            "authorizationPolicies": [{"keyName": "legacy", "rights": "ServiceConnect"}],
        },
    }
    outside.put_hub(REF, body)
    _, outs = create(hubs, adopt=True, sku={"name": "S1", "capacity": 2.0})
    assert outs["sku"] == {"name": "S1", "capacity": 2}
    live = outside.get_hub(REF)
    assert live["tags"] == {"team": "other", "env": "dev", OWNER_TAG: OWNER}
    assert "legacy" in {p["keyName"] for p in outside.list_keys(REF)}


def test_adopt_refuses_a_hub_that_would_need_replacing(hubs: IotHubProvider, outside: IotHubApi) -> None:
    outside.put_hub(REF, {"location": "northeurope", "sku": {"name": "S1", "capacity": 1}})
    with pytest.raises(HubOwnershipError, match="location"):
        create(hubs, adopt=True)


def test_a_create_whose_operation_fails_leaves_no_hub(
    hubs: IotHubProvider, outside: IotHubApi, control: EmulatorControl
) -> None:
    control.add_fault(
        kind="fail_operation",
        method="PUT",
        path="/IotHubs/hub-telemetry",
        code=400123,
        message="Endpoint Name:cold is not reachable",
    )
    with pytest.raises(OperationFailedError, match="cold is not reachable"):
        create(hubs)
    assert outside.find_hub(REF) is None


def test_four_concurrent_creates_through_one_provider(hubs: IotHubProvider, control: EmulatorControl) -> None:
    control.set_provisioning("polls", 2)
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[f"hub-par-{i}"] = create(hubs, name=f"hub-par-{i}", pulumi_owner=f"p/s/h{i}")[1]["state"]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert results == {f"hub-par-{i}": "Active" for i in range(4)}


def test_update_without_permission_to_list_keys_sends_nothing(
    hubs: IotHubProvider, control: EmulatorControl
) -> None:
    hub_id, outs = create(hubs)
    control.add_fault(kind="error", status=403, code="AuthorizationFailed", method="POST", path="/listkeys")
    control.clear_requests()
    with pytest.raises(AuthenticationError, match="listkeys/action"):
        hubs.update(hub_id, outs, checked(hubs, {}, retention_days=4.0))
    assert [r["method"] for r in control.requests() if r["method"] == "PUT"] == []


def test_faults_during_a_provider_update_are_recovered(
    hubs: IotHubProvider, control: EmulatorControl, sleeps: list[float]
) -> None:
    hub_id, outs = create(hubs)
    control.add_fault(kind="throttle", method="GET", path="/IotHubs/hub-telemetry", retry_after=3)
    control.add_fault(kind="not_active", method="PUT", path="/IotHubs/hub-telemetry", count=2)
    control.add_fault(kind="drop", method="POST", path="/listkeys")
    updated = hubs.update(hub_id, outs, checked(hubs, {}, retention_days=4.0)).outs
    assert updated is not None and updated["retention_days"] == 4
    assert any(3.0 <= s <= 4.5 for s in sleeps), "Retry-After 3 plus at most half of it"
    assert 0.5 in sleeps and 0.75 in sleeps


def test_nested_settings_round_trip_without_drift(hubs: IotHubProvider, outside: IotHubApi) -> None:
    connection = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0;EntityPath=q1"
    nested = {
        "routing": {
            "endpoints": {"service_bus_queues": [{"name": "q1", "connection_string": connection}]},
            "routes": [
                {"name": "to-q", "source": "DeviceMessages", "endpoint_names": ["q1"], "is_enabled": True}
            ],
            "fallback_route": {"source": "DeviceMessages", "endpoint_names": ["events"], "is_enabled": True},
        },
        "cloud_to_device": {"max_delivery_count": 5.0, "default_ttl_as_iso8601": "PT2H"},
        "ip_filter_rules": [{"filter_name": "office", "action": "Accept", "ip_mask": "10.0.0.0/8"}],
        "public_network_access": "Enabled",
        "min_tls_version": "1.2",
        "enable_data_residency": True,
        "disable_device_sas": True,
        "restrict_outbound_network_access": True,
        "allowed_fqdn_list": ["contoso.servicebus.windows.net"],
    }
    hub_id, outs = create(hubs, **nested)
    refreshed = hubs.read(hub_id, outs)
    assert refreshed.outs is not None and refreshed.inputs is not None
    assert refreshed.outs["routing"]["endpoints"]["service_bus_queues"][0]["connection_string"] == connection
    assert refreshed.outs["cloud_to_device"] == {"max_delivery_count": 5, "default_ttl_as_iso8601": "PT2H"}
    news = checked(hubs, refreshed.inputs, **nested)
    assert hubs.diff(hub_id, refreshed.outs, news).changes is False
    live = outside.get_hub(REF)["properties"]
    assert live["routing"]["routes"][0]["name"] == "to-q" and live["minTlsVersion"] == "1.2"
    assert live["cloudToDevice"]["maxDeliveryCount"] == 5
    assert live["ipFilterRules"][0]["ipMask"] == "10.0.0.0/8"
    assert live["enableDataResidency"] is True and refreshed.outs["enable_data_residency"] is True
    assert live["disableDeviceSAS"] is True and live["restrictOutboundNetworkAccess"] is True
    fqdns = ["contoso.servicebus.windows.net"]
    assert refreshed.outs["allowed_fqdn_list"] == live["allowedFqdnList"] == fqdns


def test_state_written_with_arm_spelled_settings_shows_no_change_in_snake_case(
    hubs: IotHubProvider, outside: IotHubApi
) -> None:
    """A hub created when nested settings were ARM-spelled dicts: its state spells them the ARM way, and the
    same settings written the new way are no change, before and after a refresh."""
    arm_spelled = {
        "cloud_to_device": {"maxDeliveryCount": 5.0, "feedback": {"ttlAsIso8601": "PT1H"}},
        "ip_filter_rules": [{"filterName": "office", "action": "Accept", "ipMask": "10.0.0.0/8"}],
    }
    hub_id, outs = create(hubs, **arm_spelled)
    old_state = {
        **outs,
        **arm_spelled,
    }  # what the earlier version stored: the inputs as the program gave them
    snake = {
        "cloud_to_device": {"max_delivery_count": 5, "feedback": {"ttl_as_iso8601": "PT1H"}},
        "ip_filter_rules": [{"filter_name": "office", "action": "Accept", "ip_mask": "10.0.0.0/8"}],
    }
    news = checked(hubs, old_state, **snake)
    assert hubs.diff(hub_id, old_state, news).changes is False
    refreshed = hubs.read(hub_id, old_state)
    assert refreshed.outs is not None and refreshed.outs["cloud_to_device"] == snake["cloud_to_device"]
    assert hubs.diff(hub_id, refreshed.outs, news).changes is False


def test_a_missing_resource_group_is_reported_by_code(hubs: IotHubProvider) -> None:
    with pytest.raises(NotFoundError) as info:
        create(hubs, resource_group_name="rg-missing")
    assert info.value.code == "ResourceGroupNotFound" and info.value.request_id
    assert "rg-missing" in str(info.value)
