"""The control API under ``/_emulator/`` (token-protected like everything else, never fault-injected).

POST   /_emulator/reset                      empty state, no faults, empty log, start-up settings
GET    /_emulator/health                     {"status": "ok"}
POST   /_emulator/resource-groups            {"subscription_id", "name", "location"} -> 201/200
GET    /_emulator/provisioning               {"mode", "value", "retry_after"}
PUT    /_emulator/provisioning               {"mode": "immediate"|"polls"|"seconds", "value": N,
                                              "retry_after": S|null (optional)}
GET    /_emulator/settings                   every runtime setting
PUT    /_emulator/settings                   any of {"page_size", "retry_after", "skip_api_version_check",
                                              "provisioning_mode", "provisioning_value"}
GET    /_emulator/faults                     rules with their matched/fired counters
POST   /_emulator/faults                     a rule (see faults.py) -> 201 {"id": ...}
DELETE /_emulator/faults                     remove all rules
DELETE /_emulator/faults/{id}                remove one rule (404 if unknown)
GET    /_emulator/requests                   {"value": [{method, path, query, headers, body, status,
                                              request_id}]} oldest first (control calls not logged)
DELETE /_emulator/requests                   empty the log
GET    /_emulator/clock                      {"now": epoch seconds, "frozen", "offset"} (see clock.py)
POST   /_emulator/clock/advance              {"seconds": N >= 0}: move the emulator's time forward
PUT    /_emulator/clock                      {"frozen": true|false}: stop or restart its time
GET    /_emulator/hubs/{name}                 the hub as stored: {"subscription", "resource_group", "name",
                                              "state", "document"} with secrets in clear (404 if absent)
GET    /_emulator/exports/{job_id}           what a completed export job wrote (there is no blob storage):
                                              {"hub", "job_id", "blob", "content", "devices"} (404 while it
                                              runs or when no export has that id)
"""

from __future__ import annotations

import dataclasses
from typing import Any

from iothub_emulator import rendering
from iothub_emulator.backend import Backend
from iothub_emulator.clock import Clock
from iothub_emulator.errors import ArmEnvelopeError, ControlNotFound
from iothub_emulator.faults import Faults
from iothub_emulator.request_log import RequestLog
from iothub_emulator.settings import EmulatorSettings
from iothub_emulator.wire import Reply

PREFIX = "/_emulator"


@dataclasses.dataclass
class ControlState:
    backend: Backend
    settings: EmulatorSettings
    defaults: EmulatorSettings
    faults: Faults
    log: RequestLog
    clock: Clock
    startup_faults: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _bad(message: str) -> ArmEnvelopeError:
    return ArmEnvelopeError(message, code="InvalidControlRequest", status=400)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object")
    return body


