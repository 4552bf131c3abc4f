"""Pulumi's Python language runtime, for a Pulumi CLI built from Go modules without its language plugin.

When: `scripts/pulumi` puts this directory first on PATH only when it runs the CLI that scripts/build-pulumi
built (the Python language host is a Go module the module proxy does not serve). With your own Pulumi install,
Pulumi's own plugin runs instead and nothing here is used.

Why it is enough: the engine asks the language plugin for the plugins a program needs and then to run the
program; everything between the program and the engine (registering resources, the dynamic provider's calls)
goes through the real Pulumi SDK and the real engine. The contract followed is the engine's: print the gRPC
port on the first stdout line; `Run` starts `<venv>/bin/python program_runner.py ...` with the program's
output on this process's stdout/stderr (the engine shows both), and `PULUMI_CONFIG` and
`PULUMI_CONFIG_SECRET_KEYS` in its environment; exit code 0 is success, 32 means the program already reported
its error (`bail`), anything else is a failure. Only the `pip` toolchain with a ready virtualenv is supported:
nothing is installed at run time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

RUNNER = Path(__file__).resolve().with_name("program_runner.py")
BAIL_EXIT_CODE = 32
PLUGIN_VERSION = "3.0.0"


class ProgramSetupError(Exception):
    """The program cannot be started as Pulumi.yaml describes it (a missing venv, another toolchain)."""


def runtime_options(info: language_pb2.ProgramInfo) -> dict[str, Any]:
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def program_python(info: language_pb2.ProgramInfo) -> str:
    """The interpreter of the program: `<virtualenv>/bin/python` (relative to Pulumi.yaml), else python3."""
    options = runtime_options(info)
    toolchain = options.get("toolchain", "pip")
    if toolchain != "pip":
        raise ProgramSetupError(
            f"runtime option toolchain: {toolchain!r} is not supported by this language plugin; use pip")
    virtualenv = options.get("virtualenv")
    if not virtualenv:
        return os.environ.get("PULUMI_PYTHON_CMD", "python3")
    venv = Path(virtualenv)
    if not venv.is_absolute():
        venv = Path(info.root_directory) / venv
    python = venv / "bin" / "python"
    if not python.exists():
        raise ProgramSetupError(
            f"the virtualenv {venv} named in Pulumi.yaml does not exist: run scripts/setup (or create it "
            "with python3 -m venv and pip install the program's requirements)")
    return str(python)


def runner_arguments(request: language_pb2.RunRequest) -> list[str]:
    """The flags the engine's own executor takes, each only when it has a value."""
    flags = {
        "--monitor": request.monitor_address,
        "--engine": request.args[0] if request.args else "",
        "--project": request.project,
        "--root_directory": request.info.root_directory,
        "--stack": request.stack,
        "--pwd": request.pwd,
        "--dry_run": "true" if request.dryRun else "false",
        "--parallel": str(request.parallel),
        "--organization": request.organization,
    }
    arguments = [item for flag, value in flags.items() if value for item in (flag, value)]
    entry = request.info.entry_point or "."
    program = Path(request.info.program_directory or request.pwd) / entry
    return [*arguments, str(program), *request.args[1:]]


class PythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The LanguageRuntime service: runs programs, reports no plugins to install."""

    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def Handshake(self, request: Any, context: Any) -> Any:
        self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=PLUGIN_VERSION)

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        # The only plugin a dynamic-provider program uses is `pulumi-python`, bundled with the CLI.
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPackagesResponse()

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        return language_pb2.GetProgramDependenciesResponse()

    def InstallDependencies(self, request: Any, context: Any) -> Any:
        return iter(())

    def About(self, request: Any, context: Any) -> Any:
        try:
            python = program_python(request.info)
        except ProgramSetupError:
            python = sys.executable
        return language_pb2.AboutResponse(executable=python)

    def Run(self, request: Any, context: Any) -> Any:
        try:
            python = program_python(request.info)
        except ProgramSetupError as error:
            return language_pb2.RunResponse(error=str(error))
        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        env.pop("PYTHONHOME", None)
        command = [python, "-u", str(RUNNER), *runner_arguments(request)]
        process = subprocess.Popen(command, cwd=request.pwd or None, env=env)
        with self._lock:
            self._running.add(process)
        try:
            code = process.wait()
        finally:
            with self._lock:
                self._running.discard(process)
        if code == 0:
            return language_pb2.RunResponse()
        if code == BAIL_EXIT_CODE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def Cancel(self, request: Any, context: Any) -> Any:
        with self._lock:
            for process in self._running:
                process.send_signal(signal.SIGINT)
        return empty_pb2.Empty()


def engine_address_from(argv: list[str]) -> str:
    """The engine passes flags (`-tracing=...`, `-root=...`) and then its address as the last argument."""
    positional = [arg for arg in argv if not arg.startswith("-")]
    return positional[-1] if positional else ""


def exit_with_parent() -> None:
    """Plugins must not outlive the engine that started them (it may be killed without closing them)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main(argv: list[str]) -> None:
    if "-version" in argv or "--version" in argv:
        print(PLUGIN_VERSION)
        return
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    host = PythonLanguageHost(engine_address_from(argv))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    threading.Thread(target=exit_with_parent, daemon=True).start()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:  # how the engine closes its plugins
        server.stop(grace=None)


if __name__ == "__main__":
    main(sys.argv[1:])
