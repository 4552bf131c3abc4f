"""Reading the emulator's request log and fault counters: retries, hub creations, faults that fired.

Every request the provider sends for one provider operation carries the same ``x-ms-client-request-id``, so a
request is a *retry* when the previous request of that operation to the same method and path failed in a way
the retry policy retries (dropped connection, 409 not-active, 429, 5xx).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Final

RETRIED_STATUSES: Final = frozenset({0, 409, 429, 500, 502, 503, 504})
HUB_PATH: Final = re.compile(r"/IotHubs/[^/]+/?$", re.IGNORECASE)

Entry = Mapping[str, Any]


def client_request_id(entry: Entry) -> str:
    headers = entry.get("headers") or {}
    return str(headers.get("x-ms-client-request-id") or "")


def retries(entries: Iterable[Entry]) -> int:
    """Requests that repeat a failed request of the same provider operation."""
    last: dict[tuple[str, str, str], int] = {}
    count = 0
    for entry in entries:
        crid = client_request_id(entry)
        if not crid:
            continue
        key = (crid, str(entry["method"]), str(entry["path"]).lower())
        if last.get(key) in RETRIED_STATUSES:
            count += 1
        last[key] = int(entry["status"])
    return count


def longest_refusal(entries: Iterable[Entry], status: int) -> int:
    """The longest run of answers ``status`` to the same request (method and path) of one provider
    operation."""
    runs: dict[tuple[str, str, str], int] = {}
    longest = 0
    for entry in entries:
        key = (client_request_id(entry), str(entry["method"]), str(entry["path"]).lower())
        runs[key] = runs.get(key, 0) + 1 if entry["status"] == status else 0
        longest = max(longest, runs[key])
    return longest


def _sent(entry: Entry, header: str) -> str | None:
    headers = {str(k).lower(): v for k, v in (entry.get("headers") or {}).items()}
    value = headers.get(header)
    return None if value is None else str(value)


def is_hub_creation(entry: Entry) -> bool:
    """A hub PUT answered 201 that may have brought a hub into existence. Azure answers an update PUT 201 as
    well (with ``Azure-AsyncOperation``), so a PUT sent with ``If-Match``, which only ever updates an existing
    hub, is not one."""
    return (entry["method"] == "PUT" and entry["status"] == 201 and HUB_PATH.search(str(entry["path"]))
            is not None and _sent(entry, "if-match") is None)


def hub_creations(entries: Iterable[Entry]) -> Counter[str]:
    """Hub PUTs that may have created a hub (``is_hub_creation``), per provider operation."""
    created: Counter[str] = Counter()
    for entry in entries:
        if is_hub_creation(entry):
            created[client_request_id(entry) or "<no client request id>"] += 1
    return created


def duplicate_creations(entries: Iterable[Entry]) -> int:
    """Hubs a provider operation created beyond its first. A later creation sent with ``If-None-Match: *``
    does not count: the service makes it only when no hub of that name exists (the first one's create
    failed and took it away, say), so it cannot duplicate one."""
    seen: Counter[str] = Counter()
    duplicates = 0
    for entry in entries:
        if not is_hub_creation(entry):
            continue
        crid = client_request_id(entry) or "<no client request id>"
        if seen[crid] and _sent(entry, "if-none-match") != "*":
            duplicates += 1
        seen[crid] += 1
    return duplicates


def hub_recreated(entries: Iterable[Entry]) -> bool:
    """A hub was accepted for deletion or created in these requests (an update answered 201 is neither)."""
    return any((e["method"] == "DELETE" and e["status"] == 202 and HUB_PATH.search(str(e["path"])))
               or is_hub_creation(e) for e in entries)


def faults_fired(rules: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """How often each kind of fault fired, from the control API's rule list."""
    fired: Counter[str] = Counter()
    for rule in rules:
        if rule.get("fired"):
            fired[str(rule["kind"])] += int(rule["fired"])
    return fired


def outages(rules: Iterable[Mapping[str, Any]], failures: int) -> int:
    """Rules of at least ``failures`` failures counted against the attempts (not throttling or not-active,
    which are waited out) that fired every time: a request failed beyond its retries."""
    return sum(1 for rule in rules if int(rule.get("count", 1)) >= failures
               and rule.get("fired") == rule.get("count")
               and rule["kind"] not in ("delay", "throttle", "not_active"))


def bursts(rules: Iterable[Mapping[str, Any]], failures: int) -> int:
    """Throttle rules of more than ``failures`` answers 429 that fired every time (a request was refused for
    longer than an attempt budget would cover)."""
    return sum(1 for rule in rules if rule["kind"] == "throttle" and int(rule.get("count", 1)) > failures
               and rule.get("fired") == rule.get("count"))


def arm_requests(entries: Iterable[Entry]) -> int:
    return sum(1 for _ in entries)
