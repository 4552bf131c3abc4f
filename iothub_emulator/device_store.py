"""The SQL of a hub's identity registry: device identities, their twins, and the blobs export jobs write.

``DeviceRows`` is mixed into ``store.Tx`` (one transaction, one connection), so these statements run in
the same transaction as everything else a request does; ``DEVICE_SCHEMA`` joins the store's schema
(version 2). Device ids are case-sensitive in IoT Hub, so they are stored and matched as sent; a hub is
``hub_key`` as everywhere in the store. Records are JSON documents the services own.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

DEVICE_SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    hub_key TEXT NOT NULL, device_id TEXT NOT NULL, scope TEXT NOT NULL, edge INTEGER NOT NULL,
    status TEXT NOT NULL, record TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (hub_key, device_id));
CREATE INDEX IF NOT EXISTS devices_by_scope ON devices (hub_key, scope);
CREATE TABLE IF NOT EXISTS twins (
    hub_key TEXT NOT NULL, device_id TEXT NOT NULL, twin TEXT NOT NULL, PRIMARY KEY (hub_key, device_id));
CREATE TABLE IF NOT EXISTS job_outputs (
    hub_key TEXT NOT NULL, job_id TEXT NOT NULL, blob TEXT NOT NULL, content TEXT NOT NULL,
    PRIMARY KEY (hub_key, job_id));
"""
DEVICE_TABLES = ("devices", "twins", "job_outputs")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class DeviceRows:
    """Named statements on devices, twins and export outputs (part of ``store.Tx``)."""

    _conn: sqlite3.Connection

    # Devices: the record is the service's document; scope, edge and status are kept beside it to be
    # looked up and counted.
    def device(self, hub_key: str, device_id: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            "SELECT record FROM devices WHERE hub_key = ? AND device_id = ?", (hub_key, device_id)
        ).fetchone()
        return dict(json.loads(row[0])) if row is not None else None

    def devices(self, hub_key: str, limit: int | None = None) -> list[dict[str, Any]]:
        """The hub's device records in creation order (at most ``limit``)."""
        rows = self._conn.execute(
            "SELECT record FROM devices WHERE hub_key = ? ORDER BY seq LIMIT ?",
            (hub_key, -1 if limit is None else limit),
        ).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def edge_device_with_scope(self, hub_key: str, scope: str) -> dict[str, Any] | None:
        """The hub's IoT Edge device whose ``deviceScope`` is ``scope``."""
        row = self._conn.execute(
            "SELECT record FROM devices WHERE hub_key = ? AND scope = ? AND edge = 1", (hub_key, scope)
        ).fetchone()
        return dict(json.loads(row[0])) if row is not None else None

    def save_device(self, hub_key: str, record: dict[str, Any], seq: int) -> None:
        """Insert or replace the device (``seq`` orders lists; a replace keeps the first one)."""
        self._conn.execute(
            "INSERT INTO devices (hub_key, device_id, scope, edge, status, record, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hub_key, device_id) DO UPDATE SET "
            "scope = excluded.scope, edge = excluded.edge, status = excluded.status, "
            "record = excluded.record",
            (
                hub_key,
                record["deviceId"],
                record.get("deviceScope") or "",
                1 if record["iotEdge"] else 0,
                record["status"],
                _json(record),
                seq,
            ),
        )

    def drop_device(self, hub_key: str, device_id: str) -> bool:
        """Delete the device and its twin; whether there was one."""
        deleted = self._conn.execute(
            "DELETE FROM devices WHERE hub_key = ? AND device_id = ?", (hub_key, device_id)
        ).rowcount
        self._conn.execute("DELETE FROM twins WHERE hub_key = ? AND device_id = ?", (hub_key, device_id))
        return deleted > 0

    def device_counts(self, hub_key: str) -> tuple[int, int, int]:
        """Total, enabled and disabled devices of the hub."""
        row = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(status = 'enabled'), 0), COALESCE(SUM(status = 'disabled'), 0) "
            "FROM devices WHERE hub_key = ?",
            (hub_key,),
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    # Twins.
    def twin(self, hub_key: str, device_id: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            "SELECT twin FROM twins WHERE hub_key = ? AND device_id = ?", (hub_key, device_id)
        ).fetchone()
        return dict(json.loads(row[0])) if row is not None else None

    def save_twin(self, hub_key: str, device_id: str, twin: dict[str, Any]) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO twins (hub_key, device_id, twin) VALUES (?, ?, ?)",
            (hub_key, device_id, _json(twin)),
        )

    # Export outputs (the blob an export job writes; there is no blob storage locally).
    def save_job_output(self, hub_key: str, job_id: str, blob: str, content: str) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO job_outputs (hub_key, job_id, blob, content) VALUES (?, ?, ?, ?)",
            (hub_key, job_id, blob, content),
        )

    def job_output(self, job_id: str) -> tuple[str, str, str] | None:
        """``(hub_key, blob name, content)`` of a job's output, whatever its hub."""
        row = self._conn.execute(
            "SELECT hub_key, blob, content FROM job_outputs WHERE job_id = ?", (job_id,)
        ).fetchone()
        return (str(row[0]), str(row[1]), str(row[2])) if row is not None else None

    def drop_hub_devices(self, hub_key: str) -> None:
        """Everything of the registry of a hub being deleted."""
        for table in DEVICE_TABLES:
            self._conn.execute(f"DELETE FROM {table} WHERE hub_key = ?", (hub_key,))
