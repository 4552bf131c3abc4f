"""The request retry policy, written out in one place (tenacity, never its defaults).

What is retried, per single ARM request:

| failure | idempotent call (GET, PUT, DELETE, listkeys, ...) | other (none today) |
| --- | --- | --- |
| 429 ThrottledError | yes | yes (not processed) |
| 500, 502, 503, 504 ServerError | yes | no |
| TransportError (refused, reset, timeout) | yes | no |
| TransportError: certificate failed verification | never | never |
| 409 code 409002 NotActiveError | yes, until the operation deadline | yes, same |
| any other 4xx (400, 401, 403, 404, 409, 412) | never: it will not change by waiting | never |

How long to wait before the next attempt:

- ``Retry-After`` (seconds or HTTP date, or ``retry-after-ms``) wins when the response carries it, capped at
  ``retry_after_cap`` (60 s).
- Otherwise transient failures back off exponentially with jitter: nominal 0.5, 1, 2, 4, 8 s (cap 20 s), each
  multiplied by a factor drawn from [0.5, 1.0] so four parallel provider calls do not retry in lockstep.
- 409002 (hub not Active) waits on the polling curve of ``iothub_provider.client.polling`` (0.5 s growing
  by 1.5x to 10 s), because it ends when the hub's own operation ends, not when a server recovers.

When to give up:

- transient failures: after ``max_attempts`` (6) attempts, or when the next sleep would cross ``budget``
  (120 s) counted from the first attempt, whichever comes first; then the last error is raised as it is.
- 409002: when the next sleep would cross ``not_active_budget`` (the operation deadline, 30 min by default).

``sleep`` and ``random`` are injectable so tests record the exact schedule without waiting.
"""

from __future__ import annotations

import logging
import random as _random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

from iothub_provider.client.polling import poll_interval
from iothub_provider.errors import (
    NotActiveError,
    ServerError,
    ThrottledError,
    TransportError,
)

log = logging.getLogger("iothub_provider.retry")

T = TypeVar("T")

TRANSIENT_SERVER_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and curve of request retries; the defaults are the documented ones above."""

    max_attempts: int = 6
    budget: float = 120.0
    backoff_first: float = 0.5
    backoff_max: float = 20.0
    retry_after_cap: float = 60.0
    not_active_budget: float = 30 * 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    random: Callable[[], float] = field(default=_random.random, repr=False, compare=False)

    def call(self, fn: Callable[[], T], *, idempotent: bool, what: str) -> T:
        """Run ``fn`` under this policy; ``what`` names the request in the retry log line."""
        retrying = Retrying(
            sleep=self.sleep,
            retry=retry_if_exception(lambda exc: is_retryable(exc, idempotent=idempotent)),
            wait=self._wait,
            stop=self._stop,
            before_sleep=lambda state: _log_retry(state, what),
            reraise=True,
        )
        return retrying(fn)

    def backoff(self, failures: int) -> float:
        """Nominal exponential backoff after ``failures`` transient failures, with jitter in [0.5, 1.0]."""
        nominal = min(self.backoff_max, self.backoff_first * 2.0 ** (failures - 1))
        return float(nominal * (0.5 + 0.5 * self.random()))

    def _wait(self, state: RetryCallState) -> float:
        exc = _exception(state)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(min(retry_after, self.retry_after_cap))
        if isinstance(exc, NotActiveError):
            return poll_interval(_not_active_failures(state))
        return self.backoff(state.attempt_number)

    def _stop(self, state: RetryCallState) -> bool:
        elapsed = max(state.seconds_since_start or 0.0, state.idle_for) + (state.upcoming_sleep or 0.0)
        if isinstance(_exception(state), NotActiveError):
            return elapsed >= self.not_active_budget
        return state.attempt_number >= self.max_attempts or elapsed >= self.budget


def is_retryable(exc: BaseException, *, idempotent: bool) -> bool:
    """The table in the module docstring, as a predicate."""
    if isinstance(exc, (ThrottledError, NotActiveError)):
        return True
    if not idempotent:
        return False
    if isinstance(exc, ServerError):
        return exc.status in TRANSIENT_SERVER_STATUSES
    return isinstance(exc, TransportError) and exc.retryable


def _exception(state: RetryCallState) -> BaseException | None:
    if state.outcome is None or not state.outcome.failed:
        return None
    return state.outcome.exception()


def _not_active_failures(state: RetryCallState) -> int:
    # Not tracked per type by tenacity; the attempt number is a close enough position on the polling curve.
    return state.attempt_number


def _log_retry(state: RetryCallState, what: str) -> None:
    exc = _exception(state)
    log.warning(
        "retrying %s in %.1f s (attempt %d failed: %s)",
        what,
        state.upcoming_sleep,
        state.attempt_number,
        exc,
    )
