"""Memory of a process from /proc (Linux), without extra dependencies."""

from __future__ import annotations

from pathlib import Path


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/status")


def rss_mib(pid: int) -> float:
    """Resident set size now."""
    return _status_kib(pid, "VmRSS") / 1024


def peak_rss_mib(pid: int) -> float:
    """High-water mark of the resident set since the process started."""
    return _status_kib(pid, "VmHWM") / 1024
