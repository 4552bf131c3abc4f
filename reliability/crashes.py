"""Crashes: SIGKILL the provider process in the middle of create, update and delete; SIGKILL the emulator
during writes and during async operations.

Provider kills continue as Pulumi would: a killed Create is not in state (the engine recorded nothing), a
killed Update or Delete leaves the old state; the next run starts a new provider process and must converge
with nothing lost (the hub exists once, as declared; a destroy leaves nothing). The kill point is drawn from
the seed: a ``delay`` fault holds the k-th ARM request of the operation, and the provider dies while the
emulator is still holding it (the emulator then completes that request for a client that is gone).

Emulator kills run the CLI emulator as its own process with a data directory and restart it on the same port.
Afterwards the database passes SQLite's integrity check, every write that was acknowledged before the kill is
there, every hub reads back whole, and operations that were running finish.
"""

from __future__ import annotations

import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

import requests

from harness.errors import EngineError
from harness.process import PROJECT_ROOT, ProviderProcess
from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_emulator.store import DB_FILE_NAME
from reliability.figures import Figures
from reliability.lab import LOCATION, PROJECT, TOKEN, DeclaredStack, HubSpec, provider_config, subscription
from reliability.operator import Operator

API: Final = "api-version=2023-06-30"
PHASES: Final = ("create", "update", "delete")
KILL_POINTS: Final = {"create": 7, "update": 6, "delete": 4}
"""Requests a phase makes at least (reads, writes, status polls, listkeys): the kill lands on one of them."""
WAIT_LIMIT: Final = 60.0


class KillableProvider(ProviderProcess):
    """A provider process the bench can SIGKILL, as a crash or an OOM kill would end it."""

    def kill(self) -> None:
        self._proc.send_signal(signal.SIGKILL)
        self._proc.wait()


def _wait_until(condition: Callable[[], bool], what: str, limit: float = WAIT_LIMIT) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.02)


# -- provider kills ------------------------------------------------------------------------------------------

class ProviderKill:
    """One kill: run a phase of a lifecycle, SIGKILL the provider at the drawn request, then converge."""

    def __init__(self, index: int, rng: random.Random, emulator: EmulatorServer, figures: Figures) -> None:
        self.index = index
        self.rng = rng
        self.emulator = emulator
        self.control = emulator.control
        self.figures = figures
        self.sub = subscription(0)
        self.group = f"rg-kill-{index}"
        self.operator = Operator(emulator.url, emulator.token, self.sub)
        self.config = provider_config(emulator.url, emulator.token, self.sub)

    def run(self, phase: str) -> None:
        self.control.create_resource_group(self.sub, self.group, LOCATION)
        spec = HubSpec(resource_group=self.group, name=None if self.rng.random() < 0.5 else
                       f"kill-hub-{self.index}", groups=("analytics",))
        changed = spec.with_changes(capacity=3, tags={"env": "reliability", "rev": "2"})
        provider = KillableProvider(project=PROJECT)
        stack = DeclaredStack(provider, stack=f"kill-{self.index}", config=self.config)
        try:
            if phase != "create":
                stack.up(spec)
            action: Callable[[], object] = {
                "create": lambda: stack.up(spec),
                "update": lambda: stack.up(changed),
                "delete": stack.destroy,
            }[phase]
            killed = self._kill_during(action, provider, KILL_POINTS[phase])
        finally:
            provider.close()
        self.figures.add(f"provider kills: {phase}" if killed else f"operation ended before kill: {phase}")
        with KillableProvider(project=PROJECT) as fresh:
            stack.use(fresh)
            self._converge(stack, phase, spec if phase == "create" else changed)

    def _kill_during(self, action: Callable[[], object], provider: KillableProvider, points: int) -> bool:
        """Hold the k-th ARM request of ``action`` and SIGKILL the provider meanwhile; False if it ended."""
        self.control.set_provisioning("seconds", self.rng.choice((0.3, 0.8)))
        rule = self.control.add_fault(kind="delay", delay=1.0, after=self.rng.randrange(points))
        outcome: list[BaseException | None] = []

        def run() -> None:
            try:
                action()
                outcome.append(None)
            except EngineError as exc:
                outcome.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()

        def held() -> bool:
            return any(r["id"] == rule and r["fired"] for r in self.control.faults())

        _wait_until(lambda: held() or not thread.is_alive(), "the held request or the end of the step")
        killed = thread.is_alive()
        if killed:
            provider.kill()
        thread.join(timeout=WAIT_LIMIT)
        self.control.clear_faults()
        if killed and outcome and outcome[0] is None:
            self.figures.problem(f"kill {self.index}: the step reported success although its provider died")
        return killed

    def _converge(self, stack: DeclaredStack, phase: str, spec: HubSpec) -> None:
        """The next run: `pulumi up` (or destroy, for a killed delete); then check and clean up."""
        try:
            if phase == "delete":
                stack.destroy()
            else:
                stack.up(spec)
        except EngineError as exc:
            self.figures.problem(f"kill {self.index} ({phase}): the next run failed: {exc}")
            return
        names = self.operator.hub_names(self.group)
        if phase == "delete":
            if names:
                self.figures.problem(f"kill {self.index} (delete): hubs left after the next destroy: {names}")
            return
        hub = stack.hub_state()
        if hub is None or names != [hub.get("name")]:
            self.figures.problem(f"kill {self.index} ({phase}): state {hub and hub.get('name')}, "
                                 f"emulator {names}")
            self.figures.add("duplicates" if len(names) > 1 else "lost resources")
        else:
            live = self.operator.hub(self.group, str(hub["name"])) or {}
            if live.get("sku", {}).get("capacity") != spec.capacity:
                self.figures.problem(f"kill {self.index} ({phase}): the hub is not as declared after the run")
            if "analytics" not in self.operator.consumer_groups(self.group, str(hub["name"])):
                self.figures.problem(f"kill {self.index} ({phase}): the consumer group is missing")
        self.figures.add("converged after kill")
        try:
            stack.destroy()
        except EngineError as exc:
            self.figures.problem(f"kill {self.index}: destroy failed: {exc}")
        left = self.operator.hub_names(self.group)
        if left:
            self.figures.add("orphans", len(left))
            self.figures.problem(f"kill {self.index}: orphans {left}")


