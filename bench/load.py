"""The emulator under load, and its memory with many hubs stored.

Server and load generator are separate processes pinned to separate CPUs (2 cores), so neither's
GIL slows the other. Each point is requests per second and p50/p99 latency for N keep-alive
clients sending back to back. The floor is the emulator's own server stack answering a trivial
endpoint (``bench.floor_server``): the ratio is what routing, validation and SQLite add.

Requests per second depend on how much of its CPU the server gets, which on a machine shared with other
work moves from run to run; so each point also records the server's CPU time per request answered
(from /proc, warm-up included), and ``cpu/floor`` compares those: the rps ratio the emulator would
reach if both servers had their CPU to themselves. ``BENCH_FLOOR=starlette`` measures against the
Starlette floor of the figures taken before the emulator stopped using Starlette.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

from bench.emu import (
    API_VERSION,
    LOCATION,
    PROJECT_DIR,
    RESOURCE_GROUP,
    SUBSCRIPTION,
    TOKEN,
    EmulatorProcess,
    hub_path,
    pin_to,
)
from bench.procstat import rss_mib
from bench.report import Figure, Target, fmt_num, fmt_ratio, median, ratio

SERVER_CPU, GENERATOR_CPU = 0, 1
HUB = "load-hub"
GROUPS = 8
TARGET_SHARE = 0.6  # of the floor's requests per second, at 8 and at 32 clients


@dataclass(frozen=True)
class Point:
    rps: float
    p50_ms: float
    p99_ms: float
    generator_cpu: float
    statuses: dict[str, int]
    server_cpu_ms: float  # the server's CPU time per request answered


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def generate(
    url: str,
    paths: list[str],
    method: str,
    body: str,
    clients: int,
    duration: float,
    warmup: float,
    server_pid: int,
) -> Point:
    cmd = [
        sys.executable,
        "-m",
        "bench.loadgen",
        "--url",
        url,
        "--method",
        method,
        "--body",
        body,
        "--token",
        TOKEN,
        "--clients",
        str(clients),
        "--duration",
        str(duration),
        "--warmup",
        str(warmup),
        "--cpu",
        str(GENERATOR_CPU),
    ]
    for p in paths:
        cmd += ["--path", p]
    cpu_before = _cpu_seconds(server_pid)
    out = subprocess.run(cmd, cwd=PROJECT_DIR, capture_output=True, text=True, check=True).stdout
    cpu = _cpu_seconds(server_pid) - cpu_before
    d = json.loads(out.strip().splitlines()[-1])
    per_request = cpu * 1000 / max(d["answered"], 1)
    return Point(d["rps"], d["p50_ms"], d["p99_ms"], d["generator_cpu"], d["statuses"], per_request)


class FloorProcess:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.floor_server",
                *(["--starlette"] if os.environ.get("BENCH_FLOOR") == "starlette" else []),
            ],
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=pin_to(SERVER_CPU),
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        self.url = line[line.index("http://") :]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _arm_paths() -> tuple[list[str], list[str]]:
    q = f"?api-version={API_VERSION}"
    get_hub = [hub_path(HUB) + q]
    put_groups = [
        f"{hub_path(HUB)}/eventHubEndpoints/events/ConsumerGroups/load-{g}{q}" for g in range(GROUPS)
    ]
    return get_hub, put_groups


GROUP_BODY = '{"properties": {"name": "{name}"}}'


def _prepare(emu: EmulatorProcess) -> None:
    emu.control.create_resource_group(SUBSCRIPTION, RESOURCE_GROUP, LOCATION)
    r = emu.session.put(
        f"{emu.url}{hub_path(HUB)}?api-version={API_VERSION}",
        json={"location": LOCATION, "sku": {"name": "S1", "capacity": 1}},
    )
    r.raise_for_status()


def _median_point(points: list[Point]) -> Point:
    statuses: dict[str, int] = {}
    for p in points:
        for k, v in p.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    return Point(
        median([p.rps for p in points]),
        median([p.p50_ms for p in points]),
        median([p.p99_ms for p in points]),
        max(p.generator_cpu for p in points),
        statuses,
        median([p.server_cpu_ms for p in points]),
    )


def throughput(
    concurrency: list[int], duration: float, warmup: float, repeat: int, quick: bool
) -> list[Figure]:
    get_hub, put_groups = _arm_paths()
    results: dict[tuple[str, int], Point] = {}
    emu = EmulatorProcess(cpu=SERVER_CPU)
    floor = FloorProcess()
    try:
        _prepare(emu)
        for n in concurrency:
            runs: dict[str, list[Point]] = {"get": [], "put": [], "floor_get": [], "floor_put": []}
            for _ in range(repeat):  # interleaved so drift on the machine hits all alike
                emu_pid, floor_pid = emu.pid, floor.proc.pid
                runs["get"].append(generate(emu.url, get_hub, "GET", "", n, duration, warmup, emu_pid))
                runs["put"].append(
                    generate(emu.url, put_groups, "PUT", GROUP_BODY, n, duration, warmup, emu_pid)
                )
                runs["floor_get"].append(
                    generate(floor.url, get_hub, "GET", "", n, duration, warmup, floor_pid)
                )
                runs["floor_put"].append(
                    generate(floor.url, put_groups, "PUT", GROUP_BODY, n, duration, warmup, floor_pid)
                )
            for k, v in runs.items():
                results[(k, n)] = _median_point(v)
    finally:
        emu.close()
        floor.close()
    figures: list[Figure] = []
    for kind, label in (("get", "GET hub"), ("put", "PUT consumer group")):
        for n in concurrency:
            p, f = results[(kind, n)], results[(f"floor_{kind}", n)]
            share = ratio(p.rps, f.rps)
            ok = set(p.statuses) == {"200"}
            target = None
            if n in (8, 32):
                target = Target(
                    f">= {TARGET_SHARE}x floor rps, all 200",
                    None if quick else (share >= TARGET_SHARE and ok),
                )
            figures.append(
                Figure(
                    "5 emulator",
                    f"{label}, {n} clients (n={repeat})",
                    {
                        "rps": fmt_num(p.rps, 0),
                        "p50": f"{p.p50_ms:.2f}ms",
                        "p99": f"{p.p99_ms:.2f}ms",
                        "floor rps": fmt_num(f.rps, 0),
                        "floor p50": f"{f.p50_ms:.2f}ms",
                        "rps/floor": fmt_ratio(share),
                        "cpu/req": f"{p.server_cpu_ms:.3f}ms",
                        "floor cpu/req": f"{f.server_cpu_ms:.3f}ms",
                        "cpu/floor": fmt_ratio(ratio(f.server_cpu_ms, p.server_cpu_ms)),
                        "statuses": ",".join(f"{k}:{v}" for k, v in p.statuses.items()),
                        "gen cpu": f"{p.generator_cpu:.2f}",
                    },
                    target,
                )
            )
    return figures


def memory(hubs: int) -> list[Figure]:
    with EmulatorProcess() as emu:
        emu.control.create_resource_group(SUBSCRIPTION, RESOURCE_GROUP, LOCATION)
        before = rss_mib(emu.pid)
        for i in range(hubs):
            r = emu.session.put(
                f"{emu.url}{hub_path(f'mem-hub-{i}')}?api-version={API_VERSION}",
                json={"location": LOCATION, "sku": {"name": "S1", "capacity": 1}},
            )
            r.raise_for_status()
        after = rss_mib(emu.pid)
    return [
        Figure(
            "5 emulator",
            f"RSS with {hubs} hubs stored (in-memory SQLite)",
            {
                "rss": f"{after:.1f}MiB",
                "empty": f"{before:.1f}MiB",
                "per hub": f"{(after - before) * 1024 / max(hubs, 1):.1f}KiB",
            },
            Target("report", None),
        )
    ]
