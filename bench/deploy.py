"""Deployments over the engine protocol: a stack of hubs and consumer groups, and the steps the
engine sends for ``pulumi up``, ``preview`` and ``destroy``, at most ``workers`` at a time.

Each call is one of the harness's single RPCs (``harness.rpc``, built as the engine builds them), sent over
gRPC to a real ``python -m pulumi.dynamic`` (``harness.process``), so the timings include the real
serialisation and gRPC costs; the step graph and its concurrency are this module's.

A consumer group depends on its hub: it is checked and created once the hub exists (its
``hub_name`` comes from the hub's outputs) and deleted before the hub, as the engine orders them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from bench.emu import LOCATION, RESOURCE_GROUP, SUBSCRIPTION
from harness import rpc
from harness.process import ProviderProcess
from harness.wire import PROVIDER_KEY, provider_string

PROJECT = "iothub-bench"
STACK = "bench"
HUB_TYPE = "pulumi-python:dynamic/iothub:IotHub"
GROUP_TYPE = "pulumi-python:dynamic/iothub:ConsumerGroup"


def urn(name: str, type_name: str) -> str:
    return rpc.urn(STACK, PROJECT, type_name, name)


@dataclass
class Resource:
    name: str
    type_name: str
    inputs: dict[str, Any]
    depends_on: str | None = None
    checked: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def urn(self) -> str:
        return urn(self.name, self.type_name)


def stack(hubs: int, groups_per_hub: int, prefix: str = "bench") -> list[Resource]:
    """``hubs`` S1 hubs, each with ``groups_per_hub`` consumer groups."""
    from iothub_provider import ConsumerGroupProvider, IotHubProvider

    hub_provider, group_provider = provider_string(IotHubProvider()), provider_string(ConsumerGroupProvider())
    resources: list[Resource] = []
    for h in range(hubs):
        hub_name = f"{prefix}-hub-{h}"
        resources.append(
            Resource(
                hub_name,
                HUB_TYPE,
                {
                    "resource_group_name": RESOURCE_GROUP,
                    "name": hub_name,
                    "location": LOCATION,
                    "sku": {"name": "S1", "capacity": 1},
                    "partition_count": 2,
                    "retention_days": 1,
                    "tags": {"env": "bench"},
                    PROVIDER_KEY: hub_provider,
                },
            )
        )
        for g in range(groups_per_hub):
            resources.append(
                Resource(
                    f"{hub_name}-cg-{g}",
                    GROUP_TYPE,
                    {
                        "resource_group_name": RESOURCE_GROUP,
                        "name": f"cg-{g}",
                        PROVIDER_KEY: group_provider,
                    },
                    depends_on=hub_name,
                )
            )
    return resources


def stack_config(url: str, token: str) -> dict[str, Any]:
    return {"iothub:armEndpoint": url, "iothub:accessToken": token, "iothub:subscriptionId": SUBSCRIPTION}


def _program_inputs(res: Resource, by_name: Mapping[str, Resource]) -> dict[str, Any]:
    news = dict(res.inputs)
    if res.depends_on is not None:
        news["hub_name"] = by_name[res.depends_on].outputs["name"]
    return news


def run_dag(steps: Mapping[str, Callable[[], None]], after: Mapping[str, set[str]], workers: int) -> None:
    """Run every step once all the steps it comes ``after`` are done, ``workers`` at a time."""
    waiting = {k: set(after.get(k, set())) for k in steps}
    unblocks: dict[str, list[str]] = defaultdict(list)
    for k, before in waiting.items():
        for b in before:
            unblocks[b].append(k)
    with ThreadPoolExecutor(workers) as pool:
        running: dict[Future[None], str] = {pool.submit(steps[k]): k for k, w in waiting.items() if not w}
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                key = running.pop(fut)
                fut.result()
                for nxt in unblocks[key]:
                    waiting[nxt].discard(key)
                    if not waiting[nxt]:
                        running[pool.submit(steps[nxt])] = nxt


def up(proc: ProviderProcess, resources: list[Resource], workers: int = 4) -> None:
    by_name = {r.name: r for r in resources}

    def step(res: Resource) -> Callable[[], None]:
        def go() -> None:
            res.checked = rpc.check(proc, res.urn, {}, _program_inputs(res, by_name))
            res.id, res.outputs = rpc.create(proc, res.urn, res.checked)

        return go

    run_dag(
        {r.name: step(r) for r in resources},
        {r.name: {r.depends_on} for r in resources if r.depends_on},
        workers,
    )


def preview(proc: ProviderProcess, resources: list[Resource], workers: int = 4) -> int:
    """Check (old inputs) and Diff (old outputs) for every resource; returns how many would change."""
    by_name = {r.name: r for r in resources}
    changed: list[str] = []

    def step(res: Resource) -> Callable[[], None]:
        def go() -> None:
            news = rpc.check(proc, res.urn, res.checked, _program_inputs(res, by_name))
            diff = rpc.diff(proc, res.id, res.urn, res.outputs, res.checked, news)
            if diff.changes == diff.DIFF_SOME:
                changed.append(res.name)

        return go

    run_dag({r.name: step(r) for r in resources}, {}, workers)
    return len(changed)


def destroy(proc: ProviderProcess, resources: list[Resource], workers: int = 4) -> None:
    def step(res: Resource) -> Callable[[], None]:
        def go() -> None:
            rpc.delete(proc, res.id, res.urn, res.outputs, res.checked)

        return go

    dependents: dict[str, set[str]] = defaultdict(set)
    for r in resources:
        if r.depends_on:
            dependents[r.depends_on].add(r.name)
    run_dag({r.name: step(r) for r in resources}, dependents, workers)
