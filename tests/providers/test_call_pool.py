"""call_pool on a real ThreadPoolExecutor: widened from a worker, the pool runs more calls at once, including
calls that were already waiting; elsewhere it changes nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait

from iothub_provider.resources import call_pool


def test_not_on_a_pool_worker_nothing_is_changed() -> None:
    assert call_pool.serving_pool() is None
    assert call_pool.widen(32) is None


def test_a_pool_widened_from_its_worker_runs_that_many_calls_at_once() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert pool.submit(call_pool.widen, 8).result(timeout=10) == 8
        together = threading.Barrier(8, timeout=10)
        done = [pool.submit(together.wait) for _ in range(8)]  # each waits until all 8 run at once
        finished, _ = wait(done, timeout=20)
        assert len(finished) == 8 and all(f.exception() is None for f in done)


def test_calls_already_waiting_when_the_pool_is_widened_get_workers_too() -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        release = threading.Event()
        widened: list[int | None] = []

        def first() -> None:
            release.wait(timeout=10)  # hold the only worker while the others queue up
            widened.append(call_pool.widen(8))

        together = threading.Barrier(5, timeout=10)
        held = pool.submit(first)
        waiting = [pool.submit(together.wait) for _ in range(5)]
        release.set()
        held.result(timeout=10)
        finished, _ = wait(waiting, timeout=20)
        assert widened == [8]
        assert len(finished) == 5 and all(f.exception() is None for f in waiting)


def test_a_pool_is_never_narrowed() -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert pool.submit(call_pool.widen, 4).result(timeout=10) == 16
