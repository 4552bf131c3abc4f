"""Consumer groups of the built-in ``events`` endpoint: synchronous, ``$Default`` always there, at most 20."""

from __future__ import annotations

from typing import Any

from iothub_emulator import errors, ids, rendering, validation
from iothub_emulator.core import BackendCore
from iothub_emulator.errors import BadRequest, NotFound
from iothub_emulator.store import Tx
from iothub_emulator.wire import NO_BODY, Call, HubRef, Reply

MAX_CONSUMER_GROUPS = 20
DEFAULT_CONSUMER_GROUP = "$Default"


class ConsumerGroupRules(BackendCore):
    @staticmethod
    def _check_endpoint(endpoint: str) -> str:
        if endpoint.lower() != validation.EVENTS:
            raise BadRequest(
                f"Event hub endpoint '{endpoint}' does not exist; the only endpoint is 'events'",
                code=errors.INVALID_ENDPOINT,
            )
        return validation.EVENTS

    def _consumer_group_hub(self, tx: Tx, ref: HubRef, endpoint: str) -> dict[str, Any]:
        self.settle(tx)
        hub = self._existing_hub(tx, ref, rendering.CONSUMER_GROUP_HUB_COLUMNS)
        self._check_endpoint(endpoint)
        return hub

    def put_consumer_group(self, call: Call, ref: HubRef, endpoint: str, name: str) -> Reply:
        with self._hub_write(ref) as tx:
            hub = self._consumer_group_hub(tx, ref, endpoint)
            sent_name = validation.consumer_group_body_name(call.body, call.api_version)
            if name != DEFAULT_CONSUMER_GROUP:
                validation.check_consumer_group_name(name)
            self._require_active(hub)
            row = tx.one(
                "SELECT * FROM consumer_groups WHERE hub_key = ? AND name_key = ?",
                hub["name_key"],
                ids.key(name),
            )
            if row is None:
                count = len(tx.all("SELECT name_key FROM consumer_groups WHERE hub_key = ?", hub["name_key"]))
                if count >= MAX_CONSUMER_GROUPS:
                    raise BadRequest(
                        f"IotHub '{hub['name']}' already has the maximum of {MAX_CONSUMER_GROUPS} "
                        "consumer groups (including $Default)",
                        code=errors.CONSUMER_GROUP_LIMIT,
                    )
                row = {
                    "hub_key": hub["name_key"],
                    "name_key": ids.key(name),
                    "name": name,
                    "created": ids.rfc1123(self.clock.now()),
                    "etag": tx.next_counter("etag"),
                    "seq": tx.next_counter("seq"),
                }
                tx.upsert("consumer_groups", row)
            elif row["name"] != name:
                row = {**row, "name": name}
                tx.update(
                    "consumer_groups",
                    {"hub_key": row["hub_key"], "name_key": row["name_key"]},
                    {"name": name},
                )
        return Reply(200, rendering.consumer_group(hub, row, sent_name))

    def get_consumer_group(self, ref: HubRef, endpoint: str, name: str) -> Reply:
        with self.store.transaction() as tx:
            hub = self._consumer_group_hub(tx, ref, endpoint)
            row = tx.one(
                "SELECT * FROM consumer_groups WHERE hub_key = ? AND name_key = ?",
                hub["name_key"],
                ids.key(name),
            )
        if row is None:
            raise NotFound("Consumer group not found", code=errors.CONSUMER_GROUP_NOT_FOUND)
        return Reply(200, rendering.consumer_group(hub, row))

    def delete_consumer_group(self, ref: HubRef, endpoint: str, name: str) -> Reply:
        with self._hub_write(ref) as tx:
            hub = self._consumer_group_hub(tx, ref, endpoint)
            if name.lower() == DEFAULT_CONSUMER_GROUP.lower():
                raise BadRequest(
                    "The $Default consumer group cannot be deleted", code=errors.DEFAULT_CONSUMER_GROUP
                )
            self._require_active(hub)
            deleted = tx.execute(
                "DELETE FROM consumer_groups WHERE hub_key = ? AND name_key = ?",
                hub["name_key"],
                ids.key(name),
            )
        if not deleted:
            raise NotFound("Consumer group not found", code=errors.CONSUMER_GROUP_NOT_FOUND)
        return Reply(200, NO_BODY)

    def list_consumer_groups(self, call: Call, ref: HubRef, endpoint: str) -> Reply:
        with self.store.transaction() as tx:
            hub = self._consumer_group_hub(tx, ref, endpoint)
            rows = tx.all("SELECT * FROM consumer_groups WHERE hub_key = ? ORDER BY seq", hub["name_key"])
        return self.page(call, [rendering.consumer_group(hub, row) for row in rows])
