"""The real Pulumi CLI: preview and no-op up at 1, 20 and 100 resources against a do-nothing provider, the
fleet's `pulumi up` against its critical path, the three ways of running a fleet side by side (Pulumi's one
default provider serving four calls, the same provider widened by iothub:providerCalls, hubs spread over
provider processes by iothub:providerProcesses), and what the CLI build cost.

Each case is a temporary project (its own state backend and PULUMI_HOME) whose program is generated here:
`ours` declares hubs with four consumer groups each (one hub alone for a single resource), `trivial` the same
number of resources of a dynamic provider that does nothing (defined in the program, so the engine, dill and
the interpreter are all it costs: the engine's own floor). The CLI is the one `scripts/pulumi` runs, driven by
the harness's `PulumiProject` with no call log (harness/cli.py), every command's wall time its `seconds`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bench import machine
from bench.emu import LOCATION, RESOURCE_GROUP, SUBSCRIPTION, in_process
from bench.report import Figure, Target, fmt_ratio, fmt_s, markdown_table, median, ratio, text_table
from harness.cli import PulumiProject, cli_unavailable
from iothub_emulator.control import EmulatorControl

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "scripts" / "build-pulumi"
STACK = "bench"
COMMAND_TIMEOUT_SECONDS = 1800.0
GROUPS_PER_HUB = 4
FLEET_SLOTS = 4
SPREAD_HUBS = 20
SPREAD_PROVISIONING = (5.0, 30.0)
SPREAD_PARALLEL = 64
"""`--parallel` for the spread fleet: the engine's default is 4 x cores (8 here), which would bound it."""
ARRANGEMENTS: dict[str, dict[str, str]] = {
    "a: one provider, 4 calls": {"iothub:providerProcesses": "1", "iothub:providerCalls": "4"},
    "b: one provider, widened": {"iothub:providerProcesses": "1"},
    "c: spread over 16": {"iothub:providerProcesses": "16"},
}
"""The settings of each arrangement, every one explicit so that the figures do not follow the defaults: (a)
every hub on Pulumi's default provider, serving four calls at a time as `python -m pulumi.dynamic` does by
itself (waves of four); (b) the same provider widened to iothub:providerCalls' default; (c) hubs spread over
16 explicit provider processes (each widened too)."""
BASELINE = "a: one provider, 4 calls"
ARRANGEMENT_SIZES = (100, 20)
"""Preview and no-op up: 20 hubs x 4 groups and 4 hubs x 4 groups."""
DESTROY_MEASURED = ("a: one provider, 4 calls", "b: one provider, widened")
"""Arrangements whose destroy is measured at the first provisioning time (destroy runs from the state, so
the provider is configured, and widened, with no program and no Check before its deletes)."""
FLOOR_T = 0.0
"""The fleet up with instant provisioning: what the CLI, the program, the provider process and the consumer
groups cost whatever Azure takes; at T = 5 s it is most of the command."""
QUIET_LOAD = 1.5
QUIET_WAIT_SECONDS = 600.0

PROGRAM = '''
import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, ResourceProvider

config = pulumi.Config()
if config.require("kind") == "trivial":
    class Nothing(ResourceProvider):
        def check(self, olds, news):
            return CheckResult(dict(news), [])

        def diff(self, id, olds, news):
            return DiffResult(changes=False)

        def create(self, props):
            return CreateResult(props["name"], dict(props))

    class Thing(Resource):
        def __init__(self, name):
            super().__init__(Nothing(), name, {"name": name})

    for i in range(config.require_int("resources")):
        Thing(f"thing-{i}")
else:
    from iothub_provider import ConsumerGroup, IotHub
    from iothub_provider.resources.sharding import provider_for

    group = config.require("rg")
    for h in range(config.require_int("hubs")):
        hub = IotHub(f"hub-{h}", name=f"{config.require('prefix')}-{h}", resource_group_name=group,
                     location=config.require("location"), sku={"name": "S1", "capacity": 1},
                     partition_count=2)
        instance = provider_for(f"hub-{h}")  # groups in their hub's provider process, as __main__.py does
        for g in range(config.require_int("groupsPerHub")):
            ConsumerGroup(f"hub-{h}-group-{g}", resource_group_name=group, hub_name=hub.name,
                          name=f"group-{g}", opts=pulumi.ResourceOptions(provider=instance))
'''


