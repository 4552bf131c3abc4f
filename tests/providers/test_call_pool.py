"""call_pool on a real ThreadPoolExecutor: each call waiting on Azure gets a worker of its own, up to the
allowed number, calls already queued included; other calls keep the pool's own workers; elsewhere, or before
the process is configured, nothing changes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait

import pytest

from iothub_provider.resources import call_pool
from iothub_provider.resources.consumer_group import ConsumerGroupProvider
from iothub_provider.resources.device_provider import DeviceProvider
from iothub_provider.resources.hub_provider import IotHubProvider

TIMEOUT = 20


@pytest.fixture(autouse=True)
def allowed() -> Iterator[None]:
    """Each test says what configure allowed; the process-wide setting is put back after it."""
    yield
    call_pool.allow(None)


def waiting_call(together: threading.Barrier, bounds: list[int | None]) -> None:
    """A call that waits on Azure: here, until the barrier's other calls are under way too."""
    with call_pool.waiting_on_azure() as bound:
        bounds.append(bound)
        together.wait()


def test_not_on_a_pool_worker_nothing_is_changed() -> None:
    call_pool.allow(32)
    assert call_pool.serving_pool() is None
    with call_pool.waiting_on_azure() as bound:
        assert bound is None


def test_before_configure_the_pool_keeps_its_workers() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        bounds: list[int | None] = []
        pool.submit(waiting_call, threading.Barrier(1), bounds).result(timeout=TIMEOUT)
        assert bounds == [None]


def test_every_call_waiting_on_azure_gets_a_worker_even_when_it_arrived_while_all_were_busy() -> None:
    call_pool.allow(32)
    with ThreadPoolExecutor(max_workers=2) as pool:
        together, bounds = threading.Barrier(8, timeout=TIMEOUT), []
        calls = [pool.submit(waiting_call, together, bounds) for _ in range(8)]  # 6 of them queue at first
        finished, _ = wait(calls, timeout=TIMEOUT)
        assert len(finished) == 8 and all(c.exception() is None for c in calls)
        assert max(b for b in bounds if b is not None) <= 2 + 8


def test_the_pool_grows_no_further_than_allowed() -> None:
    call_pool.allow(4)
    with ThreadPoolExecutor(max_workers=2) as pool:
        together, bounds = threading.Barrier(4, timeout=TIMEOUT), []
        calls = [pool.submit(waiting_call, together, bounds) for _ in range(8)]  # two rounds of four
        finished, _ = wait(calls, timeout=TIMEOUT)
        assert len(finished) == 8 and all(c.exception() is None for c in calls)
        assert max(b for b in bounds if b is not None) == 4


def test_calls_that_wait_on_nothing_never_grow_the_pool() -> None:
    call_pool.allow(32)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threads = list(pool.map(lambda _: threading.get_ident(), range(50)))
        assert len(set(threads)) <= 2


def burst_of_short_calls(pool: ThreadPoolExecutor, calls: int) -> None:
    """Calls queued behind the pool's busy workers: afterwards the pool counts more idle workers than it has
    (it counts one each time a worker finishes a call, uncounts one only when a submission finds it)."""
    gate = threading.Event()
    burst = [pool.submit(gate.wait, TIMEOUT) for _ in range(calls)]
    gate.set()
    wait(burst, timeout=TIMEOUT)


@pytest.mark.parametrize("burst_first", [False, True], ids=["fresh-pool", "after-a-burst"])
def test_calls_waiting_on_azure_leave_the_pool_its_own_workers_for_the_rest(burst_first: bool) -> None:
    call_pool.allow(32)
    with ThreadPoolExecutor(max_workers=2) as pool:
        if burst_first:
            burst_of_short_calls(pool, 10)
        release, started = threading.Event(), threading.Barrier(3, timeout=TIMEOUT)

        def long_call() -> None:
            with call_pool.waiting_on_azure():
                started.wait()
                release.wait(timeout=TIMEOUT)

        held = [pool.submit(long_call) for _ in range(2)]  # as many as the pool's own workers
        started.wait()
        short_together = threading.Barrier(2, timeout=TIMEOUT)
        short = [pool.submit(short_together.wait) for _ in range(2)]  # two at once beside the held calls
        finished, _ = wait(short, timeout=TIMEOUT)
        release.set()
        assert len(finished) == 2 and all(c.exception() is None for c in short)
        wait(held, timeout=TIMEOUT)


def test_the_bound_falls_back_when_the_calls_are_done_and_is_never_below_the_pools_own() -> None:
    call_pool.allow(4)
    with ThreadPoolExecutor(max_workers=16) as pool:
        bounds: list[int | None] = []
        pool.submit(waiting_call, threading.Barrier(1), bounds).result(timeout=TIMEOUT)
        assert bounds == [16]
    call_pool.allow(32)
    with ThreadPoolExecutor(max_workers=2) as pool:
        bounds = []
        for _ in range(3):  # one after another: each finds only itself under way
            pool.submit(waiting_call, threading.Barrier(1), bounds).result(timeout=TIMEOUT)
        assert bounds == [3, 3, 3]


@pytest.mark.parametrize("provider", [IotHubProvider, ConsumerGroupProvider, DeviceProvider],
                         ids=lambda p: p.__name__)
def test_exactly_the_steps_that_send_requests_may_grow_the_pool(provider: type) -> None:
    """Check and diff send nothing (all of a preview and of a no-op up), so they leave the pool as Pulumi
    made it; every step that waits on Azure is marked."""
    marked = {name for name in ("check", "diff", "create", "read", "update", "delete")
              if hasattr(getattr(provider, name), "__wrapped__")}
    assert marked == {"create", "read", "update", "delete"} & set(vars(provider))


def test_calls_waiting_on_azure_get_workers_after_a_burst_of_short_calls() -> None:
    """A destroy: the consumer groups' deletes, then the hubs' at once, which must not wait for each other."""
    call_pool.allow(32)
    with ThreadPoolExecutor(max_workers=2) as pool:
        burst_of_short_calls(pool, 10)
        together, bounds = threading.Barrier(6, timeout=TIMEOUT), []
        calls = [pool.submit(waiting_call, together, bounds) for _ in range(6)]
        finished, _ = wait(calls, timeout=TIMEOUT)
        assert len(finished) == 6 and all(c.exception() is None for c in calls)
