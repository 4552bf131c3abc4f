"""The real Pulumi CLI: preview and no-op up at 1, 20 and 100 resources against a do-nothing provider, the
fleet's `pulumi up` against its critical path, the fleet spread over provider processes against the same fleet
on Pulumi's one default provider (iothub:providerProcesses), and what the CLI build cost.

Each case is a temporary project (its own state backend and PULUMI_HOME) whose program is generated here:
`ours` declares hubs with four consumer groups each (one hub alone for a single resource), `trivial` the same
number of resources of a dynamic provider that does nothing (defined in the program, so the engine, dill and
the interpreter are all it costs: the engine's own floor). The CLI is the one `scripts/pulumi` runs, driven by
the harness's `PulumiProject` with no call log (harness/cli.py), every command's wall time its `seconds`.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.emu import LOCATION, RESOURCE_GROUP, SUBSCRIPTION, in_process
from bench.report import Figure, Target, fmt_ratio, fmt_s, median, ratio
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
ARRANGEMENTS = {"one default provider": "1", "spread (default)": ""}
"""iothub:providerProcesses per arrangement: 1 = every hub on Pulumi's default provider (the arrangement
before the spread), "" = the setting unset (its default)."""

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
          processes: str = "") -> dict[str, Any]:
    if kind == "trivial":
        return {"kind": "trivial", "resources": resources}
    hubs = max(1, resources // (1 + GROUPS_PER_HUB))
    groups = 0 if resources == 1 else GROUPS_PER_HUB
    config = {"kind": "ours", "hubs": hubs, "groupsPerHub": groups, "rg": RESOURCE_GROUP,
              "location": LOCATION, "prefix": prefix, "iothub:armEndpoint": emulator_url,
              "iothub:accessToken": token, "iothub:subscriptionId": SUBSCRIPTION,
              "iothub:operationTimeout": "600"}
    if processes:
        config["iothub:providerProcesses"] = processes
    return config


def preview_and_noop_walls(kind: str, size: int, prefix: str, repeat: int,
                           processes: str = "") -> dict[str, float]:
    """In a fresh emulator and project of `shape(kind, size, ...)`: the median preview of the new stack and
    the median no-op up after its first up."""
    previews, noops = [], []
    with in_process() as emu, tempfile.TemporaryDirectory() as tmp:
        stack = project(Path(tmp), shape(kind, size, emu.url, emu.token, prefix, processes))
        for _ in range(repeat):
            previews.append(stack.preview().seconds)
        stack.up()
        for _ in range(repeat):
            noops.append(stack.up().seconds)
    return {"preview": median(previews), "no-op up": median(noops)}


def preview_and_noop(sizes: list[int], repeat: int) -> list[Figure]:
    """Per size and kind: median preview of the new stack and median no-op up after the first up."""
    figures = []
    for size in sizes:
        walls: dict[str, dict[str, float]] = {}
        for kind in ("trivial", "ours"):
            walls[kind] = preview_and_noop_walls(kind, size, f"eng{size}", repeat)
        for command in ("preview", "no-op up"):
            ours, floor = walls["ours"][command], walls["trivial"][command]
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


def arrangement_preview(sizes: list[int], repeat: int) -> list[Figure]:
    """Preview of the new stack and no-op up, with every hub on the default provider and spread: the spread
    starts one provider process per instance in use, and the engine starts them for a preview too."""
    figures = []
    for size in sizes:
        walls: dict[str, dict[str, float]] = {}
        for label, processes in ARRANGEMENTS.items():
            walls[label] = preview_and_noop_walls("ours", size, f"arr{size}", repeat, processes)
        hubs = max(1, size // (1 + GROUPS_PER_HUB))
        for command in ("preview", "no-op up"):
            one, spread = walls["one default provider"][command], walls["spread (default)"][command]
            case = f"{command}, {hubs} hub(s), {size} resources, spread vs one provider (n={repeat})"
            metrics = {"one provider": fmt_s(one), "spread": fmt_s(spread),
                       "spread/one": fmt_ratio(ratio(spread, one))}
            figures.append(Figure(
                "7 real CLI", case, metrics, Target("unchanged or faster (report)", None)))
    return figures


class HubSpan:
    """From the first hub PUT to the moment every hub's keys were listed (which a create does once its hub is
    active), sampled from the emulator's request log every `interval` s while an `up` runs: how long the hubs
    themselves took, without the CLI's, the program's and the provider processes' start-up."""

    def __init__(self, control: EmulatorControl, hubs: int, interval: float = 0.2) -> None:
        self.control, self.hubs, self.interval = control, hubs, interval
        self.first_put: float | None = None
        self.all_done: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> HubSpan:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.is_set() and self.all_done is None:
            now = time.perf_counter()
            log = self.control.requests()
            if self.first_put is None and any(
                    r["method"] == "PUT" and r["path"].lower().rsplit("/", 2)[-2] == "iothubs" for r in log):
                self.first_put = now
            listed = {r["path"].lower().rsplit("/", 2)[-2] for r in log
                      if r["path"].lower().endswith("/listkeys")}
            if len(listed) >= self.hubs:
                self.all_done = now
            self._stop.wait(self.interval)

    @property
    def seconds(self) -> float:
        if self.first_put is None or self.all_done is None:
            return float("nan")
        return self.all_done - self.first_put


