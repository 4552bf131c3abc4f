"""Async operations: when they are done, what finishing one does, and their status URLs.

A hub PUT or DELETE (and a resource-group DELETE) creates one row. It records how it progresses
(mode, polls needed, due time on the emulator's clock) so a restarted emulator finishes it the same way.
A poll is any look a client can take at a hub operation: a GET of its status URL, a GET of the hub (ARM's
provisioningState polling), or a write to the hub refused with 409002 because the hub is busy.

``Operations.settle`` runs first in every transaction, so an operation whose time (or poll count) has
come is finished before anyone looks at the state it changes, also right after a restart.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import quote

from iothub_emulator import errors, ids
from iothub_emulator.core import Env
from iothub_emulator.settings import EmulatorSettings
from iothub_emulator.store import Tx
from iothub_emulator.wire import HubPath

T = TypeVar("T")
RUNNING, SUCCEEDED, FAILED = "Running", "Succeeded", "Failed"


class _Busy:
    """An operation is running: the read must settle first and cannot be kept."""


_BUSY = _Busy()
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
    settings: EmulatorSettings,
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
    tx.save_operation(row)
    return row


def is_due(op: dict[str, Any], now: float) -> bool:
    if op["status"] != RUNNING:
        return False
    if op["mode"] == "polls":
        return bool(op["polls_seen"] >= op["polls_needed"])
    if op["mode"] == "seconds":
        return bool(now >= op["due_at"])
    return True


def due(tx: Tx, now: float) -> list[dict[str, Any]]:
    return [op for op in tx.running_operations() if is_due(op, now)]


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


class Operations:
    """Starting, watching and finishing async operations; the transactions of hub writes and reads."""

    def __init__(self, env: Env) -> None:
        self.store = env.store
        self.settings = env.settings
        self.clock = env.clock

    def start(
        self,
        tx: Tx,
        kind: str,
        *,
        subscription: str,
        region: str,
        hub_key: str | None = None,
        sub_key: str | None = None,
        rg_key: str | None = None,
        failure: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A new operation under the current provisioning settings, finished at once when it is due."""
        op = create(
            tx,
            kind,
            subscription=subscription,
            region=region,
            settings=self.settings,
            now=self.clock.now(),
            hub_key=hub_key,
            sub_key=sub_key,
            rg_key=rg_key,
            failure=failure,
        )
        if is_due(op, self.clock.now()):
            self.finish(tx, op)
        return op

    def settle(self, tx: Tx) -> None:
        """Finish every async operation that is due (time passed, polls seen, or immediate)."""
        for op in due(tx, self.clock.now()):
            self.finish(tx, op)

    def settle_now(self) -> None:
        with self.store.transaction() as tx:
            self.settle(tx)

    @contextmanager
    def settled_read(self) -> Iterator[Tx]:
        """The transaction of a request that only reads: a plain read when no async operation is due,
        else a write transaction that finishes the due ones first (a read never sees them unfinished)."""
        with self.store.reading() as tx:
            if not due(tx, self.clock.now()):
                yield tx
                return
        with self.store.transaction() as tx:
            self.settle(tx)
            yield tx

    def settled_view(self, key: Hashable, read: Callable[[Tx], T]) -> T:
        """``read(tx)`` for a request that only reads and changes nothing, in a ``settled_read``; while no
        operation is running the store may answer from its memo of the same ``key`` (with none running,
        none can come due, so the answer depends on the stored data alone)."""

        def quiet(tx: Tx) -> tuple[bool, T | _Busy]:
            if tx.running_operations():
                return False, _BUSY
            return True, read(tx)

        value = self.store.memoized(key, quiet)
        if not isinstance(value, _Busy):
            return value
        with self.settled_read() as tx:
            return read(tx)

    @contextmanager
    def settled_write(self) -> Iterator[Tx]:
        """A write transaction in which every due operation is already finished."""
        with self.store.transaction() as tx:
            self.settle(tx)
            yield tx

    @contextmanager
    def hub_write(self, ref: HubPath) -> Iterator[Tx]:
        """The (settled) transaction of a write to a hub or its children. A write refused with 409002 (the
        hub is busy) is rolled back, then counted as a poll of the hub's operation in a transaction of
        its own."""
        try:
            with self.settled_write() as tx:
                yield tx
        except errors.Conflict as refused:
            if refused.code != errors.NOT_ACTIVE:
                raise
            with self.store.transaction() as tx:
                self.poll_hub(tx, ids.key(ref.name))
            raise

    def finish(self, tx: Tx, op: dict[str, Any]) -> None:
        failed = op["failure"] is not None
        hub = tx.hub(op["hub_key"]) if op["hub_key"] else None
        kind = op["kind"]
        if kind == HUB_CREATE and hub is not None:
            if failed:
                tx.drop_hub(hub["name_key"])
            else:
                self.set_hub_state(tx, hub["name_key"], "Active", "Succeeded")
        elif kind == HUB_UPDATE and hub is not None:
            if failed and hub["previous"] is not None:
                tx.update_hub(hub["name_key"], doc=hub["previous"]["doc"], keys=hub["previous"]["keys"])
            self.set_hub_state(tx, hub["name_key"], "Active", "Failed" if failed else "Succeeded")
        elif kind == HUB_DELETE and hub is not None:
            if failed:
                self.set_hub_state(tx, hub["name_key"], "Active", "Failed")
            else:
                tx.drop_hub(hub["name_key"])
        elif kind == RG_DELETE:
            for row in tx.hubs(op["sub_key"], op["rg_key"]):
                tx.drop_hub(row["name_key"])
            tx.drop_resource_group(op["sub_key"], op["rg_key"])
        tx.update_operation(op["id"], status=FAILED if failed else SUCCEEDED)

    @staticmethod
    def set_hub_state(tx: Tx, name_key: str, state: str, provisioning_state: str) -> None:
        """A new state (and etag); the document kept for rolling back an update is dropped."""
        tx.update_hub(
            name_key,
            state=state,
            provisioning_state=provisioning_state,
            previous=None,
            etag=tx.next_counter("etag"),
        )

    def poll(self, tx: Tx, op_id: str, subscription: str) -> dict[str, Any]:
        """Count one status poll, finishing the operation when it is due; the operation afterwards."""
        self.settle(tx)
        op = tx.operation(op_id)
        if op is None or ids.key(op["subscription"]) != ids.key(subscription):
            raise errors.OperationNotFound(op_id)
        if op["status"] == RUNNING:
            self._count_poll(tx, op)
            op = tx.operation(op_id) or op
        return op

    def _count_poll(self, tx: Tx, op: dict[str, Any]) -> None:
        """One look at a running operation: finish it when due, else count the look (``polls`` mode)."""
        if is_due(op, self.clock.now()):
            self.finish(tx, op)
        elif op["mode"] == "polls":
            tx.update_operation(op["id"], polls_seen=op["polls_seen"] + 1)

    def watched_by_polls(self, tx: Tx, hub_key: str) -> bool:
        """Whether the hub has a running operation that ends after a number of polls."""
        return bool(tx.running_poll_operations(hub_key))

    def poll_hub(self, tx: Tx, hub_key: str) -> None:
        """Count a look at the hub (a read, or a write refused because it is busy) as one poll of its
        running operations, as a status poll counts: Azure ends operations whoever watches."""
        for op in tx.running_poll_operations(hub_key):
            self._count_poll(tx, op)
