"""The retry policy's decisions and schedules, recorded through an injected sleep and clock (no waiting)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from iothub_provider.client.polling import Poller
from iothub_provider.client.retry import RetryPolicy, is_retryable
from iothub_provider.client.wire import ArmResponse
from iothub_provider.errors import (
    ArmError,
    AuthenticationError,
    NotActiveError,
    NotFoundError,
    PreconditionFailedError,
    ServerError,
    ThrottledError,
    TransportError,
)
from tests.client.fake_time import FakeTime


def arm(
    cls: type[ArmError], status: int, *, retry_after: float | None = None, code: object = None
) -> ArmError:
    return cls(status=status, code=code, message="m", request_id="r", retry_after=retry_after)  # type: ignore[arg-type]


def scripted(*outcomes: BaseException | str) -> tuple[Callable[[], str], list[int]]:
    """A call that raises or returns the outcomes in order, and a counter of calls."""
    calls: list[int] = []
    items: Iterator[BaseException | str] = iter(outcomes)

    def call() -> str:
        calls.append(1)
        item = next(items)
        if isinstance(item, BaseException):
            raise item
        return item

    return call, calls


DEADLINE = 1800.0


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime(500.0)


@pytest.fixture
def sleeps(fake: FakeTime) -> list[float]:
    return fake.sleeps


def make(fake: FakeTime, *, draw: float = 0.0, **bounds: float) -> RetryPolicy:
    """A policy on the fake clock whose every random draw is ``draw``."""
    return RetryPolicy(sleep=fake.sleep, clock=fake.clock, random=lambda: draw, **bounds)  # type: ignore[arg-type]


@pytest.fixture
def policy(fake: FakeTime) -> RetryPolicy:
    return make(fake, draw=1.0)


def run(
    policy: RetryPolicy, call: Callable[[], str], *, within: float = DEADLINE, idempotent: bool = True
) -> str:
    return policy.call(call, idempotent=idempotent, what="GET x", within=within)


def throttled(retry_after: float | None = 1) -> ArmError:
    return arm(ThrottledError, 429, retry_after=retry_after)


def test_retry_after_is_honoured_and_never_shortened_by_the_jitter(fake: FakeTime) -> None:
    call, calls = scripted(throttled(3), throttled(1), "ok")
    assert run(make(fake, draw=0.0), call) == "ok"
    assert fake.sleeps == [3.0, 1.0] and len(calls) == 3


def test_jitter_adds_up_to_half_the_retry_after_and_at_most_five_seconds(fake: FakeTime) -> None:
    call, _ = scripted(throttled(3), throttled(1), throttled(30), "ok")
    run(make(fake, draw=1.0), call)
    assert fake.sleeps == [4.5, 1.5, 35.0]


def test_retry_after_is_capped_at_one_minute_before_the_jitter(fake: FakeTime) -> None:
    call, _ = scripted(throttled(3600), throttled(3600), "ok")
    run(make(fake, draw=0.0), call)
    top = FakeTime(500.0)
    call, _ = scripted(throttled(3600), "ok")
    run(make(top, draw=1.0), call)
    assert fake.sleeps == [60.0, 60.0] and top.sleeps == [65.0]


def test_a_429_and_a_status_poll_asking_for_an_hour_both_wait_the_one_cap(fake: FakeTime) -> None:
    """One cap (polling.RETRY_AFTER_CAP) for both: a Retry-After of an hour waits one minute either way."""
    call, _ = scripted(throttled(3600), "ok")
    run(make(fake, draw=0.0), call)  # no jitter drawn: the capped wait itself
    monitor = "https://management.azure.com/subscriptions/s/providers/Microsoft.Devices/operationResults/o"
    answers = iter(
        [
            ArmResponse(status=200, headers={"retry-after": "3600"}, body={"status": "Running"}, url=monitor),
            ArmResponse(status=200, headers={}, body={"status": "Succeeded"}, url=monitor),
        ]
    )
    polled = FakeTime(500.0)
    poller = Poller(fetch=lambda _url: next(answers), deadline=4000.0, sleep=polled.sleep, clock=polled.clock)
    initial = ArmResponse(status=202, headers={"azure-asyncoperation": monitor}, body=None, url=monitor)
    assert poller.wait("DELETE", monitor, initial) is None
    assert fake.sleeps == [60.0] and polled.sleeps == [60.0]


def test_clients_told_the_same_retry_after_come_back_spread_out() -> None:
    """Eight stacks throttled by one window: their retries must not land in the same instant again."""
    waits = []
    for client in range(8):
        fake = FakeTime(500.0)
        rng = random.Random(client)
        call, _ = scripted(throttled(1), "ok")
        RetryPolicy(sleep=fake.sleep, clock=fake.clock, random=rng.random).call(
            call, idempotent=True, what="GET x", within=DEADLINE
        )
        waits += fake.sleeps
    assert all(1.0 <= w <= 1.5 for w in waits)
    assert max(waits) - min(waits) > 0.25
    assert len(set(waits)) == 8


def test_a_throttle_without_retry_after_backs_off_per_consecutive_429(fake: FakeTime) -> None:
    call, _ = scripted(throttled(None), throttled(0), throttled(None), "ok")
    run(make(fake, draw=0.0), call)
    assert fake.sleeps == [0.5, 1.0, 2.0]


def test_a_throttling_burst_far_longer_than_the_attempts_is_waited_out(fake: FakeTime) -> None:
    """Throttling does not count against the attempts of real failures: 40 answers 429 in a row, then ok."""
    call, calls = scripted(*[throttled(1) for _ in range(40)], "ok")
    assert run(make(fake, draw=0.0, max_attempts=6, budget=10.0), call) == "ok"
    assert len(calls) == 41 and fake.sleeps == [1.0] * 40


def test_throttling_ends_at_the_operation_deadline_with_a_hint(fake: FakeTime) -> None:
    call, calls = scripted(*[throttled(4) for _ in range(10)])
    with pytest.raises(ThrottledError) as info:
        run(make(fake, draw=0.0), call, within=10.0)
    assert fake.sleeps == [4.0, 4.0] and len(calls) == 3
    assert "8 s" in str(info.value) and "iothub:operationTimeout" in str(info.value)
    assert str(info.value).endswith("[x-ms-request-id: r]")
    assert isinstance(info.value.__cause__, ThrottledError)


def test_throttling_does_not_use_up_the_attempts_of_real_failures(fake: FakeTime) -> None:
    """Ten 429s, then five 503s: the request still has its sixth attempt, and it succeeds."""
    outcomes: list[BaseException | str] = [throttled(1) for _ in range(10)]
    outcomes += [arm(ServerError, 503) for _ in range(5)]
    call, calls = scripted(*outcomes, "ok")
    assert run(make(fake, draw=1.0), call) == "ok"
    assert len(calls) == 16
    assert fake.sleeps[10:] == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_transient_5xx_backs_off_exponentially_then_gives_up(
    policy: RetryPolicy, sleeps: list[float]
) -> None:
    errors = [arm(ServerError, 503) for _ in range(6)]
    call, calls = scripted(*errors)
    with pytest.raises(ServerError) as info:
        run(policy, call)
    assert info.value is errors[-1]
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert len(calls) == 6


def test_jitter_stays_between_half_and_full_backoff(fake: FakeTime) -> None:
    call, _ = scripted(arm(ServerError, 500), arm(ServerError, 500), "ok")
    run(make(fake, draw=0.0), call)
    assert fake.sleeps == [0.25, 0.5]


def test_real_failures_stop_before_a_sleep_would_cross_their_budget(fake: FakeTime) -> None:
    policy = make(fake, draw=1.0, budget=10.0, max_attempts=50)
    call, calls = scripted(*[arm(ServerError, 503, retry_after=4) for _ in range(10)])
    with pytest.raises(ServerError):
        run(policy, call)
    assert fake.sleeps == [4.0, 4.0] and len(calls) == 3


def test_the_budget_of_real_failures_starts_at_the_first_of_them(fake: FakeTime) -> None:
    """A minute of throttling before a 503 does not eat the 503's 120 s."""
    policy = make(fake, draw=0.0, budget=10.0, max_attempts=50)
    outcomes: list[BaseException | str] = [throttled(30), throttled(30)]
    outcomes += [arm(ServerError, 503, retry_after=4) for _ in range(10)]
    call, calls = scripted(*outcomes)
    with pytest.raises(ServerError):
        run(policy, call)
    assert fake.sleeps == [30.0, 30.0, 4.0, 4.0] and len(calls) == 5