def fleet_spread(hubs: int, groups_per_hub: int, provisionings: tuple[float, ...]) -> list[Figure]:
    """`pulumi up --parallel 64` of `hubs` hubs (and their groups) per provisioning time T, on one default
    provider (waves of four) and spread over provider instances; T=0 gives what the CLI itself costs."""
    figures = []
    walls: dict[tuple[str, float], float] = {}
    spans: dict[tuple[str, float], float] = {}
    for label, processes in ARRANGEMENTS.items():
        for provisioning in (0.0, *provisionings):
            with in_process(provisioning) as emu, tempfile.TemporaryDirectory() as tmp:
                size = hubs * (1 + groups_per_hub)
                config = shape("ours", size, emu.url, emu.token, "engspread", processes)
                config.update({"hubs": hubs, "groupsPerHub": groups_per_hub})
                stack = project(Path(tmp), config)
                with HubSpan(emu.control, hubs) as span:
                    walls[label, provisioning] = stack.up("--parallel", str(SPREAD_PARALLEL)).seconds
                spans[label, provisioning] = span.seconds
                emu.control.set_provisioning("immediate")  # the teardown is not measured here
                stack.destroy("--parallel", str(SPREAD_PARALLEL))
    for provisioning in provisionings:
        one, spread = walls["one default provider", provisioning], walls["spread (default)", provisioning]
        spread_floor = walls["spread (default)", 0.0]
        case = (f"fleet up: {hubs} hubs x {groups_per_hub} groups, T={provisioning:g}s, "
                f"-p {SPREAD_PARALLEL} (n=1)")
        metrics = {"one provider": fmt_s(one), "spread": fmt_s(spread),
                   "spread/T": fmt_ratio(ratio(spread, provisioning)),
                   "(spread - T=0 up)/T": fmt_ratio(ratio(spread - spread_floor, provisioning)),
                   "spread/one": fmt_ratio(ratio(spread, one)),
                   "hubs span one/spread": f"{fmt_s(spans['one default provider', provisioning])}/"
                                           f"{fmt_s(spans['spread (default)', provisioning])}",
                   "spread span/T": fmt_ratio(ratio(spans["spread (default)", provisioning], provisioning))}
        met = ratio(spread, provisioning) <= 1.5
        figures.append(Figure("7 real CLI", case, metrics,
                              Target("spread/T <= 1.5 (issue 13); one provider = waves of four", met)))
    floor = {label: fmt_s(walls[label, 0.0]) for label in ARRANGEMENTS}
    figures.append(Figure("7 real CLI", f"fleet up: {hubs} hubs x {groups_per_hub} groups, T=0 (n=1)", floor,
                          Target("report: what the CLI, the program and the processes cost", None)))
    return figures


def run(sizes: list[int], repeat: int, fleet_shape: tuple[int, int, float] | None) -> list[Figure]:
    if cli_unavailable() is not None:
        return [Figure("7 real CLI", "skipped", {"why": "no Pulumi CLI (scripts/setup builds one)"}, None)]
    figures = build_cost() + preview_and_noop(sizes, repeat)
    if fleet_shape is not None:
        figures += fleet(*fleet_shape)
        figures += arrangement_preview([max(sizes)], repeat)
        figures += fleet_spread(SPREAD_HUBS, fleet_shape[1], SPREAD_PROVISIONING)
    return figures
