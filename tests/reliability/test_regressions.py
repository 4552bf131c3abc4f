"""Regression tests for the defects the reliability campaign found (docs/RELIABILITY.md lists them)."""

from __future__ import annotations

import pytest
import requests

from harness.errors import ProviderError
from harness.process import ProviderProcess
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_provider.client.auth import StaticToken
from iothub_provider.client.retry import RetryPolicy
from iothub_provider.client.settings import Settings
from iothub_provider.client.transport import Transport
from iothub_provider.errors import TransportError
from reliability.crashes import free_port
from reliability.lab import PROJECT, DeclaredStack, HubSpec, provider_config
from reliability.operator import Operator
from reliability.proxy import LossyProxy, upstream_of
from reliability.security import untrusted_tls_server
from tests.conftest import LOCATION, SUBSCRIPTION_ID

HUBS = f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/IotHubs"


def _get(emulator: EmulatorServer, path: str) -> requests.Response:
    return requests.get(f"{emulator.url}{path}", params={"api-version": "2023-06-30"},
                        headers={"Authorization": f"Bearer {emulator.token}"}, timeout=10)


def test_stacked_fault_rules_each_answer_their_own_request(emulator: EmulatorServer,
                                                          control: EmulatorControl) -> None:
    """Two failing rules that match the same requests fail two requests, one each, in the order added;
    a rule counts as fired only when its answer was given."""
    control.add_fault(kind="throttle", count=1)
    control.add_fault(kind="error", status=503, code=503001, count=1)

    statuses = [_get(emulator, HUBS).status_code for _ in range(3)]

    assert statuses == [429, 503, 200]
    assert [rule["fired"] for rule in control.faults()] == [1, 1]


def test_a_slow_response_still_stacks_with_a_failure(emulator: EmulatorServer,
                                                    control: EmulatorControl) -> None:
    control.add_fault(kind="delay", delay=0.05, count=1)
    control.add_fault(kind="throttle", count=1)

    assert [_get(emulator, HUBS).status_code for _ in range(2)] == [429, 200]
    assert [rule["fired"] for rule in control.faults()] == [1, 1]


def test_an_untrusted_certificate_fails_at_once_without_retries() -> None:
    """A certificate that fails verification will not pass on a later attempt: no retries, a clear error."""
    sleeps: list[float] = []
    with untrusted_tls_server() as url:
        transport = Transport(Settings(endpoint=url, access_token="t"), StaticToken("t"),
                              retry=RetryPolicy(sleep=sleeps.append))
        with pytest.raises(TransportError, match="TLS verification failed"):
            transport.request("GET", transport.url("/subscriptions"), client_request_id="crid")
        transport.close()

    assert sleeps == []


def test_a_reset_connection_is_still_retried() -> None:
    sleeps: list[float] = []
    port = free_port()  # nothing listens there: connection refused, a transient failure
    transport = Transport(Settings(endpoint=f"http://127.0.0.1:{port}", access_token="t"), StaticToken("t"),
                          retry=RetryPolicy(sleep=sleeps.append, max_attempts=3))
    with pytest.raises(TransportError, match="connection failed"):
        transport.request("GET", transport.url("/subscriptions"), client_request_id="crid")
    transport.close()

    assert len(sleeps) == 2


def test_a_request_that_never_got_an_answer_names_its_client_request_id() -> None:
    """No response means no x-ms-request-id; the error still carries the id every attempt was sent with."""
    transport = Transport(Settings(endpoint=f"http://127.0.0.1:{free_port()}", access_token="t"),
                          StaticToken("t"), retry=RetryPolicy(sleep=lambda _: None, max_attempts=2))
    with pytest.raises(TransportError) as info:
        transport.request("GET", transport.url("/subscriptions"), client_request_id="crid-42")
    transport.close()

    assert "[x-ms-client-request-id: crid-42]" in str(info.value)
    assert info.value.client_request_id == "crid-42"


