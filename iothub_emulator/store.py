"""SQLite persistence: every request's changes commit in one ``BEGIN IMMEDIATE`` transaction.

Requests that only read (and find no async operation due) use a deferred ``BEGIN`` instead: a consistent
snapshot without taking the write lock. An in-memory store also keeps the last answer of each such read
(``memoized``) until its data changes: every change goes through its one connection, whose count of changed
rows (``total_changes``) then moves, so an answer kept at the same count is the answer a new read would give.
A file can change under another process's connection, so a file-backed store keeps none.

Why one transaction per request: a compare-and-swap on an etag must read and write atomically even with
several server threads (or a second process on the same file) racing; and a ``kill -9`` between two
requests must never leave half a change. WAL + ``synchronous=FULL`` make each commit durable.
``":memory:"`` keeps everything in one private in-process database for tests.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from iothub_emulator.device_store import DEVICE_SCHEMA, DEVICE_TABLES, DeviceRows

T = TypeVar("T")
MEMO_SIZE = 4096  # answers kept at most (all dropped at once when full: they are cheap to read again)

SCHEMA_VERSION = 2
"""1: resource groups, hubs, consumer groups, operations, jobs; 2: + devices, twins, job_outputs (a version-1
file is upgraded in place when opened: the new tables are created empty)."""
DB_FILE_NAME = "iothub-emulator.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resource_groups (
    sub_key TEXT NOT NULL, rg_key TEXT NOT NULL, subscription TEXT NOT NULL, name TEXT NOT NULL,
    location TEXT NOT NULL, tags TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (sub_key, rg_key));
CREATE TABLE IF NOT EXISTS hubs (
    name_key TEXT PRIMARY KEY, sub_key TEXT NOT NULL, rg_key TEXT NOT NULL, subscription TEXT NOT NULL,
    resource_group TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL, keys TEXT NOT NULL,
    etag INTEGER NOT NULL, state TEXT NOT NULL, provisioning_state TEXT NOT NULL, created_at TEXT NOT NULL,
    endpoint TEXT NOT NULL, previous TEXT, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS consumer_groups (
    hub_key TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL, created TEXT NOT NULL,
    etag INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (hub_key, name_key));
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, subscription TEXT NOT NULL, region TEXT NOT NULL,
    hub_key TEXT, sub_key TEXT, rg_key TEXT, status TEXT NOT NULL, mode TEXT NOT NULL,
    polls_needed INTEGER NOT NULL, polls_seen INTEGER NOT NULL, due_at REAL NOT NULL,
    failure TEXT, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    hub_key TEXT NOT NULL, job_id TEXT NOT NULL, doc TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (hub_key, job_id));
"""

_TABLES = ("resource_groups", "hubs", "consumer_groups", "operations", "jobs", *DEVICE_TABLES)
_JSON_COLUMNS = frozenset({"tags", "doc", "keys", "previous", "failure"})


def _decode(row: sqlite3.Row) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in row.keys():
        value = row[key]
        out[key] = json.loads(value) if key in _JSON_COLUMNS and value is not None else value
    return out


def _encode(value: Any, column: str) -> Any:
    if column in _JSON_COLUMNS and value is not None:
        return json.dumps(value, sort_keys=True)
    return value


HUB_VIEW_COLUMNS = (
    "name_key, sub_key, rg_key, subscription, resource_group, name, doc, etag, state, provisioning_state, "
    "created_at, endpoint"
)
"""What rendering a hub reads: its keys and previous document are never rendered, so never decoded."""
HUB_IDENTITY_COLUMNS = "name_key, sub_key, rg_key, subscription, resource_group, name, state"
"""A hub's identity and state, without its document (what the consumer-group rules need)."""


@functools.lru_cache(maxsize=8)
def _hub_in_group_sql(columns: str) -> str:
    selected = "h.*" if columns == "*" else ", ".join(f"h.{c.strip()}" for c in columns.split(","))
    return (
        f"SELECT g.rg_key AS group_key, {selected} FROM resource_groups AS g LEFT JOIN hubs AS h "
        "ON h.name_key = ? AND h.sub_key = g.sub_key AND h.rg_key = g.rg_key "
        "WHERE g.sub_key = ? AND g.rg_key = ?"
    )


