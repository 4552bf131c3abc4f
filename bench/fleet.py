"""A fleet through one provider process: ``up`` then ``destroy`` of hubs with consumer groups,
four calls at a time as the engine sends them, and the provider process's peak memory.

The bound is the critical path the four slots allow: hub operations take the provisioning time T
each and only four run at once, so each phase needs at least ceil(hubs / 4) * T; consumer groups
are synchronous and fit in the slots the hubs leave free.
"""

from __future__ import annotations

import math
import time

from bench import deploy
from bench.emu import arm_requests, in_process
from bench.procstat import peak_rss_mib, rss_mib
from bench.report import Figure, Target, fmt_num, fmt_ratio, fmt_s, median, ratio
from harness.process import ProviderProcess

WORKERS = 4


def run(hubs: int, groups_per_hub: int, provisioning: float, repeat: int) -> list[Figure]:
    up_s: list[float] = []
    down_s: list[float] = []
    up_n: list[float] = []
    down_n: list[float] = []
    peaks: list[float] = []
    idle: list[float] = []
    count = hubs * (1 + groups_per_hub)
    for i in range(repeat):
        with in_process(provisioning) as emu, ProviderProcess(project=deploy.PROJECT) as proc:
            proc.start(deploy.stack_config(emu.url, emu.token))
            idle.append(rss_mib(proc.pid))
            resources = deploy.stack(hubs, groups_per_hub, prefix=f"fleet{i}")
            emu.control.clear_requests()
            start = time.perf_counter()
            deploy.up(proc, resources, WORKERS)
            up_s.append(time.perf_counter() - start)
            up_n.append(arm_requests(emu.control) / count)
            emu.control.clear_requests()
            start = time.perf_counter()
            deploy.destroy(proc, resources, WORKERS)
            down_s.append(time.perf_counter() - start)
            down_n.append(arm_requests(emu.control) / count)
            peaks.append(peak_rss_mib(proc.pid))
    bound = math.ceil(hubs / WORKERS) * provisioning
    case = f"{hubs} hubs x {groups_per_hub} groups, T={provisioning:g}s, {WORKERS} slots (n={repeat})"
    figures = []
    for phase, walls, reqs in (("up", up_s, up_n), ("destroy", down_s, down_n)):
        r = ratio(median(walls), bound)
        figures.append(
            Figure(
                "4 fleet",
                f"{phase}: {case}",
                {
                    "wall": fmt_s(median(walls)),
                    "bound": fmt_s(bound),
                    "wall/bound": fmt_ratio(r),
                    "reqs/resource": fmt_num(median(reqs)),
                },
                Target("report (no fixed target); bound = ceil(hubs/4)*T", None),
            )
        )
    figures.append(
        Figure(
            "6 provider RSS",
            f"peak during the fleet run (n={repeat})",
            {
                "peak": f"{median(peaks):.1f}MiB",
                "after configure": f"{median(idle):.1f}MiB",
            },
            Target("report", None),
        )
    )
    return figures
