"""Counting how many hub requests a provider has under way at once: the emulator holds each one (a `delay`
fault) and a thread watches how many it holds before the first is let through. For the tests of concurrent
steps: one provider process (tests/lifecycle/test_parallel.py, test_call_pool.py) and the real CLI
(tests/e2e/test_call_pool.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from iothub_emulator.control import EmulatorControl


def most_held_at_once(control: EmulatorControl, rule: str, first_let_through: Callable[[], bool],
                      timeout: float) -> int:
    """How many hub requests the emulator held at once (`rule`, a delay) before the first was let through
    (a held request is handled only when its hold ends)."""
    most = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not first_let_through():
        most = max(most, next(int(r["fired"]) for r in control.faults() if r["id"] == rule))
        time.sleep(0.01)
    return most


def count_held_at_once(control: EmulatorControl, method: str, count: int, hold: float,
                       first_let_through: Callable[[], bool], timeout: float = 120) -> Callable[[], int]:
    """Hold the next `count` hub requests of `method` for `hold` s each and count, in a thread, how many
    were held at once; the returned function waits for that count."""
    held = control.add_fault(kind="delay", method=method, path_regex=r"/IotHubs/[^/]+$", count=count,
                             delay=hold)
    seen: list[int] = []
    watcher = threading.Thread(
        target=lambda: seen.append(most_held_at_once(control, held, first_let_through, timeout)), daemon=True)
    watcher.start()

    def result() -> int:
        watcher.join(timeout=30)
        assert len(seen) == 1, "the watcher did not finish"
        return seen[0]

    return result
