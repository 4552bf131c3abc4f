"""A fleet through one provider process: ``up`` then ``destroy`` of hubs with consumer groups and devices,
four calls at a time as the engine sends them, and the provider process's peak memory.

The bound is the critical path the four slots allow: hub operations take the provisioning time T
each and only four run at once, so each phase needs at least ceil(hubs / 4) * T; consumer groups and
devices are synchronous and fit in the slots the hubs leave free (a hub's devices come after it on ``up``
and before it on ``destroy``, so the last wave's devices add to the wall).

Beside the hubs' figures, the devices' own: the median time of one device's Create (device GET, PUT
``If-None-Match: *``, twin PATCH) and Delete, the slowest, and the requests per device. A device's
requests are those on the hub's service API (``/devices``, ``/twins``) plus the ARM reads the provider makes
to reach it (hub GET and ``listkeys``, once per hub and process), told apart from the hubs' by the
``x-ms-client-request-id`` they share with the device's own calls; ``reqs/resource`` counts the rest, per hub
and consumer group.
"""

from __future__ import annotations

import math
import time

from bench import deploy
from bench.emu import in_process
from bench.procstat import peak_rss_mib, rss_mib
from bench.report import Figure, Target, fmt_num, fmt_ratio, fmt_s, median, ratio
from harness.process import ProviderProcess
from iothub_emulator.control import EmulatorControl

WORKERS = 4
SERVICE_PATHS = ("/devices", "/twins")


def split_requests(control: EmulatorControl) -> tuple[int, int]:
    """(requests of the hubs and groups, requests of the devices) in the emulator's log (the control API's
    own calls are not counted)."""
    log = [r for r in control.requests() if not str(r.get("path", "")).startswith("/_emulator")]
    service = [r for r in log if str(r["path"]).startswith(SERVICE_PATHS)]
    device_ids = {r["headers"].get("x-ms-client-request-id") for r in service} - {None}
    arm = [r for r in log if not str(r["path"]).startswith(SERVICE_PATHS)]
    for_devices = sum(1 for r in arm if r["headers"].get("x-ms-client-request-id") in device_ids)
    return len(arm) - for_devices, len(service) + for_devices


def run(hubs: int, groups_per_hub: int, provisioning: float, repeat: int,
        devices_per_hub: int = 10) -> list[Figure]:
    walls: dict[str, list[float]] = {"up": [], "destroy": []}
    per_resource: dict[str, list[float]] = {"up": [], "destroy": []}
    per_device: dict[str, list[float]] = {"up": [], "destroy": []}
    device_call: dict[str, list[float]] = {"up": [], "destroy": []}
    device_max: dict[str, list[float]] = {"up": [], "destroy": []}
    peaks: list[float] = []
    idle: list[float] = []
    hub_resources = hubs * (1 + groups_per_hub)
    devices = hubs * devices_per_hub
    for i in range(repeat):
        with in_process(provisioning) as emu, ProviderProcess(project=deploy.PROJECT) as proc:
            proc.start({**deploy.stack_config(emu.url, emu.token), "iothub:serviceEndpoint": emu.url})
            idle.append(rss_mib(proc.pid))
            resources = deploy.stack(hubs, groups_per_hub, prefix=f"fleet{i}",
                                     devices_per_hub=devices_per_hub)
            fleet_devices = [r for r in resources if r.type_name == deploy.DEVICE_TYPE]
            for phase, action in (("up", deploy.up), ("destroy", deploy.destroy)):
                emu.control.clear_requests()
                start = time.perf_counter()
                action(proc, resources, WORKERS)
                walls[phase].append(time.perf_counter() - start)
                hub_reqs, device_reqs = split_requests(emu.control)
                per_resource[phase].append(hub_reqs / hub_resources)
                if fleet_devices:
                    per_device[phase].append(device_reqs / devices)
                    calls = [r.create_s if phase == "up" else r.delete_s for r in fleet_devices]
                    device_call[phase].append(median(calls))
                    device_max[phase].append(max(calls))
            peaks.append(peak_rss_mib(proc.pid))
    bound = math.ceil(hubs / WORKERS) * provisioning
    case = (f"{hubs} hubs x {groups_per_hub} groups x {devices_per_hub} devices, T={provisioning:g}s, "
            f"{WORKERS} slots (n={repeat})")
    figures = []
    for phase in ("up", "destroy"):
        wall = median(walls[phase])
        metrics: dict[str, str] = {
            "wall": fmt_s(wall),
            "bound": fmt_s(bound),
            "wall/bound": fmt_ratio(ratio(wall, bound)),
            "reqs/resource": fmt_num(median(per_resource[phase])),
        }
        if devices:
            verb = "create" if phase == "up" else "delete"
            metrics[f"device {verb}"] = fmt_s(median(device_call[phase]))
            metrics[f"slowest device {verb}"] = fmt_s(median(device_max[phase]))
            metrics["reqs/device"] = fmt_num(median(per_device[phase]))
        figures.append(
            Figure(
                "4 fleet",
                f"{phase}: {case}",
                metrics,
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
