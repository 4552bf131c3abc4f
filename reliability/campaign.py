"""Fault campaign: seeded lifecycles of a hub and its consumer groups, each step under random emulator faults.

One lifecycle, in its own resource group, driven over the engine protocol:

    create -> [portal change] -> update -> refresh -> replace (partition count) -> [portal change]
    -> update -> destroy -> final convergent up (refresh + up, no faults) -> destroy

Portal changes (out of band, between steps) add a tag the program does not declare, scale the hub, add a
consumer group the program does not declare, or delete one it does.

Invariants, checked on every step and at the end:

- every step succeeds, or fails with an ``iothub_provider.errors`` error that carries an ``x-ms-request-id``
  (or, when no response came at all, the ``x-ms-client-request-id`` every attempt was sent with); anything
  else is an *unexplained error*; a step may fail only under an outage, a failed async operation or a portal
  change (412: run `pulumi refresh`), any other failure is an *unexpected failure*;
- no provider operation creates a hub twice, and a resource group never holds more than the one hub
  (*duplicates*);
- nothing the program does not own is lost, and a managed setting changed in the portal is not reverted
  before a refresh (*clobbers*);
- after the final convergent up and destroy the emulator holds nothing of the stack (*orphans*).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from harness.errors import EngineError, ProviderError
from harness.process import ProviderProcess
from iothub_emulator.server import EmulatorServer
from reliability import ledger, schedule
from reliability.figures import Figures
from reliability.lab import (
    LOCATION,
    PROJECT,
    TOKEN,
    DeclaredStack,
    HubSpec,
    provider_config,
    subscription,
)
from reliability.operator import Operator, OperatorError
from reliability.proxy import LossyProxy, upstream_of

MUST_BE_ZERO: Final = ("orphans", "duplicates", "clobbers", "unexplained errors", "unexpected failures")
GROUPS: Final = ("analytics", "alerts", "archive")
OPS_GROUP: Final = "ops-monitor"
OPS_TAG: Final = "ops-owner"
REFRESH_HINT: Final = "pulumi refresh"
LEFTOVER_HINT: Final = "created by this resource in an earlier `pulumi up` that did not finish"
_ERROR_LINE: Final = re.compile(r"^iothub_provider\.errors\.(?P<cls>\w+): (?P<message>.*)$")


@dataclass(frozen=True)
class Diagnosis:
    """What a failed step's error says about itself."""

    error_class: str | None
    message: str

    @property
    def explained(self) -> bool:
        """Our own error, with the id to trace it: ARM's request id, or (no response) the client's."""
        ids = ("[x-ms-request-id: ", "[x-ms-client-request-id: ")
        return self.error_class is not None and any(i in self.message for i in ids)


