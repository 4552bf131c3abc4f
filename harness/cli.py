"""The real Pulumi CLI, run on a throw-away project: a program on a fresh file backend and `PULUMI_HOME`,
through `scripts/pulumi` (it alone decides which CLI: $IOTHUB_PULUMI_CLI, a `pulumi` on PATH, the build).

Two users: the end-to-end tests (tests/e2e: this repository's `__main__.py`, stack `e2e`, what the real engine
sent the provider processes logged to `grpc.jsonl` when the dynamic-provider plugin is ours,
scripts/pulumi-plugins) and the benchmark of the CLI (bench/cli_engine.py: generated programs, every command
timed, no call log so that logging costs the timings nothing). `cli_unavailable()` says why the CLI cannot be
had here (None when it can).

A `PulumiProject` is one temporary project directory holding `Pulumi.yaml` (runtime python, toolchain pip,
this repository's venv) and the program; its stack is configured through `pulumi config set` (provider
settings) and by writing the stack file (structured values). Every command runs non-interactively and
offline, with settings the provider would otherwise take from the environment removed from it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

REPO: Final = Path(__file__).resolve().parents[1]
SCRIPT: Final = REPO / "scripts" / "pulumi"
PROJECT: Final = "iothub-provider"
PASSPHRASE: Final = "harness-passphrase"
COMMAND_TIMEOUT_SECONDS: Final = 300.0
GRPC_LOG_VARIABLE: Final = "IOTHUB_PROVIDER_GRPC_LOG"
STEP_LINE: Final = re.compile(
    r"^\s*[-+~]+\s+pulumi-python:dynamic/iothub:\w+ (?P<name>\S+) "
    r"(?P<verb>create|update|replace|delete|created|updated|replaced|deleted)\b", re.MULTILINE)
# Settings the provider would otherwise take from the environment (a project sets everything through its
# stack), and the call log, which a project turns on itself.
FOREIGN_SETTINGS: Final = ("IOTHUB_ARM_ENDPOINT", "IOTHUB_ACCESS_TOKEN", "IOTHUB_API_VERSION",
                           "IOTHUB_OPERATION_TIMEOUT", "AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID",
                           GRPC_LOG_VARIABLE)


def cli_unavailable() -> tuple[str, bool] | None:
    """Why no Pulumi CLI can run here, and whether that is a failure; None when one can.

    Only a machine with neither `pulumi` nor Go (or a setup told to skip the build) may go without: where Go
    exists, the CLI scripts/setup builds must be there."""
    # scripts/pulumi alone decides which CLI runs: $IOTHUB_PULUMI_CLI, a `pulumi` on PATH, the built one.
    found = subprocess.run([SCRIPT, "version"], capture_output=True, stdin=subprocess.DEVNULL)
    if found.returncode == 0:
        return None
    if shutil.which("go") is None:
        return "no `pulumi` on PATH and no Go toolchain to build one (install the Pulumi CLI)", False
    if os.environ.get("IOTHUB_SKIP_PULUMI_BUILD"):
        return "IOTHUB_SKIP_PULUMI_BUILD is set, so scripts/setup built no Pulumi CLI", False
    return "Go is here but the Pulumi CLI is not built: run scripts/setup (it builds the CLI)", True


@dataclass(frozen=True)
class Result:
    """One finished CLI command and its wall time."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def steps(self) -> dict[str, set[str]]:
        """What the command did to each of our resources, by Pulumi name, from the CLI's progress lines:
        `create`/`update`/`replace`/`delete` in a preview, `created`/`updated`/`replaced`/`deleted` otherwise
        (a replacement also shows `created` and `deleted`). Resources the command left alone are absent."""
        done: dict[str, set[str]] = {}
        for match in STEP_LINE.finditer(self.stdout):
            done.setdefault(match["name"], set()).add(match["verb"])
        return done

    def names(self, verb: str) -> list[str]:
        """The sorted names of our resources with this verb among their steps."""
        return sorted(name for name, verbs in self.steps().items() if verb in verbs)

    def __str__(self) -> str:
        command = " ".join(self.args)
        return f"pulumi {command} exited {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


class CommandFailed(AssertionError):
    """A CLI command that was expected to succeed did not."""


