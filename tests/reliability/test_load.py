"""Load: eight stacks, each with its own provider process, deploy at once against one throttling emulator."""

from __future__ import annotations

from reliability.load import run_load


def test_eight_stacks_at_once_complete_under_throttling_and_a_long_burst_with_bounded_requests() -> None:
    figures = run_load(stacks=8)

    assert figures.problems == []
    assert figures.counts["quiet: completed stacks"] == 8
    assert figures.counts["throttled: completed stacks"] == 8
    assert figures.counts["throttled: 429 answers"] > 0, "throttling never engaged"
    assert figures.counts["burst: completed stacks"] == 8
    assert figures.counts["burst: longest run of 429s to one request"] > 6, "the burst was within 6 attempts"
    assert figures.counts["orphans"] == 0
    assert figures.counts["lost updates"] == 0
    assert figures.counts["requests beyond quiet run + one per 429"] == 0
