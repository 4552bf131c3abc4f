"""Overshoot against status polls for a polling schedule, computed from the schedule itself.

For a provisioning time T, a client that reads the status at times t1 < t2 < ... (seconds after the
initial response) sees the operation done at the first ti >= T: the overshoot is ti - T and the cost
is i status reads. The curve is computed for our client's schedule (imported from the client, so it
follows any change there) and for azure-mgmt-iothub's default (a read at once, then every 30 s).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from iothub_provider.client.polling import next_poll_delay

SDK_INTERVAL = 30.0
HORIZON = 1800.0  # the client's default operation deadline

# next wait from (reads so far, seconds elapsed) -> seconds
NextWait = Callable[[int, float], float]


def ours(reads: int, elapsed: float) -> float:
    return next_poll_delay(reads, elapsed)


def sdk(_reads: int, _elapsed: float) -> float:
    return SDK_INTERVAL


def read_times(next_wait: NextWait, first_delay: float = 0.0, horizon: float = HORIZON) -> list[float]:
    """Times of the status reads: the first after ``first_delay`` (a Retry-After), then per schedule."""
    times = [first_delay]
    while times[-1] < horizon:
        times.append(times[-1] + next_wait(len(times), times[-1]))
    return times


@dataclass(frozen=True)
class Point:
    provisioning: float
    seen_at: float
    reads: int

    @property
    def overshoot(self) -> float:
        return self.seen_at - self.provisioning


def seen(times: list[float], provisioning: float) -> Point:
    for i, t in enumerate(times, start=1):
        if t >= provisioning:
            return Point(provisioning, t, i)
    return Point(provisioning, float("inf"), len(times))


def target_bound(provisioning: float) -> float:
    """The issue's bound without Retry-After: within 10% of the limit plus 1 s."""
    return 1.1 * provisioning + 1.0


@dataclass(frozen=True)
class Summary:
    worst_excess: float  # max over T of seen_at - target_bound (<= 0 means the target holds everywhere)
    worst_at: float
    missed_ranges: list[tuple[float, float]]
    slower_than_sdk: list[tuple[float, float]]
    reads_at_150s: int


def _ranges(flags: Iterable[tuple[float, bool]], step: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    start: float | None = None
    last = 0.0
    for t, bad in flags:
        if bad and start is None:
            start = t
        if not bad and start is not None:
            out.append((start, last))
            start = None
        last = t
    if start is not None:
        out.append((start, last))
    return [(a, b) for a, b in out if b - a >= step / 2 or a == b]


def summarise(next_wait: NextWait, horizon: float = 600.0, step: float = 0.05) -> Summary:
    times = read_times(next_wait)
    sdk_times = read_times(sdk)
    grid = [round(step * i, 4) for i in range(1, int(horizon / step) + 1)]
    worst, worst_at = -math.inf, 0.0
    missed: list[tuple[float, bool]] = []
    slower: list[tuple[float, bool]] = []
    for t in grid:
        p = seen(times, t)
        excess = p.seen_at - target_bound(t)
        if excess > worst:
            worst, worst_at = excess, t
        missed.append((t, excess > 1e-9))
        slower.append((t, p.seen_at > seen(sdk_times, t).seen_at + 1e-9))
    return Summary(worst, worst_at, _ranges(missed, step), _ranges(slower, step), seen(times, 150.0).reads)


CURVE_POINTS = (1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 150, 300)


def curve_table(points: Iterable[float] = CURVE_POINTS) -> str:
    """The overshoot-vs-reads curve of our schedule next to the SDK's default."""
    schedules = {"ours": read_times(ours), "sdk": read_times(sdk)}
    head = f"{'T (s)':>6} | " + " | ".join(f"{n:>9} seen/over/reads" for n in schedules) + " | bound 1.1T+1"
    lines = [head, "-" * len(head)]
    for t in points:
        cells = []
        for times in schedules.values():
            p = seen(times, t)
            cells.append(f"{p.seen_at:8.1f}s/{p.overshoot:5.1f}s/{p.reads:3d}")
        lines.append(f"{t:>6} | " + " | ".join(f"{c:>25}" for c in cells) + f" | {target_bound(t):.1f}s")
    for name, fn in (("ours", ours),):
        s = summarise(fn)
        missed = ", ".join(f"{a:.1f}-{b:.1f}s" for a, b in s.missed_ranges[:6]) or "none"
        slower = ", ".join(f"{a:.1f}-{b:.1f}s" for a, b in s.slower_than_sdk[:6]) or "none"
        lines.append(
            f"{name}: worst excess over 1.1T+1 = {s.worst_excess:+.2f}s at T={s.worst_at:.2f}s; "
            f"T missing the bound: {missed}; T where slower than the SDK: {slower}; "
            f"status reads for a 150 s create: {s.reads_at_150s}"
        )
    return "\n".join(lines)