def project(directory: Path, config: dict[str, Any]) -> PulumiProject:
    """A project `bench` of PROGRAM whose stack `bench` holds `config` (a key without a namespace is the
    project's); the engine's calls are not logged, so that logging costs the timings nothing."""
    created = PulumiProject(directory, stack=STACK, project="bench", program=PROGRAM, log_engine_calls=False,
                            timeout=COMMAND_TIMEOUT_SECONDS)
    created.init()
    created.set_program_config(config)
    return created


def shape(kind: str, resources: int, emulator_url: str, token: str, prefix: str,
          settings: Mapping[str, str] | None = None) -> dict[str, Any]:
    if kind == "trivial":
        return {"kind": "trivial", "resources": resources}
    hubs = max(1, resources // (1 + GROUPS_PER_HUB))
    groups = 0 if resources == 1 else GROUPS_PER_HUB
    config = {"kind": "ours", "hubs": hubs, "groupsPerHub": groups, "rg": RESOURCE_GROUP,
              "location": LOCATION, "prefix": prefix, "iothub:armEndpoint": emulator_url,
              "iothub:accessToken": token, "iothub:subscriptionId": SUBSCRIPTION,
              "iothub:operationTimeout": "600"}
    config.update(settings or {})
    return config


def load_average() -> float:
    """The machine's one-minute load average (other work on the machine, and this benchmark's own)."""
    return os.getloadavg()[0]


def wait_for_quiet(limit: float = QUIET_LOAD, wait: float = QUIET_WAIT_SECONDS,
                   log: Callable[[str], None] | None = None) -> float:
    """Wait up to `wait` s for a one-minute load average under `limit`; the load when done waiting."""
    deadline = time.monotonic() + wait
    while (load := load_average()) >= limit and time.monotonic() < deadline:
        if log is not None:
            log(f"load {load:.2f} >= {limit}: waiting ({deadline - time.monotonic():.0f} s left)")
        time.sleep(20)
    return load


def fresh_stack(stack_of: contextlib.ExitStack, kind: str, size: int, prefix: str,
                settings: Mapping[str, str] | None = None) -> PulumiProject:
    """A new project of `shape(kind, size, ...)` on an emulator of its own, both closed with `stack_of`."""
    emu = stack_of.enter_context(in_process())
    tmp = stack_of.enter_context(tempfile.TemporaryDirectory())
    return project(Path(tmp), shape(kind, size, emu.url, emu.token, prefix, settings))


COMMANDS: tuple[tuple[str, Callable[[PulumiProject], Any]], ...] = (
    ("preview", PulumiProject.preview), ("no-op up", PulumiProject.up))
"""Preview of the new stack, then no-op up after its first up."""


def interleaved_walls(stacks: Mapping[str, PulumiProject], repeat: int) -> dict[str, dict[str, list[float]]]:
    """Per command of COMMANDS and per stack, `repeat` wall times, interleaved: repetition i runs the stacks
    in an order rotated by i, so that none always goes first or last and a change in the machine's load falls
    on all of them alike."""
    labels = list(stacks)
    walls: dict[str, dict[str, list[float]]] = {}
    for command, run_once in COMMANDS:
        if command == "no-op up":
            for label in labels:
                stacks[label].up()
        walls[command] = {label: [] for label in labels}
        for i in range(repeat):
            for label in labels[i % len(labels):] + labels[:i % len(labels)]:
                walls[command][label].append(run_once(stacks[label]).seconds)
    return walls


def preview_and_noop(sizes: list[int], repeat: int) -> list[Figure]:
    """Per size: median preview of the new stack and median no-op up after the first up, ours against the
    same number of do-nothing resources, interleaved."""
    figures = []
    for size in sizes:
        with contextlib.ExitStack() as stack_of:
            stacks = {kind: fresh_stack(stack_of, kind, size, f"eng{size}") for kind in ("trivial", "ours")}
            walls = interleaved_walls(stacks, repeat)
        for command, _ in COMMANDS:
            ours, floor = median(walls[command]["ours"]), median(walls[command]["trivial"])
            figures.append(Figure(
                "7 real CLI", f"{command}, {size} resource{'s' if size > 1 else ''} (n={repeat})",
                {"wall": fmt_s(ours), "per resource": fmt_s(ours / size), "do-nothing provider": fmt_s(floor),
                 "ratio": fmt_ratio(ratio(ours, floor))},
                Target("report; ratio to the same stack with a do-nothing dynamic provider", None)))
    return figures


def fleet(hubs: int, groups_per_hub: int, provisioning: float) -> list[Figure]:
    """`pulumi up` of the fleet against the critical path that the provider process's four slots allow."""
    config_size = hubs * (1 + groups_per_hub)
    with in_process(provisioning) as emu, tempfile.TemporaryDirectory() as tmp:
        config = shape("ours", config_size, emu.url, emu.token, "engfleet")
        config.update({"hubs": hubs, "groupsPerHub": groups_per_hub})
        stack = project(Path(tmp), config)
        up = stack.up().seconds
        destroy = stack.destroy().seconds
    bound = math.ceil(hubs / FLEET_SLOTS) * provisioning
    case = f"{hubs} hubs x {groups_per_hub} groups, T={provisioning:g}s"
    metrics = {"wall": fmt_s(up), "critical path": fmt_s(bound), "wall/path": fmt_ratio(ratio(up, bound)),
               "wall/T": fmt_ratio(ratio(up, provisioning)), "destroy": fmt_s(destroy)}
    target = Target("report; critical path = ceil(hubs/4)*T (four calls at a time per provider)", None)
    return [Figure("7 real CLI", f"fleet up: {case}", metrics, target)]


def build_cost() -> list[Figure]:
    """The last CLI build's time (written by scripts/build-pulumi) and the cache's size on disk."""
    found = subprocess.run([BUILD, "--path"], capture_output=True, text=True)
    if found.returncode != 0:
        return [Figure("7 real CLI", "CLI build", {"built": "no (a pulumi on PATH is used)"}, None)]
    version_dir = Path(found.stdout.strip()).parents[1]
    seconds_file = version_dir / "build-seconds"
    built = fmt_s(float(seconds_file.read_text())) if seconds_file.exists() else "n/a"
    du = subprocess.run(["du", "-sh", str(version_dir.parent)], capture_output=True, text=True)
    size = du.stdout.split()
    binary = (version_dir / "bin" / "pulumi").stat().st_size / 2**20
    return [Figure("7 real CLI", f"CLI build ({version_dir.name})",
                   {"build time": built, "cache": size[0] if size else "n/a", "binary": f"{binary:.0f}MiB"},
                   Target("report", None))]


class HubSpan:
    """Where an `up` of the fleet spends its time, sampled from the emulator's request log every `interval` s
    while it runs: from the command's start to the first hub PUT (the CLI, the program, the provider process,
    Check), the hubs themselves (from that PUT to the moment every hub's keys were listed, which a create does
    once its hub is active), then until the last consumer group's PUT."""

    def __init__(self, control: EmulatorControl, hubs: int, groups: int, interval: float = 0.1) -> None:
        self.control, self.hubs, self.groups, self.interval = control, hubs, groups, interval
        self.started = time.perf_counter()
        self.first_put: float | None = None
        self.all_done: float | None = None
        self.groups_done: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> HubSpan:
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.is_set() and self.groups_done is None:
            now = time.perf_counter()
            log = self.control.requests()
            if self.first_put is None and any(
                    r["method"] == "PUT" and r["path"].lower().rsplit("/", 2)[-2] == "iothubs" for r in log):
                self.first_put = now
            listed = {r["path"].lower().rsplit("/", 2)[-2] for r in log
                      if r["path"].lower().endswith("/listkeys")}
            if self.all_done is None and len(listed) >= self.hubs:
                self.all_done = now
            groups = {r["path"].lower() for r in log
                      if r["method"] == "PUT" and "/consumergroups/" in r["path"].lower()}
            if self.all_done is not None and len(groups) >= self.groups:
                self.groups_done = now
            self._stop.wait(self.interval)

    @property
    def seconds(self) -> float:
        return _between(self.first_put, self.all_done)

    def phases(self) -> dict[str, float]:
        """Seconds before the first hub PUT, of the hubs, and of the groups after the last hub."""
        return {"before hubs": _between(self.started, self.first_put),
                "groups after hubs": _between(self.all_done, self.groups_done)}


def _between(start: float | None, end: float | None) -> float:
    return float("nan") if start is None or end is None else end - start


Record = dict[str, Any]
"""One measurement as it is logged (a JSON line): what, arrangement, shape, seconds, and the load average."""


def fleet_record(label: str, hubs: int, groups_per_hub: int, provisioning: float,
                 measure_destroy: bool) -> Record:
    """`pulumi up --parallel 64` of a new stack of `hubs` hubs and their groups in arrangement `label`, the
    hubs' own span during it, and (when asked) its `destroy` at the same provisioning time; else the teardown
    is done with immediate provisioning and not measured."""
    record: Record = {"what": "fleet", "arrangement": label, "hubs": hubs, "groups": groups_per_hub,
                      "T": provisioning, "load": round(load_average(), 2), "at": time.strftime("%H:%M:%S")}
    with in_process(provisioning) as emu, tempfile.TemporaryDirectory() as tmp:
        config = shape("ours", hubs * (1 + groups_per_hub), emu.url, emu.token, "engarr", ARRANGEMENTS[label])
        config.update({"hubs": hubs, "groupsPerHub": groups_per_hub})
        stack = project(Path(tmp), config)
        with HubSpan(emu.control, hubs, hubs * groups_per_hub) as span:
            record["up"] = stack.up("--parallel", str(SPREAD_PARALLEL)).seconds
        record["span"] = span.seconds
        record.update(span.phases())
        if measure_destroy:
            record["destroy load"] = round(load_average(), 2)
            record["destroy"] = stack.destroy("--parallel", str(SPREAD_PARALLEL)).seconds
        else:
            emu.control.set_provisioning("immediate")
            stack.destroy("--parallel", str(SPREAD_PARALLEL))
    return record


def preview_records(size: int, repeat: int) -> list[Record]:
    """Every arrangement's preview of a new stack of `size` resources, then its no-op up after a first up,
    `repeat` times each, interleaved (`interleaved_walls`). Each record holds its medians and, against (a),
    the median of the ratios taken within each repetition."""
    labels = list(ARRANGEMENTS)
    records = {label: {"what": "preview", "arrangement": label, "resources": size,
                       "hubs": max(1, size // (1 + GROUPS_PER_HUB)), "repeat": repeat,
                       "load": round(load_average(), 2), "at": time.strftime("%H:%M:%S")} for label in labels}
    with contextlib.ExitStack() as stack_of:
        stacks = {label: fresh_stack(stack_of, "ours", size, f"arr{size}-{n}", ARRANGEMENTS[label])
                  for n, label in enumerate(labels)}
        walls = interleaved_walls(stacks, repeat)
    for command, _ in COMMANDS:
        for label in labels:
            records[label][command] = median(walls[command][label])
            records[label][f"{command}/(a) paired"] = median([
                ratio(mine, theirs)
                for mine, theirs in zip(walls[command][label], walls[command][BASELINE], strict=True)])
    return list(records.values())


def measure_arrangements(hubs: int, groups_per_hub: int, provisionings: tuple[float, ...],
                         sizes: tuple[int, ...], repeat: int, rounds: int, wait: float = 0.0,
                         log: Callable[[Record], None] | None = None) -> list[Record]:
    """Every arrangement side by side, `rounds` times: per round, the fleet up with instant provisioning (its
    floor) and at each provisioning time (arrangements one after another in the same minutes), then preview
    and no-op up per size. Before each round, up to `wait` s for a quiet machine (load average under
    QUIET_LOAD)."""
    records: list[Record] = []

    def keep(record: Record) -> None:
        record["round"] = round_no
        records.append(record)
        if log is not None:
            log(record)

    round_no = 0
    for round_no in range(1, rounds + 1):  # noqa: B007 (keep reads it)
        if wait > 0:
            wait_for_quiet(wait=wait, log=lambda line: print(line, file=sys.stderr, flush=True))
        fleet_times = (FLOOR_T, *provisionings) if provisionings else ()  # none: the fleet is left out
        for provisioning in fleet_times:
            for label in ARRANGEMENTS:
                measure_destroy = provisioning == fleet_times[1] and label in DESTROY_MEASURED
                keep(fleet_record(label, hubs, groups_per_hub, provisioning, measure_destroy))
        for size in sizes:
            for record in preview_records(size, repeat):
                keep(record)
    return records


def _runs(values: list[float], fmt: Callable[[float], str] = fmt_s) -> str:
    return " / ".join(fmt(v) for v in values)


def _loads(records: list[Record], key: str = "load") -> str:
    return " / ".join(f"{r[key]:.2f}" for r in records)


def _against(runs: list[Record], base: dict[Any, Record], key: str, divisor: float | None = None) -> str:
    """Each run's `key` divided by `divisor`, or by the same round's baseline when no divisor is given."""
    values = []
    for r in runs:
        if divisor is not None:
            values.append(ratio(r[key], divisor))
        else:
            b = base.get((r["round"], r.get("T", r.get("resources"))))
            values.append(ratio(r[key], b[key]) if b is not None and key in b else float("nan"))
    return _runs(values, fmt_ratio)


def _phases(runs: list[Record]) -> dict[str, str]:
    """The up's time before its first hub PUT and its consumer groups' after the last hub (HubSpan)."""
    return {phase: _runs([r.get(phase, float("nan")) for r in runs])
            for phase in ("before hubs", "groups after hubs")}


def arrangement_figures(records: list[Record]) -> list[Figure]:
    """One row per arrangement and case, every round's figure shown (round 1 / round 2 / ...), each ratio
    taken against arrangement (a) of the same round, measured in the same minutes."""
    figures: list[Figure] = []
    fleets = [r for r in records if r["what"] == "fleet"]
    base = {(r["round"], r["T"]): r for r in fleets if r["arrangement"] == BASELINE}
    floors = {(r["round"], r["arrangement"]): r["up"] for r in fleets if r["T"] == FLOOR_T}
    for provisioning in sorted({r["T"] for r in fleets}):
        for label in ARRANGEMENTS:
            runs = [r for r in fleets if r["T"] == provisioning and r["arrangement"] == label]
            if not runs:
                continue
            shape_text = (f"{runs[0]['hubs']} hubs x {runs[0]['groups']} groups, T={provisioning:g}s, "
                          f"-p {SPREAD_PARALLEL}, {label}")
            if provisioning == FLOOR_T:
                metrics = {"up": _runs([r["up"] for r in runs]), "up/(a)": _against(runs, base, "up"),
                           **_phases(runs), "load": _loads(runs)}
                figures.append(Figure("7 real CLI", f"fleet up: {shape_text} (rounds={len(runs)})", metrics,
                                      Target("report: the floor under every T", None)))
                continue
            nan = float("nan")
            above = [ratio(r["up"] - floors.get((r["round"], label), nan), provisioning) for r in runs]
            metrics = {"up": _runs([r["up"] for r in runs]), "up/T": _against(runs, base, "up", provisioning),
                       "(up-floor)/T": _runs(above, fmt_ratio), "up/(a)": _against(runs, base, "up"),
                       "hubs": _runs([r["span"] for r in runs]),
                       "hubs/T": _against(runs, base, "span", provisioning),
                       "hubs/(a)": _against(runs, base, "span"), **_phases(runs), "load": _loads(runs)}
            met = all(ratio(r["up"], provisioning) <= 1.5 for r in runs)
            figures.append(Figure("7 real CLI", f"fleet up: {shape_text} (rounds={len(runs)})", metrics,
                                  Target("up/T <= 1.5 (issue 13); (a) = waves of four", met)))
            destroys = [r for r in runs if "destroy" in r]
            if destroys:
                metrics = {"destroy": _runs([r["destroy"] for r in destroys]),
                           "destroy/T": _against(destroys, base, "destroy", provisioning),
                           "destroy/(a)": _against(destroys, base, "destroy"),
                           "load": _loads(destroys, "destroy load")}
                figures.append(Figure("7 real CLI", f"fleet destroy: {shape_text} (rounds={len(destroys)})",
                                      metrics, Target("report", None)))
    previews = [r for r in records if r["what"] == "preview"]
    for size in sorted({r["resources"] for r in previews}, reverse=True):
        for label in ARRANGEMENTS:
            runs = [r for r in previews if r["resources"] == size and r["arrangement"] == label]
            if not runs:
                continue
            metrics = {"load": _loads(runs)}
            for command in ("preview", "no-op up"):
                metrics[command] = _runs([r[command] for r in runs])
                metrics[f"{command}/(a)"] = _runs([r[f"{command}/(a) paired"] for r in runs], fmt_ratio)
            case = (f"preview and no-op up: {runs[0]['hubs']} hubs x {GROUPS_PER_HUB} groups, {label} "
                    f"(medians of {runs[0]['repeat']}, interleaved; rounds={len(runs)})")
            figures.append(Figure("7 real CLI", case, metrics, Target("unchanged or faster than (a)", None)))
    return figures


def run(sizes: list[int], repeat: int, fleet_shape: tuple[int, int, float] | None) -> list[Figure]:
    if cli_unavailable() is not None:
        return [Figure("7 real CLI", "skipped", {"why": "no Pulumi CLI (scripts/setup builds one)"}, None)]
    figures = build_cost() + preview_and_noop(sizes, repeat)
    if fleet_shape is not None:
        figures += fleet(*fleet_shape)
        figures += arrangement_figures(measure_arrangements(
            SPREAD_HUBS, fleet_shape[1], SPREAD_PROVISIONING, ARRANGEMENT_SIZES, repeat, rounds=1))
    return figures


def main(argv: list[str] | None = None) -> int:
    """The arrangements alone: `venv/bin/python -m bench.cli_engine --rounds 2 --log runs.jsonl`."""
    parser = argparse.ArgumentParser(prog="python -m bench.cli_engine", description=main.__doc__)
    parser.add_argument("--rounds", type=int, default=2, help="times every arrangement is measured")
    parser.add_argument("--repeat", type=int, default=3, help="previews and no-op ups per median")
    parser.add_argument("--hubs", type=int, default=SPREAD_HUBS)
    parser.add_argument("--groups", type=int, default=5, help="consumer groups per hub in the fleet up")
    parser.add_argument("--provisioning", type=float, action="append", default=None,
                        help="provisioning time T in s (repeatable; default 5 and 30)")
    parser.add_argument("--sizes", type=int, action="append", default=None,
                        help="resources in the preview case (repeatable; default 100 and 20)")
    parser.add_argument("--only", choices=("fleet", "preview"), default=None,
                        help="measure only the fleet up, or only preview and no-op up")
    parser.add_argument("--wait", type=float, default=QUIET_WAIT_SECONDS,
                        help=f"seconds to wait for a load average under {QUIET_LOAD} before each round")
    parser.add_argument("--log", type=Path, default=None, help="append every measurement here (JSON lines)")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table as Markdown here")
    args = parser.parse_args(argv)
    if (why := cli_unavailable()) is not None:
        print(f"no Pulumi CLI: {why[0]}", file=sys.stderr)
        return 1
    # A command started in the background (`... &` without job control) ignores SIGINT, and its children
    # inherit that: the engine closes its plugins with SIGINT, waits for them, then kills them, which added
    # about 5 s to every CLI command measured so. The children get SIGINT's default behaviour back.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def log(record: Record) -> None:
        line = json.dumps(record)
        print(line, file=sys.stderr, flush=True)
        if args.log is not None:
            with args.log.open("a") as out:
                out.write(line + "\n")

    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    provisionings = () if args.only == "preview" else tuple(args.provisioning or SPREAD_PROVISIONING)
    sizes = () if args.only == "fleet" else tuple(args.sizes or ARRANGEMENT_SIZES)
    records = measure_arrangements(args.hubs, args.groups, provisionings, sizes, args.repeat, args.rounds,
                                   args.wait, log)
    figures = arrangement_figures(records)
    ended = time.strftime("%H:%M:%S UTC", time.gmtime())
    header = f"machine: {machine.one_line()}\nrun: {started} - {ended}"
    print(f"{header}\n\n{text_table(figures)}")
    if args.markdown is not None:
        args.markdown.write_text(f"{header}\n\n{markdown_table(figures)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
