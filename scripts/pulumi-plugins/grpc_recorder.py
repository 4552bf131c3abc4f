"""`python -m pulumi.dynamic`, with every call the engine makes appended to $IOTHUB_PROVIDER_GRPC_LOG.

When: pulumi-resource-pulumi-python runs this instead of `pulumi.dynamic` when that variable is set, so that the
end-to-end tests can record what the real engine sends a dynamic provider in each scenario, and the engine
simulator in tests/harness can be held to exactly those sequences.

One JSON object a line: the method, the resource's urn (type and name) and id, which request fields were set,
the property names of each property bag (never their values: they hold keys), the preview flag, and what Diff
answered. Nothing secret reaches the file.
"""

from __future__ import annotations

import json
import os
import runpy
import threading
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.proto import provider_pb2_grpc

LOG_PATH = os.environ["IOTHUB_PROVIDER_GRPC_LOG"]
_lock = threading.Lock()
PROPERTY_BAGS = ("olds", "news", "properties", "inputs", "oldInputs", "args")


def describe(message: Any) -> dict[str, Any]:
    """Field names and shapes of a request or response, without any property value."""
    fields = json_format.MessageToDict(message, preserving_proto_field_name=False)
    described: dict[str, Any] = {}
    for name, value in fields.items():
        if name in PROPERTY_BAGS or isinstance(value, dict):
            described[name] = sorted(value) if isinstance(value, dict) else value
        elif name in ("urn", "id", "type", "name", "preview", "changes", "replaces", "deleteBeforeReplace",
                      "stables", "diffs", "hasDetailedDiff", "timeout", "acceptSecrets", "acceptResources",
                      "supportsPreview", "failures", "ignoreChanges"):
            described[name] = value
        else:
            described[name] = "<set>"
    return described


def record(entry: dict[str, Any]) -> None:
    line = json.dumps(entry, sort_keys=True)
    with _lock, open(LOG_PATH, "a", encoding="utf-8") as log:
        log.write(line + "\n")


class RecordingServicer:
    """Stands in for the provider servicer: forwards each call and records it with its outcome."""

    def __init__(self, servicer: Any) -> None:
        self._servicer = servicer

    def __getattr__(self, method: str) -> Any:
        target = getattr(self._servicer, method)
        if not callable(target) or method.startswith("_"):
            return target
        return self._recorded(method, target)

    def _recorded(self, method: str, target: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def call(request: Any, context: Any) -> Any:
            entry: dict[str, Any] = {"method": method, "pid": os.getpid(), "request": describe(request)}
            try:
                response = target(request, context)
            except BaseException as error:
                entry["error"] = type(error).__name__
                record(entry)
                raise
            entry["response"] = describe(response) if hasattr(response, "ListFields") else None
            record(entry)
            return response

        return call


_original_add = provider_pb2_grpc.add_ResourceProviderServicer_to_server


def _add_recording(servicer: Any, server: Any) -> None:
    _original_add(RecordingServicer(servicer), server)


provider_pb2_grpc.add_ResourceProviderServicer_to_server = _add_recording  # type: ignore[assignment]
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
