"""ARM resource groups (Microsoft.Resources): the prerequisite of every hub; deleting one deletes its hubs."""

from __future__ import annotations

from typing import Any

from iothub_emulator import core, ids, operations
from iothub_emulator.core import Env
from iothub_emulator.errors import (
    InvalidRequestContent,
    InvalidResourceGroupLocation,
    ResourceGroupBeingDeleted,
)
from iothub_emulator.operations import Operations


class ResourceGroups:
    def __init__(self, env: Env, ops: Operations) -> None:
        self.ops = ops

    def put(self, subscription: str, name: str, body: Any) -> tuple[dict[str, Any], bool]:
        """Create or re-tag the group (never move it); the stored group and whether it is new."""
        if not isinstance(body, dict) or not isinstance(body.get("location"), str) or not body["location"]:
            raise InvalidRequestContent("The 'location' property is required for a resource group.")
        with self.ops.settled_write() as tx:
            old = tx.resource_group(ids.key(subscription), ids.key(name))
            if old is not None and old["state"] == "Deleting":
                raise ResourceGroupBeingDeleted(name)
            location = ids.normalise_location(body["location"])
            if old is not None and ids.normalise_location(old["location"]) != location:
                raise InvalidResourceGroupLocation(body["location"], old["location"])
            row = {
                "sub_key": ids.key(subscription),
                "rg_key": ids.key(name),
                "subscription": subscription,
                "name": name,
                "location": location,
                "tags": body.get("tags") or {},
                "state": "Succeeded",
            }
            tx.save_resource_group(row)
        return row, old is None

    def get(self, subscription: str, name: str) -> dict[str, Any]:
        with self.ops.settled_write() as tx:
            return core.resource_group(tx, subscription, name)

    def exists(self, subscription: str, name: str) -> bool:
        with self.ops.settled_write() as tx:
            return tx.resource_group(ids.key(subscription), ids.key(name)) is not None

    def delete(self, subscription: str, name: str) -> dict[str, Any]:
        """Start deleting the group and its hubs (or find the deletion already running); its operation."""
        with self.ops.settled_write() as tx:
            row = core.resource_group(tx, subscription, name)
            if row["state"] == "Deleting":
                running = tx.running_resource_group_delete(row["sub_key"], row["rg_key"])
                if running is None:  # pragma: no cover - a Deleting group always has its operation
                    raise RuntimeError(f"resource group {name} is Deleting without an operation")
                return running
            tx.set_resource_group_state(row["sub_key"], row["rg_key"], "Deleting")
            for hub in tx.hubs(row["sub_key"], row["rg_key"]):
                self.ops.set_hub_state(tx, hub["name_key"], "Deleting", "Deleting")
            return self.ops.start(
                tx,
                operations.RG_DELETE,
                subscription=subscription,
                region=row["location"],
                sub_key=row["sub_key"],
                rg_key=row["rg_key"],
            )

    def operation(self, subscription: str, op_id: str) -> dict[str, Any]:
        """Count one poll of a resource-group operation; the operation after it."""
        with self.ops.settled_write() as tx:
            return self.ops.poll(tx, op_id, subscription)
