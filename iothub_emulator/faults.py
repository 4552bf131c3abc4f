"""Deterministic fault injection: rules added per test, each firing a fixed number of times.

A rule: ``kind``; optional ``method`` and ``path`` (case-insensitive substring of the URL path) or
``path_regex``; ``count`` (times it fires, then it is exhausted; default 1); ``after`` (matching requests
to let through first; default 0); and per kind ``status``, ``code``, ``message``, ``retry_after``, ``delay``.

Kinds:
- ``throttle``: 429 ARM envelope SubscriptionRequestsThrottled with ``Retry-After`` (default 1 s).
- ``error``: ``status`` (default 500); int ``code`` -> IoT Hub ErrorDetails (default 500019), string -> ARM.
- ``not_active``: 409 IoT Hub 409002 "<hub> is not currently in Active state...".
- ``delay``: sleep ``delay`` seconds (default 1), then answer normally.
- ``drop``: close the connection without any response.
- ``fail_operation``: the async operation started by the matching request ends Failed with
  ``{"code", "httpStatusCode", "message"}`` (defaults 400123 / BadRequest).
- ``get_404_after_put``: after the matching successful hub PUT, the next ``count`` GETs of that hub
  answer ARM 404 ResourceNotFound (the real service's eventual-consistency glitch).
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

FRONT_DOOR_KINDS = ("throttle", "error", "not_active", "delay", "drop")
KINDS = (*FRONT_DOOR_KINDS, "fail_operation", "get_404_after_put")
_FIELDS = (
    "kind",
    "method",
    "path",
    "path_regex",
    "count",
    "after",
    "status",
    "code",
    "message",
    "retry_after",
    "delay",
)

_TYPES: dict[str, tuple[type, ...]] = {
    "method": (str,),
    "path": (str,),
    "path_regex": (str,),
    "count": (int,),
    "after": (int,),
    "status": (int,),
    "code": (str, int),
    "message": (str,),
    "retry_after": (int,),
    "delay": (int, float),
}


@dataclass
class FaultRule:
    kind: str
    method: str | None = None
    path: str | None = None
    path_regex: str | None = None
    count: int = 1
    after: int = 0
    status: int | None = None
    code: str | int | None = None
    message: str | None = None
    retry_after: int | None = None
    delay: float | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    matched: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.path and self.path.lower() not in path.lower():
            return False
        return not (self.path_regex and not re.search(self.path_regex, path, re.IGNORECASE))

    @property
    def exhausted(self) -> bool:
        return self.fired >= self.count


def parse_rule(spec: dict[str, Any]) -> FaultRule:
    unknown = set(spec) - set(_FIELDS)
    if unknown:
        raise ValueError(f"unknown fault rule field(s) {sorted(unknown)}; allowed: {', '.join(_FIELDS)}")
    if spec.get("kind") not in KINDS:
        raise ValueError(f"fault rule kind must be one of {', '.join(KINDS)}, got {spec.get('kind')!r}")
    for name, kinds in _TYPES.items():
        value = spec.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
            raise ValueError(f"fault rule field {name!r} has the wrong type: {value!r}")
    rule = FaultRule(**spec)
    if rule.count < 1 or rule.after < 0:
        raise ValueError("count must be >= 1 and after >= 0")
    if rule.retry_after is not None and rule.retry_after < 1:
        raise ValueError("retry_after must be >= 1 (Retry-After: 0 means 'absent' to azure-core)")
    if rule.path_regex:
        try:
            re.compile(rule.path_regex)
        except re.error as exc:
            raise ValueError(f"path_regex {rule.path_regex!r} is not a valid regex: {exc}") from exc
    return rule


class Faults:
    """The active rules plus hub paths armed by ``get_404_after_put``."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._armed: dict[str, int] = {}
        self._lock = threading.Lock()

    def active(self) -> bool:
        """Whether any rule is set (read without the lock: a rule added meanwhile applies from the next
        request on)."""
        return bool(self._rules)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        rule = parse_rule(spec)
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._armed.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**asdict(r), "exhausted": r.exhausted} for r in self._rules]

    def take(self, method: str, path: str, kinds: tuple[str, ...]) -> list[FaultRule]:
        """Rules of these kinds that fire for this request (each match counts toward ``after``).

        Slow responses stack; of the rules that answer instead of the server, only the first fires, so each
        such rule answers requests of its own and ``fired`` counts answers actually given.
        """
        fired: list[FaultRule] = []
        if not self._rules:  # none at all (the usual case): no lock to take
            return fired
        with self._lock:
            for rule in self._rules:
                if rule.kind not in kinds or rule.exhausted or not rule.matches(method, path):
                    continue
                rule.matched += 1
                if rule.matched > rule.after:
                    rule.fired += 1
                    fired.append(rule)
                    if rule.kind != "delay":
                        break
        return fired

    def take_failure(self, method: str, path: str) -> FaultRule | None:
        rules = self.take(method, path, ("fail_operation",))
        return rules[0] if rules else None

    def arm_get_404(self, method: str, path: str) -> None:
        with self._lock:
            for rule in self._rules:
                if rule.kind != "get_404_after_put" or rule.fired or not rule.matches(method, path):
                    continue
                rule.matched += 1
                if rule.matched > rule.after:
                    rule.fired = rule.count
                    self._armed[path.lower()] = self._armed.get(path.lower(), 0) + rule.count
                    return

    def consume_get_404(self, path: str) -> bool:
        if not self._armed:  # nothing armed (the usual case): no lock to take
            return False
        with self._lock:
            left = self._armed.get(path.lower(), 0)
            if left <= 0:
                return False
            self._armed[path.lower()] = left - 1
            return True
