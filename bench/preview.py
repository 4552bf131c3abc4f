"""Preview: Check and Diff for every resource of an unchanged stack over the engine protocol.

``pulumi preview`` in CI runs this on every pull request; it must make no ARM call and cost little
per resource. The stack is deployed first (immediate provisioning), then previewed with one call at
a time (the latency per resource) and four at a time (the engine's concurrency). The trivial
provider previewing the same number of resources is the floor of the protocol itself.
"""

from __future__ import annotations

import time
from typing import Any

from bench import deploy
from bench.emu import arm_requests, in_process
from bench.report import Figure, Target, fmt_ratio, fmt_s, median, ratio
from bench.trivial_provider import TrivialProvider
from harness.process import ProviderProcess
from harness.wire import PROVIDER_KEY, provider_string

TARGET_PER_RESOURCE = 0.002


def _floor(resources: list[deploy.Resource], workers: int, repeat: int) -> float:
    trivial = provider_string(TrivialProvider())
    shadow = [
        deploy.Resource(
            r.name,
            "pulumi-python:dynamic:Resource",
            {"name": r.name, PROVIDER_KEY: trivial, "x": 1},
            checked={"name": r.name},
            id=r.name,
            outputs={"name": r.name, PROVIDER_KEY: trivial},
        )
        for r in resources
    ]
    walls: list[float] = []
    with ProviderProcess(project=deploy.PROJECT) as proc:
        proc.start({})
        deploy.preview(proc, shadow, workers)  # warm: first Check loads the provider
        for _ in range(repeat):
            start = time.perf_counter()
            deploy.preview(proc, shadow, workers)
            walls.append(time.perf_counter() - start)
    return median(walls) / len(resources)


def run(hubs: int, groups: int, repeat: int, quick: bool) -> list[Figure]:
    per_hub = 1 if groups else 0
    figures: list[Figure] = []
    with in_process(0) as emu, ProviderProcess(project=deploy.PROJECT) as proc:
        proc.start(deploy.stack_config(emu.url, emu.token))
        resources = deploy.stack(hubs, per_hub)[: hubs + groups]
        deploy.up(proc, resources)
        deploy.preview(proc, resources)  # warm: the first Check of each type loads its provider
        for workers in (1, 4):
            walls: list[float] = []
            requests: list[int] = []
            changed: list[int] = []
            for _ in range(repeat):
                emu.control.clear_requests()
                start = time.perf_counter()
                changed.append(deploy.preview(proc, resources, workers))
                walls.append(time.perf_counter() - start)
                requests.append(arm_requests(emu.control))
            per = median(walls) / len(resources)
            floor = _floor(resources, workers, repeat)
            met = per < TARGET_PER_RESOURCE and max(requests) == 0 and max(changed) == 0
            metrics: dict[str, Any] = {
                "per resource": fmt_s(per),
                "floor": fmt_s(floor),
                "ours/floor": fmt_ratio(ratio(per, floor)),
                "total": fmt_s(median(walls)),
                "http requests": str(max(requests)),
                "diffs with changes": str(max(changed)),
            }
            figures.append(
                Figure(
                    "2 preview",
                    f"Check+Diff {hubs} hubs + {groups} groups, {workers} at a time (n={repeat})",
                    metrics,
                    Target("< 2ms per resource, 0 requests, no changes", None if quick else met),
                )
            )
    return figures
