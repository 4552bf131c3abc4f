"""Long-running operations driven by scripted status responses, an injected sleep and a fake clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from iothub_provider.client.polling import (
    AsyncOperationPolling,
    LocationPolling,
    NotFoundMeans,
    Poller,
    ProvisioningStatePolling,
    choose_strategy,
    next_poll_delay,
    poll_interval,
)
from iothub_provider.client.wire import ArmResponse
from iothub_provider.errors import NotFoundError, OperationFailedError, OperationTimeoutError
from tests.client.fake_time import FakeTime

BASE = "https://management.azure.com"
HUB = f"{BASE}/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/h"
AAO = (
    f"{BASE}/subscriptions/s/providers/Microsoft.Devices/locations/westeurope/operationResults/op1?asyncinfo"
)
LOC = f"{BASE}/subscriptions/s/providers/Microsoft.Devices/locations/westeurope/operationResults/op1"


def resp(status: int = 200, body: Any = None, url: str = HUB, **headers: str) -> ArmResponse:
    return ArmResponse(
        status=status,
        headers={k.lower().replace("_", "-"): v for k, v in headers.items()},
        body=body,
        url=url,
        request_id="rid",
    )


class Script:
    """Answers GETs per URL from queues; records every URL fetched."""

    def __init__(self, answers: dict[str, list[ArmResponse | Exception]]) -> None:
        self.answers = answers
        self.fetched: list[str] = []

    def __call__(self, url: str) -> ArmResponse:
        self.fetched.append(url)
        item = self.answers[url].pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def poller(script: Callable[[str], ArmResponse], fake: FakeTime, timeout: float = 1800.0) -> Poller:
    return Poller(fetch=script, deadline=fake.now + timeout, sleep=fake.sleep, clock=fake.clock)


def not_found() -> NotFoundError:
    return NotFoundError(status=404, code="ResourceNotFound", message="gone", request_id="r")


def test_schedule_starts_near_half_a_second_and_levels_at_ten() -> None:
    assert [round(poll_interval(n), 3) for n in range(1, 11)] == [
        0.5,
        0.75,
        1.125,
        1.688,
        2.531,
        3.797,
        5.695,
        8.543,
        10.0,
        10.0,
    ]


def test_strategy_order_aao_then_location_then_provisioning_state() -> None:
    both = resp(202, None, Azure_AsyncOperation=AAO, Location=LOC)
    assert isinstance(choose_strategy("DELETE", HUB, both), AsyncOperationPolling)
    assert isinstance(choose_strategy("DELETE", HUB, resp(202, None, Location=LOC)), LocationPolling)
    accepted = resp(201, {"properties": {"provisioningState": "Accepted"}})
    assert isinstance(choose_strategy("PUT", HUB, accepted), ProvisioningStatePolling)
    assert choose_strategy("PUT", HUB, resp(200, {"properties": {"provisioningState": "Succeeded"}})) is None
    assert choose_strategy("DELETE", HUB, resp(204)) is None


def test_azure_async_operation_then_final_get() -> None:
    fake = FakeTime(1000.0)
    final = resp(200, {"name": "h", "properties": {"state": "Active"}})
    running = resp(200, {"status": "Running"}, url=AAO)
    script = Script({AAO: [running, running, resp(200, {"status": "Succeeded"}, url=AAO)], HUB: [final]})
    initial = resp(201, {"properties": {"provisioningState": "Accepted"}}, Azure_AsyncOperation=AAO)
    assert poller(script, fake).wait("PUT", HUB, initial) is final
    assert script.fetched == [AAO, AAO, AAO, HUB]
    assert fake.sleeps == [0.5, 0.75]


def test_retry_after_on_a_status_response_wins() -> None:
    fake = FakeTime(1000.0)
    script = Script(
        {
            AAO: [
                resp(200, {"status": "Running"}, url=AAO, Retry_After="4"),
                resp(200, {"status": "Succeeded"}, url=AAO),
            ]
        }
    )
    initial = resp(202, None, Azure_AsyncOperation=AAO, Retry_After="15")
    assert poller(script, fake).wait("DELETE", HUB, initial) is None
    assert fake.sleeps == [15.0, 4.0]


def test_location_polling_until_a_non_202() -> None:
    fake = FakeTime(1000.0)
    script = Script({LOC: [resp(202, None, url=LOC), resp(202, None, url=LOC), resp(204, None, url=LOC)]})
    assert poller(script, fake).wait("DELETE", HUB, resp(202, None, Location=LOC)) is None
    assert script.fetched == [LOC, LOC, LOC]


def test_location_404_ends_a_delete() -> None:
    fake = FakeTime(1000.0)
    script = Script({LOC: [resp(202, None, url=LOC), not_found()]})
    assert poller(script, fake).wait("DELETE", HUB, resp(202, None, Location=LOC)) is None


def test_provisioning_state_polling_returns_the_resource() -> None:
    fake = FakeTime(1000.0)
    done = resp(200, {"properties": {"provisioningState": "Succeeded"}})
    script = Script({HUB: [resp(200, {"properties": {"provisioningState": "Activating"}}), done]})
    initial = resp(201, {"properties": {"provisioningState": "Accepted"}})
    assert poller(script, fake).wait("PUT", HUB, initial) is done
    assert fake.sleeps == [0.5]


def test_failed_operation_carries_the_async_error_body() -> None:
    fake = FakeTime(1000.0)
    error = {"code": 400123, "httpStatusCode": "BadRequest", "message": "Endpoint Name:x is invalid"}
    script = Script({AAO: [resp(200, {"status": "Failed", "error": error}, url=AAO)]})
    with pytest.raises(OperationFailedError) as info:
        poller(script, fake).wait("PUT", HUB, resp(201, {}, Azure_AsyncOperation=AAO))
    assert info.value.error == error and info.value.code == 400123
    assert "Endpoint Name:x is invalid" in str(info.value) and "asyncinfo" not in str(info.value)


def test_timeout_names_the_operation_url() -> None:
    fake = FakeTime(1000.0)
    script = Script({AAO: [resp(200, {"status": "Running"}, url=AAO) for _ in range(100)]})
    with pytest.raises(OperationTimeoutError) as info:
        poller(script, fake, timeout=30.0).wait("PUT", HUB, resp(201, {}, Azure_AsyncOperation=AAO))
    assert info.value.operation_url == AAO.split("?")[0]
    assert "operationResults/op1" in str(info.value) and "Running" in str(info.value)
    assert sum(fake.sleeps) <= 30.0 + 1e-9  # never sleeps past the deadline


def test_final_get_waits_out_a_brief_404_after_success() -> None:
    fake = FakeTime(1000.0)
    final = resp(200, {"name": "h"})
    script = Script(
        {AAO: [resp(200, {"status": "Succeeded"}, url=AAO)], HUB: [not_found(), not_found(), final]}
    )
    assert poller(script, fake).wait("PUT", HUB, resp(201, {}, Azure_AsyncOperation=AAO)) is final
    assert fake.sleeps == [0.5, 0.75]


def test_a_provisioning_state_poll_of_a_write_rides_out_a_404() -> None:
    """Watching the resource itself after a write: the service's brief 404 is "not yet", not "gone"."""
    fake = FakeTime(1000.0)
    done = resp(200, {"properties": {"provisioningState": "Succeeded"}})
    script = Script({HUB: [not_found(), resp(200, {"properties": {"provisioningState": "Updating"}}), done]})
    initial = resp(201, {"properties": {"provisioningState": "Accepted"}})
    assert poller(script, fake).wait("PUT", HUB, initial) is done
    assert script.fetched == [HUB, HUB, HUB]


