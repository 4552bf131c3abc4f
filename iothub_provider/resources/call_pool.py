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
starting another worker is ``_max_workers``, and it starts one only when a call is submitted, so raising the
bound while calls wait in its queue also submits a no-op, whose submission starts the worker that takes the
first waiting call.

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
        _serve_a_waiting_call(pool)
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


def _serve_a_waiting_call(pool: ThreadPoolExecutor) -> None:
    """A call that arrived while every worker was busy waits in the queue, and the pool starts a worker only
    when something is submitted: submit a no-op, so the new worker first serves the waiting call."""
    queue = getattr(pool, "_work_queue", None)
    if queue is not None and hasattr(queue, "qsize") and queue.qsize() > 0:
        try:
            pool.submit(_nothing)
        except RuntimeError:  # the pool is shutting down: the process is exiting
            pass


def _nothing() -> None:
    """A no-op whose submission makes the pool start a worker, which first serves a waiting call."""
