"""The emulator's one source of time: provisioning delays, operation due times, ``created`` stamps.

It reads the wall clock plus an offset, so a test moves time forward (``advance``) instead of sleeping
until a ``seconds``-mode operation is due; ``freeze`` stops it for tests that compare stamps. Through the
control API: ``GET /_emulator/clock``, ``POST /_emulator/clock/advance {"seconds": N}``,
``PUT /_emulator/clock {"frozen": true|false}``. A reset returns it to the wall clock. The offset is not
stored: after a restart, operations due at an advanced time finish when the wall clock gets there.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class Clock:
    """Wall-clock seconds since the epoch, moved by ``advance`` and optionally frozen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

    def now(self) -> float:
        frozen = self._frozen_at
        return frozen if frozen is not None else time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (>= 0; time never runs backwards); the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward: seconds must be >= 0")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
            return self.now()

    def freeze(self) -> None:
        """Stop time at its current value until ``thaw`` (``advance`` still moves it)."""
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = self.now()

    def thaw(self) -> None:
        """Let time run again from where it stands (the offset absorbs the time spent frozen)."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None

    def reset(self) -> None:
        """Back to the wall clock, running."""
        with self._lock:
            self._offset, self._frozen_at = 0.0, None

    def describe(self) -> dict[str, Any]:
        return {"now": self.now(), "frozen": self._frozen_at is not None, "offset": self._offset}
