"""Consumer groups of the built-in ``events`` endpoint: synchronous, ``$Default`` always there, at most 20."""

from __future__ import annotations

from typing import Any

from iothub_emulator import core, errors, ids, validation
from iothub_emulator.core import Env
from iothub_emulator.errors import BadRequest, NotFound
from iothub_emulator.operations import Operations
from iothub_emulator.store import HUB_IDENTITY_COLUMNS, Tx
from iothub_emulator.wire import HubPath

MAX_CONSUMER_GROUPS = 20
DEFAULT_CONSUMER_GROUP = "$Default"


def _check_endpoint(endpoint: str) -> None:
    if endpoint.lower() != validation.EVENTS:
        raise BadRequest(
            f"Event hub endpoint '{endpoint}' does not exist; the only endpoint is 'events'",
            code=errors.INVALID_ENDPOINT,
        )


def _not_found() -> NotFound:
    return NotFound("Consumer group not found", code=errors.CONSUMER_GROUP_NOT_FOUND)


class ConsumerGroups:
    """Each method returns the hub's identity row with the group row(s) it found or wrote."""

    def __init__(self, env: Env, ops: Operations) -> None:
        self.clock = env.clock
        self.ops = ops

    @staticmethod
    def _hub(tx: Tx, ref: HubPath, endpoint: str) -> dict[str, Any]:
        hub = core.existing_hub(tx, ref, HUB_IDENTITY_COLUMNS)
        _check_endpoint(endpoint)
        return hub

    def put(
        self, ref: HubPath, endpoint: str, name: str, body: Any, api_version: str
    ) -> tuple[dict[str, Any], dict[str, Any], str | None]:
        """Create the group (or find it, keeping the new spelling of its name); the hub, the group and the
        name the body sent (which the answer echoes, as Azure does).

        A group that exists, spelled as sent, on an Active hub changes nothing: that PUT is answered from a
        read (and its rows may be shared: not to be modified). Anything else takes the write path, which
        checks everything again in its own transaction."""
        name_key = ids.key(name)

        def view(tx: Tx) -> tuple[dict[str, Any], dict[str, Any] | None]:
            hub = self._hub(tx, ref, endpoint)
            return hub, tx.consumer_group(hub["name_key"], name_key)

        key = ("consumer group", ids.key(ref.subscription), ids.key(ref.resource_group), ids.key(ref.name))
        hub, found = self.ops.settled_view((*key, endpoint.lower(), name_key), view)
        sent_name = validation.consumer_group_body_name(body, api_version)
        if name != DEFAULT_CONSUMER_GROUP:
            validation.check_consumer_group_name(name)
        if hub["state"] == "Active" and found is not None and found["name"] == name:
            return hub, found, sent_name
        with self.ops.hub_write(ref) as tx:
            hub = self._hub(tx, ref, endpoint)
            sent_name = validation.consumer_group_body_name(body, api_version)
            if name != DEFAULT_CONSUMER_GROUP:
                validation.check_consumer_group_name(name)
            core.require_active(hub)
            row = tx.consumer_group(hub["name_key"], ids.key(name))
            if row is None:
                if tx.count_consumer_groups(hub["name_key"]) >= MAX_CONSUMER_GROUPS:
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
                tx.save_consumer_group(row)
            elif row["name"] != name:
                row = {**row, "name": name}
                tx.rename_consumer_group(row["hub_key"], row["name_key"], name)
        return hub, row, sent_name

    def get(self, ref: HubPath, endpoint: str, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        with self.ops.settled_write() as tx:
            hub = self._hub(tx, ref, endpoint)
            row = tx.consumer_group(hub["name_key"], ids.key(name))
        if row is None:
            raise _not_found()
        return hub, row

    def delete(self, ref: HubPath, endpoint: str, name: str) -> None:
        with self.ops.hub_write(ref) as tx:
            hub = self._hub(tx, ref, endpoint)
            if name.lower() == DEFAULT_CONSUMER_GROUP.lower():
                raise BadRequest(
                    "The $Default consumer group cannot be deleted", code=errors.DEFAULT_CONSUMER_GROUP
                )
            core.require_active(hub)
            deleted = tx.drop_consumer_group(hub["name_key"], ids.key(name))
        if not deleted:
            raise _not_found()

    def list(self, ref: HubPath, endpoint: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with self.ops.settled_write() as tx:
            hub = self._hub(tx, ref, endpoint)
            return hub, tx.consumer_groups(hub["name_key"])
