"""The request retry policy, written out in one place (tenacity drives the loop, never with its defaults).

What is retried, per single ARM request:

| failure | idempotent call (GET, PUT, DELETE, listkeys, ...) | other (none today) | counts as |
| --- | --- | --- | --- |
| 429 ThrottledError | yes | yes (not processed) | throttling |
| 409 code 409002 NotActiveError | yes | yes | waiting for the hub |
| 500, 502, 503, 504 ServerError | yes | no | a real failure |
| TransportError (refused, reset, timeout) | yes | no | a real failure |
| TransportError: certificate failed verification | never | never | |
| any other 4xx (400, 401, 403, 404, 409, 412) | never: it will not change by waiting | never | |

Every request runs ``within`` the time left to its operation's deadline (``iothub:operationTimeout``, 30 min
by default, counted from the start of the operation: a single request, or a write and the polling that
follows it). No retry sleeps past that deadline, whatever failed.

Throttling is waited out, as pulumi-azure-native and the azurerm Terraform provider make Azure's Go client do
(go-autorest with ``Count429AsRetry = false``): a 429 is not counted against the attempts of real failures,
and only the deadline ends the wait. So a throttling burst shorter than the deadline never fails a deploy or
a destroy. The wait after a 429 is its ``Retry-After`` (seconds, HTTP date or ``retry-after-ms``; capped at
``polling.RETRY_AFTER_CAP``, 60 s, the one cap the poller applies too), or, when the answer names none (or
0), the backoff curve below counted in consecutive 429s; then a jitter is added on top, drawn from
[0, half of that wait] and at most ``throttle_jitter_max`` (5 s): clients told "1 s" by the same throttling
window come back spread over 1-1.5 s, not in lockstep, and never before the server asked.

409002 (hub not Active) ends when the hub's own operation ends, not when a server recovers: it waits on the
polling curve of ``iothub_provider.client.polling`` (0.5 s growing by 1.5x to 10 s), or its ``Retry-After``,
until the deadline.

Real failures (5xx, transport) back off exponentially with jitter: nominal 0.5, 1, 2, 4, 8 s (cap 20 s), each
multiplied by a factor drawn from [0.5, 1.0] (a ``Retry-After`` on a 503 wins). They give up after
``max_attempts`` (6) real failures, or when the next sleep would end more than ``budget`` (120 s) after the
first of them, or at the deadline, whichever comes first; then the last error is raised as it is. A request
that was throttled for a while and then meets a 503 still has its six attempts and its 120 s.

A 429 that outlives the deadline is raised with a hint saying how long it was waited out.

``sleep``, ``clock`` and ``random`` are injectable: tests record the exact schedule without waiting, and the
operation poller shares the same sleep and clock (``IotHubApi`` takes them from here).
"""

from __future__ import annotations

import logging
import random as _random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

from iothub_provider.client.polling import RETRY_AFTER_CAP, poll_interval
from iothub_provider.errors import (
    NotActiveError,
    ServerError,
    ThrottledError,
    TransportError,
)

log = logging.getLogger("iothub_provider.retry")

T = TypeVar("T")

TRANSIENT_SERVER_STATUSES = frozenset({500, 502, 503, 504})