def _apply_settings(state: ControlState, changes: dict[str, Any]) -> Reply:
    allowed = {f.name for f in dataclasses.fields(EmulatorSettings)}
    unknown = set(changes) - allowed
    if unknown:
        raise _bad(f"Unknown setting(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    candidate = dataclasses.replace(state.settings, **changes)
    try:
        candidate.validate()
    except (TypeError, ValueError) as exc:
        raise _bad(str(exc)) from exc
    for name in changes:
        setattr(state.settings, name, getattr(candidate, name))
    return Reply(200, state.settings.as_dict())


def _provisioning(settings: EmulatorSettings) -> dict[str, Any]:
    return {
        "mode": settings.provisioning_mode,
        "value": settings.provisioning_value,
        "retry_after": settings.retry_after,
    }


def _clock(state: ControlState, method: str, sub: str, body: Any) -> Reply:
    if sub == "/clock" and method == "GET":
        return Reply(200, state.clock.describe())
    if sub == "/clock/advance" and method == "POST":
        seconds = _object(body).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise _bad("'seconds' must be a number >= 0")
        state.clock.advance(seconds)
        return Reply(200, state.clock.describe())
    if sub == "/clock" and method == "PUT":
        frozen = _object(body).get("frozen")
        if not isinstance(frozen, bool):
            raise _bad("'frozen' must be true or false")
        state.clock.freeze() if frozen else state.clock.thaw()
        return Reply(200, state.clock.describe())
    raise ControlNotFound(f"No control endpoint {method} /_emulator{sub}")


def _stored_hub(state: ControlState, name: str) -> Reply:
    """The hub as stored, secrets in clear (never an ARM answer)."""
    row = state.backend.hubs.stored(name)
    if row is None:
        raise ControlNotFound(f"No hub named '{name}'")
    return Reply(
        200,
        {
            "subscription": row["subscription"],
            "resource_group": row["resource_group"],
            "name": row["name"],
            "state": row["state"],
            "document": row["doc"],
        },
    )


def _export_output(state: ControlState, job_id: str) -> Reply:
    output = state.backend.device_jobs.output(job_id)
    if output is None:
        raise ControlNotFound(f"No completed export job '{job_id}'", code="ExportNotFound")
    return Reply(
        200,
        {
            "hub": output.hub,
            "job_id": output.job_id,
            "blob": output.blob,
            "content": output.content,
            "devices": output.devices(),
        },
    )


def handle(state: ControlState, method: str, path: str, body: Any) -> Reply:
    sub = path[len(PREFIX) :].rstrip("/").lower()
    if sub == "/health" and method == "GET":
        return Reply(200, {"status": "ok"})
    if sub == "/reset" and method == "POST":
        state.backend.reset()
        state.faults.clear()
        for spec in state.startup_faults:
            state.faults.add(spec)
        state.log.clear()
        state.clock.reset()
        for f in dataclasses.fields(EmulatorSettings):
            setattr(state.settings, f.name, getattr(state.defaults, f.name))
        return Reply(200, {"status": "reset"})
    if sub == "/resource-groups" and method == "POST":
        spec = _object(body)
        for name in ("subscription_id", "name", "location"):
            if not isinstance(spec.get(name), str) or not spec[name]:
                raise _bad(f"'{name}' is required")
        row, created = state.backend.resource_groups.put(
            spec["subscription_id"],
            spec["name"],
            {"location": spec["location"], "tags": spec.get("tags") or {}},
        )
        return Reply(201 if created else 200, rendering.resource_group(row))
    if sub == "/provisioning":
        if method == "GET":
            return Reply(200, _provisioning(state.settings))
        if method == "PUT":
            spec = _object(body)
            changes: dict[str, Any] = {
                "provisioning_mode": spec.get("mode"),
                "provisioning_value": spec.get("value", 0),
            }
            if "retry_after" in spec:
                changes["retry_after"] = spec["retry_after"]
            _apply_settings(state, changes)
            return Reply(200, _provisioning(state.settings))
    if sub == "/settings":
        if method == "GET":
            return Reply(200, state.settings.as_dict())
        if method == "PUT":
            return _apply_settings(state, _object(body))
    if sub == "/faults":
        if method == "GET":
            return Reply(200, {"value": state.faults.describe()})
        if method == "POST":
            try:
                rule = state.faults.add(_object(body))
            except (TypeError, ValueError) as exc:
                raise _bad(str(exc)) from exc
            return Reply(201, {"id": rule.id})
        if method == "DELETE":
            state.faults.clear()
            return Reply(200, {"status": "cleared"})
    if sub.startswith("/faults/") and method == "DELETE":
        if state.faults.remove(path.rstrip("/").rsplit("/", 1)[1]):
            return Reply(200, {"status": "removed"})
        raise ControlNotFound("No such fault rule", code="FaultRuleNotFound")
    if sub == "/requests":
        if method == "GET":
            return Reply(200, {"value": state.log.entries()})
        if method == "DELETE":
            state.log.clear()
            return Reply(200, {"status": "cleared"})
    if sub.startswith("/clock"):
        return _clock(state, method, sub, body)
    if sub.startswith("/hubs/") and method == "GET":
        return _stored_hub(state, path.rstrip("/").rsplit("/", 1)[1])
    if sub.startswith("/exports/") and method == "GET":
        return _export_output(state, path.rstrip("/").rsplit("/", 1)[1])
    raise ControlNotFound(f"No control endpoint {method} {path}")
