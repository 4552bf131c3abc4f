"""What every service shares: its environment, and the lookups that raise ARM's 404s and state conflicts.

Lookups take the open transaction (``Tx``) of the service method that calls them; none of them writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iothub_emulator import errors, ids
from iothub_emulator.clock import Clock
from iothub_emulator.settings import EmulatorSettings
from iothub_emulator.store import Store, Tx
from iothub_emulator.wire import HubPath

Failure = Callable[[], "dict[str, Any] | None"]
"""Asked once an async operation is about to start: the error it will end with (the ``error`` of its
status), or None for success. The handler decides it from fault rules; a service only asks."""


def no_failure() -> dict[str, Any] | None:
    return None


@dataclass(frozen=True)
class Env:
    """The parts every service reads: the store, the runtime settings and the clock."""

    store: Store
    settings: EmulatorSettings
    clock: Clock


def resource_group(tx: Tx, subscription: str, name: str) -> dict[str, Any]:
    row = tx.resource_group(ids.key(subscription), ids.key(name))
    if row is None:
        raise errors.ResourceGroupNotFound(name)
    return row


def writable_resource_group(tx: Tx, subscription: str, name: str) -> dict[str, Any]:
    """The resource group, which must exist and not be being deleted."""
    row = resource_group(tx, subscription, name)
    if row["state"] == "Deleting":
        raise errors.ResourceGroupBeingDeleted(name)
    return row


def hub_row(tx: Tx, ref: HubPath, columns: str = "*") -> dict[str, Any] | None:
    """The hub's row (``columns`` must include sub_key and rg_key), None if absent from that group."""
    row = tx.hub(ids.key(ref.name), columns)
    if (
        row is None
        or row["sub_key"] != ids.key(ref.subscription)
        or row["rg_key"] != ids.key(ref.resource_group)
    ):
        return None
    return row


def existing_hub(tx: Tx, ref: HubPath, columns: str = "*") -> dict[str, Any]:
    """The hub's row; ARM's 404 for its resource group first, then for the hub."""
    group_found, row = tx.hub_in_group(
        ids.key(ref.subscription), ids.key(ref.resource_group), ids.key(ref.name), columns
    )
    if not group_found:
        raise errors.ResourceGroupNotFound(ref.resource_group)
    if row is None:
        raise errors.ResourceNotFound(ids.HUB_TYPE, ref.name, ref.resource_group)
    return row


def require_active(hub: dict[str, Any]) -> None:
    """A hub in a transition (creating, updating, deleting) refuses writes with 409002."""
    if hub["state"] != "Active":
        raise errors.not_active(hub["name"])
