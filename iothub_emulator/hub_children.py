"""A hub's read-only and job sub-resources: keys, statistics, SKUs, quota metrics, import/export jobs."""

from __future__ import annotations

import uuid

from iothub_emulator import errors, ids, validation
from iothub_emulator.core import BackendCore
from iothub_emulator.errors import BadRequest, NotFound
from iothub_emulator.wire import Call, HubRef, Reply

_MESSAGES_PER_UNIT = {
    "F1": 8000,
    "S1": 400_000,
    "S2": 6_000_000,
    "S3": 300_000_000,
    "B1": 400_000,
    "B2": 6_000_000,
    "B3": 300_000_000,
}


class HubChildRules(BackendCore):
    def list_keys(self, call: Call, ref: HubRef) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            hub = self._existing_hub(tx, ref)
        return self.page(call, list(hub["keys"]))

    def get_key(self, ref: HubRef, key_name: str) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            hub = self._existing_hub(tx, ref)
        for policy in hub["keys"]:
            if policy["keyName"].lower() == key_name.lower():
                return Reply(200, policy)
        raise NotFound(
            f"The key name '{key_name}' was not found on IotHub '{hub['name']}'",
            code=errors.KEY_NAME_NOT_FOUND,
        )

    def stats(self, ref: HubRef) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            self._existing_hub(tx, ref)
        return Reply(200, {"totalDeviceCount": 0, "enabledDeviceCount": 0, "disabledDeviceCount": 0})

    def skus(self, call: Call, ref: HubRef) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            hub = self._existing_hub(tx, ref)
        tier = validation.tier_of(hub["doc"]["sku"]["name"])
        allowed = {"Free": ("Free",), "Standard": ("Standard",), "Basic": ("Basic", "Standard")}[tier]
        items = [
            {
                "resourceType": ids.HUB_TYPE,
                "sku": {"name": name, "tier": sku_tier},
                "capacity": {
                    "minimum": 1,
                    "maximum": validation.SKU_MAX_CAPACITY[name],
                    "default": 1,
                    "scaleType": "Manual",
                },
            }
            for name, sku_tier in validation.SKU_TIERS.items()
            if sku_tier in allowed
        ]
        return self.page(call, items)

    def quota_metrics(self, call: Call, ref: HubRef) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            hub = self._existing_hub(tx, ref)
        sku = hub["doc"]["sku"]
        return self.page(
            call,
            [
                {
                    "name": "TotalMessages",
                    "currentValue": 0,
                    "maxValue": _MESSAGES_PER_UNIT[sku["name"]] * sku["capacity"],
                },
                {
                    "name": "TotalDeviceCount",
                    "currentValue": 0,
                    "maxValue": 500 if sku["name"] == "F1" else 1_000_000,
                },
            ],
        )

    def start_job(self, call: Call, ref: HubRef, job_type: str) -> Reply:
        required = (
            ("exportBlobContainerUri", "excludeKeys")
            if job_type == "export"
            else ("inputBlobContainerUri", "outputBlobContainerUri")
        )
        body = call.body if isinstance(call.body, dict) else {}
        missing = [name for name in required if body.get(name) in (None, "")]
        with self._hub_write(ref) as tx:
            self.settle(tx)
            hub = self._existing_hub(tx, ref)
            if missing:
                raise BadRequest(
                    f"{', '.join(missing)} is required for {job_type}Devices", code=errors.INVALID_BODY
                )
            self._require_active(hub)
            job_id = str(uuid.uuid4())
            started = ids.rfc1123(self.clock.now())
            done = {
                "jobId": job_id,
                "startTimeUtc": started,
                "endTimeUtc": started,
                "type": job_type,
                "status": "completed",
            }
            tx.upsert(
                "jobs",
                {"hub_key": hub["name_key"], "job_id": job_id, "doc": done, "seq": tx.next_counter("seq")},
            )
        return Reply(200, done)

    def list_jobs(self, call: Call, ref: HubRef) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            hub = self._existing_hub(tx, ref)
            rows = tx.all("SELECT doc FROM jobs WHERE hub_key = ? ORDER BY seq", hub["name_key"])
        return self.page(call, [row["doc"] for row in rows])

    def get_job(self, ref: HubRef, job_id: str) -> Reply:
        with self.store.transaction() as tx:
            self.settle(tx)
            hub = self._existing_hub(tx, ref)
            row = tx.one("SELECT doc FROM jobs WHERE hub_key = ? AND job_id = ?", hub["name_key"], job_id)
        if row is None:
            raise NotFound(
                f"Job '{job_id}' was not found on IotHub '{hub['name']}'", code=errors.JOB_NOT_FOUND
            )
        return Reply(200, row["doc"])
