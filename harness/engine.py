"""An engine simulator: replays the Pulumi engine's step sequences against a real dynamic-provider process.

It keeps the stack state the engine would keep (urn -> id, inputs, outputs, which outputs are secret,
dependencies) and sends the provider exactly the calls `pulumi preview`, `up`, `refresh` and `destroy` send
(research/pulumi-dynamic.md §1.3): Check with old *inputs*; Diff, Update, Delete and Read with old *outputs*;
no Create or Update in a preview; a second Check without olds before a replacement; replaced resources deleted
at the end (create-before-delete) or first, after the dependents' Diff with hub-derived properties UNKNOWN
(delete-before-replace); an empty id from a refresh Read drops the resource; `opts.import_` sends a Read with
no properties; `ResourceOptions(id=...)` sends a Read with the program's properties.

Programs register resources through `register()` (see `harness.mocks`, which runs a real Pulumi program
under `pulumi.runtime.set_mocks`); `refresh()` and `destroy()` work on the state alone, as the CLI does.
A failed step raises one of `harness.errors` (CheckFailed, ProviderError, StepRefused) and stops the
deployment; what was done before it stays in state, as in the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from pulumi.runtime.proto import provider_pb2

from harness import rpc
from harness.errors import CheckFailed, EngineError, StepRefused
from harness.process import ProviderProcess
from harness.wire import (
    UNKNOWN,
    Props,
    Secret,
    marshal,
    reveal,
    secret_keys,
    unmarshal,
)

DIFF_NONE: Final = provider_pb2.DiffResponse.DIFF_NONE
DIFF_SOME: Final = provider_pb2.DiffResponse.DIFF_SOME
DIFF_UNKNOWN: Final = provider_pb2.DiffResponse.DIFF_UNKNOWN

Op = Literal["create", "same", "update", "replace", "delete", "delete-replaced", "read", "import",
             "refresh", "drop"]
Kind = Literal["preview", "up", "refresh", "destroy"]


@dataclass(frozen=True)
class Declaration:
    """One resource as the program registers it with the engine."""

    type: str
    name: str
    props: Mapping[str, Any]
    """Program inputs including `__provider`; leaves may be `Secret` or `UNKNOWN`."""
    urn: str
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    additional_secret_outputs: tuple[str, ...] = ()
    delete_before_replace: bool = False
    import_id: str = ""
    read_id: str = ""
    """Set for `ResourceOptions(id=...)`: the engine reads an existing resource instead of managing it."""


@dataclass
class ResourceState:
    """What the engine stores for one resource (secret values are stored revealed, their keys listed)."""

    urn: str
    type: str
    name: str
    id: str
    inputs: Props
    outputs: Props
    secret_outputs: frozenset[str]
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    additional_secret_outputs: tuple[str, ...] = ()
    secret_inputs: frozenset[str] = frozenset()
    external: bool = False
    pending_replacement: bool = False
    """Deleted by a delete-before-replace whose create has not happened yet: it no longer exists."""

    def plain_outputs(self) -> Props:
        """The outputs the engine stores in plain text (everything not marked secret)."""
        return {k: v for k, v in self.outputs.items() if k not in self.secret_outputs}

    def program_outputs(self) -> Props:
        """The outputs as the program sees them: secret ones wrapped."""
        return _wrap_secrets(self.outputs, self.secret_outputs)

    def depends_on(self, urn: str) -> bool:
        return urn in self.dependencies or any(urn in urns for urns in self.property_dependencies.values())


@dataclass(frozen=True)
class Call:
    """One RPC the engine sent to the provider; `request` is the request message, as sent."""

    method: str
    name: str
    request: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Step:
    """One step of a deployment, as `pulumi up` would list it."""

    op: Op
    name: str
    detail: str = ""


@dataclass
class Deployment:
    """One `pulumi preview`, `up`, `refresh` or `destroy`."""

    kind: Kind
    preview: bool
    steps: list[Step] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    replaced: list[ResourceState] = field(default_factory=list)
    max_in_flight: int = 0
    """The most provider calls that were running at once."""
    error: EngineError | None = None

    def ops(self) -> list[tuple[str, str]]:
        return [(step.op, step.name) for step in self.steps]

    def methods(self) -> list[tuple[str, str]]:
        return [(call.method, call.name) for call in self.calls]


class EngineSimulator:
    """The engine's side of the provider protocol for one stack, with its state."""

    def __init__(self, provider: ProviderProcess, *, project: str, stack: str,
                 parallel: bool = False) -> None:
        """`parallel=False` handles one registration at a time, so call logs are deterministic; with True,
        registrations run as the program makes them, concurrently, as the engine runs independent steps."""
        self.provider = provider
        self.project = project
        self.stack = stack
        self.parallel = parallel
        self.state: dict[str, ResourceState] = {}
        self.history: list[Deployment] = []
        self._current: Deployment | None = None
        self._lock = threading.RLock()
        self._in_flight = 0

    # -- identity -------------------------------------------------------------------------------------------

    def urn(self, type_: str, name: str, parent_urn: str = "") -> str:
        """The resource's URN; resources parented to the stack get no parent type, as in the engine."""
        return rpc.urn(self.stack, self.project, type_, name, parent_urn)

    def resource(self, name: str) -> ResourceState:
        """The stored state of the resource named `name` (names are unique in the tests' programs)."""
        matches = [res for res in self.state.values() if res.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r} in state")
        return matches[0]

    # -- deployments ----------------------------------------------------------------------------------------

    def begin(self, kind: Kind, *, preview: bool) -> Deployment:
        with self._lock:
            if self._current is not None:
                raise RuntimeError("a deployment is already running")
            self._current = Deployment(kind=kind, preview=preview)
            return self._current

    def finish(self) -> Deployment:
        """End the program's deployment: delete replaced and removed resources in reverse dependency order."""
        with self._lock:
            deployment = self._deployment()
            try:
                if deployment.error is None:
                    self._delete_condemned(deployment)
            finally:
                self._end(deployment)
            return deployment

    def abort(self) -> Deployment:
        """End a deployment that failed: nothing more is deleted, state keeps what was done."""
        with self._lock:
            deployment = self._deployment()
            self._end(deployment)
            return deployment

    def _end(self, deployment: Deployment) -> None:
        self.history.append(deployment)
        self._current = None

    def _deployment(self) -> Deployment:
        if self._current is None:
            raise RuntimeError("no deployment is running; call begin() first")
        return self._current

    def register(self, decl: Declaration) -> tuple[str, Props]:
        """Handle one registration; return the id and outputs the engine hands back to the program."""
        with nullcontext() if self.parallel else self._lock:
            deployment = self._deployment()
            deployment.seen.add(decl.urn)
            try:
                if decl.read_id:
                    return self._read_external(decl, deployment)
                if decl.import_id:
                    return self._import(decl, deployment)
                old = self.state.get(decl.urn)
                if old is None or old.pending_replacement:
                    return self._create(decl, deployment, replacing=old is not None)
                return self._update_or_replace(decl, old, deployment)
            except EngineError as error:
                deployment.error = deployment.error or error
                raise

    def refresh(self, *, preview: bool = False) -> Deployment:
        """`pulumi refresh`: Read every resource, drop the gone ones, then the inverted Diff."""
        deployment = self.begin("refresh", preview=preview)
        try:
            for res in list(self.state.values()):
                if not res.pending_replacement:
                    self._refresh_one(res, deployment)
        except EngineError as error:
            deployment.error = error
            raise
        finally:
            self._end(deployment)
        return deployment

    def destroy(self) -> Deployment:
        """`pulumi destroy`: Delete every managed resource with its stored outputs, dependents first."""
        deployment = self.begin("destroy", preview=False)
        try:
            for res in deletion_order(list(self.state.values())):
                if not (res.external or res.pending_replacement):
                    self._delete(res, deployment)
                del self.state[res.urn]
                deployment.steps.append(Step("delete", res.name))
        except EngineError as error:
            deployment.error = error
            raise
        finally:
            self._end(deployment)
        return deployment

    # -- step sequences --------------------------------------------------------------------------------------

    def _create(self, decl: Declaration, deployment: Deployment, *, replacing: bool) -> tuple[str, Props]:
        """A new resource, or the create half of a replacement whose delete already happened."""
        checked = self._check(decl, {}, deployment)
        op: Op = "replace" if replacing else "create"
        deployment.steps.append(Step(op, decl.name))
        if deployment.preview:
            return "", _wrap_secrets(checked, secret_keys(decl.props))
        new = self._provider_create(decl, checked, deployment)
        self.state[decl.urn] = new
        return new.id, new.program_outputs()

    def _update_or_replace(self, decl: Declaration, old: ResourceState,
                           deployment: Deployment) -> tuple[str, Props]:
        checked = self._check(decl, old.inputs, deployment)
        diff = self._diff(old, checked, deployment, keep_unknowns=deployment.preview)
        changes = _effective_changes(diff, old.inputs, checked)
        if changes == DIFF_NONE:
            deployment.steps.append(Step("same", decl.name))
            if not deployment.preview:  # the engine's SameStep: new inputs, old outputs
                self.state[decl.urn] = replace(
                    old, inputs=checked, secret_inputs=secret_keys(decl.props),
                    dependencies=decl.dependencies, property_dependencies=dict(decl.property_dependencies))
            return old.id, old.program_outputs()
        if not diff.replaces:
            return self._update(decl, old, checked, deployment)
        return self._replace(decl, old, diff, deployment)

    def _update(self, decl: Declaration, old: ResourceState, checked: Props,
                deployment: Deployment) -> tuple[str, Props]:
        deployment.steps.append(Step("update", decl.name))
        if deployment.preview:
            return old.id, _wrap_secrets(checked, secret_keys(decl.props))
        response = self._rpc("Update", decl.name, deployment, provider_pb2.UpdateRequest(
            id=old.id, urn=old.urn, name=decl.name, type=decl.type, olds=marshal(old.outputs),
            news=marshal(checked), old_inputs=marshal(old.inputs)))
        outputs = unmarshal(response.properties)
        updated = _state_for(decl, old.id, checked, outputs)
        self.state[decl.urn] = updated
        return updated.id, updated.program_outputs()

    def _replace(self, decl: Declaration, old: ResourceState, diff: provider_pb2.DiffResponse,
                 deployment: Deployment) -> tuple[str, Props]:
        checked = self._check(decl, {}, deployment)
        delete_first = diff.deleteBeforeReplace or decl.delete_before_replace
        order = "delete-before-replace" if delete_first else "create-before-delete"
        deployment.steps.append(Step("replace", decl.name, f"{order} {sorted(diff.replaces)}"))
        if delete_first:
            self._replace_dependents_first(old, deployment)
            if not deployment.preview:
                self._delete(old, deployment)
                old.pending_replacement = True
        if deployment.preview:
            return "", _wrap_secrets(checked, secret_keys(decl.props))
        new = self._provider_create(decl, checked, deployment)
        if not delete_first:
            deployment.replaced.append(old)
        self.state[decl.urn] = new
        return new.id, new.program_outputs()

    def _replace_dependents_first(self, replaced: ResourceState, deployment: Deployment) -> None:
        """The engine's `calculateDependentReplacements`: Diff each dependent with the replaced resource's
        properties unknown; the dependents that then need replacing are deleted before the resource itself."""
        doomed: list[ResourceState] = []
        frontier = [replaced.urn]
        while frontier:
            target = frontier.pop()
            for dependent in list(self.state.values()):
                if dependent in doomed or dependent.external or not dependent.depends_on(target):
                    continue
                news = _unknown_where_derived(dependent, target)
                diff = self._diff(dependent, news, deployment, keep_unknowns=True)
                if _effective_changes(diff, dependent.inputs, news) == DIFF_SOME and diff.replaces:
                    doomed.append(dependent)
                    frontier.append(dependent.urn)
        for dependent in deletion_order(doomed):
            deployment.steps.append(Step("delete-replaced", dependent.name, f"dependent of {replaced.name}"))
            if not deployment.preview:
                self._delete(dependent, deployment)
                dependent.pending_replacement = True

    def _read_external(self, decl: Declaration, deployment: Deployment) -> tuple[str, Props]:
        props = reveal(dict(decl.props))
        response = self._rpc("Read", decl.name, deployment, provider_pb2.ReadRequest(
            id=decl.read_id, urn=decl.urn, properties=marshal(props), inputs=marshal(props)))
        outputs = unmarshal(response.properties)
        state = replace(_state_for(decl, response.id or decl.read_id, props, outputs), external=True)
        deployment.steps.append(Step("read", decl.name))
        if not deployment.preview:
            self.state[decl.urn] = state
        return state.id, state.program_outputs()

    def _import(self, decl: Declaration, deployment: Deployment) -> tuple[str, Props]:
        """`opts.import_`: a Read with the import id and nothing else, then Check and Diff against it."""
        response = self._rpc("Read", decl.name, deployment, provider_pb2.ReadRequest(
            id=decl.import_id, urn=decl.urn))
        if not response.id:
            raise StepRefused(f"{decl.name}: resource {decl.import_id!r} does not exist; cannot import it")
        outputs = unmarshal(response.properties)
        inputs = unmarshal(response.inputs) if response.HasField("inputs") else {}
        imported = _state_for(decl, response.id, inputs, outputs)
        checked = self._check(decl, inputs, deployment)
        diff = self._diff(imported, checked, deployment, keep_unknowns=deployment.preview)
        if diff.replaces:
            raise StepRefused(f"{decl.name}: previously-imported resources that still specify an ID "
                              "may not be replaced")
        deployment.steps.append(Step("import", decl.name))
        if not deployment.preview:
            self.state[decl.urn] = replace(imported, inputs=checked)
        return imported.id, imported.program_outputs()

    def _refresh_one(self, res: ResourceState, deployment: Deployment) -> None:
        response = self._rpc("Read", res.name, deployment, provider_pb2.ReadRequest(
            id=res.id, urn=res.urn, properties=marshal(res.outputs), inputs=marshal(res.inputs)))
        if not response.id:
            deployment.steps.append(Step("drop", res.name, "gone"))
            if not deployment.preview:
                del self.state[res.urn]
            return
        outputs = unmarshal(response.properties)
        inputs = unmarshal(response.inputs) if response.HasField("inputs") else res.inputs
        refreshed = replace(res, id=response.id, inputs=inputs, outputs=_reveal_props(outputs),
                            secret_outputs=_secret_output_keys(outputs, res.additional_secret_outputs,
                                                               res.secret_inputs))
        diff = self._diff(refreshed, res.inputs, deployment, keep_unknowns=False)  # inverted: live vs stored
        changes = _effective_changes(diff, refreshed.inputs, res.inputs)
        drift = provider_pb2.DiffResponse.DiffChanges.Name(changes)  # type: ignore[arg-type]
        deployment.steps.append(Step("refresh", res.name, drift))
        if not deployment.preview:
            self.state[res.urn] = refreshed

    def _delete_condemned(self, deployment: Deployment) -> None:
        removed = [res for urn, res in self.state.items() if urn not in deployment.seen]
        for res in deletion_order([*deployment.replaced, *removed]):
            in_state = self.state.get(res.urn) is res
            deployment.steps.append(Step("delete" if in_state else "delete-replaced", res.name))
            if deployment.preview:
                continue
            if not (res.external or res.pending_replacement):
                self._delete(res, deployment)
            if in_state:
                del self.state[res.urn]

    # -- RPCs -----------------------------------------------------------------------------------------------

    def _check(self, decl: Declaration, olds: Props, deployment: Deployment) -> Props:
        response = self._rpc("Check", decl.name, deployment, rpc.check_request(
            decl.urn, olds, reveal(dict(decl.props)), keep_unknowns=deployment.preview))
        if response.failures:
            raise CheckFailed(decl.name, [(f.property, f.reason) for f in response.failures])
        return unmarshal(response.inputs)

    def _diff(self, old: ResourceState, news: Props, deployment: Deployment, *,
              keep_unknowns: bool) -> provider_pb2.DiffResponse:
        request = rpc.diff_request(old.id, old.urn, old.outputs, old.inputs, news,
                                   keep_unknowns=keep_unknowns)
        response: provider_pb2.DiffResponse = self._rpc("Diff", old.name, deployment, request)
        return response

    def _provider_create(self, decl: Declaration, checked: Props, deployment: Deployment) -> ResourceState:
        response = self._rpc("Create", decl.name, deployment, rpc.create_request(decl.urn, checked))
        if not response.id:
            raise StepRefused(f"{decl.name}: plugin returned empty resource.ID from create")
        return _state_for(decl, response.id, checked, unmarshal(response.properties))

    def _delete(self, res: ResourceState, deployment: Deployment) -> None:
        self._rpc("Delete", res.name, deployment,
                  rpc.delete_request(res.id, res.urn, res.outputs, res.inputs))

    def _rpc(self, method: str, name: str, deployment: Deployment, request: Any) -> Any:
        deployment.calls.append(Call(method, name, request))
        self._count_in_flight(deployment, +1)
        try:
            return rpc.send(self.provider, method, name, request)
        finally:
            self._count_in_flight(deployment, -1)

    def _count_in_flight(self, deployment: Deployment, delta: int) -> None:
        with self._lock:
            self._in_flight += delta
            deployment.max_in_flight = max(deployment.max_in_flight, self._in_flight)


