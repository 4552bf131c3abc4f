"""The bench every part runs on: the emulator, provider processes and stacks declared as the engine sees them.

A stack's program is a ``HubSpec``: one hub and its consumer groups. ``DeclaredStack.up`` registers them with
the engine simulator exactly as ``IotHub`` and ``ConsumerGroup`` do (same properties, pickled provider,
``additional_secret_outputs``, the consumer groups' dependency on the hub's ``name`` output), without running
a Pulumi program, so several stacks can deploy from threads of one process at once.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from harness.engine import Declaration, Deployment, EngineSimulator
from harness.errors import EngineError
from harness.process import ProviderProcess
from harness.wire import PROVIDER_KEY, Secret, provider_string
from iothub_provider import ConsumerGroupProvider, IotHubProvider
from iothub_provider.resources import hub_model
from iothub_provider.resources.consumer_group import ConsumerGroupArgs
from iothub_provider.resources.hub import IotHubArgs

PROJECT: Final = "iothub-provider"
TOKEN: Final = "reliability-token-4f0c2b9e7a"
LOCATION: Final = "westeurope"
HUB_TYPE: Final = "pulumi-python:dynamic/iothub:IotHub"
GROUP_TYPE: Final = "pulumi-python:dynamic/iothub:ConsumerGroup"
HUB_SECRET_OUTPUTS: Final = (*hub_model.SECRET_OUTPUTS, *hub_model.SECRET_INPUTS)

StackConfig = dict[str, "str | Secret"]


def subscription(worker: int) -> str:
    """A subscription id per worker, so workers never see each other's hubs or operations."""
    return f"00000000-0000-0000-0000-{0xA00 + worker:012x}"


def provider_config(url: str, token: str, subscription_id: str, *, timeout: str = "120") -> StackConfig:
    """The stack configuration a local stack hands its provider (the token as a secret)."""
    return {
        "iothub:armEndpoint": url,
        "iothub:subscriptionId": subscription_id,
        "iothub:accessToken": Secret(token),
        "iothub:operationTimeout": timeout,
    }


@functools.cache
def _pickled(kind: str) -> str:
    return provider_string(IotHubProvider() if kind == "hub" else ConsumerGroupProvider())


@dataclass(frozen=True)
class HubSpec:
    """One hub and its consumer groups, as a program would declare them."""

    resource_group: str
    resource: str = "hub"
    name: str | None = None
    """None: the provider derives the name from the resource name (auto-naming)."""
    capacity: int = 1
    partition_count: int = 2
    retention_days: int = 1
    tags: Mapping[str, str] = field(default_factory=lambda: {"env": "reliability"})
    groups: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Further hub inputs, ARM-shaped as the program would declare them (``routing``, ...)."""

    def with_changes(self, **changes: Any) -> HubSpec:
        return replace(self, **changes)

    def hub_props(self, project: str, stack: str) -> dict[str, Any]:
        args = IotHubArgs(
            resource_group_name=self.resource_group,
            location=LOCATION,
            sku={"name": "S1", "capacity": self.capacity},
            name=self.name,
            partition_count=self.partition_count,
            retention_days=self.retention_days,
            tags=dict(self.tags),
            **self.settings,
        )
        return {
            **args.to_props(),
            "pulumi_owner": f"{project}/{stack}/{self.resource}",
            PROVIDER_KEY: _pickled("hub"),
        }

    def group_props(self, hub_name: str, group: str, project: str, stack: str) -> dict[str, Any]:
        args = ConsumerGroupArgs(resource_group_name=self.resource_group, hub_name=hub_name, name=group)
        owner = f"{project}/{stack}/{self.resource}-{group}"
        return {**args.to_props(), "pulumi_owner": owner, PROVIDER_KEY: _pickled("group")}


class DeclaredStack:
    """`pulumi up` / `refresh` / `destroy` of a ``HubSpec`` program against one provider process."""

    def __init__(self, provider: ProviderProcess, *, stack: str, config: StackConfig,
                 project: str = PROJECT) -> None:
        self.project = project
        self.stack = stack
        self.config = config
        self.engine = EngineSimulator(provider, project=project, stack=stack)
        provider.start(config)

    def use(self, provider: ProviderProcess) -> None:
        """Continue with a new provider process (the engine starts one per deployment); state is kept."""
        state = self.engine.state
        self.engine = EngineSimulator(provider, project=self.project, stack=self.stack)
        self.engine.state = state
        provider.start(self.config)

    def up(self, spec: HubSpec | None) -> Deployment:
        """Register the program's resources (none when ``spec`` is None); a failed step raises."""
        self.engine.begin("up", preview=False)
        try:
            for group_decl in self._register(spec):
                self.engine.register(group_decl)
        except EngineError:
            self.engine.abort()
            raise
        return self.engine.finish()

    def _register(self, spec: HubSpec | None) -> list[Declaration]:
        """Register the hub; return the consumer groups, which need the hub's name output first."""
        if spec is None:
            return []
        hub_urn = self.engine.urn(HUB_TYPE, spec.resource)
        hub = Declaration(type=HUB_TYPE, name=spec.resource, props=spec.hub_props(self.project, self.stack),
                          urn=hub_urn, additional_secret_outputs=HUB_SECRET_OUTPUTS)
        _, outputs = self.engine.register(hub)
        hub_name = str(outputs["name"])
        return [
            Declaration(type=GROUP_TYPE, name=f"{spec.resource}-{group}",
                        props=spec.group_props(hub_name, group, self.project, self.stack),
                        urn=self.engine.urn(GROUP_TYPE, f"{spec.resource}-{group}"),
                        dependencies=(hub_urn,), property_dependencies={"hub_name": (hub_urn,)})
            for group in spec.groups
        ]

    def refresh(self) -> Deployment:
        return self.engine.refresh()

    def destroy(self) -> Deployment:
        return self.engine.destroy()

    def hub_state(self) -> dict[str, Any] | None:
        """The hub's outputs in state, or None."""
        for res in self.engine.state.values():
            if res.type == HUB_TYPE and not res.pending_replacement:
                return res.outputs
        return None

    def group_names(self) -> list[str]:
        return sorted(str(res.outputs.get("name")) for res in self.engine.state.values()
                      if res.type == GROUP_TYPE and not res.pending_replacement)
