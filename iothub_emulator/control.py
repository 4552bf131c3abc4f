"""Client of the emulator's control API (``/_emulator/...``), used by tests and harnesses.

Contract (stable; other code relies on these names):

    EmulatorControl(url, token)
    .reset()                                            empty state, no faults, empty log, start-up settings
    .create_resource_group(subscription_id, name, location) -> dict   (the ARM resource group body)
    .set_provisioning(mode, value=0, retry_after=...)  mode "immediate" | "polls" (done after `value` polls:
                                                        status-URL or hub GETs, writes refused with 409002)
                                                        | "seconds" (done `value` s after acceptance);
                                                        applies to hub create/update/delete and group delete
    .provisioning() -> dict                             {"mode", "value", "retry_after"}
    .set_settings(**changes) -> dict / .settings()      page_size, retry_after, skip_api_version_check, ...
    .add_fault(**rule) -> str                           rule id; fields in faults.py
    .faults() -> list[dict] / .remove_fault(id) / .clear_faults()
    .requests() -> list[dict]                           each {method, path, query, headers, body, status,
                                                        request_id}, oldest first
    .clear_requests()
    .stored_hub(name) -> dict                           {"subscription", "resource_group", "name", "state",
                                                        "document"}: the hub as stored, secrets in clear
    .exported_devices(job_id) -> list[dict]             the ExportImportDevice lines a completed export job
                                                        wrote (``export_output`` for the whole blob)
"""

from __future__ import annotations

from typing import Any

import requests

_UNSET: Any = object()


class EmulatorControlError(RuntimeError):
    """The control API refused a request (bad rule, unknown setting, wrong token)."""


class EmulatorControl:
    def __init__(self, url: str, token: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._session.request(
            method, f"{self.url}/_emulator{path}", json=body, timeout=self._timeout
        )
        if response.status_code >= 400:
            raise EmulatorControlError(
                f"{method} /_emulator{path} -> {response.status_code}: {response.text}"
            )
        return response.json() if response.content else None

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def reset(self) -> None:
        self._call("POST", "/reset")

    def create_resource_group(
        self, subscription_id: str, name: str, location: str, tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "POST",
            "/resource-groups",
            {"subscription_id": subscription_id, "name": name, "location": location, "tags": tags or {}},
        )
        return result

    def set_provisioning(
        self, mode: str, value: float = 0, retry_after: int | None = _UNSET
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"mode": mode, "value": value}
        if retry_after is not _UNSET:
            body["retry_after"] = retry_after
        result: dict[str, Any] = self._call("PUT", "/provisioning", body)
        return result

    def provisioning(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/provisioning")
        return result

    def set_settings(self, **changes: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PUT", "/settings", changes)
        return result

    def settings(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/settings")
        return result

    def add_fault(self, **rule: Any) -> str:
        return str(self._call("POST", "/faults", rule)["id"])

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/faults")["value"]
        return result

    def remove_fault(self, rule_id: str) -> None:
        self._call("DELETE", f"/faults/{rule_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def requests(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/requests")["value"]
        return result

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def clock(self) -> dict[str, Any]:
        """The emulator's time: ``{"now": epoch seconds, "frozen": bool, "offset": seconds}``."""
        result: dict[str, Any] = self._call("GET", "/clock")
        return result

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the emulator's time forward: ``seconds``-mode operations due by then finish at the next
        request, as if that much time had passed."""
        result: dict[str, Any] = self._call("POST", "/clock/advance", {"seconds": seconds})
        return result

    def freeze_clock(self, frozen: bool = True) -> dict[str, Any]:
        """Stop (or, with ``False``, restart) the emulator's time; ``advance_clock`` still moves it."""
        result: dict[str, Any] = self._call("PUT", "/clock", {"frozen": frozen})
        return result

    def stored_hub(self, name: str) -> dict[str, Any]:
        """The hub as the emulator holds it, connection-string secrets in clear (reads mask them): for
        checking that a client never wrote a masked value over a real key."""
        result: dict[str, Any] = self._call("GET", f"/hubs/{name}")
        return result

    def export_output(self, job_id: str) -> dict[str, Any]:
        """What a completed export job wrote: ``{"hub", "job_id", "blob": "devices.txt", "content" (one
        ExportImportDevice JSON per line), "devices" (the lines parsed)}``; ``EmulatorControlError`` while it
        runs (advance the clock) or when no export job has that id."""
        result: dict[str, Any] = self._call("GET", f"/exports/{job_id}")
        return result

    def exported_devices(self, job_id: str) -> list[dict[str, Any]]:
        """The devices a completed export job wrote, one dict per line of its ``devices.txt``."""
        devices: list[dict[str, Any]] = self.export_output(job_id)["devices"]
        return devices
