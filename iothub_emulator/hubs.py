"""Hubs: create and update (async), read, tag PATCH, delete (async), lists, name availability.

Each method runs in one store transaction and returns stored rows (or an operation row); the handlers
choose what answers them. A hub's name is unique across Azure, so a create can collide with a hub in
another subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iothub_emulator import core, errors, etags, ids, keys, operations, secrets, validation
from iothub_emulator.consumer_groups import DEFAULT_CONSUMER_GROUP
from iothub_emulator.core import Env, Failure, no_failure
from iothub_emulator.errors import BadRequest, Conflict
from iothub_emulator.operations import Operations
from iothub_emulator.store import HUB_VIEW_COLUMNS, Tx
from iothub_emulator.wire import HubPath


@dataclass(frozen=True)
class HubWrite:
    """An accepted create or update: the hub as the acceptance shows it (an update shows the etag it
    replaced, as recorded) and the operation that finishes it."""

    hub: dict[str, Any]
    operation: dict[str, Any]
    created: bool


@dataclass(frozen=True)
class NameAvailability:
    available: bool
    reason: str
    message: str | None


class Hubs:
    def __init__(self, env: Env, ops: Operations) -> None:
        self.clock = env.clock
        self.ops = ops

    def get(self, ref: HubPath) -> dict[str, Any]:
        """The hub's row for rendering (shared: not to be modified). Reading a busy hub's provisioningState
        is a poll of its operation."""

        def view(tx: Tx) -> tuple[dict[str, Any], bool]:
            row = core.existing_hub(tx, ref, HUB_VIEW_COLUMNS)
            return row, row["state"] != "Active" and self.ops.watched_by_polls(tx, row["name_key"])

        key = ("hub", ids.key(ref.subscription), ids.key(ref.resource_group), ids.key(ref.name))
        row, watching = self.ops.settled_view(key, view)
        if watching:
            with self.ops.settled_write() as tx:
                self.ops.poll_hub(tx, row["name_key"])
                row = core.existing_hub(tx, ref, HUB_VIEW_COLUMNS)
        return row

    def stored(self, name: str) -> dict[str, Any] | None:
        """The hub's full row, whatever its subscription (the control API's view), None if absent."""
        with self.ops.settled_read() as tx:
            return tx.hub(ids.key(name))

    def put(
        self,
        ref: HubPath,
        body: Any,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
        failure: Failure = no_failure,
    ) -> HubWrite:
        """Create the hub, or update it when it exists in this resource group; async either way."""
        with self.ops.hub_write(ref) as tx:
            core.writable_resource_group(tx, ref.subscription, ref.resource_group)
            validation.check_hub_name(ref.name)
            doc, requested_policies = validation.normalise_hub(body)
            existing = core.hub_row(tx, ref)
            if existing is None and tx.hub_exists(ids.key(ref.name)):
                raise Conflict(f"IotHub name '{ref.name}' is not available", code=errors.NAME_NOT_AVAILABLE)
            etags.check_put(
                if_match, if_none_match, etags.encode(existing["etag"]) if existing is not None else None
            )
            if existing is None:
                return self._create(tx, ref, doc, requested_policies, failure)
            return self._update(tx, ref, existing, doc, requested_policies, failure)

    def _create(
        self, tx: Tx, ref: HubPath, doc: dict[str, Any], requested_policies: Any, failure: Failure
    ) -> HubWrite:
        if doc["sku"]["name"] == "F1":
            current = tx.hub_skus(ids.key(ref.subscription)).count("F1")
            if current >= 1:
                raise BadRequest(
                    "max number of Iot hubs exceeded for sku = Free, max allowed = 1, "
                    f"current = {current + 1}",
                    code=errors.FREE_HUB_LIMIT,
                )
        now = self.clock.now()
        validation.stamp_root_certificate(doc["properties"], None, ids.iso(now))
        policies = (
            keys.merge_policies(requested_policies, None)
            if requested_policies is not None
            else keys.default_policies()
        )
        error = failure()
        row: dict[str, Any] = {
            "name_key": ids.key(ref.name),
            "sub_key": ids.key(ref.subscription),
            "rg_key": ids.key(ref.resource_group),
            "subscription": ref.subscription,
            "resource_group": ref.resource_group,
            "name": ref.name,
            "doc": doc,
            "keys": policies,
            "etag": tx.next_counter("etag"),
            "state": "Activating",
            "provisioning_state": "Activating",
            "created_at": ids.iso(now),
            "endpoint": ids.event_hub_endpoint(ref.name),
            "previous": None,
            "seq": tx.next_counter("seq"),
        }
        tx.save_hub(row)
        tx.save_consumer_group(
            {
                "hub_key": row["name_key"],
                "name_key": ids.key(DEFAULT_CONSUMER_GROUP),
                "name": DEFAULT_CONSUMER_GROUP,
                "created": ids.rfc1123(now),
                "etag": tx.next_counter("etag"),
                "seq": 0,
            }
        )
        op = self.ops.start(
            tx,
            operations.HUB_CREATE,
            subscription=ref.subscription,
            region=doc["location"],
            hub_key=row["name_key"],
            failure=error,
        )
        return HubWrite(row, op, created=True)

    def _update(
        self,
        tx: Tx,
        ref: HubPath,
        existing: dict[str, Any],
        doc: dict[str, Any],
        requested_policies: Any,
        failure: Failure,
    ) -> HubWrite:
        core.require_active(existing)
        validation.check_update(existing["doc"], doc)
        doc["properties"] = secrets.restored(doc["properties"], existing["doc"]["properties"])
        validation.stamp_root_certificate(
            doc["properties"], existing["doc"]["properties"], ids.iso(self.clock.now())
        )
        policies = (
            keys.merge_policies(requested_policies, existing["keys"])
            if requested_policies is not None
            else existing["keys"]
        )
        error = failure()
        row = {
            **existing,
            "name": ref.name,
            "resource_group": ref.resource_group,
            "doc": doc,
            "keys": policies,
            "etag": tx.next_counter("etag"),
            "state": "Updating",
            "provisioning_state": "Updating",
            "previous": {"doc": existing["doc"], "keys": existing["keys"]},
        }
        tx.save_hub(row)
        op = self.ops.start(
            tx,
            operations.HUB_UPDATE,
            subscription=ref.subscription,
            region=doc["location"],
            hub_key=row["name_key"],
            failure=error,
        )
        return HubWrite({**row, "etag": existing["etag"]}, op, created=False)

    def patch_tags(self, ref: HubPath, body: Any, *, if_match: str | None = None) -> dict[str, Any]:
        """Replace the hub's tags (the only field a PATCH may change), synchronously; the hub after."""
        if not isinstance(body, dict) or not isinstance(body.get("tags", {}), dict):
            raise BadRequest(
                'The request body must be {"tags": {...}}; to update other fields use PUT',
                code=errors.INVALID_BODY,
            )
        tags = body.get("tags") or {}
        for name, value in tags.items():
            if not isinstance(value, str):
                raise BadRequest(f"tags['{name}'] must be a string", code=errors.INVALID_BODY)
        with self.ops.hub_write(ref) as tx:
            hub = core.existing_hub(tx, ref)
            etags.check_existing(if_match, etags.encode(hub["etag"]))
            core.require_active(hub)
            doc = {**hub["doc"], "tags": dict(tags)}
            tx.update_hub(hub["name_key"], doc=doc, etag=tx.next_counter("etag"))
            return {**hub, "doc": doc}

    def delete(
        self, ref: HubPath, *, if_match: str | None = None, failure: Failure = no_failure
    ) -> dict[str, Any] | None:
        """Start deleting the hub; its operation, or None when there was no such hub."""
        with self.ops.hub_write(ref) as tx:
            core.resource_group(tx, ref.subscription, ref.resource_group)
            hub = core.hub_row(tx, ref)
            if hub is None:
                return None
            etags.check_existing(if_match, etags.encode(hub["etag"]))
            core.require_active(hub)
            error = failure()
            self.ops.set_hub_state(tx, hub["name_key"], "Deleting", "Deleting")
            return self.ops.start(
                tx,
                operations.HUB_DELETE,
                subscription=ref.subscription,
                region=hub["doc"]["location"],
                hub_key=hub["name_key"],
                failure=error,
            )

    def list(self, subscription: str, resource_group: str | None) -> list[dict[str, Any]]:
        """The subscription's hubs (or the resource group's, which must exist), in creation order."""
        with self.ops.settled_write() as tx:
            if resource_group is None:
                return tx.hubs(ids.key(subscription))
            core.resource_group(tx, subscription, resource_group)
            return tx.hubs(ids.key(subscription), ids.key(resource_group))

    def name_availability(self, body: Any) -> NameAvailability:
        name = body.get("name", body.get("Name")) if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            raise BadRequest('The request body must be {"name": "<hub name>"}', code=errors.INVALID_BODY)
        if not validation.HUB_NAME.match(name):
            return NameAvailability(False, "Invalid", f"IotHub name '{name}' is invalid")
        with self.ops.settled_write() as tx:
            taken = tx.hub_exists(ids.key(name))
        if taken:
            return NameAvailability(False, "AlreadyExists", f"IotHub name '{name}' is not available")
        return NameAvailability(True, "Invalid", None)

    def operation(self, subscription: str, op_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Count one poll of the operation; the operation after it and its hub (None once gone)."""
        with self.ops.settled_write() as tx:
            op = self.ops.poll(tx, op_id, subscription)
            hub = tx.hub(op["hub_key"]) if op["hub_key"] else None
        return op, hub
