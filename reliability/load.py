"""Load: several stacks, each with its own provider process, deploying at once against one emulator.

Each stack runs `up` (create a hub and two consumer groups), `up` (update tags and capacity), `refresh` and
`destroy`, all stacks at the same time from their own threads. The run happens twice on the same emulator:
once quiet, to learn how many ARM requests the work takes, and once with throttling on (requests beyond a
budget per window are answered 429 with ``Retry-After: 1``, as a subscription over its ARM budget sees).

Invariants: every deployment completes; every update the provider acknowledged is what the emulator holds
(no lost update) and nothing is left after destroy; the throttled run sends no more requests than the quiet
run plus one per 429 it received (retries are bounded and nothing else multiplies).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext
from typing import Final

from iothub_provider.emulator.control import EmulatorControl
from iothub_provider.emulator.server import EmulatorServer
from reliability import ledger
from reliability.figures import Figures
from reliability.lab import LOCATION, PROJECT, TOKEN, DeclaredStack, HubSpec, provider_config, subscription
from reliability.operator import Operator
from tests.harness.engine import EngineError
from tests.harness.process import ProviderProcess

THROTTLE_WINDOW: Final = 0.1
THROTTLE_BUDGET: Final = 4


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

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


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


def _run(emulator: EmulatorServer, providers: list[ProviderProcess], label: str, figures: Figures,
         *, throttled: bool) -> int:
    """All stacks at once; returns the ARM requests the run made beyond one per 429."""
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
    with throttling(emulator.control) if throttled else nullcontext(), \
            ThreadPoolExecutor(max_workers=len(stacks)) as pool:
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
    return len(log) - refused


def run_load(*, stacks: int = 8) -> Figures:
    figures = Figures(f"load ({stacks} stacks at once)")
    figures.counts.update({"lost updates": 0, "orphans": 0})
    with EmulatorServer(token=TOKEN) as emulator, ExitStack() as processes:
        providers = [processes.enter_context(ProviderProcess(project=PROJECT)) for _ in range(stacks)]
        quiet = _run(emulator, providers, "quiet", figures, throttled=False)
        throttled = _run(emulator, providers, "throttled", figures, throttled=True)
        figures.faults.update({"throttle": figures.counts["throttled: 429 answers"]})
    figures.add("requests beyond quiet run + one per 429", max(0, throttled - quiet))
    if throttled > quiet:
        figures.problem(f"the throttled run sent {throttled - quiet} requests more than the quiet run "
                        "beyond one retry per 429")
    return figures
