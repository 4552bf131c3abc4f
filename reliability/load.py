"""Load: several stacks, each with its own provider process, deploying at once against one emulator.

Each stack runs `up` (create a hub and two consumer groups), `up` (update tags and capacity), `refresh` and
`destroy`, all stacks at the same time from their own threads. The run happens three times on the same
emulator: once quiet, to learn how many ARM requests the work takes; once with throttling on (requests beyond
a budget per window are answered 429 with ``Retry-After: 1``, as a subscription over its ARM budget sees);
and once through a throttling *burst*: once the stacks are under way, every ARM request is answered 429 with
``Retry-After: 1`` for ``BURST_SECONDS`` (20 s), about three times what six attempts (5 waits of 1-1.5 s)
would cover, so requests of every kind (writes, status polls, reads, deletes) meet a refusal far longer than
an attempt budget.

Invariants: every deployment completes (a throttling burst shorter than the operation deadline never fails a
deploy or a destroy); every update the provider acknowledged is what the emulator holds (no lost update) and
nothing is left after destroy; each throttled run sends no more requests than the quiet run plus one per 429
it received (retries are bounded and nothing else multiplies); the burst really refused some request more
than six times in a row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import Final

from harness.errors import EngineError
from harness.process import ProviderProcess
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from reliability import ledger
from reliability.figures import Figures
from reliability.lab import LOCATION, PROJECT, TOKEN, DeclaredStack, HubSpec, provider_config, subscription
from reliability.operator import Operator

THROTTLE_WINDOW: Final = 0.1
THROTTLE_BUDGET: Final = 4
BURST_SECONDS: Final = 20.0
BURST_AFTER_REQUESTS: Final = 16
"""The burst starts once the stacks have sent this many requests (their creates are in flight)."""


@contextmanager
def _in_background(run: Callable[[], None], stop: threading.Event) -> Iterator[None]:
    """Run ``run`` on a daemon thread for the duration of the block; ``stop`` tells it to finish."""
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def throttling(control: EmulatorControl, *, window: float = THROTTLE_WINDOW,
               budget: int = THROTTLE_BUDGET) -> Iterator[None]:
    """ARM's request budget: when a window saw more than ``budget`` requests, the excess of the next window
    is answered 429 with ``Retry-After: 1`` (a 429 rule sized to the excess)."""
    stop = threading.Event()

    def run() -> None:
        seen = len(control.requests())
        while not stop.wait(window):
            now = len(control.requests())
            excess = now - (seen if now >= seen else 0) - budget  # the log may have been emptied
            seen = now
            if excess > 0:
                control.add_fault(kind="throttle", count=min(excess, budget), retry_after=1)

    with _in_background(run, stop):
        yield


@contextmanager
def burst(control: EmulatorControl, *, seconds: float = BURST_SECONDS,
          after_requests: int = BURST_AFTER_REQUESTS) -> Iterator[None]:
    """Once ``after_requests`` requests were logged, answer every ARM request 429 (``Retry-After: 1``) for
    ``seconds``: a subscription refused outright for a while, then served again."""
    stop = threading.Event()

    def run() -> None:
        while len(control.requests()) < after_requests:
            if stop.wait(0.05):
                return
        rule = control.add_fault(kind="throttle", count=10**9, retry_after=1)
        stop.wait(seconds)
        control.remove_fault(rule)

    with _in_background(run, stop):
        yield


def _deploy(stack: DeclaredStack, spec: HubSpec, figures: Figures, lock: threading.Lock, label: str) -> None:
    """One stack's work; every failure and every lost update is recorded (the refresh reads what is live)."""
    changed = spec.with_changes(capacity=2, tags={"env": "reliability", "stack": stack.stack})
    try:
        stack.up(spec)
        stack.up(changed)
        stack.refresh()
        live = stack.hub_state() or {}
        lost = (live.get("sku", {}).get("capacity") != 2
                or (live.get("all_tags") or {}).get("stack") != stack.stack
                or sorted(stack.group_names()) != ["alerts", "analytics"])
        stack.destroy()
    except EngineError as exc:
        with lock:
            figures.add(f"{label}: failed deployments")
            figures.problem(f"{label} {stack.stack}: {str(exc)[-400:]}")
        return
    with lock:
        figures.add(f"{label}: completed stacks")
        if lost:
            figures.add("lost updates")
            figures.problem(f"{label} {stack.stack}: the acknowledged update is not what the emulator holds")


def _run(emulator: EmulatorServer, providers: list[ProviderProcess], label: str, figures: Figures) -> int:
    """All stacks at once under the label's throttling; returns the ARM requests the run made beyond one per
    429."""
    sub = subscription(5)
    group = f"rg-load-{label}"
    emulator.control.create_resource_group(sub, group, LOCATION)
    emulator.control.clear_requests()
    operator = Operator(emulator.url, emulator.token, sub)
    config = provider_config(emulator.url, emulator.token, sub)
    lock = threading.Lock()
    stacks = [DeclaredStack(p, stack=f"load-{label}-{n}", config=config) for n, p in enumerate(providers)]
    specs = [HubSpec(resource_group=group, name=f"load-{label}-{n}", groups=("analytics", "alerts"))
             for n in range(len(providers))]
    throttle: AbstractContextManager[None] = (
        throttling(emulator.control) if label == "throttled"
        else burst(emulator.control) if label == "burst" else nullcontext())
    with throttle, ThreadPoolExecutor(max_workers=len(stacks)) as pool:
        for stack, spec in zip(stacks, specs, strict=True):
            pool.submit(_deploy, stack, spec, figures, lock, label)
    emulator.control.clear_faults()
    log = emulator.control.requests()
    left = operator.hub_names(group)
    if left:
        figures.add("orphans", len(left))
        figures.problem(f"{label}: hubs left after destroy: {left}")
    figures.add(f"{label}: requests", len(log))
    refused = sum(1 for entry in log if entry["status"] == 429)
    figures.add(f"{label}: 429 answers", refused)
    figures.add(f"{label}: retries", ledger.retries(log))
    figures.counts[f"{label}: longest run of 429s to one request"] = ledger.longest_refusal(log, 429)
    return len(log) - refused


def run_load(*, stacks: int = 8) -> Figures:
    figures = Figures(f"load ({stacks} stacks at once)")
    figures.counts.update({"lost updates": 0, "orphans": 0})
    with EmulatorServer(token=TOKEN) as emulator, ExitStack() as processes:
        providers = [processes.enter_context(ProviderProcess(project=PROJECT)) for _ in range(stacks)]
        quiet = _run(emulator, providers, "quiet", figures)
        for label in ("throttled", "burst"):
            sent = _run(emulator, providers, label, figures)
            figures.faults.update({"throttle": figures.counts[f"{label}: 429 answers"]})
            figures.add("requests beyond quiet run + one per 429", max(0, sent - quiet))
            if sent > quiet:
                figures.problem(f"the {label} run sent {sent - quiet} requests more than the quiet run "
                                "beyond one retry per 429")
    if figures.counts["burst: longest run of 429s to one request"] <= 6:
        figures.problem("the burst never refused a request more than six times in a row")
    return figures
