"""What a provider step tells the user without failing: one line on the provider process's stderr, which the
engine shows with the step (a dynamic provider has no other channel for warnings)."""

from __future__ import annotations

import sys


def warn(message: str) -> None:
    """A ``warning: ...`` line; it never carries a key or token (callers build it from names and ids)."""
    print(f"warning: {message}", file=sys.stderr)
