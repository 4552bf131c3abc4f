"""A thread of its own for every call that waits on Azure, so that a fleet's hubs deploy together.

Why: the process Pulumi runs for Python dynamic resources (``python -m pulumi.dynamic``) serves its gRPC
calls from a ``ThreadPoolExecutor(max_workers=4)``, and a hub create, update or delete holds its call for the
whole provisioning (minutes on Azure), so without this independent hubs go four at a time whatever the
engine's ``--parallel``. The calls are I/O waits, so more threads cost little.

When: only while such calls are under way. A call that sends Azure requests (create, read, update, delete)
raises the pool's bound by one for as long as it runs, up to ``iothub:providerCalls`` in all; the four
threads Pulumi gives the process stay for everything else. Calls that send nothing (check, diff: all of a
preview and of a no-op up) never change the pool, so those commands run exactly as Pulumi runs them.

How: the calls run on that pool's workers. A worker thread holds a weak reference to its executor as the
first argument of its target (CPython's ``concurrent.futures.thread``); the bound the executor checks before
starting another worker is ``_max_workers``, and it starts one only when a call is submitted (and then not
always: ``_start_a_worker``), so raising the bound also starts the worker that takes the place of the one
the call holds.

Both are private details of CPython and of Pulumi's dynamic-provider server. When either is not what this
module expects (a pool of another kind, another way of starting its threads), nothing is changed and the
process keeps its four calls: slower fleets, never a wrong result.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class _Widening:
    """One pool's own bound (what its creator gave it) and the calls now waiting on Azure in it."""

    base: int
    waiting: int = 0

    def bound(self, allowed: int) -> int:
        return max(self.base, min(allowed, self.base + self.waiting))


_lock = threading.Lock()
_allowed: int | None = None  # iothub:providerCalls, from configure; None: never widen
_pools: weakref.WeakKeyDictionary[ThreadPoolExecutor, _Widening] = weakref.WeakKeyDictionary()


def allow(calls: int | None) -> None:
    """Let this process run up to ``calls`` calls at once while calls wait on Azure (from configure, which
    the engine sends before any other call of the process); None: leave its pool as it is."""
    global _allowed
    _allowed = calls


def serving_pool() -> ThreadPoolExecutor | None:
    """The executor whose worker runs this code, or None when this thread is not such a worker."""
    args: Any = getattr(threading.current_thread(), "_args", None)
    if not isinstance(args, tuple) or not args or not callable(args[0]):
        return None
    try:
        pool = args[0]()  # the worker's weak reference to its executor
    except TypeError:
        return None
    if not isinstance(pool, ThreadPoolExecutor) or not isinstance(getattr(pool, "_max_workers", None), int):
        return None
    return pool


@contextmanager
def waiting_on_azure() -> Iterator[int | None]:
    """While the block runs, its pool may start one more worker than it otherwise could; yields the bound
    then in force, or None when the pool is left as it is (not configured, or no pool this module knows)."""
    pool, allowed = serving_pool(), _allowed
    if pool is None or allowed is None:
        if pool is None:
            log.debug("not on a thread-pool worker this module knows; the provider keeps its call limit")
        yield None
        return
    with _lock:
        widening = _pools.setdefault(pool, _Widening(base=pool._max_workers))
        widening.waiting += 1
        before, pool._max_workers = pool._max_workers, widening.bound(allowed)
        grown = pool._max_workers > before
    if grown:
        _start_a_worker(pool)
    try:
        yield pool._max_workers
    finally:
        with _lock:
            widening.waiting -= 1
            pool._max_workers = widening.bound(allowed)


def sends_requests(method: Callable[P, R]) -> Callable[P, R]:
    """Mark a provider step that waits on Azure: it runs with ``waiting_on_azure``."""

    @functools.wraps(method)
    def step(*args: P.args, **kwargs: P.kwargs) -> R:
        with waiting_on_azure():
            return method(*args, **kwargs)

    return step


def _start_a_worker(pool: ThreadPoolExecutor) -> None:
    """Start the worker that takes the place of the one a call waiting on Azure now holds.

    The pool starts workers only from ``submit``, and only when it counts no idle worker. CPython 3.11's
    counts one each time a worker finishes a call but uncounts one only when a submission finds it, so after
    a burst of calls queued behind busy workers (a fleet's consumer groups) it counts idle workers it does not
    have, and calls arriving while every worker waits on Azure would queue behind them for minutes (some
    later releases count a worker idle only when it finds the queue empty). So the worker is started here,
    whatever the pool counts: the counts are dropped first (at worst the pool starts a worker it did not
    need, never more than its bound)."""
    threads, idle = getattr(pool, "_threads", None), getattr(pool, "_idle_semaphore", None)
    lock, start = getattr(pool, "_shutdown_lock", None), getattr(pool, "_adjust_thread_count", None)
    if threads is None or idle is None or lock is None or start is None:
        log.debug("a thread pool of another make; new workers start only as calls arrive")
        return
    with lock:
        if getattr(pool, "_shutdown", False) or len(threads) >= pool._max_workers:
            return
        while idle.acquire(blocking=False):
            pass
        start()
