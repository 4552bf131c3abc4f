"""A clock for the client's sleep and clock seams that moves only when the code under test sleeps."""

from __future__ import annotations


class FakeTime:
    """Time starts at `start` and advances by exactly what is slept; every sleep is recorded in order."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now
