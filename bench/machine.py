"""What machine the figures come from; printed with every run and recorded in RESULTS.md."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def describe() -> dict[str, str]:
    return {
        "nproc": str(os.cpu_count() or "unknown"),
        "memory": _memory_gib(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def one_line() -> str:
    d = describe()
    return f"nproc={d['nproc']}, memory={d['memory']}, cpu={d['cpu']}, Python {d['python']}, {d['os']}"
