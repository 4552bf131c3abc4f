"""The client against the emulator over loopback: headers, error mapping, each fault recovered or reported."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_provider.client import transport as transport_module
from iothub_provider.client.api import ConsumerGroupRef, HubRef, IotHubApi
from iothub_provider.client.auth import StaticToken
from iothub_provider.client.retry import RetryPolicy
from iothub_provider.client.settings import Settings
from iothub_provider.client.transport import USER_AGENT, Transport
from iothub_provider.errors import (
    ArmError,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    OperationFailedError,
    PreconditionFailedError,
    ServerError,
    ThrottledError,
    TransportError,
)
from tests.client.conftest import hub_body
from tests.client.fake_time import FakeTime
from tests.conftest import SUBSCRIPTION_ID


def test_create_sends_auth_user_agent_and_one_client_request_id(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl
) -> None:
    control.clear_requests()
    hub = api.put_hub(hub_ref, hub_body(), if_none_match="*", client_request_id="op-1")
    assert hub["properties"]["state"] == "Active"
    sent = control.requests()
    assert [r["method"] for r in sent] == ["PUT", "GET", "GET"]  # PUT, operation status, final GET
    for request in sent:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        assert headers["user-agent"] == USER_AGENT
        assert headers["x-ms-client-request-id"] == "op-1"
        assert headers["authorization"].startswith("Bearer ")
    assert {k.lower(): v for k, v in sent[0]["headers"].items()}["if-none-match"] == "*"


def test_resource_paths_are_quoted() -> None:
    hub = HubRef(SUBSCRIPTION_ID, "rg iot", "h")
    assert hub.path == (
        f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg%20iot/providers/Microsoft.Devices/IotHubs/h"
    )
    group = ConsumerGroupRef(hub, "events", "a/b")
    assert group.path == f"{hub.path}/eventHubEndpoints/events/ConsumerGroups/a%2Fb"


def test_missing_hub_is_not_found_with_arm_code_and_request_id(api: IotHubApi, hub_ref: HubRef) -> None:
    with pytest.raises(NotFoundError) as info:
        api.get_hub(hub_ref)
    assert info.value.code == "ResourceNotFound"
    assert info.value.request_id
    assert api.find_hub(hub_ref) is None


def test_stale_etag_is_precondition_failed_with_numeric_code(api: IotHubApi, hub_ref: HubRef) -> None:
    api.put_hub(hub_ref, hub_body())
    with pytest.raises(PreconditionFailedError) as info:
        api.put_hub(hub_ref, hub_body({"a": "b"}), if_match="AAAAAAAAAAE=")
    assert info.value.status == 412 and info.value.code == 412001
    assert "pulumi refresh" in str(info.value)


def test_wrong_token_is_authentication_error_without_the_token(
    emulator: EmulatorServer, hub_ref: HubRef
) -> None:
    from iothub_provider.client.settings import Settings

    settings = Settings(
        endpoint=emulator.url, subscription_id=SUBSCRIPTION_ID, access_token="wrong-token-xyz"
    )
    api = IotHubApi(Transport(settings, StaticToken("wrong-token-xyz")))
    with pytest.raises(AuthenticationError) as info:
        api.get_hub(hub_ref)
    assert info.value.status == 401 and "wrong-token-xyz" not in str(info.value)


def test_throttling_is_retried_after_retry_after(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl, sleeps: list[float]
) -> None:
    api.put_hub(hub_ref, hub_body())
    control.add_fault(kind="throttle", method="GET", path="/IotHubs/hub-client-test", retry_after=2, count=2)
    assert api.get_hub(hub_ref)["name"] == "hub-client-test"
    assert sleeps == [3.0, 3.0]  # Retry-After 2 plus the top of the jitter (the fixture draws 1.0)


def test_transient_server_errors_are_retried(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl, sleeps: list[float]
) -> None:
    control.add_fault(kind="error", status=503, method="PUT", path="/IotHubs/hub-client-test", count=2)
    assert api.put_hub(hub_ref, hub_body())["properties"]["state"] == "Active"
    assert sleeps == [0.5, 1.0]


def test_internal_error_that_persists_is_reported(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl, sleeps: list[float]
) -> None:
    control.add_fault(
        kind="error", status=500, code=500019, method="GET", path="/IotHubs/hub-client-test", count=50
    )
    with pytest.raises(ServerError) as info:
        api.get_hub(hub_ref)
    assert info.value.code == 500019 and len(sleeps) == 5


def test_dropped_connections_are_retried(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl, sleeps: list[float]
) -> None:
    control.add_fault(kind="drop", method="PUT", path="/IotHubs/hub-client-test", count=1)
    assert api.put_hub(hub_ref, hub_body())["name"] == "hub-client-test"
    assert sleeps == [0.5]


def test_connection_refused_is_a_transport_error(hub_ref: HubRef, sleeps: list[float]) -> None:
    from iothub_provider.client.retry import RetryPolicy
    from iothub_provider.client.settings import Settings

    settings = Settings(endpoint="http://127.0.0.1:9", access_token="t")
    transport = Transport(settings, StaticToken("t"), retry=RetryPolicy(sleep=sleeps.append, max_attempts=2))
    with pytest.raises(TransportError) as info:
        IotHubApi(transport).get_hub(hub_ref)
    assert "connection failed" in str(info.value) and "Connection refused" in str(info.value)
    assert isinstance(info.value.__cause__, Exception)
    assert len(sleeps) == 1


def test_not_active_is_waited_out(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl, sleeps: list[float]
) -> None:
    api.put_hub(hub_ref, hub_body())
    group = ConsumerGroupRef(hub_ref, "events", "readers")
    control.add_fault(kind="not_active", method="PUT", path="/ConsumerGroups/readers", count=3)
    assert api.put_consumer_group(group)["name"] == "readers"
    assert sleeps == [0.5, 0.75, 1.125]


def test_async_failure_is_reported_with_its_error_body(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl
) -> None:
    control.add_fault(
        kind="fail_operation",
        method="PUT",
        path="/IotHubs/hub-client-test",
        code=400123,
        message="Endpoint Name:blob is not reachable",
    )
    with pytest.raises(OperationFailedError) as info:
        api.put_hub(hub_ref, hub_body())
    assert info.value.code == 400123 and info.value.status == "Failed"
    assert "Endpoint Name:blob is not reachable" in str(info.value)
    assert "operationResults" in info.value.operation_url


def test_get_404_after_put_is_waited_out(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl, sleeps: list[float]
) -> None:
    control.add_fault(kind="get_404_after_put", method="PUT", path="/IotHubs/hub-client-test", count=2)
    assert api.put_hub(hub_ref, hub_body())["name"] == "hub-client-test"
    assert sleeps == [0.5, 0.75]


def test_polling_follows_the_operation_until_done(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl, sleeps: list[float]
) -> None:
    control.set_provisioning("polls", 3)
    assert api.put_hub(hub_ref, hub_body())["properties"]["provisioningState"] == "Succeeded"
    # no time passes under the injected sleep, so the third wait is capped at 0.1 * ~0 s + 0.9 s
    assert sleeps == pytest.approx([0.5, 0.75, 0.9], abs=0.05)
    assert api.delete_hub(hub_ref) is True
    assert api.delete_hub(hub_ref) is False


def test_operation_urls_off_the_endpoint_are_refused(api: IotHubApi) -> None:
    with pytest.raises(ConfigurationError, match="refusing to send the ARM token"):
        api.transport.request("GET", "https://evil.example/steal", client_request_id="x")


def test_list_keys_and_consumer_groups(api: IotHubApi, hub_ref: HubRef) -> None:
    api.put_hub(hub_ref, hub_body())
    names = {p["keyName"] for p in api.list_keys(hub_ref)}
    assert {"iothubowner", "service"} <= names
    group = ConsumerGroupRef(hub_ref, "events", "analytics")
    api.put_consumer_group(group)
    assert {g["name"] for g in api.list_consumer_groups(group)} == {"$Default", "analytics"}
    assert api.delete_consumer_group(group) is True
    assert api.delete_consumer_group(group) is False
    assert api.check_name_availability(SUBSCRIPTION_ID, hub_ref.name)["nameAvailable"] is False


def test_four_concurrent_operations_share_one_session(api: IotHubApi, resource_group: str) -> None:
    refs = [HubRef(SUBSCRIPTION_ID, resource_group, f"hub-par-{i}") for i in range(4)]
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def create(ref: HubRef) -> None:
        try:
            results[ref.name] = api.put_hub(ref, hub_body())["properties"]["state"]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(ref,)) for ref in refs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert results == {ref.name: "Active" for ref in refs}


def test_retry_after_on_a_delete_paces_the_polls(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl, sleeps: list[float]
) -> None:
    api.put_hub(hub_ref, hub_body())
    control.set_provisioning("polls", 2, retry_after=2)
    sleeps.clear()
    assert api.delete_hub(hub_ref) is True
    assert sleeps == [
        2.0,
        0.5,
        0.75,
    ]  # Retry-After of the 202 first, then the schedule (status polls carry none)
    assert api.find_hub(hub_ref) is None


def test_a_slow_response_within_the_read_timeout_is_waited_for(
    api: IotHubApi,
    hub_ref: HubRef,
    control: EmulatorControl,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transport_module, "READ_TIMEOUT", 2.0)
    control.add_fault(kind="delay", delay=0.3, method="PUT", path="/IotHubs/hub-client-test")
    assert api.put_hub(hub_ref, hub_body())["name"] == "hub-client-test"
    assert [rule["fired"] for rule in control.faults()] == [1] and sleeps == []  # slow, and not retried


def test_a_response_slower_than_the_read_timeout_is_a_transport_error_and_retried(
    api: IotHubApi,
    hub_ref: HubRef,
    control: EmulatorControl,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transport_module, "READ_TIMEOUT", 0.2)
    api.put_hub(hub_ref, hub_body())
    control.clear_requests()
    control.add_fault(kind="delay", delay=0.5, method="GET", path="/IotHubs/hub-client-test")
    assert api.get_hub(hub_ref)["name"] == "hub-client-test"
    assert [rule["fired"] for rule in control.faults()] == [1] and sleeps == [0.5]
    control.add_fault(kind="delay", delay=0.5, method="GET", path="/IotHubs/hub-client-test", count=10)
    with pytest.raises(TransportError, match="timed out"):
        api.get_hub(hub_ref)
    answered_after_the_test(control, 2 + 6)


def answered_after_the_test(control: EmulatorControl, requests: int) -> None:
    """Wait until the emulator has answered (and logged) the requests the client gave up on, so that none
    lands in the request log of a later test."""
    waited = 0.0
    while len(control.requests()) < requests and waited < 5.0:
        time.sleep(0.05)
        waited += 0.05
    assert len(control.requests()) == requests


def test_a_throttling_burst_far_beyond_six_attempts_is_waited_out(
    api: IotHubApi, hub_ref: HubRef, control: EmulatorControl, sleeps: list[float]
) -> None:
    """25 answers 429 in a row (six attempts used to be the limit): the create still completes."""
    control.add_fault(kind="throttle", method="PUT", path="/IotHubs/hub-client-test", retry_after=1, count=25)
    assert api.put_hub(hub_ref, hub_body())["properties"]["state"] == "Active"
    assert sleeps == [1.5] * 25
    assert [rule["fired"] for rule in control.faults()] == [25]


def running_create(settings: Settings, timeout: float, draw: float) -> tuple[IotHubApi, FakeTime]:
    """A client on a fake clock whose operations get ``timeout`` s; the emulator keeps creates running."""
    fake = FakeTime()
    retry = RetryPolicy(sleep=fake.sleep, clock=fake.clock, random=lambda: draw)
    transport = Transport(
        replace(settings, operation_timeout=timeout), StaticToken(settings.access_token or ""), retry=retry
    )
    return IotHubApi(transport), fake


FIVE_POLLS = 0.5 + 0.75 + 1.025 + 1.1275 + 1.24025
"""Where the fifth wait between status reads ends: the faults below start at the sixth read, mid-operation
(a read failing from the first one would have the whole deadline either way and prove nothing)."""


def test_a_throttled_status_poll_never_carries_the_operation_past_its_deadline(
    settings: Settings, hub_ref: HubRef, control: EmulatorControl
) -> None:
    """From the sixth status read of a running create on, every read is throttled: the retries of a read
    get only what is left of the operation's 20 s, not a deadline of their own."""
    api, fake = running_create(settings, timeout=20.0, draw=0.0)
    control.set_provisioning("polls", 1000)
    control.add_fault(
        kind="throttle", method="GET", path="/operationResults/", retry_after=3, after=5, count=1000
    )
    with pytest.raises(ThrottledError) as info:
        api.put_hub(hub_ref, hub_body())
    api.transport.close()
    assert fake.sleeps[:5] == pytest.approx([0.5, 0.75, 1.025, 1.1275, 1.24025])
    assert fake.sleeps[5:] == [3.0] * 5  # a sixth wait would end at 22.6 s
    assert fake.now == pytest.approx(FIVE_POLLS + 15.0) and fake.now <= 20.0
    assert "iothub:operationTimeout" in str(info.value)


