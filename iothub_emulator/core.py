"""What every rule shares: finishing async operations, lookups that raise ARM's 404s, the hub-state check.

``settle`` runs first in every transaction, so an operation whose time (or poll count) has come is
finished before anyone looks at the state it changes, also right after a restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from iothub_emulator import errors, ids, operations, rendering
from iothub_emulator.clock import Clock
from iothub_emulator.errors import ArmError
from iothub_emulator.faults import Faults
from iothub_emulator.settings import Settings
from iothub_emulator.store import Store, Tx
from iothub_emulator.wire import Call, HubRef, Reply


class BackendCore:
    def __init__(self, store: Store, settings: Settings, faults: Faults, clock: Clock) -> None:
        self.store = store
        self.settings = settings
        self.faults = faults
        self.clock = clock

    def settle(self, tx: Tx) -> None:
        """Finish every async operation that is due (time passed, polls seen, or immediate)."""
        for op in operations.due(tx, self.clock.now()):
            self._finish(tx, op)

    def settle_now(self) -> None:
        with self.store.transaction() as tx:
            self.settle(tx)

    @contextmanager
    def _settled_read(self) -> Iterator[Tx]:
        """The transaction of a request that only reads: a plain read when no async operation is due,
        else a write transaction that finishes the due ones first (a read never sees them unfinished)."""
        with self.store.reading() as tx:
            if not operations.due(tx, self.clock.now()):
                yield tx
                return
        with self.store.transaction() as tx:
            self.settle(tx)
            yield tx

    def _finish(self, tx: Tx, op: dict[str, Any]) -> None:
        failed = op["failure"] is not None
        hub = tx.one("SELECT * FROM hubs WHERE name_key = ?", op["hub_key"]) if op["hub_key"] else None
        kind = op["kind"]
        if kind == operations.HUB_CREATE and hub is not None:
            if failed:
                self._drop_hub(tx, hub["name_key"])
            else:
                self._set_state(tx, hub, "Active", "Succeeded")
        elif kind == operations.HUB_UPDATE and hub is not None:
            if failed and hub["previous"] is not None:
                tx.update(
                    "hubs",
                    {"name_key": hub["name_key"]},
                    {"doc": hub["previous"]["doc"], "keys": hub["previous"]["keys"]},
                )
            self._set_state(tx, hub, "Active", "Failed" if failed else "Succeeded")
        elif kind == operations.HUB_DELETE and hub is not None:
            if failed:
                self._set_state(tx, hub, "Active", "Failed")
            else:
                self._drop_hub(tx, hub["name_key"])
        elif kind == operations.RG_DELETE:
            for row in tx.all(
                "SELECT name_key FROM hubs WHERE sub_key = ? AND rg_key = ?", op["sub_key"], op["rg_key"]
            ):
                self._drop_hub(tx, row["name_key"])
            tx.execute(
                "DELETE FROM resource_groups WHERE sub_key = ? AND rg_key = ?", op["sub_key"], op["rg_key"]
            )
        tx.update(
            "operations", {"id": op["id"]}, {"status": operations.FAILED if failed else operations.SUCCEEDED}
        )

    def _set_state(self, tx: Tx, hub: dict[str, Any], state: str, provisioning_state: str) -> None:
        tx.update(
            "hubs",
            {"name_key": hub["name_key"]},
            {
                "state": state,
                "provisioning_state": provisioning_state,
                "previous": None,
                "etag": tx.next_counter("etag"),
            },
        )

    @staticmethod
    def _drop_hub(tx: Tx, name_key: str) -> None:
        tx.execute("DELETE FROM hubs WHERE name_key = ?", name_key)
        tx.execute("DELETE FROM consumer_groups WHERE hub_key = ?", name_key)
        tx.execute("DELETE FROM jobs WHERE hub_key = ?", name_key)

    def reset(self) -> None:
        self.store.clear()

    def _resource_group(self, tx: Tx, subscription: str, name: str, columns: str = "*") -> dict[str, Any]:
        row = tx.one(
            f"SELECT {columns} FROM resource_groups WHERE sub_key = ? AND rg_key = ?",
            ids.key(subscription),
            ids.key(name),
        )
        if row is None:
            raise errors.ResourceGroupNotFound(name)
        return row

    @staticmethod
    def _rg_being_deleted(name: str) -> ArmError:
        return ArmError(
            f"The resource group '{name}' is in deprovisioning state and cannot perform this operation.",
            code="ResourceGroupBeingDeleted",
            status=409,
        )

    def _retry_after(self) -> dict[str, str]:
        return {"Retry-After": str(self.settings.retry_after)} if self.settings.retry_after else {}

    def _poll(self, tx: Tx, op_id: str, subscription: str) -> dict[str, Any]:
        """Count one status poll, finishing the operation when it is due."""
        self.settle(tx)
        op = tx.one("SELECT * FROM operations WHERE id = ?", op_id)
        if op is None or ids.key(op["subscription"]) != ids.key(subscription):
            raise ArmError(
                f"The operation '{op_id}' could not be found.", code="OperationNotFound", status=404
            )
        if op["status"] == operations.RUNNING:
            self._count_poll(tx, op)
            op = tx.one("SELECT * FROM operations WHERE id = ?", op_id) or op
        return op

    def _count_poll(self, tx: Tx, op: dict[str, Any]) -> None:
        """One look at a running operation: finish it when due, else count the look (``polls`` mode)."""
        if operations.is_due(op, self.clock.now()):
            self._finish(tx, op)
        elif op["mode"] == "polls":
            tx.update("operations", {"id": op["id"]}, {"polls_seen": op["polls_seen"] + 1})

    def _poll_hub(self, tx: Tx, hub_key: str) -> None:
        """Count a look at the hub (a read, or a write refused because it is busy) as one poll of its
        running operations, as a status poll counts: Azure ends operations whoever watches."""
        for op in operations.watched_by_polls(tx, hub_key):
            self._count_poll(tx, op)

    @contextmanager
    def _hub_write(self, ref: HubRef) -> Iterator[Tx]:
        """The transaction of a write to a hub or its children. A write refused with 409002 (the hub is
        busy) is rolled back, then counted as a poll of the hub's operation in a transaction of its own."""
        try:
            with self.store.transaction() as tx:
                yield tx
        except errors.Conflict as refused:
            if refused.code != errors.NOT_ACTIVE:
                raise
            with self.store.transaction() as tx:
                self._poll_hub(tx, ids.key(ref.name))
            raise

    def _hub_row(self, tx: Tx, ref: HubRef, columns: str = "*") -> dict[str, Any] | None:
        """The hub's row (only ``columns``, which must include sub_key and rg_key), None if absent."""
        row = tx.one(f"SELECT {columns} FROM hubs WHERE name_key = ?", ids.key(ref.name))
        if (
            row is None
            or row["sub_key"] != ids.key(ref.subscription)
            or row["rg_key"] != ids.key(ref.resource_group)
        ):
            return None
        return row

    def _existing_hub(self, tx: Tx, ref: HubRef, columns: str = "*") -> dict[str, Any]:
        self._resource_group(tx, ref.subscription, ref.resource_group, "state")
        row = self._hub_row(tx, ref, columns)
        if row is None:
            raise errors.ResourceNotFound(ids.HUB_TYPE, ref.name, ref.resource_group)
        return row

    @staticmethod
    def _require_active(hub: dict[str, Any]) -> None:
        if hub["state"] != "Active":
            raise errors.not_active(hub["name"])

    def page(self, call: Call, items: list[Any]) -> Reply:
        return rendering.page(call, items, self.settings.page_size)

    def failure_for(self, call: Call) -> dict[str, Any] | None:
        """The error an async operation started by this request will end with, if a fault rule says so."""
        rule = self.faults.take_failure(call.method, call.path)
        if rule is None:
            return None
        code = int(rule.code) if rule.code is not None else 400123
        message = rule.message or "The async operation failed"
        return errors.IotHubError(message, code=code, status=rule.status or code // 1000).body(
            self.clock.now()
        )
