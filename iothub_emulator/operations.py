"""Async operations: rows in SQLite, their URLs and when they are done.

A hub PUT or DELETE (and a resource-group DELETE) creates one row. It records how it progresses
(mode, polls needed, due time in wall-clock seconds) so a restarted emulator finishes it the same way.
A poll is any look a client can take at a hub operation: a GET of its status URL, a GET of the hub (ARM's
provisioningState polling), or a write to the hub refused with 409002 because the hub is busy.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any
from urllib.parse import quote

from iothub_emulator.settings import Settings
from iothub_emulator.store import Tx

RUNNING, SUCCEEDED, FAILED = "Running", "Succeeded", "Failed"
HUB_CREATE, HUB_UPDATE, HUB_DELETE, RG_DELETE = "hub_create", "hub_update", "hub_delete", "rg_delete"


def new_id(region: str) -> str:
    """``base64("id=os_ih_<guid>;region=<region>")`` as the real service does (URL-safe alphabet)."""
    raw = f"id=os_ih_{uuid.uuid4()};region={region}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def create(
    tx: Tx,
    kind: str,
    *,
    subscription: str,
    region: str,
    settings: Settings,
    now: float,
    hub_key: str | None = None,
    sub_key: str | None = None,
    rg_key: str | None = None,
    failure: dict[str, Any] | None = None,
) -> dict[str, Any]:
    mode = settings.provisioning_mode
    value = settings.provisioning_value
    if mode != "immediate" and value <= 0:
        mode = "immediate"
    row = {
        "id": new_id(region),
        "kind": kind,
        "subscription": subscription,
        "region": region,
        "hub_key": hub_key,
        "sub_key": sub_key,
        "rg_key": rg_key,
        "status": RUNNING,
        "mode": mode,
        "polls_needed": int(value) if mode == "polls" else 0,
        "polls_seen": 0,
        "due_at": now + value if mode == "seconds" else now,
        "failure": failure,
        "created_at": now,
    }
    tx.upsert("operations", row)
    return row


def is_due(op: dict[str, Any], now: float) -> bool:
    if op["status"] != RUNNING:
        return False
    if op["mode"] == "polls":
        return bool(op["polls_seen"] >= op["polls_needed"])
    if op["mode"] == "seconds":
        return bool(now >= op["due_at"])
    return True


def watched_by_polls(tx: Tx, hub_key: str) -> list[dict[str, Any]]:
    """The hub's running operations that end after a number of polls (a read of the hub counts as one)."""
    return tx.all(
        "SELECT * FROM operations WHERE status = ? AND hub_key = ? AND mode = 'polls'", RUNNING, hub_key
    )


def due(tx: Tx, now: float) -> list[dict[str, Any]]:
    return [
        op
        for op in tx.all("SELECT * FROM operations WHERE status = ? ORDER BY created_at", RUNNING)
        if is_due(op, now)
    ]


def hub_status_url(base_url: str, op: dict[str, Any], api_version: str, asyncinfo: bool) -> str:
    url = (
        f"{base_url}/subscriptions/{quote(op['subscription'], safe='')}/providers/Microsoft.Devices"
        f"/locations/{quote(op['region'], safe='')}/operationResults/{quote(op['id'], safe='')}"
        f"?api-version={quote(api_version, safe='')}&operationSource=other"
    )
    return url + "&asyncinfo" if asyncinfo else url


def resource_group_status_url(base_url: str, op: dict[str, Any], api_version: str) -> str:
    return (
        f"{base_url}/subscriptions/{quote(op['subscription'], safe='')}/operationresults/"
        f"{quote(op['id'], safe='')}?api-version={quote(api_version, safe='')}"
    )