class PulumiProject:
    """A temporary project with its own state backend and PULUMI_HOME, and one stack."""

    def __init__(self, directory: Path, *, stack: str, project: str = PROJECT, program: str | None = None,
                 log_engine_calls: bool = True, timeout: float = COMMAND_TIMEOUT_SECONDS) -> None:
        """`program`: the text of `__main__.py` (None: a copy of this repository's). `log_engine_calls`:
        append what the engine sends the provider processes to `grpc.jsonl` (off where commands are timed).
        `timeout`: seconds a command may take before it fails."""
        self.directory = directory
        self.project = project
        self.stack = stack
        self.timeout = timeout
        self.stack_file = directory / f"Pulumi.{stack}.yaml"
        self.grpc_log = directory / "grpc.jsonl"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "state").mkdir(exist_ok=True)
        runtime = {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(REPO / "venv")}}
        (directory / "Pulumi.yaml").write_text(yaml.safe_dump({"name": project, "runtime": runtime}))
        if program is None:
            shutil.copy(REPO / "__main__.py", directory / "__main__.py")
        else:
            (directory / "__main__.py").write_text(program)
        self.env = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
        self.env.update({
            "PULUMI_HOME": str(directory / "home"),
            "PULUMI_BACKEND_URL": f"file://{directory / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_DISABLE_CI_DETECTION": "true",
            "NO_COLOR": "1",
        })
        if log_engine_calls:
            self.env[GRPC_LOG_VARIABLE] = str(self.grpc_log)

    # -- running commands ---------------------------------------------------------------------------------

    def run(self, *args: str, check: bool = True) -> Result:
        """Run one CLI command to its end; `check`: a failed command raises `CommandFailed`."""
        start = time.perf_counter()
        completed = subprocess.run(
            [str(SCRIPT), *args], cwd=self.directory, env=self.env, capture_output=True, text=True,
            timeout=self.timeout, stdin=subprocess.DEVNULL)
        result = Result(tuple(args), completed.returncode, completed.stdout, completed.stderr,
                        time.perf_counter() - start)
        if check and result.code != 0:
            raise CommandFailed(str(result))
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        """A command left running (to be cut off by the caller); its own process group, output discarded."""
        return subprocess.Popen(
            [str(SCRIPT), *args], cwd=self.directory, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, start_new_session=True)

    def stack_command(self, command: str, *args: str, check: bool = True) -> Result:
        return self.run(command, "--stack", self.stack, "--non-interactive", *args, check=check)

    def preview(self, *args: str, check: bool = True) -> Result:
        return self.stack_command("preview", *args, check=check)

    def up(self, *args: str, check: bool = True) -> Result:
        return self.stack_command("up", "--yes", "--skip-preview", *args, check=check)

    def refresh(self, *args: str, check: bool = True) -> Result:
        return self.stack_command("refresh", "--yes", "--skip-preview", *args, check=check)

    def destroy(self, *args: str, check: bool = True) -> Result:
        return self.stack_command("destroy", "--yes", "--skip-preview", *args, check=check)

    # -- configuration ------------------------------------------------------------------------------------

    def init(self, provider_settings: Mapping[str, str] | None = None, *,
             secret: tuple[str, ...] = ()) -> None:
        """Create the stack and set the provider settings with `pulumi config set` (the named ones secret)."""
        self.run("stack", "init", self.stack, "--secrets-provider", "passphrase", "--non-interactive")
        for key, value in (provider_settings or {}).items():
            flags = ["--secret"] if key in secret else ["--plaintext"]
            self.run("config", "set", "--stack", self.stack, *flags, key, value)

    def set_program_config(self, values: Mapping[str, Any]) -> None:
        """Write values straight into the stack file (structured ones stay objects); a key without a namespace
        is the project's (`hubs` -> `iothub-provider:hubs`)."""
        document = (yaml.safe_load(self.stack_file.read_text()) if self.stack_file.exists() else None) or {}
        config = document.setdefault("config", {})
        for key, value in values.items():
            config[key if ":" in key else f"{self.project}:{key}"] = value
        self.stack_file.write_text(yaml.safe_dump(document, sort_keys=False))

    # -- reading the stack --------------------------------------------------------------------------------

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--stack", self.stack, "--json"]
        args += ["--show-secrets"] if show_secrets else []
        parsed: dict[str, Any] = json.loads(self.run(*args).stdout)
        return parsed

    def export(self) -> str:
        """`pulumi stack export` as text (what the state file holds)."""
        return self.run("stack", "export", "--stack", self.stack).stdout

    def resources(self) -> list[dict[str, Any]]:
        deployment: dict[str, Any] = json.loads(self.export())["deployment"]
        return list(deployment.get("resources") or [])

    def resource(self, name: str) -> dict[str, Any]:
        """The state entry of the custom resource with this Pulumi name."""
        matches = [r for r in self.resources() if r["urn"].endswith(f"::{name}") and r.get("custom")]
        assert len(matches) == 1, f"{len(matches)} resources named {name} in the state"
        return matches[0]

    def engine_calls(self) -> list[dict[str, Any]]:
        """What the real engine sent the dynamic-provider processes so far (empty with a foreign plugin, or
        with `log_engine_calls=False`)."""
        if not self.grpc_log.exists():
            return []
        return [json.loads(line) for line in self.grpc_log.read_text().splitlines() if line.strip()]

    def clear_engine_calls(self) -> None:
        self.grpc_log.unlink(missing_ok=True)