@dataclass
class _Tally:
    """One request's failures by kind, and the time it has spent, across its attempts."""

    started: float
    within: float
    throttled: int = 0
    not_active: int = 0
    failures: int = 0
    first_failure: float | None = None
    slept: float = 0.0


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and curves of request retries; the defaults are the documented ones above."""

    max_attempts: int = 6
    budget: float = 120.0
    backoff_first: float = 0.5
    backoff_max: float = 20.0
    throttle_jitter_max: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    random: Callable[[], float] = field(default=_random.random, repr=False, compare=False)

    def call(self, fn: Callable[[], T], *, idempotent: bool, what: str, within: float) -> T:
        """Run ``fn`` under this policy with ``within`` seconds left to the operation's deadline; ``what``
        names the request in the retry log line."""
        tally = _Tally(started=self.clock(), within=within)
        retrying = Retrying(
            sleep=self._sleeper(tally),
            retry=retry_if_exception(lambda exc: is_retryable(exc, idempotent=idempotent)),
            wait=lambda state: self._wait(state, tally),
            stop=lambda state: self._stop(state, tally),
            before_sleep=lambda state: _log_retry(state, what),
            retry_error_callback=lambda state: _give_up(state, tally),
        )
        return retrying(fn)

    def backoff(self, failures: int) -> float:
        """Nominal exponential backoff after ``failures`` failures, with jitter in [0.5, 1.0]."""
        return float(self._nominal(failures) * (0.5 + 0.5 * self.random()))

    def throttle_wait(self, retry_after: float | None, throttled: int) -> float:
        """The wait after the ``throttled``-th consecutive 429: Retry-After (or the backoff curve), capped,
        plus a jitter on top."""
        base = _capped(retry_after) if retry_after else self._nominal(throttled)
        return float(base + min(0.5 * base, self.throttle_jitter_max) * self.random())

    def _nominal(self, failures: int) -> float:
        return float(min(self.backoff_max, self.backoff_first * 2.0 ** min(max(0, failures - 1), 32)))

    def _sleeper(self, tally: _Tally) -> Callable[[float], None]:
        def sleep(seconds: float) -> None:
            tally.slept += seconds
            self.sleep(seconds)

        return sleep

    def _elapsed(self, tally: _Tally) -> float:
        # With a recording sleep and the real clock, the recorded sleeps are the time that passed.
        return max(self.clock() - tally.started, tally.slept)

    def _wait(self, state: RetryCallState, tally: _Tally) -> float:
        exc = _exception(state)
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(exc, ThrottledError):
            tally.throttled += 1
            return self.throttle_wait(retry_after, tally.throttled)
        tally.throttled = 0
        if isinstance(exc, NotActiveError):
            tally.not_active += 1
            return _capped(retry_after) if retry_after else poll_interval(tally.not_active)
        tally.failures += 1
        if tally.first_failure is None:
            tally.first_failure = self._elapsed(tally)
        return _capped(retry_after) if retry_after else self.backoff(tally.failures)

    def _stop(self, state: RetryCallState, tally: _Tally) -> bool:
        upcoming = state.upcoming_sleep or 0.0
        elapsed = self._elapsed(tally)
        if elapsed + upcoming > tally.within:
            return True
        exc = _exception(state)
        if isinstance(exc, (ThrottledError, NotActiveError)):
            return False
        since_first = elapsed - (tally.first_failure or 0.0)
        return tally.failures >= self.max_attempts or since_first + upcoming > self.budget


def is_retryable(exc: BaseException, *, idempotent: bool) -> bool:
    """The table in the module docstring, as a predicate."""
    if isinstance(exc, (ThrottledError, NotActiveError)):
        return True
    if not idempotent:
        return False
    if isinstance(exc, ServerError):
        return exc.status in TRANSIENT_SERVER_STATUSES
    return isinstance(exc, TransportError) and exc.retryable


def _capped(retry_after: float) -> float:
    return float(min(retry_after, RETRY_AFTER_CAP))


def _exception(state: RetryCallState) -> BaseException | None:
    if state.outcome is None or not state.outcome.failed:
        return None
    return state.outcome.exception()


def _give_up(state: RetryCallState, tally: _Tally) -> NoReturn:
    """Raise the last error; a 429 says how long it was waited out, so the user knows what ended it."""
    exc = _exception(state)
    if isinstance(exc, ThrottledError) and tally.throttled > 1:
        raise exc.with_hint(
            f"ARM kept throttling this request for {tally.slept:.0f} s ({tally.throttled} answers 429); "
            "the operation's deadline (iothub:operationTimeout) ended the wait."
        ) from exc
    if exc is None:  # unreachable: only failed attempts are retried
        raise RuntimeError("retry gave up without an error")
    raise exc


def _log_retry(state: RetryCallState, what: str) -> None:
    exc = _exception(state)
    log.warning(
        "retrying %s in %.1f s (attempt %d failed: %s)",
        what,
        state.upcoming_sleep,
        state.attempt_number,
        exc,
    )
