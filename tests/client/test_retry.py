"""The retry policy's decisions and schedules, recorded through an injected sleep (no waiting)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from iothub_provider.client.polling import poll_interval
from iothub_provider.client.retry import RetryPolicy, is_retryable
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


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def policy(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, random=lambda: 1.0)


def test_retry_after_wins_over_backoff(policy: RetryPolicy, sleeps: list[float]) -> None:
    call, calls = scripted(
        arm(ThrottledError, 429, retry_after=3), arm(ThrottledError, 429, retry_after=1), "ok"
    )
    assert policy.call(call, idempotent=True, what="GET x") == "ok"
    assert sleeps == [3.0, 1.0] and len(calls) == 3


def test_retry_after_is_capped(policy: RetryPolicy, sleeps: list[float]) -> None:
    call, _ = scripted(arm(ThrottledError, 429, retry_after=3600), "ok")
    policy.call(call, idempotent=True, what="GET x")
    assert sleeps == [60.0]


def test_transient_5xx_backs_off_exponentially_then_gives_up(
    policy: RetryPolicy, sleeps: list[float]
) -> None:
    errors = [arm(ServerError, 503) for _ in range(6)]
    call, calls = scripted(*errors)
    with pytest.raises(ServerError) as info:
        policy.call(call, idempotent=True, what="GET x")
    assert info.value is errors[-1]
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert len(calls) == 6


def test_jitter_stays_between_half_and_full_backoff(sleeps: list[float]) -> None:
    low = RetryPolicy(sleep=sleeps.append, random=lambda: 0.0)
    call, _ = scripted(arm(ServerError, 500), arm(ServerError, 500), "ok")
    low.call(call, idempotent=True, what="GET x")
    assert sleeps == [0.25, 0.5]


def test_budget_stops_before_a_sleep_would_cross_it(sleeps: list[float]) -> None:
    policy = RetryPolicy(sleep=sleeps.append, random=lambda: 1.0, budget=10.0, max_attempts=50)
    call, calls = scripted(*[arm(ThrottledError, 429, retry_after=4) for _ in range(10)])
    with pytest.raises(ThrottledError):
        policy.call(call, idempotent=True, what="GET x")
    assert sleeps == [4.0, 4.0] and len(calls) == 3


def test_connection_errors_retried_on_idempotent_calls(policy: RetryPolicy, sleeps: list[float]) -> None:
    call, calls = scripted(TransportError("reset", method="GET", url="u"), "ok")
    assert policy.call(call, idempotent=True, what="GET x") == "ok"
    assert sleeps == [0.5]


def test_non_idempotent_calls_retry_only_throttling(policy: RetryPolicy, sleeps: list[float]) -> None:
    call, calls = scripted(arm(ServerError, 500))
    with pytest.raises(ServerError):
        policy.call(call, idempotent=False, what="POST x")
    assert len(calls) == 1
    call, calls = scripted(arm(ThrottledError, 429, retry_after=2), "ok")
    assert policy.call(call, idempotent=False, what="POST x") == "ok"


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
        policy.call(call, idempotent=True, what="PUT x")
    assert len(calls) == 1


def test_retry_after_on_a_permanent_4xx_does_not_make_it_retryable() -> None:
    assert not is_retryable(arm(ArmError, 400, retry_after=5), idempotent=True)


def test_not_active_is_waited_out_on_the_polling_curve(sleeps: list[float]) -> None:
    policy = RetryPolicy(sleep=sleeps.append, random=lambda: 1.0, max_attempts=2)
    call, calls = scripted(*[arm(NotActiveError, 409, code=409002) for _ in range(8)], "ok")
    assert policy.call(call, idempotent=True, what="PUT x") == "ok"
    assert sleeps == [poll_interval(n) for n in range(1, 9)]
    assert len(calls) == 9


def test_not_active_stops_at_its_deadline(sleeps: list[float]) -> None:
    policy = RetryPolicy(sleep=sleeps.append, random=lambda: 1.0, not_active_budget=5.0)
    call, _ = scripted(*[arm(NotActiveError, 409, code=409002) for _ in range(20)])
    with pytest.raises(NotActiveError):
        policy.call(call, idempotent=True, what="PUT x")
    assert sum(sleeps) < 5.0
    assert sleeps == [0.5, 0.75, 1.125, 1.6875]