def test_no_retry_sleeps_past_the_operation_deadline(fake: FakeTime) -> None:
    call, calls = scripted(*[arm(ServerError, 503) for _ in range(6)])
    with pytest.raises(ServerError):
        run(make(fake, draw=1.0), call, within=3.0)
    assert fake.sleeps == [0.5, 1.0] and len(calls) == 3


def test_time_spent_in_attempts_counts_against_the_deadline(fake: FakeTime) -> None:
    """Slow answers use up the deadline too: the clock, not only the sleeps, is read."""
    def slow_throttle() -> str:
        fake.now += 5.0
        raise throttled(1)

    with pytest.raises(ThrottledError):
        run(make(fake, draw=0.0), slow_throttle, within=14.0)
    assert fake.sleeps == [1.0, 1.0]  # 5 + 1 + 5 + 1 + 5 = 17: a third sleep would end past 14 s


def test_connection_errors_retried_on_idempotent_calls(policy: RetryPolicy, sleeps: list[float]) -> None:
    call, calls = scripted(TransportError("reset", method="GET", url="u"), "ok")
    assert run(policy, call) == "ok"
    assert sleeps == [0.5]


def test_non_idempotent_calls_retry_only_throttling(policy: RetryPolicy, sleeps: list[float]) -> None:
    call, calls = scripted(arm(ServerError, 500))
    with pytest.raises(ServerError):
        run(policy, call, idempotent=False)
    assert len(calls) == 1
    call, calls = scripted(throttled(2), "ok")
    assert run(policy, call, idempotent=False) == "ok"


