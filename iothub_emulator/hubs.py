"""Hubs: create/update and delete (async), read, tag PATCH, lists, name availability, operation status."""

from __future__ import annotations

from typing import Any

from iothub_emulator import errors, etags, ids, keys, operations, rendering, secrets, validation
from iothub_emulator.consumer_groups import DEFAULT_CONSUMER_GROUP
from iothub_emulator.core import BackendCore
from iothub_emulator.errors import BadRequest, Conflict
from iothub_emulator.wire import NO_BODY, Call, HubRef, Reply


class HubRules(BackendCore):
    def operation_status(self, subscription: str, op_id: str, asyncinfo: bool, api_version: str) -> Reply:
        """Azure-AsyncOperation (``asyncinfo``): 200 + status; Location: 202 while running, then final."""
        with self.store.transaction() as tx:
            op = self._poll(tx, op_id, subscription)
            hub = tx.one("SELECT * FROM hubs WHERE name_key = ?", op["hub_key"]) if op["hub_key"] else None
        if asyncinfo:
            body: dict[str, Any] = {"status": op["status"]}
            if op["status"] == operations.FAILED:
                body["error"] = op["failure"]
            return Reply(200, body)
        if op["status"] == operations.RUNNING:
            return Reply(202, NO_BODY, self._retry_after())
        if op["status"] == operations.FAILED:
            status = int(str(op["failure"]["code"])[:3]) if str(op["failure"]["code"])[:3].isdigit() else 400
            return Reply(status, op["failure"])
        if op["kind"] in (operations.HUB_CREATE, operations.HUB_UPDATE) and hub is not None:
            return Reply(200, rendering.hub(hub, api_version))
        return Reply(200, NO_BODY)

    def stored_hub(self, name: str) -> Reply:
        """The control API's view of a hub: its stored document, secrets unmasked (never an ARM answer)."""
        with self._settled_read() as tx:
            row = tx.one("SELECT * FROM hubs WHERE name_key = ?", ids.key(name))
        if row is None:
            raise errors.ArmError(f"No hub named '{name}'", code="NotFound", status=404)
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

    def get_hub(self, ref: HubRef, api_version: str) -> Reply:
        with self._settled_read() as tx:
            row = self._existing_hub(tx, ref, rendering.HUB_COLUMNS)
            watching = row["state"] != "Active" and bool(operations.watched_by_polls(tx, row["name_key"]))
        if watching:  # reading the hub's provisioningState is a poll of its operation
            with self.store.transaction() as tx:
                self.settle(tx)
                self._poll_hub(tx, row["name_key"])
                row = self._existing_hub(tx, ref, rendering.HUB_COLUMNS)
        # No ETag header: none was ever recorded; the etag is in the body.
        return Reply(200, rendering.hub(row, api_version))

    def put_hub(self, call: Call, ref: HubRef) -> Reply:
        with self._hub_write(ref) as tx:
            self.settle(tx)
            group = self._resource_group(tx, ref.subscription, ref.resource_group)
            if group["state"] == "Deleting":
                raise self._rg_being_deleted(ref.resource_group)
            now = self.clock.now()
            validation.check_hub_name(ref.name)
            doc, requested_policies = validation.normalise_hub(call.body)
            taken = tx.one("SELECT * FROM hubs WHERE name_key = ?", ids.key(ref.name))
            existing = self._hub_row(tx, ref)
            if taken is not None and existing is None:
                raise Conflict(f"IotHub name '{ref.name}' is not available", code=errors.NAME_NOT_AVAILABLE)
            etags.check_put(
                call.if_match,
                call.if_none_match,
                etags.encode(existing["etag"]) if existing is not None else None,
            )
            if existing is not None:
                self._require_active(existing)
                validation.check_update(existing["doc"], doc)
                doc["properties"] = secrets.restored(doc["properties"], existing["doc"]["properties"])
            elif doc["sku"]["name"] == "F1":
                free = tx.all("SELECT doc FROM hubs WHERE sub_key = ?", ids.key(ref.subscription))
                current = sum(1 for h in free if h["doc"]["sku"]["name"] == "F1")
                if current >= 1:
                    raise BadRequest(
                        f"max number of Iot hubs exceeded for sku = Free, max allowed = 1, "
                        f"current = {current + 1}",
                        code=errors.FREE_HUB_LIMIT,
                    )
            validation.stamp_root_certificate(
                doc["properties"], existing["doc"]["properties"] if existing else None, ids.iso(now)
            )
            policies = (
                keys.merge_policies(requested_policies, existing["keys"] if existing else None)
                if requested_policies is not None
                else existing["keys"]
                if existing is not None
                else keys.default_policies()
            )
            failure = self.failure_for(call)
            region = doc["location"]
            if existing is None:
                row = {
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
                tx.upsert("hubs", row)
                tx.upsert(
                    "consumer_groups",
                    {
                        "hub_key": row["name_key"],
                        "name_key": ids.key(DEFAULT_CONSUMER_GROUP),
                        "name": DEFAULT_CONSUMER_GROUP,
                        "created": ids.rfc1123(now),
                        "etag": tx.next_counter("etag"),
                        "seq": 0,
                    },
                )
                kind = operations.HUB_CREATE
            else:
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
                tx.upsert("hubs", row)
                kind = operations.HUB_UPDATE
            body = rendering.accepted(
                row if existing is None else {**row, "etag": existing["etag"]},
                call.body,
                call.api_version,
                creating=existing is None,
            )
            op = operations.create(
                tx,
                kind,
                subscription=ref.subscription,
                region=region,
                settings=self.settings,
                now=self.clock.now(),
                hub_key=ids.key(ref.name),
                failure=failure,
            )
            if operations.is_due(op, self.clock.now()):
                self._finish(tx, op)
        self.faults.arm_get_404("PUT", call.path)
        headers = {
            "Azure-AsyncOperation": operations.hub_status_url(call.base_url, op, call.api_version, True)
        }
        # Azure answers an update as it answers a create: 201 + Azure-AsyncOperation (as recorded).
        return Reply(201, body, headers)

    def patch_hub(self, call: Call, ref: HubRef) -> Reply:
        body = call.body
        if not isinstance(body, dict) or not isinstance(body.get("tags", {}), dict):
            raise BadRequest(
                'The request body must be {"tags": {...}}; to update other fields use PUT',
                code=errors.INVALID_BODY,
            )
        tags = body.get("tags") or {}
        for name, value in tags.items():
            if not isinstance(value, str):
                raise BadRequest(f"tags['{name}'] must be a string", code=errors.INVALID_BODY)
        with self._hub_write(ref) as tx:
            self.settle(tx)
            hub = self._existing_hub(tx, ref)
            etags.check_existing(call.if_match, etags.encode(hub["etag"]))
            self._require_active(hub)
            doc = {**hub["doc"], "tags": dict(tags)}
            tx.update("hubs", {"name_key": hub["name_key"]}, {"doc": doc, "etag": tx.next_counter("etag")})
            hub = {**hub, "doc": doc}
        return Reply(200, rendering.hub(hub, call.api_version, etag=""))

    def delete_hub(self, call: Call, ref: HubRef) -> Reply:
        with self._hub_write(ref) as tx:
            self.settle(tx)
            self._resource_group(tx, ref.subscription, ref.resource_group)
            hub = self._hub_row(tx, ref)
            if hub is None:
                return Reply(204)
            etags.check_existing(call.if_match, etags.encode(hub["etag"]))
            self._require_active(hub)
            failure = self.failure_for(call)
            self._set_state(tx, hub, "Deleting", "Deleting")
            op = operations.create(
                tx,
                operations.HUB_DELETE,
                subscription=ref.subscription,
                region=hub["doc"]["location"],
                settings=self.settings,
                now=self.clock.now(),
                hub_key=hub["name_key"],
                failure=failure,
            )
            if operations.is_due(op, self.clock.now()):
                self._finish(tx, op)
        headers = {
            "Azure-AsyncOperation": operations.hub_status_url(call.base_url, op, call.api_version, True),
            "Location": operations.hub_status_url(call.base_url, op, call.api_version, False),
            **self._retry_after(),
        }
        return Reply(202, None, headers)

    def list_hubs(self, call: Call, subscription: str, resource_group: str | None) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            if resource_group is None:
                rows = tx.all("SELECT * FROM hubs WHERE sub_key = ? ORDER BY seq", ids.key(subscription))
            else:
                self._resource_group(tx, subscription, resource_group)
                rows = tx.all(
                    "SELECT * FROM hubs WHERE sub_key = ? AND rg_key = ? ORDER BY seq",
                    ids.key(subscription),
                    ids.key(resource_group),
                )
        return self.page(call, [rendering.hub(row, call.api_version) for row in rows])

    def check_name_availability(self, subscription: str, body: Any) -> Reply:
        name = body.get("name", body.get("Name")) if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            raise BadRequest('The request body must be {"name": "<hub name>"}', code=errors.INVALID_BODY)
        if not validation.HUB_NAME.match(name):
            return Reply(
                200,
                {"nameAvailable": False, "reason": "Invalid", "message": f"IotHub name '{name}' is invalid"},
            )
        with self.store.transaction() as tx:
            self.settle(tx)
            taken = tx.one("SELECT 1 AS x FROM hubs WHERE name_key = ?", ids.key(name))
        if taken:
            return Reply(
                200,
                {
                    "nameAvailable": False,
                    "reason": "AlreadyExists",
                    "message": f"IotHub name '{name}' is not available",
                },
            )
        return Reply(200, {"nameAvailable": True, "reason": "Invalid", "message": None})