def test_a_404_after_a_write_is_ridden_out_only_until_the_deadline() -> None:
    fake = FakeTime(1000.0)
    script = Script({HUB: [not_found() for _ in range(100)]})
    with pytest.raises(OperationTimeoutError) as info:
        poller(script, fake, timeout=20.0).read_after_write(HUB)
    assert sum(fake.sleeps) <= 20.0 and "NotFound" in str(info.value)


def test_the_deadline_counts_from_the_start_of_the_operation_not_of_the_polling() -> None:
    """A write that took 25 s to be accepted (throttled, say) leaves 5 s of a 30 s deadline to poll."""
    fake = FakeTime(1000.0)
    operation = poller(Script({AAO: [resp(200, {"status": "Running"}, url=AAO) for _ in range(50)]}), fake,
                       timeout=30.0)
    fake.now += 25.0
    with pytest.raises(OperationTimeoutError):
        operation.wait("PUT", HUB, resp(201, {}, Azure_AsyncOperation=AAO))
    assert sum(fake.sleeps) <= 5.0



@dataclass
class ResultHeaderPolling:
    """A strategy the poller has never heard of: a monitor whose last answer names the result's URL in a
    header, and which is not readable at first."""

    url: str
    name: str = "x-result"
    result_url: str | None = None

    def status_url(self) -> str:
        return self.url

    def status(self, response: ArmResponse) -> str:
        self.result_url = response.header("x-result")
        return str(response.body["status"])

    def error(self, response: ArmResponse) -> dict[str, Any] | None:
        return None

    def not_found(self, method: str) -> NotFoundMeans:
        return "not yet"

    def final_get_url(self, resource_url: str, last: ArmResponse) -> str | None:
        return self.result_url


def test_a_new_strategy_decides_its_404s_and_its_final_read_without_a_change_to_the_poller() -> None:
    fake = FakeTime(1000.0)
    result = f"{BASE}/results/r1"
    final = resp(200, {"name": "h"}, url=result)
    script = Script(
        {
            LOC: [not_found(), resp(200, {"status": "Running"}, url=LOC)]
            + [resp(200, {"status": "Succeeded"}, url=LOC, X_Result=result)],
            result: [final],
        }
    )
    strategy = ResultHeaderPolling(LOC)
    assert poller(script, fake).follow("PUT", HUB, strategy, resp(202, None)) is final
    assert script.fetched == [LOC, LOC, LOC, result]
    assert fake.sleeps == [0.5, 0.75]

def _seen_done(duration: float, sdk: bool = False) -> tuple[float, int]:
    """When a client on our schedule (or on azure-core's default: at once, then every 30 s) sees the end."""
    t, reads = 0.0, 1
    while t < duration:
        t += 30.0 if sdk else next_poll_delay(reads, t)
        reads += 1
    return t, reads


DURATIONS = [0.3, 1, 2, 3.7, 5, 9.9, 20, 29.5, 30, 31, 45, 60, 90, 119, 120, 300, 1000]


@pytest.mark.parametrize("duration", DURATIONS)
def test_schedule_sees_the_end_within_ten_percent_plus_one_second_and_never_after_the_sdk(
    duration: float,
) -> None:
    seen, reads = _seen_done(duration)
    assert seen <= 1.1 * duration + 1.0
    assert seen <= _seen_done(duration, sdk=True)[0] + 1e-9
    if duration <= 120:
        assert reads <= 35