# -- pure helpers -------------------------------------------------------------------------------------------

def deletion_order(resources: Iterable[ResourceState]) -> list[ResourceState]:
    """Dependents before what they depend on (the engine's reverse topological delete order)."""
    remaining = list(resources)
    ordered: list[ResourceState] = []
    while remaining:
        leaves = [res for res in remaining
                  if not any(other is not res and other.depends_on(res.urn) for other in remaining)]
        if not leaves:
            raise RuntimeError(f"dependency cycle among {[res.name for res in remaining]}")
        for leaf in reversed(leaves):
            ordered.append(leaf)
            remaining.remove(leaf)
    return ordered


def _effective_changes(diff: provider_pb2.DiffResponse, old_inputs: Props, news: Props) -> int:
    """DIFF_UNKNOWN makes the engine compare old and new inputs itself, `__provider` included."""
    if diff.changes != DIFF_UNKNOWN:
        return int(diff.changes)
    return DIFF_SOME if reveal(old_inputs) != reveal(news) else DIFF_NONE


def _unknown_where_derived(dependent: ResourceState, replaced_urn: str) -> Props:
    derived = {prop for prop, urns in dependent.property_dependencies.items() if replaced_urn in urns}
    return {key: (UNKNOWN if key in derived else value) for key, value in dependent.inputs.items()}


