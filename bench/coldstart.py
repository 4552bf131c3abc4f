"""Cold start: from spawning ``python -m pulumi.dynamic`` to the first answered Check.

The engine starts a provider process for every deployment, so this is paid by every
``pulumi preview`` and ``up``. The floor is the trivial provider in the same interpreter: the
ratio is what importing and configuring our provider adds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from bench.deploy import PROJECT, urn
from bench.report import Figure, Target, fmt_ratio, fmt_s, median, ratio
from bench.trivial_provider import TrivialProvider
from harness import rpc
from harness.process import ProviderProcess
from harness.wire import PROVIDER_KEY, provider_string

TARGET_RATIO = 1.3


def time_to_first_check(
    provider: object, news: Mapping[str, Any], config: Mapping[str, Any], env: Mapping[str, str]
) -> float:
    """Seconds from the spawn to the answer of the first Check, after the start-up calls the engine makes
    for a preview or up (Handshake, GetPluginInfo, CheckConfig, Configure: ``ProviderProcess.start``)."""
    inputs = dict(news, **{PROVIDER_KEY: provider_string(provider)})
    with ProviderProcess(project=PROJECT, env=env) as proc:
        proc.start(config)
        rpc.check(proc, urn("first", "pulumi-python:dynamic:Resource"), {}, inputs)
        return time.perf_counter() - proc.spawned_at


def run(
    ours: Callable[[], tuple[object, dict[str, Any], dict[str, Any], dict[str, str]]],
    repeat: int,
    quick: bool,
) -> list[Figure]:
    """``ours`` returns (provider, inputs, stack config, env) for our first Check.

    Runs alternate ours and the floor so drift on the machine hits both alike.
    """
    provider, news, config, env = ours()
    ours_s: list[float] = []
    floor_s: list[float] = []
    time_to_first_check(TrivialProvider(), {"name": "warm"}, {}, {})  # warm the page cache once
    for _ in range(repeat):
        floor_s.append(time_to_first_check(TrivialProvider(), {"name": "floor"}, {}, {}))
        ours_s.append(time_to_first_check(provider, news, config, env))
    r = ratio(median(ours_s), median(floor_s))
    return [
        Figure(
            "3 cold start",
            f"spawn -> first Check (n={repeat})",
            {
                "ours": fmt_s(median(ours_s)),
                "floor": fmt_s(median(floor_s)),
                "ours/floor": fmt_ratio(r),
                "added": fmt_s(median(ours_s) - median(floor_s)),
            },
            Target(f"<= {TARGET_RATIO}x floor", None if quick else r <= TARGET_RATIO),
        )
    ]
