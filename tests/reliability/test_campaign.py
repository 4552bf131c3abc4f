"""The fault campaign, seeded and short: every lifecycle step under random faults, all invariants held."""

from __future__ import annotations

import random

from harness.errors import ProviderError
from reliability import ledger, schedule
from reliability.campaign import MUST_BE_ZERO, diagnose, run_campaign

SEED = 1125


def test_seeded_lifecycles_under_faults_hold_every_invariant() -> None:
    figures = run_campaign(seed=SEED, lifecycles=6, workers=2)

    assert figures.problems == []
    assert {key: figures.counts[key] for key in MUST_BE_ZERO} == dict.fromkeys(MUST_BE_ZERO, 0)
    assert figures.counts["lifecycles"] == 6
    assert figures.counts["steps"] == 6 * 6
    assert sum(figures.faults.values()) >= 10, "the schedule injected too few faults to mean anything"
    assert figures.counts["retries"] > 0


def test_the_schedule_is_reproducible_and_within_the_retry_budget() -> None:
    first = [schedule.draw_step(random.Random(f"{SEED}:{n}")) for n in range(200)]
    again = [schedule.draw_step(random.Random(f"{SEED}:{n}")) for n in range(200)]

    assert [[f.rule for f in step] for step in first] == [[f.rule for f in step] for step in again]
    assert all(sum(f.failures for f in step) <= schedule.TRANSIENT_BUDGET
               or [f.outage for f in step] == [True] for step in first)
    assert {f.kind for step in first for f in step} == set(schedule.KINDS)
    assert any(f.outage for step in first for f in step)
    bursts = [f for step in first for f in step if f.burst]
    assert bursts and all(f.rule["count"] > 6 and not f.outage for f in bursts)


def test_retries_are_counted_per_operation_and_request() -> None:
    def entry(crid: str, method: str, path: str, status: int) -> dict[str, object]:
        return {"method": method, "path": path, "status": status, "headers": {"x-ms-client-request-id": crid}}

    log = [entry("a", "GET", "/h", 429), entry("a", "GET", "/h", 200), entry("b", "GET", "/h", 200),
           entry("a", "PUT", "/h", 0), entry("a", "PUT", "/h", 201), entry("a", "GET", "/op", 200),
           entry("a", "GET", "/op", 200), entry("a", "PUT", "/IotHubs/x", 201),
           entry("a", "PUT", "/IotHubs/x", 201)]

    assert ledger.retries(log) == 2
    assert ledger.duplicate_creations(log) == 1


def test_only_hub_puts_that_can_make_a_second_hub_count_as_duplicates() -> None:
    """Seed 5150, lifecycle 43: a create whose async operation failed (the hub went with it) and whose answer
    was lost; the retried PUT, sent with If-None-Match: *, made the only hub. And Azure answers an update PUT
    201 too: an If-Match PUT never creates a hub, and does not make a lifecycle step a re-creation."""
    def put(crid: str, status: int, **headers: str) -> dict[str, object]:
        return {"method": "PUT", "path": "/IotHubs/x", "status": status,
                "headers": {"x-ms-client-request-id": crid, **headers}}

    conditional = [put("a", 201, **{"If-None-Match": "*"}), put("a", 201, **{"If-None-Match": "*"})]
    update = [put("b", 201, **{"If-None-Match": "*"}), put("b", 201, **{"If-Match": "etag-1"})]
    unconditional = [put("c", 201), put("c", 201)]

    assert ledger.duplicate_creations(conditional) == 0
    assert ledger.duplicate_creations(update) == 0
    assert ledger.duplicate_creations(unconditional) == 1
    assert not ledger.hub_recreated([put("d", 201, **{"If-Match": "etag-1"})])
    assert ledger.hub_recreated([put("d", 201, **{"If-None-Match": "*"})])


def test_a_provider_error_is_explained_only_by_our_error_with_a_request_id() -> None:
    ours = ProviderError("Create", "hub", "UNKNOWN", "Traceback ...\niothub_provider.errors.ServerError: "
                         "PUT u failed with HTTP 500 (500019): boom [x-ms-request-id: 1234]\n")
    unanswered = ProviderError("Create", "hub", "UNKNOWN", "Traceback ...\n"
                               "iothub_provider.errors.TransportError: GET u: connection failed "
                               "[x-ms-client-request-id: 42]\n")
    anonymous = ProviderError("Create", "hub", "UNKNOWN", "Traceback ...\n"
                              "iothub_provider.errors.TransportError: GET u: connection failed\n")
    foreign = ProviderError("Create", "hub", "UNKNOWN", "Traceback ...\nKeyError: 'name'\n")

    assert diagnose(ours).explained and diagnose(ours).error_class == "ServerError"
    assert diagnose(unanswered).explained
    assert not diagnose(anonymous).explained
    assert not diagnose(foreign).explained