@pytest.mark.parametrize(
    "error",
    [
        arm(ArmError, 400),
        arm(AuthenticationError, 401),
        arm(NotFoundError, 404),
        arm(PreconditionFailedError, 412),
        arm(ServerError, 501),
    ],
)
def test_errors_that_will_not_change_are_never_retried(error: ArmError, policy: RetryPolicy) -> None:
    call, calls = scripted(error)
    with pytest.raises(type(error)):
        run(policy, call)
    assert len(calls) == 1


def test_retry_after_on_a_permanent_4xx_does_not_make_it_retryable() -> None:
    assert not is_retryable(arm(ArmError, 400, retry_after=5), idempotent=True)


def test_not_active_is_waited_out_on_the_polling_curve(fake: FakeTime) -> None:
    policy = make(fake, draw=1.0, max_attempts=2)
    call, calls = scripted(*[arm(NotActiveError, 409, code=409002) for _ in range(8)], "ok")
    assert run(policy, call) == "ok"
    assert fake.sleeps == [0.5, 0.75, 1.125, 1.6875, 2.53125, 3.796875, 5.6953125, 8.54296875]
    assert len(calls) == 9


def test_not_active_stops_at_the_operation_deadline(fake: FakeTime) -> None:
    call, _ = scripted(*[arm(NotActiveError, 409, code=409002) for _ in range(20)])
    with pytest.raises(NotActiveError):
        run(make(fake, draw=1.0), call, within=5.0)
    assert sum(fake.sleeps) < 5.0
    assert fake.sleeps == [0.5, 0.75, 1.125, 1.6875]
