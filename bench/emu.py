"""The emulator as the benchmarks use it: in this process for request counting, or as its own
process (the CLI) when load or memory is measured."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer

TOKEN = "bench-token-0123456789"
SUBSCRIPTION = "00000000-0000-0000-0000-0000000000b1"
RESOURCE_GROUP = "rg-bench"
LOCATION = "westeurope"
API_VERSION = "2023-06-30"
PROJECT_DIR = Path(__file__).resolve().parents[1]


def arm_requests(control: EmulatorControl) -> int:
    """ARM requests in the emulator's log (the control API's own calls are not counted)."""
    return sum(1 for r in control.requests() if not str(r.get("path", "")).startswith("/_emulator"))


@contextmanager
def in_process(provisioning: float = 0.0, retry_after: int | None = None) -> Iterator[EmulatorServer]:
    """An in-memory emulator in a thread of this process, with the bench resource group."""
    with EmulatorServer(token=TOKEN) as server:
        server.control.set_provisioning(
            "seconds" if provisioning > 0 else "immediate", provisioning, retry_after=retry_after
        )
        server.control.create_resource_group(SUBSCRIPTION, RESOURCE_GROUP, LOCATION)
        yield server


def hub_path(name: str, subscription: str = SUBSCRIPTION, resource_group: str = RESOURCE_GROUP) -> str:
    group = f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
    return f"{group}/providers/Microsoft.Devices/IotHubs/{name}"


def pin_to(cpu: int | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` that pins the child to one CPU (so server and load generator do not share one)."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return None

    def pin() -> None:
        os.sched_setaffinity(0, {cpu})

    return pin


class EmulatorProcess:
    """``python -m iothub_emulator`` on a free port, in memory, optionally pinned to one CPU."""

    def __init__(self, cpu: int | None = None, extra_args: list[str] | None = None) -> None:
        cmd = [
            sys.executable,
            "-m",
            "iothub_emulator",
            "--port",
            "0",
            "--in-memory",
            "--token",
            TOKEN,
            *(extra_args or []),
        ]
        self.proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            preexec_fn=pin_to(cpu),
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if "http://" not in line:
            self.close()
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.url = line[line.index("http://") :]
        self.token = TOKEN
        self.control = EmulatorControl(self.url, TOKEN)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {TOKEN}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