def test_an_update_whose_answer_was_lost_records_the_settled_hub(emulator: EmulatorServer,
                                                                control: EmulatorControl) -> None:
    """The emulator applied the update, its answer was lost, the retried PUT met the new etag (412): the
    provider must record the hub once its update finished, or the next `up` is refused as changed outside."""
    control.create_resource_group(SUBSCRIPTION_ID, "rg-lost-answer", LOCATION)
    spec = HubSpec(resource_group="rg-lost-answer", name="lost-answer-hub")
    operator = Operator(emulator.url, emulator.token, SUBSCRIPTION_ID)
    with LossyProxy(upstream_of(emulator.url)) as proxy, ProviderProcess(project=PROJECT) as provider:
        stack = DeclaredStack(provider, stack="lost-answer",
                              config=provider_config(proxy.url, emulator.token, SUBSCRIPTION_ID))
        stack.up(spec)
        control.set_provisioning("polls", 3)  # the update runs for three looks, not on the clock
        rule = proxy.lose("PUT", r"/IotHubs/[^/]+$")

        stack.up(spec.with_changes(capacity=2))

        assert rule.fired == 1
        recorded, live = stack.hub_state() or {}, operator.hub("rg-lost-answer", "lost-answer-hub") or {}
        assert recorded.get("provisioning_state") == "Succeeded"
        assert recorded.get("etag") == live.get("etag")
        stack.up(spec.with_changes(capacity=3))  # nobody else changed the hub: this must not be refused
        assert (operator.hub("rg-lost-answer", "lost-answer-hub") or {})["sku"]["capacity"] == 3
        stack.destroy()


def test_a_leftover_hub_that_cannot_take_new_settings_is_refused_with_an_id_and_a_way_out(
        emulator: EmulatorServer, control: EmulatorControl) -> None:
    """A create cut off after Azure made the hub leaves it out of state; if the program then changes a setting
    Azure cannot change in place, the next create must say whose hub it is, what to do, and carry an id."""
    control.create_resource_group(SUBSCRIPTION_ID, "rg-leftover", LOCATION)
    spec = HubSpec(resource_group="rg-leftover", name="leftover-hub")
    with ProviderProcess(project=PROJECT) as provider:
        stack = DeclaredStack(provider, stack="leftover",
                              config=provider_config(emulator.url, emulator.token, SUBSCRIPTION_ID))
        control.add_fault(kind="error", status=400, code="BadRequest", method="POST", path_regex="/listkeys$")
        with pytest.raises(ProviderError):
            stack.up(spec)  # the hub exists, the create failed: nothing in state
        control.clear_faults()

        with pytest.raises(ProviderError) as refused:
            stack.up(spec.with_changes(partition_count=4))

        message = refused.value.details.strip().splitlines()[-1]
        assert message.startswith("iothub_provider.errors.HubOwnershipError: ")
        assert "created by this resource" in message and "delete it" in message
        assert "[x-ms-client-request-id: " in message
        Operator(emulator.url, emulator.token, SUBSCRIPTION_ID).delete_hub("rg-leftover", "leftover-hub")
        stack.up(spec.with_changes(partition_count=4))  # the way out the message gives
        stack.destroy()


def test_a_refresh_right_after_a_portal_change_keeps_the_hub_the_service_briefly_answers_404_for(
        emulator: EmulatorServer, control: EmulatorControl) -> None:
    """After a successful PUT the service answers GET 404 for a while (azure-rest-api-specs#27183): a refresh
    in that window must not drop a live hub from state."""
    control.create_resource_group(SUBSCRIPTION_ID, "rg-glitch", LOCATION)
    spec = HubSpec(resource_group="rg-glitch", name="glitch-hub")
    with ProviderProcess(project=PROJECT) as provider:
        stack = DeclaredStack(provider, stack="glitch",
                              config=provider_config(emulator.url, emulator.token, SUBSCRIPTION_ID))
        stack.up(spec)
        control.add_fault(kind="get_404_after_put", method="PUT", path="/IotHubs/glitch-hub", count=2)
        Operator(emulator.url, emulator.token, SUBSCRIPTION_ID).set_capacity("rg-glitch", "glitch-hub", 2)

        stack.refresh()

        hub_reads = [r["status"] for r in control.requests()
                     if r["method"] == "GET" and r["path"].lower().endswith("/iothubs/glitch-hub")]
        assert hub_reads[-3:] == [404, 404, 200]
        recorded = stack.hub_state()
        assert recorded is not None and recorded["sku"]["capacity"] == 2
        stack.destroy()


