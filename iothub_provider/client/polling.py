"""Long-running operations: which URL to watch, how often, until when.

Strategy, first that applies to the initial response wins (as ARM and azure-core do):

1. ``Azure-AsyncOperation``: GET the monitor URL; its body's ``status`` is Running/Succeeded/Failed/Canceled.
   After Succeeded, a PUT or PATCH reads the resource once more (the final GET); a DELETE is done.
2. ``Location``: GET it; 202 means running, any other 2xx means done (its body is the result);
   404 ends a DELETE.
3. Provisioning state: GET the resource itself; ``properties.provisioningState`` Succeeded/Failed/Canceled is
   terminal (absent means Succeeded); for a DELETE, 404 means done.

A response with none of these (PUT 200 with a terminal state, DELETE 200/204) is already final. Each strategy
decides what a 404 of its status URL means and where the result is read (``not_found``, ``final_get_url``, as
azure-core keeps ``get_final_get_url`` on each polling algorithm), so a new strategy needs no change to
``Poller``.

Schedule: the first status read happens immediately. After that, ``Retry-After`` on the latest response wins
(capped at ``RETRY_AFTER_CAP``, 60 s: the one cap, which the retry policy applies to 429s too). Without it,
the wait before the next read is the smallest of

- the growth curve ``min(10, 0.5 * 1.5 ** (reads - 1))``: 0.5, 0.75, 1.13, 1.69, 2.53, 3.80, 5.70, 8.54, 10 s;
- ``0.1 * elapsed + 0.9`` seconds, ``elapsed`` counted from the initial response: an operation that ends just
  after a read is seen within 10% of its duration plus 0.9 s;
- the time to the next multiple of 30 s since the initial response: a read lands wherever azure-core's default
  schedule (a read at once, then every 30 s) would make one, so we are never later than Microsoft's SDK.

    operation takes:   2 s    5 s    30 s    45 s    120 s
    seen done at:    2.3 s  6.0 s  30.0 s  48.1 s  120.0 s
    status reads:       4      7      18      22       32

A 2-minute real create costs 32 reads; a 2-second emulator operation is seen 0.3 s late. Every operation
has a deadline (``iothub:operationTimeout``, 30 min by default, counted from the operation's first request);
the timeout error names the operation URL. Each status read is one request under the retry policy, given only
the time left to that deadline, so a throttled or failing read never carries the operation past it.

Reads of a resource just written (the final GET, a provisioning-state poll of a PUT, ``read_after_write``)
tolerate the service's brief 404-after-success (azure-rest-api-specs#27183: the resource reappears) on the
same schedule, within the same deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from iothub_provider.client.wire import ArmResponse, redact_url, retry_after_seconds
from iothub_provider.errors import NotFoundError, OperationFailedError, OperationTimeoutError

log = logging.getLogger("iothub_provider.polling")

TERMINAL = frozenset({"succeeded", "failed", "canceled", "cancelled"})
FAILED = frozenset({"failed", "canceled", "cancelled"})
POLL_FIRST = 0.5
POLL_GROWTH = 1.5
POLL_MAX = 10.0
RETRY_AFTER_CAP = 60.0
POLL_FRACTION = 0.1
POLL_SLACK = 0.9
SDK_MARK = 30.0


def poll_interval(reads: int) -> float:
    """The growth curve: seconds to wait after the ``reads``-th read when nothing else bounds the wait."""
    return float(min(POLL_MAX, POLL_FIRST * POLL_GROWTH ** min(max(0, reads - 1), 32)))


def next_poll_delay(reads: int, elapsed: float) -> float:
    """Seconds to wait after the ``reads``-th status read, ``elapsed`` seconds into the operation."""
    wait = min(poll_interval(reads), POLL_FRACTION * elapsed + POLL_SLACK)
    to_mark = (elapsed // SDK_MARK + 1) * SDK_MARK - elapsed
    return float(min(wait, to_mark) if to_mark > 0.05 else wait)


Fetch = Callable[[str], ArmResponse]
NotFoundMeans = Literal["gone", "not yet", "error"]
"""What a 404 of the status URL means: the deleted resource is gone (done), the resource just written is not
readable yet (read again on the schedule), or an error (raised)."""


class PollingStrategy(Protocol):
    """How to learn the status of one kind of long-running operation, and what its answers mean; the poller
    asks, so a new strategy needs no change to ``Poller``."""

    name: str

    def status_url(self) -> str: ...

    def status(self, response: ArmResponse) -> str: ...

    def error(self, response: ArmResponse) -> dict[str, Any] | None: ...

    def not_found(self, method: str) -> NotFoundMeans:
        """What a 404 of the status URL means during a ``method`` operation."""
        ...

    def final_get_url(self, resource_url: str, last: ArmResponse) -> str | None:
        """After a PUT or PATCH succeeded: the URL to read the result from, or None when ``last`` (the final
        status response) is the result (azure-core's ``get_final_get_url``)."""
        ...


@dataclass
class AsyncOperationPolling:
    """Watch the ``Azure-AsyncOperation`` monitor: ``{"status": ...}``, with ``error`` when Failed."""

    url: str
    name: str = "Azure-AsyncOperation"

    def status_url(self) -> str:
        return self.url

    def status(self, response: ArmResponse) -> str:
        body = response.body if isinstance(response.body, dict) else {}
        return str(body.get("status") or "InProgress")

    def error(self, response: ArmResponse) -> dict[str, Any] | None:
        body = response.body if isinstance(response.body, dict) else {}
        err = body.get("error")
        return err if isinstance(err, dict) else None

    def not_found(self, method: str) -> NotFoundMeans:
        return "error"  # the monitor URL itself is missing, whatever the operation

    def final_get_url(self, resource_url: str, last: ArmResponse) -> str | None:
        return resource_url  # the monitor's body is the status, never the resource


@dataclass
class LocationPolling:
    """Watch the ``Location`` URL: 202 while running, other 2xx when done; a new Location moves it."""

    url: str
    name: str = "Location"

    def status_url(self) -> str:
        return self.url

    def status(self, response: ArmResponse) -> str:
        new_location = response.header("location")
        if new_location:
            self.url = new_location
        return "InProgress" if response.status == 202 else "Succeeded"

    def error(self, response: ArmResponse) -> dict[str, Any] | None:
        return None

    def not_found(self, method: str) -> NotFoundMeans:
        return "gone" if method == "DELETE" else "error"

    def final_get_url(self, resource_url: str, last: ArmResponse) -> str | None:
        return None if isinstance(last.body, dict) and last.body else resource_url


@dataclass
class ProvisioningStatePolling:
    """Re-read the resource and watch ``properties.provisioningState``; missing means Succeeded."""

    url: str
    name: str = "provisioningState"

    def status_url(self) -> str:
        return self.url

    def status(self, response: ArmResponse) -> str:
        return provisioning_state(response.body) or "Succeeded"

    def error(self, response: ArmResponse) -> dict[str, Any] | None:
        return {"code": None, "message": f"provisioningState is {provisioning_state(response.body)}"}

    def not_found(self, method: str) -> NotFoundMeans:
        return "gone" if method == "DELETE" else "not yet"  # the service's brief 404 after a write

    def final_get_url(self, resource_url: str, last: ArmResponse) -> str | None:
        return None  # the last read is the resource itself


def provisioning_state(body: Any) -> str | None:
    props = body.get("properties") if isinstance(body, dict) else None
    state = props.get("provisioningState") if isinstance(props, dict) else None
    return str(state) if state else None


def choose_strategy(method: str, resource_url: str, initial: ArmResponse) -> PollingStrategy | None:
    """The strategy for an initial response, or None when the initial response is already final."""
    aao = initial.header("azure-asyncoperation")
    if aao:
        return AsyncOperationPolling(aao)
    location = initial.header("location")
    if location:
        return LocationPolling(location)
    if method == "DELETE":
        return None if initial.status in (200, 204, 404) else ProvisioningStatePolling(resource_url)
    state = provisioning_state(initial.body)
    if initial.status == 202 or (state and state.lower() not in TERMINAL):
        return ProvisioningStatePolling(resource_url)
    return None


@dataclass
class Poller:
    """Drives one long-running operation to its end by ``deadline`` (on ``clock``); I/O, sleep and clock are
    injected."""

    fetch: Fetch
    deadline: float
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def wait(self, method: str, resource_url: str, initial: ArmResponse) -> ArmResponse | None:
        """Wait for the operation started by ``initial``; the resource after PUT/PATCH, None after DELETE."""
        strategy = choose_strategy(method, resource_url, initial)
        if strategy is not None:
            return self.follow(method, resource_url, strategy, initial)
        if method == "DELETE":
            return None
        return initial if isinstance(initial.body, dict) else self.read_after_write(resource_url)

    def follow(
        self, method: str, resource_url: str, strategy: PollingStrategy, initial: ArmResponse
    ) -> ArmResponse | None:
        """Follow the operation started by ``initial`` with ``strategy``, whose answers decide what a 404
        means and where the result is read; the resource after PUT/PATCH, None after DELETE."""
        started = self.clock()
        log.debug("polling %s via %s", redact_url(resource_url), strategy.name)
        last = self._run(method, strategy, initial, started)
        if method == "DELETE":
            return None
        final_url = strategy.final_get_url(resource_url, last)
        return last if final_url is None else self.read_after_write(final_url, started)

    def _run(
        self, method: str, strategy: PollingStrategy, initial: ArmResponse, started: float
    ) -> ArmResponse:
        reads = 0
        delay_hint = retry_after_seconds(initial.headers)
        status = "InProgress"
        while True:
            if delay_hint is not None or reads > 0:
                elapsed = self.clock() - started
                delay = (
                    next_poll_delay(reads, elapsed)
                    if delay_hint is None
                    else min(delay_hint, RETRY_AFTER_CAP)
                )
                self._sleep_within(delay, started, strategy.status_url(), status)
            try:
                response = self.fetch(strategy.status_url())
            except NotFoundError:
                meaning = strategy.not_found(method)
                if meaning == "gone":
                    return _gone(strategy.status_url())
                if meaning == "error":
                    raise
                url = redact_url(strategy.status_url())
                log.info("%s not readable yet after the write; reading again", url)
                reads, delay_hint, status = reads + 1, None, "NotFound"
                continue
            reads += 1
            status = strategy.status(response)
            if status.lower() in TERMINAL:
                if status.lower() in FAILED:
                    raise OperationFailedError(
                        status=status,
                        operation_url=redact_url(strategy.status_url()),
                        error=strategy.error(response),
                        request_id=response.request_id,
                    )
                return response
            delay_hint = retry_after_seconds(response.headers)

    def read_after_write(self, resource_url: str, started: float | None = None) -> ArmResponse:
        """GET a resource just written; a 404 is read again on the schedule until the deadline."""
        started = self.clock() if started is None else started
        reads = 0
        while True:
            try:
                return self.fetch(resource_url)
            except NotFoundError:
                reads += 1
                log.info("%s not readable yet after the write; reading again", redact_url(resource_url))
                delay = next_poll_delay(reads, self.clock() - started)
                self._sleep_within(delay, started, resource_url, "NotFound")

    def _sleep_within(self, delay: float, started: float, url: str, status: str) -> None:
        now = self.clock()
        if now + delay > self.deadline:
            waited = now - started
            raise OperationTimeoutError(operation_url=redact_url(url), waited=waited, last_status=status)
        self.sleep(delay)


def _gone(url: str) -> ArmResponse:
    return ArmResponse(status=404, headers={}, body=None, url=url)