def diagnose(error: EngineError) -> Diagnosis:
    """The provider's own error class and message from the traceback the provider host sends back."""
    if not isinstance(error, ProviderError):
        return Diagnosis(None, str(error))
    lines = [line for line in error.details.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    match = _ERROR_LINE.match(last)
    if match is None:
        return Diagnosis(None, last)
    return Diagnosis(match["cls"], match["message"])


class Lifecycle:
    """One seeded lifecycle against one emulator and one provider process."""

    def __init__(self, index: int, seed: int, emulator: EmulatorServer, proxy: LossyProxy,
                 provider: ProviderProcess, worker: int = 0) -> None:
        self.index = index
        self.rng = random.Random(f"{seed}:{index}")
        self.subscription = subscription(worker)
        self.group = f"rg-rel-{index}"
        self.control = emulator.control
        self.proxy = proxy
        self.operator = Operator(emulator.url, emulator.token, self.subscription)
        self.stack = DeclaredStack(provider, stack=f"rel-{index}",  # the provider talks through the proxy
                                   config=provider_config(proxy.url, emulator.token, self.subscription))
        self.figures = Figures("fault campaign")
        self.stale = False
        """A portal change (or a failed operation) happened since Pulumi last read the hub."""
        self.expected_tag: tuple[str, str] | None = None
        self.expected_capacity: int | None = None
        self.expected_group = False
        self.recreated = False
        """The last step deleted or created a hub."""

    # -- the lifecycle ------------------------------------------------------------------------------------

    def run(self) -> Figures:
        self.control.create_resource_group(self.subscription, self.group, LOCATION)
        spec = self._initial_spec()
        self._step("create", lambda: self.stack.up(spec))
        self._portal_change()
        spec = self._changed(spec)
        self._update(spec)
        if self._step("refresh", self.stack.refresh):
            self.stale = False
            self.expected_capacity = None
        spec = spec.with_changes(partition_count=spec.partition_count + 2)
        self._step("replace", lambda: self.stack.up(spec))
        self._forget_portal_changes()
        self._portal_change()
        spec = self._changed(spec)
        self._update(spec)
        self._step("destroy", self.stack.destroy)
        self._forget_portal_changes()
        self._converge(spec)
        self.figures.add("lifecycles")
        return self.figures

    def _update(self, spec: HubSpec) -> None:
        """An update step; when it finished a replacement left over from a failed step, the hub is new."""
        if not self._step("update", lambda: self.stack.up(spec)):
            return
        if self.recreated:
            self._forget_portal_changes()
        else:
            self._check_clobbers("update")

    def _initial_spec(self) -> HubSpec:
        name = None if self.rng.random() < 0.3 else f"rel-hub-{self.index}"
        groups = tuple(sorted(self.rng.sample(GROUPS, self.rng.randint(1, 2))))
        return HubSpec(resource_group=self.group, name=name, groups=groups)

    def _changed(self, spec: HubSpec) -> HubSpec:
        """A program change for an update step: tags only (PATCH), a PUT field, or the consumer groups."""
        change = self.rng.choice(("tags", "capacity", "retention", "groups"))
        if change == "tags":
            return spec.with_changes(tags={**spec.tags, "rev": str(self.rng.randint(1, 999))})
        if change == "capacity":
            return spec.with_changes(capacity=1 if spec.capacity > 1 else 3)
        if change == "retention":
            return spec.with_changes(retention_days=1 + spec.retention_days % 7)
        groups = tuple(sorted(self.rng.sample(GROUPS, self.rng.randint(1, 3))))
        return spec.with_changes(groups=groups)

    # -- one step under faults ----------------------------------------------------------------------------

    def _step(self, kind: str, action: Callable[[], object]) -> bool:
        faults = schedule.draw_step(self.rng)
        mode, value = schedule.draw_provisioning(self.rng)
        error: EngineError | None = None
        with self._faults(faults, mode, value) as observed:
            try:
                action()
            except EngineError as exc:
                error = exc
        fired = observed.fired
        self.recreated = ledger.hub_recreated(observed.log)
        self.figures.faults.update(fired)
        self.figures.add("steps")
        self.figures.add(f"steps: {kind}")
        self.figures.add("retries", ledger.retries(observed.log))
        self.figures.add("requests", len(observed.log))
        duplicates = ledger.duplicate_creations(observed.log) + self._extra_hubs()
        if duplicates:
            self.figures.add("duplicates", duplicates)
            self.figures.problem(f"lifecycle {self.index} {kind}: {duplicates} duplicate hub(s)")
        if observed.outages:
            self.figures.add("outages met (retries exhausted)", observed.outages)
        if observed.bursts:
            self.figures.add("throttling bursts met (> 6 answers 429 in a row)", observed.bursts)
        if error is not None:
            self._failed(kind, error, fired, outage=observed.outages > 0)
        return error is None

    @contextmanager
    def _faults(self, faults: list[schedule.Fault], mode: str, value: float) -> Iterator[_Observed]:
        observed = _Observed()
        self.control.clear_requests()
        self.control.set_provisioning(mode, value)
        for fault in faults:
            if fault.kind in schedule.PROXY_KINDS:
                self.proxy.lose(fault.rule["method"], fault.rule["path_regex"], fault.rule["count"])
            else:
                self.control.add_fault(**fault.rule)
        try:
            yield observed
        finally:
            lost = sum(rule.fired for rule in self.proxy.clear())
            rules = self.control.faults()
            observed.fired = ledger.faults_fired(rules)
            if lost:
                observed.fired["lost_response"] += lost
            observed.outages = ledger.outages(rules, schedule.OUTAGE_FAILURES)
            observed.bursts = ledger.bursts(rules, schedule.OUTAGE_FAILURES)
            observed.log = self.control.requests()
            self.control.clear_faults()
            self.control.set_provisioning("immediate")

    def _failed(self, kind: str, error: EngineError, fired: Mapping[str, int], *, outage: bool) -> None:
        diagnosis = diagnose(error)
        self.figures.add("failed steps")
        where = f"lifecycle {self.index} {kind}"
        if not diagnosis.explained:
            self.figures.add("unexplained errors")
            self.figures.problem(f"{where}: unexplained error: {diagnosis.message[:400]}")
            return
        self.figures.add(f"failed steps: {diagnosis.error_class}")
        refused_as_stale = (diagnosis.error_class == "PreconditionFailedError"
                            and REFRESH_HINT in diagnosis.message and self.stale)
        refused_as_leftover = (diagnosis.error_class == "HubOwnershipError"
                               and LEFTOVER_HINT in diagnosis.message)
        if refused_as_leftover:
            self.figures.add("refused: own leftover hub needs replacing")
        if fired.get("fail_operation"):
            self.stale = True  # a failed update leaves a new etag behind, like a portal change
        elif not (refused_as_stale or refused_as_leftover or outage):
            self.figures.add("unexpected failures")
            self.figures.problem(f"{where}: failed under transient faults {dict(fired)}: "
                                 f"{diagnosis.error_class}: {diagnosis.message[:400]}")

    def _extra_hubs(self) -> int:
        return max(0, len(self.operator.hub_names(self.group)) - 1)

    # -- the portal ---------------------------------------------------------------------------------------

    def _live_hub_name(self) -> str | None:
        names = self.operator.hub_names(self.group)
        return names[0] if len(names) == 1 else None

    def _portal_change(self) -> None:
        change = self.rng.choice(("none", "none", "tag", "capacity", "add-group", "delete-group"))
        name = self._live_hub_name()
        if change == "none" or name is None:
            return
        try:
            if change == "tag":
                value = f"team-{self.rng.randint(1, 99)}"
                self.operator.add_tag(self.group, name, OPS_TAG, value)
                self.expected_tag = (OPS_TAG, value)
            elif change == "capacity":
                self.operator.set_capacity(self.group, name, 2)
                # Kept until a refresh only on a hub in Pulumi's state (its etag makes the next update fail
                # with 412). A hub left over by a cut-off create is not: the next `up` converges on it and
                # gives it the capacity the program declares, as documented.
                tracked = (self.stack.hub_state() or {}).get("name") == name
                self.expected_capacity = 2 if tracked else None
            elif change == "add-group":
                self.operator.add_consumer_group(self.group, name, OPS_GROUP)
                self.expected_group = True
            else:
                groups = [g for g in self.operator.consumer_groups(self.group, name) if g in GROUPS]
                if groups:
                    self.operator.delete_consumer_group(self.group, name, self.rng.choice(groups))
        except OperatorError as exc:  # e.g. the hub is still Updating after a failed step: skip the change
            self.figures.notes.append(f"lifecycle {self.index}: portal change {change} skipped: {exc}")
            return
        self.figures.add(f"portal changes: {change}")
        if change in ("tag", "capacity"):
            self.stale = True

    def _forget_portal_changes(self) -> None:
        """After a replacement or a destroy the hub is a new one: portal changes to the old one are gone."""
        self.expected_tag = None
        self.expected_capacity = None
        self.expected_group = False

    def _check_clobbers(self, when: str) -> None:
        name = self._live_hub_name()
        live = self.operator.hub(self.group, name) if name else None
        if live is None:
            return
        lost = []
        if self.expected_tag and (live.get("tags") or {}).get(self.expected_tag[0]) != self.expected_tag[1]:
            lost.append(f"tag {self.expected_tag}")
        if self.expected_capacity is not None and live["sku"].get("capacity") != self.expected_capacity:
            lost.append(f"capacity {self.expected_capacity} reverted without a refresh")
        if self.expected_group and name and OPS_GROUP not in self.operator.consumer_groups(self.group, name):
            lost.append(f"consumer group {OPS_GROUP}")
        if lost:
            self.figures.add("clobbers", len(lost))
            self.figures.problem(f"lifecycle {self.index} {when}: portal changes overwritten: {lost}")

    # -- the end --------------------------------------------------------------------------------------------

    def _converge(self, spec: HubSpec) -> None:
        """`pulumi up --refresh` until it succeeds (3 tries, doing what the errors say), check, then destroy
        and look for orphans."""
        for attempt in range(1, 4):
            try:
                self.stack.refresh()
                self.stack.up(spec)
            except EngineError as exc:
                diagnosis = diagnose(exc)
                if attempt == 3:
                    self.figures.problem(f"lifecycle {self.index}: no convergence: {diagnosis.message}")
                    return
                if LEFTOVER_HINT in diagnosis.message:  # the way out the error names: delete the hub
                    try:
                        for name in self.operator.hub_names(self.group):
                            self.operator.delete_hub(self.group, name)
                    except OperatorError as error:
                        self.figures.problem(f"lifecycle {self.index}: the leftover hub could not be deleted "
                                             f"by hand: {error}")
                        return
                    self.figures.add("leftover hubs deleted by hand, as the error says")
                continue
            if attempt > 1:
                self.figures.add("final up needed a second attempt")
            break
        self._check_converged(spec)
        try:
            self.stack.destroy()
        except EngineError as exc:
            self.figures.problem(f"lifecycle {self.index}: destroy without faults failed: {exc}")
        orphans = self._orphans()
        if orphans:
            self.figures.add("orphans", len(orphans))
            self.figures.problem(f"lifecycle {self.index}: orphans after destroy: {orphans}")
        if self.stack.engine.state:
            self.figures.problem(f"lifecycle {self.index}: state not empty after destroy")

    def _check_converged(self, spec: HubSpec) -> None:
        hub = self.stack.hub_state()
        names = self.operator.hub_names(self.group)
        if hub is None or names != [hub.get("name")]:
            self.figures.problem(f"lifecycle {self.index}: after the final up, state hub "
                                 f"{hub and hub.get('name')} but emulator {names}")
            return
        live = self.operator.hub(self.group, str(hub["name"])) or {}
        live_groups = set(self.operator.consumer_groups(self.group, str(hub["name"])))
        if not set(spec.groups) <= live_groups or sorted(spec.groups) != self.stack.group_names():
            self.figures.problem(f"lifecycle {self.index}: groups: program {sorted(spec.groups)}, state "
                                 f"{self.stack.group_names()}, emulator {sorted(live_groups)}")
        if live.get("sku", {}).get("capacity") != spec.capacity or any(
                (live.get("tags") or {}).get(k) != v for k, v in spec.tags.items()):
            self.figures.problem(f"lifecycle {self.index}: the hub is not what the program declares")

    def _orphans(self) -> list[str]:
        found = []
        for name in self.operator.hub_names(self.group):
            found.append(f"hub {name}")
        return found


@dataclass
class _Observed:
    """What one step did: the faults that fired and the emulator's request log."""

    fired: Counter[str] = field(default_factory=Counter)
    log: list[dict[str, Any]] = field(default_factory=list)
    outages: int = 0
    bursts: int = 0


def _worker(worker: int, indices: list[int], seed: int) -> Figures:
    figures = Figures("fault campaign")
    with EmulatorServer(token=TOKEN) as emulator, ProviderProcess(project=PROJECT) as provider, \
            LossyProxy(upstream_of(emulator.url)) as proxy:
        for index in indices:
            figures.merge(Lifecycle(index, seed, emulator, proxy, provider, worker).run())
        provider_output = provider.output()
    if TOKEN in provider_output:
        figures.problem("the provider printed the access token")
    return figures


def run_campaign(*, seed: int, lifecycles: int, workers: int = 1) -> Figures:
    """Run ``lifecycles`` seeded lifecycles on ``workers`` emulator + provider pairs; the merged figures."""
    figures = Figures("fault campaign")
    for key in MUST_BE_ZERO:
        figures.counts[key] = 0
    shards = [list(range(w, lifecycles, workers)) for w in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(lambda w: _worker(w, shards[w], seed), range(workers)):
            figures.merge(result)
    return figures