def test_a_failing_status_poll_never_carries_the_operation_past_its_deadline(
    settings: Settings, hub_ref: HubRef, control: EmulatorControl
) -> None:
    """From the sixth status read on, every read answers 503: its retries (six attempts and 15.5 s of
    backoff of their own) get only what is left of the operation's 10 s."""
    api, fake = running_create(settings, timeout=10.0, draw=1.0)
    control.set_provisioning("polls", 1000)
    control.add_fault(kind="error", status=503, method="GET", path="/operationResults/", after=5, count=1000)
    with pytest.raises(ServerError):
        api.put_hub(hub_ref, hub_body())
    api.transport.close()
    assert fake.sleeps[5:] == [0.5, 1.0, 2.0]  # the next backoff, 4 s, would end at 12.1 s
    assert fake.now == pytest.approx(FIVE_POLLS + 3.5) and fake.now <= 10.0
    assert [rule["fired"] for rule in control.faults()] == [4]

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    "</center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n"
)
ENVOY_503 = "upstream connect error or disconnect/reset before headers. reset reason: connection termination"
ECHOING_400 = "refused by the proxy, which saw Authorization: Bearer eyJ0eXAiOiJKV1Q.x.y " + "pad " * 100


class GatewayStandIn:
    """A reverse proxy on loopback answering every request with one fixed non-JSON error page."""

    def __init__(self) -> None:
        self.answer: tuple[int, str, str] = (502, "text/html", NGINX_502)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, content_type, text = stand_in.answer
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def gateway() -> Iterator[GatewayStandIn]:
    stand_in = GatewayStandIn()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


