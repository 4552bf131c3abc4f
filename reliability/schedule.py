"""The seeded random fault schedule: which emulator faults a step of a lifecycle runs under.

Every fault kind the emulator injects is drawn: 429 with Retry-After, 5xx (both error shapes), dropped
connections, slow responses, 409 not-active windows, async operations that end Failed, and the GET-404 after
a successful PUT; plus ``lost_response``, served by ``proxy.LossyProxy``: the emulator does the work and the
answer never reaches the provider. Targets are the requests a provider step makes: the hub, its consumer
groups, the operation-status URLs, listkeys.

Transient failures counted against the retry policy's attempts (5xx, dropped connections, lost answers) are
sized so no single request can fail more often than the policy allows (at most ``TRANSIENT_BUDGET`` a step,
the policy makes 6 attempts); throttling and 409 not-active are waited out until the operation deadline, not
counted. A step that fails under transient faults alone is a defect, not bad luck. Now and then
(``OUTAGE_CHANCE``) a step instead meets one request that keeps failing: an *outage* (its connection dropped
more often than the policy retries: the step must fail with a clear error that carries an id, and the next run
must converge), or a throttling *burst* (7-12 answers 429 in a row, more than six attempts would cover: the
step must succeed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Final

HUB: Final = r"/IotHubs/[^/]+/?$"
GROUP: Final = r"/ConsumerGroups/[^/]+/?$"
POLL: Final = r"/operationResults/"
KEYS: Final = r"/listkeys/?$"
TARGETS: Final = {
    HUB: ("GET", "PUT", "PATCH", "DELETE"),
    GROUP: ("GET", "PUT", "DELETE"),
    POLL: ("GET",),
    KEYS: ("POST",),
}
WRITES: Final = (("PUT", HUB), ("PATCH", HUB), ("DELETE", HUB), ("PUT", GROUP), ("DELETE", GROUP))
KINDS: Final = ("throttle", "error", "drop", "delay", "not_active", "fail_operation", "get_404_after_put",
                "lost_response")
WEIGHTS: Final = (5, 5, 4, 3, 4, 2, 2, 4)
FAILING_KINDS: Final = frozenset({"throttle", "error", "drop", "not_active", "lost_response"})
PROXY_KINDS: Final = frozenset({"lost_response"})
TRANSIENT_BUDGET: Final = 4
OUTAGE_CHANCE: Final = 0.04
OUTAGE_FAILURES: Final = 6
BURST_FAILURES: Final = (OUTAGE_FAILURES + 1, 2 * OUTAGE_FAILURES)
UNCOUNTED_KINDS: Final = frozenset({"throttle", "not_active"})
"""Failures the retry policy waits out until the deadline instead of counting them against its attempts."""
SERVER_ERRORS: Final = ((500, 500019), (502, "BadGateway"), (503, 503001), (504, "GatewayTimeout"))


@dataclass(frozen=True)
class Fault:
    """One fault rule for the emulator's control API."""

    rule: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.rule["kind"])

    @property
    def outage(self) -> bool:
        """More failures of one request than the retry policy's attempts."""
        return self.failures >= OUTAGE_FAILURES

    @property
    def burst(self) -> bool:
        """More answers 429 to one request than six attempts would cover: waited out, never a failure."""
        return self.kind == "throttle" and int(self.rule.get("count", 1)) > OUTAGE_FAILURES

    @property
    def failures(self) -> int:
        """Requests this rule makes fail with an error counted against the retry policy's attempts (0 for
        throttling and not-active, which are waited out, for slow responses and the rest)."""
        counted = self.kind in FAILING_KINDS and self.kind not in UNCOUNTED_KINDS
        return int(self.rule.get("count", 1)) if counted else 0


def _target(rng: random.Random) -> tuple[str, str]:
    path = rng.choice(list(TARGETS))
    return rng.choice(TARGETS[path]), path


def draw_fault(rng: random.Random) -> Fault:
    kind = rng.choices(KINDS, weights=WEIGHTS)[0]
    after = rng.choice((0, 0, 0, 1, 2))
    if kind == "throttle":
        method, path = _target(rng)
        rule = {"count": rng.randint(1, 2), "retry_after": 1, "method": method, "path_regex": path}
    elif kind == "error":
        method, path = _target(rng)
        status, code = rng.choice(SERVER_ERRORS)
        rule = {"count": rng.randint(1, 2), "status": status, "code": code, "method": method,
                "path_regex": path}
    elif kind == "drop":
        method, path = _target(rng)
        rule = {"count": rng.randint(1, 2), "method": method, "path_regex": path}
    elif kind == "delay":
        method, path = _target(rng)
        rule = {"count": rng.randint(1, 3), "delay": rng.choice((0.1, 0.3, 0.6)), "method": method,
                "path_regex": path}
    elif kind == "not_active":
        method, path = rng.choice(WRITES)
        rule = {"count": rng.randint(1, 3), "method": method, "path_regex": path}
    elif kind == "lost_response":
        method, path = rng.choice((*WRITES, ("GET", POLL)))
        return Fault({"kind": kind, "count": 1, "method": method, "path_regex": path})
    elif kind == "fail_operation":
        method = rng.choice(("PUT", "DELETE"))
        rule = {"count": 1, "method": method, "path_regex": HUB, "code": rng.choice((400123, 500019))}
    else:
        rule = {"count": rng.randint(1, 2), "method": "PUT", "path_regex": HUB}
    return Fault({"kind": kind, "after": after, **rule})


def draw_outage(rng: random.Random) -> Fault:
    """One request that keeps failing: its connection dropped beyond the retries (an outage), or throttled
    for longer than six attempts would cover (a burst, waited out)."""
    method, path = _target(rng)
    if rng.choice(("throttle", "drop")) == "drop":
        return Fault({"kind": "drop", "count": OUTAGE_FAILURES, "method": method, "path_regex": path})
    return Fault({"kind": "throttle", "count": rng.randint(*BURST_FAILURES), "retry_after": 1,
                  "method": method, "path_regex": path})


def draw_step(rng: random.Random, *, max_faults: int = 3) -> list[Fault]:
    """The faults one step runs under: 0 to ``max_faults`` rules within the transient budget, or one request
    that keeps failing (an outage or a throttling burst)."""
    if rng.random() < OUTAGE_CHANCE:
        return [draw_outage(rng)]
    faults: list[Fault] = []
    for _ in range(rng.choice(range(max_faults + 1))):
        fault = draw_fault(rng)
        if sum(f.failures for f in faults) + fault.failures <= TRANSIENT_BUDGET:
            faults.append(fault)
    return faults


def draw_provisioning(rng: random.Random) -> tuple[str, float]:
    """How the emulator's async operations progress during a step: at once, or some time after acceptance.

    Never the emulator's ``polls`` mode: there only status polls advance an operation, so one whose client
    stops polling it (an outage, a lost answer followed by a wait on ``provisioningState``) never ends,
    while Azure's operations end in time whoever watches them (docs/RELIABILITY.md, open findings).
    """
    return rng.choice((("immediate", 0), ("immediate", 0), ("seconds", 0.3), ("seconds", 0.8)))