class Tx(DeviceRows):
    """One open transaction. Every SQL statement the emulator runs is one of its named methods; rows are
    plain dicts with their JSON columns decoded. Names are matched through their ``*_key`` (lower-case)
    columns, as ARM matches names case-insensitively."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        row = self._conn.execute(sql, args).fetchone()
        return _decode(row) if row is not None else None

    def _all(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [_decode(row) for row in self._conn.execute(sql, args).fetchall()]

    def _execute(self, sql: str, *args: Any) -> int:
        return self._conn.execute(sql, args).rowcount

    def _upsert(self, table: str, row: dict[str, Any]) -> None:
        columns = list(row)
        placeholders = ", ".join("?" for _ in columns)
        self._conn.execute(
            f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
            [_encode(row[c], c) for c in columns],
        )

    def _update(self, table: str, where: dict[str, Any], values: dict[str, Any]) -> None:
        sets = ", ".join(f"{c} = ?" for c in values)
        cond = " AND ".join(f"{c} = ?" for c in where)
        self._conn.execute(
            f"UPDATE {table} SET {sets} WHERE {cond}",
            [_encode(v, c) for c, v in values.items()] + list(where.values()),
        )

    def next_counter(self, name: str) -> int:
        """A monotonically increasing number (etags, insertion order); survives restarts."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
        value = int(row[0]) + 1 if row is not None else 1
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (name, str(value)))
        return value

    def schema_version(self) -> int | None:
        """The stored schema version, recording ``SCHEMA_VERSION`` first in a new database."""
        self._execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", str(SCHEMA_VERSION)
        )
        found = self._one("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(found["value"]) if found is not None else None

    def upgrade_schema(self, found: int) -> int:
        """Record ``SCHEMA_VERSION`` in a file of an older version whose tables the schema script has just
        completed (every version so far only adds tables); the version now stored."""
        if 1 <= found < SCHEMA_VERSION:
            self._execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", str(SCHEMA_VERSION))
            return SCHEMA_VERSION
        return found

    def clear(self) -> None:
        for table in _TABLES:
            self._execute(f"DELETE FROM {table}")

    # Resource groups.
    def resource_group(self, sub_key: str, rg_key: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM resource_groups WHERE sub_key = ? AND rg_key = ?", sub_key, rg_key)

    def save_resource_group(self, row: dict[str, Any]) -> None:
        self._upsert("resource_groups", row)

    def set_resource_group_state(self, sub_key: str, rg_key: str, state: str) -> None:
        self._update("resource_groups", {"sub_key": sub_key, "rg_key": rg_key}, {"state": state})

    def drop_resource_group(self, sub_key: str, rg_key: str) -> None:
        self._execute("DELETE FROM resource_groups WHERE sub_key = ? AND rg_key = ?", sub_key, rg_key)

    # Hubs (the name is unique across Azure, so ``name_key`` alone is the key).
    def hub(self, name_key: str, columns: str = "*") -> dict[str, Any] | None:
        """The hub's row with ``columns`` (``HUB_VIEW_COLUMNS``, ``HUB_IDENTITY_COLUMNS`` or all)."""
        return self._one(f"SELECT {columns} FROM hubs WHERE name_key = ?", name_key)

    def hub_in_group(
        self, sub_key: str, rg_key: str, name_key: str, columns: str = "*"
    ) -> tuple[bool, dict[str, Any] | None]:
        """Whether the resource group exists, and the hub's row in it (``columns``), in one statement."""
        row = self._one(
            _hub_in_group_sql(columns),
            name_key,
            sub_key,
            rg_key,
        )
        if row is None:
            return False, None
        del row["group_key"]
        return True, row if row["name_key"] is not None else None

    def hub_exists(self, name_key: str) -> bool:
        return self._one("SELECT 1 AS x FROM hubs WHERE name_key = ?", name_key) is not None

    def hubs(self, sub_key: str, rg_key: str | None = None) -> list[dict[str, Any]]:
        """A subscription's hubs (or one resource group's), in creation order."""
        if rg_key is None:
            return self._all("SELECT * FROM hubs WHERE sub_key = ? ORDER BY seq", sub_key)
        return self._all("SELECT * FROM hubs WHERE sub_key = ? AND rg_key = ? ORDER BY seq", sub_key, rg_key)

    def hub_skus(self, sub_key: str) -> list[str]:
        """The SKU name of each hub in the subscription (for the one-free-hub limit)."""
        return [
            row["doc"]["sku"]["name"] for row in self._all("SELECT doc FROM hubs WHERE sub_key = ?", sub_key)
        ]

    def save_hub(self, row: dict[str, Any]) -> None:
        self._upsert("hubs", row)

    def update_hub(self, name_key: str, **values: Any) -> None:
        self._update("hubs", {"name_key": name_key}, values)

    def drop_hub(self, name_key: str) -> None:
        """The hub and everything under it (consumer groups, jobs, devices, twins, export outputs)."""
        self._execute("DELETE FROM hubs WHERE name_key = ?", name_key)
        self._execute("DELETE FROM consumer_groups WHERE hub_key = ?", name_key)
        self._execute("DELETE FROM jobs WHERE hub_key = ?", name_key)
        self.drop_hub_devices(name_key)

    # Consumer groups.
    def consumer_group(self, hub_key: str, name_key: str) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM consumer_groups WHERE hub_key = ? AND name_key = ?", hub_key, name_key
        )

    def consumer_groups(self, hub_key: str) -> list[dict[str, Any]]:
        return self._all("SELECT * FROM consumer_groups WHERE hub_key = ? ORDER BY seq", hub_key)

    def count_consumer_groups(self, hub_key: str) -> int:
        row = self._conn.execute(
            "SELECT COUNT(*) FROM consumer_groups WHERE hub_key = ?", (hub_key,)
        ).fetchone()
        return int(row[0])

    def save_consumer_group(self, row: dict[str, Any]) -> None:
        self._upsert("consumer_groups", row)

    def rename_consumer_group(self, hub_key: str, name_key: str, name: str) -> None:
        self._update("consumer_groups", {"hub_key": hub_key, "name_key": name_key}, {"name": name})

    def drop_consumer_group(self, hub_key: str, name_key: str) -> bool:
        """Whether there was one to delete."""
        deleted = self._execute(
            "DELETE FROM consumer_groups WHERE hub_key = ? AND name_key = ?", hub_key, name_key
        )
        return deleted > 0

    # Async operations.
    def operation(self, op_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM operations WHERE id = ?", op_id)

    def running_operations(self) -> list[dict[str, Any]]:
        """Every running operation, oldest first."""
        return self._all("SELECT * FROM operations WHERE status = 'Running' ORDER BY created_at")

    def running_poll_operations(self, hub_key: str) -> list[dict[str, Any]]:
        """The hub's running operations that end after a number of polls."""
        return self._all(
            "SELECT * FROM operations WHERE status = 'Running' AND hub_key = ? AND mode = 'polls'", hub_key
        )

    def running_resource_group_delete(self, sub_key: str, rg_key: str) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM operations WHERE kind = 'rg_delete' AND sub_key = ? AND rg_key = ? "
            "AND status = 'Running'",
            sub_key,
            rg_key,
        )

    def save_operation(self, row: dict[str, Any]) -> None:
        self._upsert("operations", row)

    def update_operation(self, op_id: str, **values: Any) -> None:
        self._update("operations", {"id": op_id}, values)

    # Import/export jobs.
    def jobs(self, hub_key: str) -> list[dict[str, Any]]:
        """The hub's job documents, oldest first."""
        return [
            row["doc"] for row in self._all("SELECT doc FROM jobs WHERE hub_key = ? ORDER BY seq", hub_key)
        ]

    def job(self, hub_key: str, job_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT doc FROM jobs WHERE hub_key = ? AND job_id = ?", hub_key, job_id)
        return row["doc"] if row is not None else None

    def save_job(self, hub_key: str, job_id: str, doc: dict[str, Any]) -> None:
        self._upsert(
            "jobs", {"hub_key": hub_key, "job_id": job_id, "doc": doc, "seq": self.next_counter("seq")}
        )


class Store:
    """One SQLite database, file-backed (persistent) or ``:memory:``."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._private = self.path == ":memory:"  # no other connection can change it
        self._memo: dict[Hashable, tuple[int, Any]] = {}
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA + DEVICE_SCHEMA)
        with self.transaction() as tx:
            found = tx.schema_version()
            if found is not None and found < SCHEMA_VERSION:
                found = tx.upgrade_schema(found)
        if found != SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path}: unsupported emulator data schema {found}; expected {SCHEMA_VERSION}"
            )

    @classmethod
    def in_data_dir(cls, data_dir: str | Path) -> Store:
        directory = Path(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        return cls(directory / DB_FILE_NAME)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A deferred transaction for requests that only read: one consistent snapshot, no write lock.

        Whoever uses it must not write (a deferred transaction that upgrades to a write can fail with
        ``SQLITE_BUSY`` when another process wrote meanwhile); writes belong in ``transaction``.
        """
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield Tx(self._conn)
            finally:
                self._conn.execute("COMMIT")

    def memoized(self, key: Hashable, read: Callable[[Tx], tuple[bool, T]]) -> T:
        """The value of ``read(tx)`` in a read transaction (``reading``), or, in an in-memory store, the value
        it gave for the same ``key`` when the data was as it is now. ``read`` returns ``(keep, value)``:
        ``keep`` False when the value depends on more than the data (e.g. the time), so it is not kept.
        A kept value is shared by every caller that gets it: none may modify it. Exceptions are not kept."""
        with self._lock:
            version = self._conn.total_changes if self._private else None
            if version is not None:
                found = self._memo.get(key)
                if found is not None and found[0] == version:
                    value: T = found[1]
                    return value
            with self.reading() as tx:
                keep, value = read(tx)
            if keep and version is not None and self._conn.total_changes == version:
                if len(self._memo) >= MEMO_SIZE:
                    self._memo.clear()
                self._memo[key] = (version, value)
            return value

    def clear(self) -> None:
        with self.transaction() as tx:
            tx.clear()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
