"""The calls the real Pulumi engine makes to a dynamic provider, recorded, and the scenario recorded.

`SCENARIO` is one stack's life: preview and up of a new hub with a consumer group, a no-op up, a tag change
(preview, then up), a preview refused for bad input, a replacement that keeps the name (delete before
create), one with a new name (create before delete), refresh, destroy, and a refresh after the hub was
deleted elsewhere. tests/e2e/test_engine_calls.py runs it with the real CLI, its dynamic-provider plugin
logging every call (scripts/pulumi-plugins/grpc_recorder.py), and compares `summarize()` of that log with
RECORDING; tests/harness/test_recorded_calls.py runs it through the engine simulator and compares the same
way. `IOTHUB_RECORD_ENGINE_CALLS=1` makes the end-to-end test write RECORDING anew (after a CLI upgrade).

A summary keeps what the provider's behaviour depends on: per resource, the ordered calls with the request
details the dynamic provider reads (old inputs given to Check or not, the preview flag of Create and Update,
Read with or without properties), and per provider process the start-up calls in order.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

REPO: Final = Path(__file__).resolve().parents[2]
RECORDING: Final = Path(__file__).with_name("recorded_engine_calls.json")
RECORDER: Final = REPO / "scripts" / "pulumi-plugins" / "grpc_recorder.py"
RESOURCE_METHODS: Final = frozenset({"Check", "Diff", "Create", "Update", "Read", "Delete"})

Command = Literal["preview", "up", "refresh", "destroy"]

SETTINGS: Final = {"iothub:providerProcesses": "1"}
"""The scenario runs every resource through the default provider, as the simulator drives one provider
process per command; the spread over several provider processes is covered with the real CLI
(tests/e2e/test_fleet.py)."""
HUB: Final[dict[str, Any]] = {"name": "rec-telemetry", "partitionCount": 2, "tags": {"env": "dev"},
                              "consumerGroups": ["analytics"]}


@dataclass(frozen=True)
class Step:
    """One CLI command of the scenario, with the hubs the stack configuration declares for it.

    `fails`: the command is expected to fail (bad input); `delete_elsewhere`: before the command, the hub is
    deleted outside Pulumi."""

    label: str
    command: Command
    hubs: dict[str, Any]
    fails: bool = False
    delete_elsewhere: str = ""


def _hubs(**changes: Any) -> dict[str, Any]:
    return {"telemetry": {**HUB, **changes}}


LAST: Final = _hubs(tags={"env": "prod"}, partitionCount=4, name="rec-renamed")
SCENARIO: Final = (
    Step("preview a new stack", "preview", _hubs()),
    Step("up: create", "up", _hubs()),
    Step("up: nothing changed", "up", _hubs()),
    Step("preview a tag change", "preview", _hubs(tags={"env": "prod"})),
    Step("preview bad input", "preview", _hubs(retentionDays=9), fails=True),
    Step("up: update tags", "up", _hubs(tags={"env": "prod"})),
    Step("up: replace, name kept", "up", _hubs(tags={"env": "prod"}, partitionCount=4)),
    Step("up: replace, new name", "up", LAST),
    Step("refresh", "refresh", LAST),
    Step("destroy", "destroy", LAST),
    Step("up: create after destroy", "up", LAST),
    Step("refresh after a deletion elsewhere", "refresh", LAST, delete_elsewhere="rec-renamed"),
)


def _load_describe() -> Callable[[Any], dict[str, Any]]:
    """The recorder's own `describe()`, so that both sides of the comparison see requests the same way."""
    spec = importlib.util.spec_from_file_location("grpc_recorder", RECORDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    describe: Callable[[Any], dict[str, Any]] = module.describe
    return describe


describe: Final = _load_describe()


def token(method: str, request: dict[str, Any]) -> str:
    """One resource call as the summary shows it: `Check(olds)`, `Create(preview)`, `Read(properties)`..."""
    details = []
    if method == "Check" and request.get("olds"):
        details.append("olds")
    if method in ("Create", "Update") and request.get("preview"):
        details.append("preview")
    if method == "Read" and request.get("properties"):
        details.append("properties")
    if method == "Read" and request.get("inputs"):
        details.append("inputs")
    return f"{method}({','.join(details)})" if details else method


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def summarize(calls: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Per resource, its calls in order; per provider process (in order of first call), its start-up calls."""
    resources: dict[str, list[str]] = {}
    processes: dict[Any, list[str]] = {}
    for call in calls:
        method, request = call["method"], call.get("request") or {}
        if method in RESOURCE_METHODS:
            resources.setdefault(resource_name(request.get("urn", "")), []).append(token(method, request))
        else:
            processes.setdefault(call.get("pid"), []).append(method)
    return {"resources": dict(sorted(resources.items())), "providers": list(processes.values())}
