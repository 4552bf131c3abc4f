"""Crashes, seeded and short: the provider SIGKILLed in create, update and delete; the emulator SIGKILLed
during writes and async operations, then restarted on its data directory."""

from __future__ import annotations

from reliability.crashes import emulator_kills, provider_kills


def test_a_killed_provider_converges_on_the_next_run() -> None:
    figures = provider_kills(seed=7, rounds=3)

    assert figures.problems == []
    assert figures.counts["orphans"] == 0
    killed = [figures.counts[f"provider kills: {phase}"] for phase in ("create", "update", "delete")]
    assert sum(killed) >= 2, f"the kills landed after the operations ended: {dict(figures.counts)}"


def test_a_killed_emulator_restarts_consistent_and_finishes_its_operations() -> None:
    figures = emulator_kills(seed=7, rounds=1)

    assert figures.problems == []
    assert figures.counts["emulator kills"] == 1
    assert figures.counts["acknowledged hub writes"] > 0
    assert figures.counts["deployments in flight across an emulator restart"] == 1
