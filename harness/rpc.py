"""Single provider RPCs, built and sent as the engine builds and sends them.

The engine simulator (`harness.engine`) sends these inside a deployment whose state it keeps. The benchmarks
(bench/deploy.py) send them straight from a step graph of their own, to time what a deployment costs per
resource: the requests go through the real serialisation (`harness.wire`: numbers as float64, nulls dropped)
and the real gRPC round trip to `python -m pulumi.dynamic`, so a timing includes both and nothing else.

As the recording of the real engine showed (tests/harness/recorded_engine_calls.json), Check, Create and
Delete carry the resource's name and type besides its URN, and Create and Delete carry no timeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import grpc
from pulumi.runtime.proto import provider_pb2

from harness.errors import CheckFailed, ProviderError, StepRefused
from harness.process import ProviderProcess
from harness.wire import Props, marshal, unmarshal

STACK_TYPE: Final = "pulumi:pulumi:Stack"


def urn(stack: str, project: str, type_: str, name: str, parent_urn: str = "") -> str:
    """The resource's URN; resources parented to the stack get no parent type, as in the engine."""
    parent_type = parent_urn.split("::")[2] if parent_urn else ""
    qualified = type_ if parent_type in ("", STACK_TYPE) else f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def _name_and_type(res_urn: str) -> tuple[str, str]:
    parts = res_urn.split("::")
    return parts[-1], parts[2].rsplit("$", 1)[-1]


# -- requests ---------------------------------------------------------------------------------------

def check_request(res_urn: str, olds: Mapping[str, Any], news: Mapping[str, Any], *,
                  keep_unknowns: bool = False) -> provider_pb2.CheckRequest:
    """Check with the old *inputs* (empty for a new resource and before a replacement's create)."""
    name, type_ = _name_and_type(res_urn)
    return provider_pb2.CheckRequest(urn=res_urn, name=name, type=type_, olds=marshal(olds),
                                     news=marshal(news, keep_unknowns=keep_unknowns))


def diff_request(res_id: str, res_urn: str, old_outputs: Mapping[str, Any], old_inputs: Mapping[str, Any],
                 news: Mapping[str, Any], *, keep_unknowns: bool = False) -> provider_pb2.DiffRequest:
    """Diff with the old *outputs* as `olds`, the old inputs beside them, and the checked new inputs."""
    return provider_pb2.DiffRequest(id=res_id, urn=res_urn, olds=marshal(old_outputs),
                                    old_inputs=marshal(old_inputs),
                                    news=marshal(news, keep_unknowns=keep_unknowns))


def create_request(res_urn: str, inputs: Mapping[str, Any]) -> provider_pb2.CreateRequest:
    name, type_ = _name_and_type(res_urn)
    return provider_pb2.CreateRequest(urn=res_urn, name=name, type=type_, properties=marshal(inputs))


def delete_request(res_id: str, res_urn: str, outputs: Mapping[str, Any],
                   old_inputs: Mapping[str, Any]) -> provider_pb2.DeleteRequest:
    name, type_ = _name_and_type(res_urn)
    return provider_pb2.DeleteRequest(id=res_id, urn=res_urn, name=name, type=type_,
                                      properties=marshal(outputs), old_inputs=marshal(old_inputs))


# -- sending ----------------------------------------------------------------------------------------

def send(provider: ProviderProcess, method: str, name: str, request: Any) -> Any:
    """Send one request; a gRPC error status becomes `ProviderError` (with the provider's traceback)."""
    try:
        return getattr(provider.stub, method)(request)
    except grpc.RpcError as error:
        code = error.code().name  # type: ignore[attr-defined]
        raise ProviderError(method, name, code, error.details() or "") from error  # type: ignore[attr-defined]


def check(provider: ProviderProcess, res_urn: str, olds: Mapping[str, Any],
          news: Mapping[str, Any]) -> Props:
    """The checked inputs; `CheckFailed` when the provider returned failures."""
    name = _name_and_type(res_urn)[0]
    response = send(provider, "Check", name, check_request(res_urn, olds, news))
    if response.failures:
        raise CheckFailed(name, [(f.property, f.reason) for f in response.failures])
    return unmarshal(response.inputs)


def diff(provider: ProviderProcess, res_id: str, res_urn: str, old_outputs: Mapping[str, Any],
         old_inputs: Mapping[str, Any], news: Mapping[str, Any]) -> provider_pb2.DiffResponse:
    """The DiffResponse (`changes` is DIFF_NONE, DIFF_SOME or DIFF_UNKNOWN)."""
    response: provider_pb2.DiffResponse = send(
        provider, "Diff", _name_and_type(res_urn)[0],
        diff_request(res_id, res_urn, old_outputs, old_inputs, news))
    return response


def create(provider: ProviderProcess, res_urn: str, inputs: Mapping[str, Any]) -> tuple[str, Props]:
    """The new resource's id and outputs; `StepRefused` for an empty id, as the engine refuses it."""
    name = _name_and_type(res_urn)[0]
    response = send(provider, "Create", name, create_request(res_urn, inputs))
    if not response.id:
        raise StepRefused(f"{name}: plugin returned empty resource.ID from create")
    return str(response.id), unmarshal(response.properties)


def delete(provider: ProviderProcess, res_id: str, res_urn: str, outputs: Mapping[str, Any],
           old_inputs: Mapping[str, Any]) -> None:
    send(provider, "Delete", _name_and_type(res_urn)[0], delete_request(res_id, res_urn, outputs, old_inputs))
