"""`python -m pulumi.dynamic`, with every call the engine makes appended to $IOTHUB_PROVIDER_GRPC_LOG.

When: pulumi-resource-pulumi-python runs this instead of `pulumi.dynamic` when that variable is set, so that
the end-to-end tests can record what the real engine sends a dynamic provider in each scenario, and the engine
simulator in tests/harness can be held to exactly those sequences.

One JSON object a line: the method, the provider process, and `describe()` of the request and the response:
which fields were set, identity and flags with their values, the key names of each property bag (never their
values: they hold keys). Nothing secret reaches the file. tests/harness describes the simulator's requests
with the same `describe()`.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import threading
from collections.abc import Callable
from typing import Any, cast

from pulumi.runtime.proto import provider_pb2_grpc

_lock = threading.Lock()
FLAGS = ("preview", "deleteBeforeReplace", "delete_before_replace", "acceptSecrets", "acceptResources",
         "supportsPreview", "changes", "hasDetailedDiff", "sends_old_inputs", "sends_old_inputs_to_delete")
IDENTITY = ("urn", "id", "type", "name")


def describe(message: Any) -> dict[str, Any]:
    """The fields a request or response sets (proto names): identity and flags with their values, property
    bags (Structs) as their sorted key names, anything else as "<set>". Never a property value."""
    described: dict[str, Any] = {}
    for field, value in message.ListFields():
        if field.name in IDENTITY or field.name in FLAGS:
            described[field.name] = value if not hasattr(value, "ListFields") else "<set>"
        elif field.message_type is not None and field.message_type.full_name == "google.protobuf.Struct":
            described[field.name] = sorted(value.fields.keys())
        elif field.name in ("replaces", "stables", "ignoreChanges"):
            described[field.name] = sorted(value)
        else:
            described[field.name] = "<set>"
    return described


def record(entry: dict[str, Any]) -> None:
    line = json.dumps(entry, sort_keys=True)
    with _lock, open(os.environ["IOTHUB_PROVIDER_GRPC_LOG"], "a", encoding="utf-8") as log:
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


def main() -> None:
    original_add = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def add_recording(servicer: Any, server: Any) -> None:
        original_add(cast(Any, RecordingServicer(servicer)), server)

    setattr(provider_pb2_grpc, "add_ResourceProviderServicer_to_server", add_recording)  # noqa: B010
    # `python -m pulumi.dynamic` imports from the working directory (the program's) first, not from here.
    sys.path[0] = os.getcwd()
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
