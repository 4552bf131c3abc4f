"""Run the benchmarks and print one table: ``python -m bench`` (``--quick`` for a smoke run).

The full run takes about ten minutes (the 30 s provisioning cases and Microsoft's SDK at its
default 30 s polling interval dominate); ``--long`` adds the 120 s case once, run alongside the
others (about two minutes more). Quick mode uses tiny sizes and 0-1 s provisioning and asserts no target.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import cli_engine, coldstart, fleet, load, lro, machine, preview, schedule
from bench.report import Figure, markdown_table, text_table

BENCHES = ("lro", "preview", "coldstart", "fleet", "emulator", "engine")
QUICK_DEFAULT = ("lro", "preview", "coldstart", "fleet", "emulator")
"""Quick mode leaves the real CLI out unless asked (`--quick --only engine`): the end-to-end tests run it."""


@dataclass(frozen=True)
class Plan:
    lro_provisioning: list[float]
    lro_sdk_provisioning: list[float]
    lro_retry_after: int
    lro_repeat: int
    long_provisioning: float | None
    preview_hubs: int
    preview_groups: int
    coldstart_repeat: int
    fleet_hubs: int
    fleet_groups: int
    fleet_provisioning: float
    fleet_repeat: int
    fleet_devices: int
    load_concurrency: list[int]
    load_duration: float
    load_warmup: float
    memory_hubs: int
    repeat: int


def plan(quick: bool, long: bool, repeat: int | None) -> Plan:
    if quick:
        return Plan([0, 1], [0], 1, 1, None, 5, 5, 1, 2, 2, 0.5, 1, 2, [1, 8], 0.3, 0.1, 20, 1)
    r = repeat or 3
    return Plan(
        [1, 5, 30],
        [1, 5, 30],
        15,
        r,
        120 if long else None,
        100,
        100,
        max(2 * r + 1, 7),
        10,
        5,
        5.0,
        r,
        10,
        [1, 8, 32],
        3.0,
        0.5,
        1000,
        r,
    )


def _ours_first_check() -> tuple[object, dict[str, Any], dict[str, Any], dict[str, str]]:
    from bench import deploy
    from iothub_provider import IotHubProvider

    hub = deploy.stack(1, 0)[0]
    inputs = {k: v for k, v in hub.inputs.items() if k != "__provider"}
    return IotHubProvider(), inputs, deploy.stack_config("http://127.0.0.1:9", "unused"), {}


def run(p: Plan, quick: bool, only: set[str], log: Callable[[str], None]) -> list[Figure]:
    figures: list[Figure] = []

    def stage(name: str, fn: Callable[[], list[Figure]]) -> None:
        if name not in only:
            return
        start = time.perf_counter()
        log(f"running {name} ...")
        figures.extend(fn())
        log(f"  {name} done in {time.perf_counter() - start:.1f}s")

    stage("coldstart", lambda: coldstart.run(_ours_first_check, p.coldstart_repeat, quick))
    stage("preview", lambda: preview.run(p.preview_hubs, p.preview_groups, p.repeat, quick))
    stage(
        "emulator",
        lambda: (
            load.throughput(p.load_concurrency, p.load_duration, p.load_warmup, p.repeat, quick)
            + load.memory(p.memory_hubs)
        ),
    )
    stage("fleet", lambda: fleet.run(p.fleet_hubs, p.fleet_groups, p.fleet_provisioning, p.repeat,
                                     p.fleet_devices))

    def lro_all() -> list[Figure]:
        once = (p.long_provisioning,) if p.long_provisioning else ()
        return lro.run(
            p.lro_provisioning, p.lro_retry_after, p.lro_repeat, quick, p.lro_sdk_provisioning, once
        )

    stage("lro", lro_all)
    stage("engine", lambda: cli_engine.run(
        [1] if quick else [1, 20, 100], 1 if quick else p.repeat,
        None if quick else (p.fleet_hubs, p.fleet_groups, p.fleet_provisioning)))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run in seconds; no target asserted")
    parser.add_argument("--long", action="store_true", help="add the 120 s provisioning case (once)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (median); default 3")
    parser.add_argument("--only", action="append", choices=BENCHES, help="run only these (repeatable)")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table as Markdown here")
    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    p = plan(args.quick, args.long, args.repeat)
    only = set(args.only or (QUICK_DEFAULT if args.quick else BENCHES))
    log(f"machine: {machine.one_line()}")
    started = time.perf_counter()
    figures = run(p, args.quick, only, log)
    print(f"machine: {machine.one_line()}")
    print(
        f"mode: {'quick (no targets asserted)' if args.quick else 'full'}; "
        f"total {time.perf_counter() - started:.0f}s\n"
    )
    print(text_table(figures))
    if "lro" in only:
        print("\nPolling schedules, computed (seen = when the client first sees the operation done):")
        print(schedule.curve_table())
    if args.markdown:
        curve = schedule.curve_table()
        args.markdown.write_text(
            f"machine: {machine.one_line()}\n\n{markdown_table(figures)}\n\n```\n{curve}\n```\n"
        )
    missed = [f for f in figures if f.target is not None and f.target.met is False]
    if missed:
        print(f"\n{len(missed)} target(s) missed: " + "; ".join(f"{f.bench} / {f.case}" for f in missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
