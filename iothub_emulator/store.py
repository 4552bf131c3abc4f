"""SQLite persistence: every request's changes commit in one ``BEGIN IMMEDIATE`` transaction.

Requests that only read (and find no async operation due) use a deferred ``BEGIN`` instead: a consistent
snapshot without taking the write lock.

Why one transaction per request: a compare-and-swap on an etag must read and write atomically even with
several server threads (or a second process on the same file) racing; and a ``kill -9`` between two
requests must never leave half a change. WAL + ``synchronous=FULL`` make each commit durable.
``":memory:"`` keeps everything in one private in-process database for tests.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
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

_TABLES = ("resource_groups", "hubs", "consumer_groups", "operations", "jobs")
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


class Tx:
    """Row access inside one open transaction; rows are plain dicts with JSON columns decoded."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        row = self._conn.execute(sql, args).fetchone()
        return _decode(row) if row is not None else None

    def all(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [_decode(row) for row in self._conn.execute(sql, args).fetchall()]

    def execute(self, sql: str, *args: Any) -> int:
        return self._conn.execute(sql, args).rowcount

    def upsert(self, table: str, row: dict[str, Any]) -> None:
        columns = list(row)
        placeholders = ", ".join("?" for _ in columns)
        self._conn.execute(
            f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
            [_encode(row[c], c) for c in columns],
        )

    def update(self, table: str, where: dict[str, Any], values: dict[str, Any]) -> None:
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


class Store:
    """One SQLite database, file-backed (persistent) or ``:memory:``."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        with self.transaction() as tx:
            tx.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", str(SCHEMA_VERSION)
            )
            found = tx.one("SELECT value FROM meta WHERE key = 'schema_version'")
        if found is None or int(found["value"]) != SCHEMA_VERSION:
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

    def clear(self) -> None:
        with self.transaction() as tx:
            for table in _TABLES:
                tx.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
