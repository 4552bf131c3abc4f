"""ARM resource groups (Microsoft.Resources): the prerequisite of every hub; deleting one deletes its hubs."""

from __future__ import annotations

from typing import Any

from iothub_emulator import ids, operations, rendering
from iothub_emulator.core import BackendCore
from iothub_emulator.errors import ArmError
from iothub_emulator.wire import NO_BODY, Call, Reply


class ResourceGroupRules(BackendCore):
    def put_resource_group(self, subscription: str, name: str, body: Any) -> Reply:
        if not isinstance(body, dict) or not isinstance(body.get("location"), str) or not body["location"]:
            raise ArmError(
                "The 'location' property is required for a resource group.",
                code="InvalidRequestContent",
                status=400,
            )
        tags = body.get("tags") or {}
        with self.store.transaction() as tx:
            self.settle(tx)
            old = tx.one(
                "SELECT * FROM resource_groups WHERE sub_key = ? AND rg_key = ?",
                ids.key(subscription),
                ids.key(name),
            )
            if old is not None and old["state"] == "Deleting":
                raise self._rg_being_deleted(name)
            if old is not None and ids.normalise_location(old["location"]) != ids.normalise_location(
                body["location"]
            ):
                raise ArmError(
                    f"Invalid resource group location '{body['location']}'. The Resource group already "
                    f"exists in location '{old['location']}'.",
                    code="InvalidResourceGroupLocation",
                    status=409,
                )
            row = {
                "sub_key": ids.key(subscription),
                "rg_key": ids.key(name),
                "subscription": subscription,
                "name": name,
                "location": ids.normalise_location(body["location"]),
                "tags": tags,
                "state": "Succeeded",
            }
            tx.upsert("resource_groups", row)
        return Reply(200 if old is not None else 201, rendering.resource_group(row))

    def get_resource_group(self, subscription: str, name: str) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            return Reply(200, rendering.resource_group(self._resource_group(tx, subscription, name)))

    def head_resource_group(self, subscription: str, name: str) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            found = tx.one(
                "SELECT 1 AS x FROM resource_groups WHERE sub_key = ? AND rg_key = ?",
                ids.key(subscription),
                ids.key(name),
            )
        return Reply(204 if found else 404)

    def delete_resource_group(self, call: Call, subscription: str, name: str) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            row = self._resource_group(tx, subscription, name)
            if row["state"] == "Deleting":
                op = tx.one(
                    "SELECT * FROM operations WHERE kind = ? AND sub_key = ? AND rg_key = ? AND status = ?",
                    operations.RG_DELETE,
                    row["sub_key"],
                    row["rg_key"],
                    operations.RUNNING,
                )
            else:
                tx.update(
                    "resource_groups",
                    {"sub_key": row["sub_key"], "rg_key": row["rg_key"]},
                    {"state": "Deleting"},
                )
                for hub in tx.all(
                    "SELECT * FROM hubs WHERE sub_key = ? AND rg_key = ?", row["sub_key"], row["rg_key"]
                ):
                    self._set_state(tx, hub, "Deleting", "Deleting")
                op = operations.create(
                    tx,
                    operations.RG_DELETE,
                    subscription=subscription,
                    region=row["location"],
                    settings=self.settings,
                    now=self.clock.now(),
                    sub_key=row["sub_key"],
                    rg_key=row["rg_key"],
                )
            if op is None:  # pragma: no cover - a Deleting group always has its operation
                raise ArmError("Internal error: missing operation", status=500)
            headers = {"Location": operations.resource_group_status_url(call.base_url, op, call.api_version)}
            if self.settings.retry_after:
                headers["Retry-After"] = str(self.settings.retry_after)
            if operations.is_due(op, self.clock.now()):
                self._finish(tx, op)
        return Reply(202, NO_BODY, headers)

    def resource_group_operation(self, subscription: str, op_id: str) -> Reply:
        with self.store.transaction() as tx:
            op = self._poll(tx, op_id, subscription)
            if op["status"] == operations.RUNNING:
                return Reply(202, NO_BODY, self._retry_after())
        return Reply(200, NO_BODY)
