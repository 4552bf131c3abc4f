"""A dynamic-provider process started the way the Pulumi engine starts `pulumi-resource-pulumi-python`.

The engine's shim runs `<venv>/bin/python -u -m pulumi.dynamic <engine address>` with the project root as the
working directory, `PULUMI_PROJECT`, `PULUMI_CONFIG` (only the `pulumi-python:` namespace) and one
`PULUMI_RUNTIME_<OPTION>` per `runtime.options` key of Pulumi.yaml. It reads the port from the first stdout
line, dials it, and configures the provider with the whole stack configuration (secrets wrapped). Everything
the process prints afterwards is shown to the user as info lines, so the harness keeps it for assertions.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Final

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from harness.wire import Secret, marshal

PROJECT_ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_PYTHON: Final = PROJECT_ROOT / "venv" / "bin" / "python"
ENGINE_ADDRESS: Final = "127.0.0.1:1"
STARTUP_TIMEOUT_SECONDS: Final = 30.0

StackConfig = Mapping[str, "str | Secret"]


class ProviderStartError(RuntimeError):
    """The provider process exited or never printed its port."""


@dataclass(frozen=True)
class Startup:
    """What the provider answered to the engine's start-up calls."""

    plugin_version: str
    handshake: str
    check_config: str
    configure: provider_pb2.ConfigureResponse


class ProviderProcess:
    """One `python -m pulumi.dynamic` process and a gRPC stub connected to it."""

    def __init__(
        self,
        *,
        project: str,
        project_dir: Path = PROJECT_ROOT,
        python: Path = DEFAULT_PYTHON,
        runtime_options: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.project = project
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.startup_calls: list[str] = []
        """Provider-level calls (start-up, Cancel) in the order they were sent."""
        self.spawned_at = time.perf_counter()
        """`time.perf_counter()` just before the spawn: timings from it include the process's start-up
        (bench/coldstart.py's time to the first answered Check)."""
        self._proc = subprocess.Popen(
            [str(python), "-u", "-m", "pulumi.dynamic", ENGINE_ADDRESS],
            cwd=project_dir,
            env=_engine_env(project, runtime_options or {}, env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.port = self._read_port()
        self._pumps = [self._pump(self._stream(self._proc.stdout), self.stdout),
                       self._pump(self._stream(self._proc.stderr), self.stderr)]
        # The engine (grpc-go) accepts response metadata far beyond grpc-python's 8 KiB default; a provider
        # error's traceback travels in it and a long chained one would otherwise arrive as a transport error.
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{self.port}", options=[("grpc.max_metadata_size", 1024 * 1024)]
        )
        grpc.channel_ready_future(self._channel).result(timeout=STARTUP_TIMEOUT_SECONDS)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    @property
    def pid(self) -> int:
        """The process id, for the benchmarks' memory readings."""
        return self._proc.pid

    @staticmethod
    def _stream(stream: IO[bytes] | None) -> IO[bytes]:
        assert stream is not None
        return stream

    def _read_port(self) -> int:
        line = self._stream(self._proc.stdout).readline().decode().strip()
        if not line.isdigit():
            self._proc.kill()
            errors = self._stream(self._proc.stderr).read().decode()
            raise ProviderStartError(f"provider printed {line!r} instead of a port; stderr:\n{errors}")
        return int(line)

    @staticmethod
    def _pump(stream: IO[bytes], sink: list[str]) -> threading.Thread:
        def run() -> None:
            for raw in iter(stream.readline, b""):
                sink.append(raw.decode(errors="replace").rstrip("\n"))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def start(self, config: StackConfig, *, program_run: bool = True,
              configured_before: bool = False) -> Startup:
        """Replay the engine's provider start-up, in the order the real engine (v3.274) was recorded making it
        (tests/harness/recorded_engine_calls.json): Handshake, GetPluginInfo, then for a command that runs the
        program (preview, up) CheckConfig and, when the stack's state already holds the provider, DiffConfig;
        then Configure. Refresh and destroy run from the state: no CheckConfig, no DiffConfig."""
        urn = f"urn:pulumi:stack::{self.project}::pulumi:providers:pulumi-python::default"
        handshake = self._probe("Handshake", lambda: self.stub.Handshake(
            provider_pb2.ProviderHandshakeRequest(engine_address=ENGINE_ADDRESS)))
        self.startup_calls.append("GetPluginInfo")
        info = self.stub.GetPluginInfo(empty_pb2.Empty())
        check_config = "not sent"
        if program_run:
            check_config = self._probe("CheckConfig", lambda: self.stub.CheckConfig(
                provider_pb2.CheckRequest(urn=urn)))
            if configured_before:
                self._probe("DiffConfig", lambda: self.stub.DiffConfig(provider_pb2.DiffRequest(urn=urn)))
        self.startup_calls.append("Configure")
        configured = self.stub.Configure(provider_pb2.ConfigureRequest(
            args=marshal(dict(config), keep_secrets=True),
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
            type="pulumi:providers:pulumi-python",
            name="default",
            urn=urn,
            id="00000000-0000-0000-0000-000000000000",
        ))
        return Startup(info.version, handshake, check_config, configured)

    def _probe(self, method: str, call: Callable[[], object]) -> str:
        """Call an RPC the Python servicer may not implement; return "implemented" or the status code name."""
        self.startup_calls.append(method)
        try:
            call()
        except grpc.RpcError as error:
            return str(error.code().name)  # type: ignore[attr-defined]
        return "implemented"

    def output(self) -> str:
        """Everything the process printed after its port line, stdout then stderr."""
        return "\n".join([*self.stdout, *self.stderr])

    def close(self) -> None:
        """End the process as the engine does at the end of a command: Cancel, then terminate it."""
        if self._proc.poll() is None:
            self._probe("Cancel", lambda: self.stub.Cancel(empty_pb2.Empty(), timeout=5))
        self._channel.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for pump in self._pumps:
            pump.join(timeout=5)

    def __enter__(self) -> ProviderProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _engine_env(project: str, runtime_options: Mapping[str, str],
                overrides: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides or {})
    env["PULUMI_PROJECT"] = project
    env["PULUMI_CONFIG"] = json.dumps({})
    env.update({f"PULUMI_RUNTIME_{key.upper()}": value for key, value in runtime_options.items()})
    return env