def provider_kills(*, seed: int, rounds: int) -> Figures:
    """``rounds`` kills, cycling through create, update and delete."""
    figures = Figures("provider SIGKILL")
    figures.counts.update({"orphans": 0})
    rng = random.Random(f"kill:{seed}")
    with EmulatorServer(token=TOKEN) as emulator:
        for index in range(rounds):
            ProviderKill(index, rng, emulator, figures).run(PHASES[index % len(PHASES)])
    return figures


# -- emulator kills ------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorProcess:
    """``python -m iothub_emulator`` with a data directory, on a fixed port so it can come back."""

    def __init__(self, data_dir: Path, port: int, *, provisioning_delay: float = 0.0) -> None:
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.provisioning_delay = provisioning_delay
        self.proc: subprocess.Popen[str] | None = None
        self.control = EmulatorControl(self.url, TOKEN)

    def start(self) -> None:
        args = [sys.executable, "-m", "iothub_emulator", "--host", "127.0.0.1", "--port",
                str(self.port), "--data-dir", str(self.data_dir), "--token", TOKEN]
        if self.provisioning_delay:
            args += ["--provisioning-delay", str(self.provisioning_delay)]
        self.proc = subprocess.Popen(args, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "ready at" not in line:
            self.proc.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def integrity(data_dir: Path) -> str:
    """SQLite's own verdict on the database file, read while no emulator runs."""
    with sqlite3.connect(data_dir / DB_FILE_NAME) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


class _Writer:
    """Hammers one emulator with hub and consumer-group writes and remembers which ones were acknowledged."""

    def __init__(self, url: str, sub: str, group: str) -> None:
        self.base = f"{url}/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Devices/IotHubs"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {TOKEN}"
        self.acknowledged_hubs: set[str] = set()
        self.acknowledged_groups: set[tuple[str, str]] = set()
        self.operations: list[str] = []
        self.stop = threading.Event()

    def _put(self, url: str, body: dict[str, Any]) -> requests.Response | None:
        try:
            return self.session.put(f"{url}?{API}", json=body, timeout=5)
        except requests.RequestException:
            return None

    def write_hubs(self, prefix: str, count: int) -> None:
        for n in range(count):
            if self.stop.is_set():
                return
            name = f"{prefix}-{n}"
            body = {"location": LOCATION, "sku": {"name": "S1", "capacity": 1}, "tags": {"n": str(n)}}
            response = self._put(f"{self.base}/{name}", body)
            if response is not None and response.status_code in (200, 201):
                self.acknowledged_hubs.add(name)
                self.operations.append(response.headers["Azure-AsyncOperation"])
                self._write_group(name)

    def _write_group(self, hub: str) -> None:
        url = f"{self.base}/{hub}/eventHubEndpoints/events/ConsumerGroups/readers"
        for _ in range(40):  # the hub answers 409 until its create finished
            if self.stop.is_set():
                return
            response = self._put(url, {"properties": {"name": "readers"}})
            if response is None:
                return
            if response.status_code in (200, 201):
                self.acknowledged_groups.add((hub, "readers"))
                return
            time.sleep(0.05)


def _emulator_round(index: int, rng: random.Random, figures: Figures, root: Path) -> None:
    """Kill the emulator while writes and async operations are in flight; restart; check."""
    data_dir = root / f"round-{index}"
    emulator = EmulatorProcess(data_dir, free_port(), provisioning_delay=rng.choice((0.0, 0.5, 2.0)))
    emulator.start()
    sub, group = subscription(9), f"rg-crash-{index}"
    emulator.control.create_resource_group(sub, group, LOCATION)
    writer = _Writer(emulator.url, sub, group)
    with ThreadPoolExecutor(max_workers=3) as pool:
        for worker in range(3):
            pool.submit(writer.write_hubs, f"crash{index}-w{worker}", 1000)  # until the kill stops them
        time.sleep(rng.uniform(0.2, 1.2))
        emulator.kill()
        writer.stop.set()
    figures.add("emulator kills")
    verdict = integrity(data_dir)
    if verdict != "ok":
        figures.problem(f"emulator round {index}: integrity_check says {verdict}")
    emulator.start()
    try:
        _check_after_restart(index, emulator, writer, sub, group, figures)
    finally:
        emulator.stop()


def _check_after_restart(index: int, emulator: EmulatorProcess, writer: _Writer, sub: str, group: str,
                         figures: Figures) -> None:
    operator = Operator(emulator.url, TOKEN, sub)
    present = set(operator.hub_names(group))
    figures.add("acknowledged hub writes", len(writer.acknowledged_hubs))
    lost = writer.acknowledged_hubs - present
    if lost:
        figures.problem(f"emulator round {index}: acknowledged hubs lost: {sorted(lost)}")
    for hub_name, cg in writer.acknowledged_groups:
        if cg not in operator.consumer_groups(group, hub_name):
            figures.problem(f"emulator round {index}: acknowledged consumer group {hub_name}/{cg} lost")
    figures.add("acknowledged consumer-group writes", len(writer.acknowledged_groups))
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    for url in writer.operations:
        status = _final_status(session, url)
        if status != "Succeeded":
            figures.problem(f"emulator round {index}: operation ended {status}")
    figures.add("operations finished after restart", len(writer.operations))
    for name in sorted(present):
        hub = operator.hub(group, name)
        props = (hub or {}).get("properties") or {}
        if hub is None or props.get("state") != "Active" or "$Default" not in operator.consumer_groups(
                group, name):
            figures.problem(f"emulator round {index}: hub {name} is not whole after restart: {props}")
    figures.add("hubs checked after restart", len(present))


def _final_status(session: requests.Session, url: str) -> str:
    """Poll an Azure-AsyncOperation URL until the operation is no longer Running."""
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        status = str(session.get(url, timeout=5).json().get("status"))
        if status != "Running" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def _provider_rides_through(index: int, rng: random.Random, figures: Figures, root: Path) -> None:
    """A deployment in flight while the emulator dies and comes back: the provider's retries carry it."""
    data_dir = root / f"ride-{index}"
    emulator = EmulatorProcess(data_dir, free_port(), provisioning_delay=1.5)
    emulator.start()
    sub, group = subscription(8), f"rg-ride-{index}"
    emulator.control.create_resource_group(sub, group, LOCATION)
    operator = Operator(emulator.url, TOKEN, sub)
    spec = HubSpec(resource_group=group, name=f"ride-hub-{index}", groups=("analytics",))
    outcome: list[BaseException | None] = []
    try:
        with ProviderProcess(project=PROJECT) as provider:
            stack = DeclaredStack(provider, stack=f"ride-{index}",
                                  config=provider_config(emulator.url, TOKEN, sub))

            def up() -> None:
                try:
                    stack.up(spec)
                    outcome.append(None)
                except EngineError as exc:
                    outcome.append(exc)

            thread = threading.Thread(target=up, daemon=True)
            thread.start()
            _wait_until(lambda: bool(operator.hub_names(group)), "the hub PUT")
            emulator.kill()
            time.sleep(rng.uniform(0.1, 1.0))
            emulator.start()
            thread.join(timeout=WAIT_LIMIT * 2)
            figures.add("deployments in flight across an emulator restart")
            if not outcome or outcome[0] is not None:
                figures.problem(f"ride {index}: the deployment did not survive the restart: {outcome}")
            else:
                live = operator.hub(group, spec.name or "")
                if live is None or live["properties"]["state"] != "Active" or "analytics" not in \
                        operator.consumer_groups(group, spec.name or ""):
                    figures.problem(f"ride {index}: the hub is not complete after the deployment")
                stack.destroy()
    finally:
        emulator.stop()


def emulator_kills(*, seed: int, rounds: int) -> Figures:
    figures = Figures("emulator SIGKILL")
    rng = random.Random(f"emulator:{seed}")
    with tempfile.TemporaryDirectory(prefix="iothub-crash-") as tmp:
        root = Path(tmp)
        for index in range(rounds):
            _emulator_round(index, rng, figures, root)
        for index in range(max(1, rounds // 3)):
            _provider_rides_through(index, rng, figures, root)
    return figures
