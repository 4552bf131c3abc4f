"""More than four calls at once in one dynamic-provider process, so that a fleet's hubs deploy together.

Why: the process Pulumi runs for Python dynamic resources (``python -m pulumi.dynamic``) serves its gRPC
calls from a ``ThreadPoolExecutor(max_workers=4)``, and a hub create, update or delete holds its call for the
whole provisioning (minutes on Azure), so without this independent hubs go four at a time whatever the
engine's ``--parallel``. The calls are I/O waits, so more threads cost little.

How: ``configure`` runs on one of that pool's workers before any step of the process. A worker thread holds a
weak reference to its executor as the first argument of its target (CPython's ``concurrent.futures.thread``);
the bound the executor checks before starting another worker is ``_max_workers``. Raising it lets the pool
grow, one thread per call that finds every worker busy, up to ``iothub:providerCalls``.

Both are private details of CPython and of Pulumi's dynamic-provider server. When either is not what this
module expects (a pool of another kind, another way of starting its threads), nothing is changed and the
process keeps its four calls: slower fleets, never a wrong result. ``widen`` says which happened.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


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


def widen(calls: int) -> int | None:
    """Let the pool serving this call run up to ``calls`` calls at once (never fewer than it already
    could); the bound now in force, or None when there is no pool this module knows how to widen."""
    pool = serving_pool()
    if pool is None:
        log.debug("not on a thread-pool worker this module knows; the provider keeps its call limit")
        return None
    pool._max_workers = max(pool._max_workers, calls)
    _serve_waiting_calls(pool)
    return pool._max_workers


def _serve_waiting_calls(pool: ThreadPoolExecutor) -> None:
    """Calls that arrived while every worker was busy (a destroy sends its deletes at once) wait in the
    queue; the pool adds a worker for each call submitted after this, so submit a no-op per waiting call."""
    queue = getattr(pool, "_work_queue", None)
    waiting = queue.qsize() if queue is not None and hasattr(queue, "qsize") else 0
    for _ in range(min(waiting, pool._max_workers)):
        pool.submit(_nothing)


def _nothing() -> None:
    """A no-op whose submission makes the pool start a worker, which first serves a waiting call."""
