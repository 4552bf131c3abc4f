"""Run a real Pulumi program under `pulumi.runtime.set_mocks`, handing its dynamic resources to the engine
simulator, which drives the real provider process over gRPC (research/pulumi-dynamic.md §5b).

`EngineMocks` is a plain `pulumi.runtime.Mocks`: with the SDK's own `MockMonitor` it sees what `Mocks` is
given (type, name, inputs, import id). `EngineMonitor` adds what only the registration request carries and
the engine relies on: dependencies and property dependencies (the delete-before-replace fan-out),
`additional_secret_outputs`, `delete_before_replace`, the difference between `opts.import_` and
`ResourceOptions(id=...)`, and the stack's exports. `run_program` ties them together for one deployment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast

import pulumi
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from harness.engine import Declaration, Deployment, EngineSimulator
from harness.errors import EngineError
from harness.rpc import STACK_TYPE
from harness.wire import Props, Secret, from_program, reveal, to_program

DYNAMIC_TYPE_PREFIX: Final = "pulumi-python:dynamic"
Program = Callable[[], object]


def is_dynamic(type_: str) -> bool:
    return type_.startswith(DYNAMIC_TYPE_PREFIX)


class EngineMocks(pulumi.runtime.Mocks):
    """Mocks that give dynamic resources to the engine simulator and echo every other resource.

    Behind the SDK's own `MockMonitor` they see no dependencies or resource options, and a
    `ResourceOptions(id=...)` read looks like an import; `run_program` puts them behind `EngineMonitor`.
    """

    def __init__(self, engine: EngineSimulator) -> None:
        self.engine = engine

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if not is_dynamic(args.typ):
            return f"{args.name}-id", dict(args.inputs)
        decl = Declaration(type=args.typ, name=args.name, props=_props(args.inputs),
                           urn=self.engine.urn(args.typ, args.name), import_id=args.resource_id or "")
        return self.register(decl)

    def register(self, decl: Declaration) -> tuple[str, dict[Any, Any]]:
        id_, outputs = self.engine.register(decl)
        return id_, _to_program_props(outputs)

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        raise NotImplementedError(f"the stack's program makes no invokes, got {args.token}")


class EngineMonitor(MockMonitor):
    """A mock resource monitor that forwards the full registration of dynamic resources to the engine."""

    def __init__(self, mocks: EngineMocks) -> None:
        super().__init__(mocks)
        self.engine_mocks = mocks
        self.exports: Props = {}

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> Any:
        if request.type == STACK_TYPE or not is_dynamic(request.type):
            return super().RegisterResource(request)  # type: ignore[no-untyped-call]
        _ensure_event_loop()
        urn = self.engine_mocks.engine.urn(request.type, request.name, request.parent)
        decl = Declaration(
            type=request.type,
            name=request.name,
            props=_props(rpc.deserialize_properties(request.object, keep_unknowns=True)),
            urn=urn,
            dependencies=tuple(request.dependencies),
            property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            delete_before_replace=request.deleteBeforeReplace,
            import_id=request.importId,
        )
        id_, outputs = self.engine_mocks.register(decl)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, outputs)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=_serialize(outputs))

    def ReadResource(self, request: resource_pb2.ReadResourceRequest) -> Any:
        if not is_dynamic(request.type):
            return super().ReadResource(request)  # type: ignore[no-untyped-call]
        _ensure_event_loop()
        urn = self.engine_mocks.engine.urn(request.type, request.name, request.parent)
        decl = Declaration(
            type=request.type,
            name=request.name,
            props=_props(rpc.deserialize_properties(request.properties, keep_unknowns=True)),
            urn=urn,
            dependencies=tuple(request.dependencies),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            read_id=request.id,
        )
        id_, outputs = self.engine_mocks.register(decl)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, outputs)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=_serialize(outputs))

    def RegisterResourceOutputs(self, request: resource_pb2.RegisterResourceOutputsRequest) -> Any:
        if request.urn.split("::")[2] == STACK_TYPE:
            _ensure_event_loop()
            self.exports = _props(rpc.deserialize_properties(request.outputs, keep_unknowns=True))
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


@dataclass
class ProgramRun:
    """One run of a program: the deployment the engine made of it and the stack's exports."""

    deployment: Deployment
    exports: Props = field(default_factory=dict)

    def secret_exports(self) -> set[str]:
        return {name for name, value in self.exports.items() if isinstance(value, Secret)}


def run_program(engine: EngineSimulator, program: Program, *, preview: bool,
                config: Mapping[str, str | Secret]) -> ProgramRun:
    """Run `program` as `pulumi preview` (preview=True) or `pulumi up` would, with the given stack config.

    A failed step raises the engine's error (CheckFailed, ProviderError, StepRefused); as in the engine, the
    resources handled before it stay in state and nothing is deleted.
    """
    deployment = engine.begin("preview" if preview else "up", preview=preview)
    mocks = EngineMocks(engine)
    monitor = EngineMonitor(mocks)
    _configure_runtime(engine, monitor, preview=preview, config=config)
    _quiet_reraised_engine_errors()
    try:
        _sync_await(run_in_stack(lambda: _run(program)))
    except Exception as error:
        engine.abort()
        if deployment.error is not None:
            raise deployment.error from error
        raise
    engine.finish()
    return ProgramRun(deployment, monitor.exports)


def _configure_runtime(engine: EngineSimulator, monitor: EngineMonitor, *, preview: bool,
                       config: Mapping[str, str | Secret]) -> None:
    settings.reset_options(project=engine.project, stack=engine.stack, preview=preview)
    pulumi.runtime.set_all_config({key: str(reveal(value)) for key, value in config.items()},
                                  [key for key, value in config.items() if isinstance(value, Secret)])
    # set_mocks registers a stack of its own unless one exists; the run makes its own, as the CLI does.
    settings.ROOT.set(cast(pulumi.Resource, _NO_STACK_YET))
    pulumi.runtime.set_mocks(monitor.engine_mocks, project=engine.project, stack=engine.stack,
                             preview=preview, monitor=monitor)
    settings.ROOT.set(None)


_NO_STACK_YET: Final = object()


def _quiet_reraised_engine_errors() -> None:
    """A failed step also fails every output future of the resource; `run_program` raises the step's error
    once, so asyncio's "exception was never retrieved" reports of the same error are noise."""
    loop = asyncio.get_event_loop()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not isinstance(context.get("exception"), EngineError):
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def _run(program: Program) -> None:
    program()


def _ensure_event_loop() -> None:
    """The SDK deserializes resource references with the thread's event loop; monitor threads may lack one."""
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def _props(values: Mapping[str, Any]) -> Props:
    converted = from_program(dict(values))
    assert isinstance(converted, dict)
    return converted


def _to_program_props(outputs: Props) -> dict[Any, Any]:
    converted = to_program(outputs)
    assert isinstance(converted, dict)
    return converted


def _serialize(outputs: Mapping[str, Any]) -> Any:
    return _sync_await(rpc.serialize_properties(dict(outputs), {}))


__all__ = ["EngineError", "EngineMocks", "EngineMonitor", "ProgramRun", "run_program"]