@pytest.mark.parametrize("step", ["create", "update"])
def test_a_write_whose_answer_was_lost_rides_out_the_404_after_put_on_its_reread(
        step: str, emulator: EmulatorServer, control: EmulatorControl) -> None:
    """Seed 424242: the emulator made (or updated) the hub, the answer was lost, the retried PUT was refused
    with 412 because the hub now exists (or has a new etag), and the re-read met the service's brief 404
    after a successful PUT. Both faults are transient and the hub is there: the step must succeed."""
    group, name = f"rg-lost-404-{step}", f"lost-404-{step}"
    control.create_resource_group(SUBSCRIPTION_ID, group, LOCATION)
    spec = HubSpec(resource_group=group, name=name)
    operator = Operator(emulator.url, emulator.token, SUBSCRIPTION_ID)
    with LossyProxy(upstream_of(emulator.url)) as proxy, ProviderProcess(project=PROJECT) as provider:
        stack = DeclaredStack(provider, stack=f"lost-404-{step}",
                              config=provider_config(proxy.url, emulator.token, SUBSCRIPTION_ID))
        if step == "update":
            stack.up(spec)
            spec = spec.with_changes(capacity=2)
        control.clear_requests()
        lost = proxy.lose("PUT", r"/IotHubs/[^/]+$")
        control.add_fault(kind="get_404_after_put", method="PUT", path=f"/IotHubs/{name}", count=3)

        stack.up(spec)

        hub_path = f"/iothubs/{name}"
        writes = [r["status"] for r in control.requests()
                  if r["method"] == "PUT" and r["path"].lower().endswith(hub_path)]
        reads = [r["status"] for r in control.requests()
                 if r["method"] == "GET" and r["path"].lower().endswith(hub_path)]
        assert lost.fired == 1 and writes[-1] == 412, "the retried write did not meet the hub it made"
        assert reads.count(404) >= 3, "the re-read never met the 404 after the PUT"
        recorded, live = stack.hub_state() or {}, operator.hub(group, name) or {}
        assert operator.hub_names(group) == [name]
        assert recorded.get("etag") == live.get("etag") and live["sku"]["capacity"] == spec.capacity
        stack.destroy()
        assert operator.hub_names(group) == []


def test_an_update_of_a_hub_with_managed_routing_whose_answer_was_lost_is_recognised_as_applied(
        emulator: EmulatorServer, control: EmulatorControl) -> None:
    """As the lost-answer test above, for a hub whose program declares routing: Azure reads its endpoints back
    with the key masked and with fields it adds, so "the hub already is what the program wants" must be
    judged as a diff judges it, not by comparing documents (which never match: the update failed with 412)."""
    control.create_resource_group(SUBSCRIPTION_ID, "rg-lost-routing", LOCATION)
    key_route = ("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0;"
                 "EntityPath=q1")
    routing = {"endpoints": {"serviceBusQueues": [{"name": "q1", "connectionString": key_route}]},
               "routes": [{"name": "to-q", "source": "DeviceMessages", "condition": "true",
                           "endpointNames": ["q1"], "isEnabled": True}]}
    spec = HubSpec(resource_group="rg-lost-routing", name="lost-routing-hub", settings={"routing": routing})
    operator = Operator(emulator.url, emulator.token, SUBSCRIPTION_ID)
    with LossyProxy(upstream_of(emulator.url)) as proxy, ProviderProcess(project=PROJECT) as provider:
        stack = DeclaredStack(provider, stack="lost-routing",
                              config=provider_config(proxy.url, emulator.token, SUBSCRIPTION_ID))
        stack.up(spec)
        rule = proxy.lose("PUT", r"/IotHubs/[^/]+$")

        stack.up(spec.with_changes(capacity=2))

        assert rule.fired == 1
        live = operator.hub("rg-lost-routing", "lost-routing-hub") or {}
        assert live["sku"]["capacity"] == 2 and (stack.hub_state() or {}).get("etag") == live.get("etag")
        stack.destroy()