@pytest.fixture
def through_gateway(gateway: GatewayStandIn, hub_ref: HubRef) -> Iterator[IotHubApi]:
    fake = FakeTime()
    transport = Transport(
        Settings(endpoint=gateway.url, access_token="t"),
        StaticToken("t"),
        retry=RetryPolicy(sleep=fake.sleep, clock=fake.clock, random=lambda: 0.0),
    )
    yield IotHubApi(transport)
    transport.close()


def test_a_gateways_html_error_page_is_shown_by_its_title(
    through_gateway: IotHubApi, hub_ref: HubRef
) -> None:
    with pytest.raises(ServerError) as info:
        through_gateway.get_hub(hub_ref)
    assert info.value.status == 502 and info.value.message == "502 Bad Gateway"
    assert str(info.value).endswith("failed with HTTP 502: 502 Bad Gateway")


def test_a_proxys_plain_text_error_is_shown_after_the_reason(
    through_gateway: IotHubApi, hub_ref: HubRef, gateway: GatewayStandIn
) -> None:
    gateway.answer = (503, "text/plain", ENVOY_503)
    with pytest.raises(ServerError) as info:
        through_gateway.get_hub(hub_ref)
    assert info.value.message == f"Service Unavailable: {ENVOY_503}"


def test_a_long_error_text_is_cut_and_a_token_it_echoes_is_masked(
    through_gateway: IotHubApi, hub_ref: HubRef, gateway: GatewayStandIn
) -> None:
    gateway.answer = (400, "text/plain", ECHOING_400)
    with pytest.raises(ArmError) as info:
        through_gateway.get_hub(hub_ref)
    shown = "Bad Request: refused by the proxy, which saw Authorization: Bearer <redacted> pad pad"
    assert info.value.message.startswith(shown) and info.value.message.endswith("...")
    assert len(info.value.message) <= len("Bad Request: ") + 200
    assert "eyJ0eXAiOiJKV1Q" not in str(info.value)