def _state_for(decl: Declaration, id_: str, inputs: Props, outputs: Props) -> ResourceState:
    secret_inputs = secret_keys(decl.props)
    return ResourceState(
        urn=decl.urn, type=decl.type, name=decl.name, id=id_, inputs=_reveal_props(inputs),
        outputs=_reveal_props(outputs),
        secret_outputs=_secret_output_keys(outputs, decl.additional_secret_outputs, secret_inputs),
        dependencies=decl.dependencies, property_dependencies=dict(decl.property_dependencies),
        additional_secret_outputs=decl.additional_secret_outputs, secret_inputs=secret_inputs)


def _secret_output_keys(outputs: Props, additional: Iterable[str],
                        secret_inputs: Iterable[str]) -> frozenset[str]:
    """The engine marks secret: listed `additional_secret_outputs`, outputs named like a secret input
    (`annotateSecrets`, which keeps `__provider` secret) and values the provider returned wrapped."""
    marked = set(additional) | set(secret_inputs) | set(secret_keys(outputs))
    return frozenset(key for key in outputs if key in marked)


def _reveal_props(props: Props) -> Props:
    revealed = reveal(props)
    assert isinstance(revealed, dict)
    return revealed


def _wrap_secrets(props: Props, keys: Iterable[str]) -> Props:
    secret = set(keys)
    return {k: (Secret(v) if k in secret and not isinstance(v, Secret) else v) for k, v in props.items()}
