"""Reading the emulator's request log in end-to-end tests: which calls changed something, and where."""

from __future__ import annotations

from typing import Any

from iothub_emulator.control import EmulatorControl

Request = dict[str, Any]
READ_ACTIONS = ("/listkeys", "/IotHubStats", "/quotaMetrics", "/skus")


def is_write(request: Request) -> bool:
    """A request that can change something (listkeys is a POST but only reads)."""
    if request["method"] in ("GET", "HEAD"):
        return False
    return not any(request["path"].lower().endswith(action.lower()) for action in READ_ACTIONS)


def writes(control: EmulatorControl) -> list[tuple[str, str]]:
    """(method, path) of every write since the log was last cleared, oldest first."""
    return [(r["method"], r["path"]) for r in control.requests() if is_write(r)]


def hub_writes(control: EmulatorControl, hub: str) -> list[Request]:
    """Writes to the hub itself (not its consumer groups or operations)."""
    suffix = f"/iothubs/{hub}".lower()
    return [r for r in control.requests() if is_write(r) and r["path"].lower().endswith(suffix)]
