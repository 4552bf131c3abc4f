"""A stack as the CLI sees it: one provider process, the engine's state, and the commands users run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import yaml

from harness.engine import Deployment, EngineSimulator, ResourceState
from harness.mocks import Program, ProgramRun, run_program
from harness.process import ProviderProcess, Startup
from harness.wire import Secret


class SimulatedStack:
    """`pulumi preview/up/refresh/destroy` for one stack, against a started provider process.

    `config` is the whole stack configuration: the program reads it, and the provider is configured with it
    once, here. The engine starts a provider process per deployment; tests share one per module for speed,
    which is faithful only while the provider settings stay the same, because the Python host calls a
    provider's `configure()` once per process. Use a new `ProviderProcess` for other provider settings.
    """

    def __init__(self, provider: ProviderProcess, *, project: str, stack: str,
                 config: Mapping[str, str | Secret], parallel: bool = False,
                 state: Mapping[str, ResourceState] | None = None, program_run: bool = True) -> None:
        """`state` continues a stack from an earlier one, as the next CLI command does with a new provider
        process; `program_run=False` starts the provider as refresh and destroy do (from the state alone)."""
        self.provider = provider
        self.config = dict(config)
        self.engine = EngineSimulator(provider, project=project, stack=stack, parallel=parallel)
        self.engine.state.update(state or {})
        self.startup: Startup = provider.start(self.config, program_run=program_run,
                                               configured_before=bool(state))

    @property
    def state(self) -> dict[str, ResourceState]:
        return self.engine.state

    def resource(self, name: str) -> ResourceState:
        return self.engine.resource(name)

    def preview(self, program: Program) -> ProgramRun:
        return run_program(self.engine, program, preview=True, config=self.config)

    def up(self, program: Program) -> ProgramRun:
        return run_program(self.engine, program, preview=False, config=self.config)

    def refresh(self, *, preview: bool = False) -> Deployment:
        return self.engine.refresh(preview=preview)

    def destroy(self) -> Deployment:
        return self.engine.destroy()


def load_stack_config(path: Path) -> dict[str, str | Secret]:
    """The `config:` of a Pulumi.<stack>.yaml as the CLI hands it over: structured values as JSON text.

    Encrypted (`secure:`) values cannot be read without the stack's secrets provider, so they are refused.
    """
    document = yaml.safe_load(path.read_text()) or {}
    config: dict[str, str | Secret] = {}
    for key, value in (document.get("config") or {}).items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            raise ValueError(f"{path.name}: {key} is encrypted; the harness cannot decrypt stack secrets")
        config[key] = value if isinstance(value, str) else json.dumps(value)
    return config


def emulator_provider_config(url: str, token: str, subscription_id: str) -> dict[str, str | Secret]:
    """Provider settings of a stack deploying to a test emulator; the token is a secret, as in a stack."""
    return {
        "iothub:armEndpoint": url,
        "iothub:subscriptionId": subscription_id,
        "iothub:accessToken": Secret(token),
    }
