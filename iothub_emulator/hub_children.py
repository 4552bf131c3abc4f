"""A hub's read-only and job sub-resources: keys, statistics, SKUs, quota metrics, import/export jobs."""

from __future__ import annotations

import uuid
from typing import Any

from iothub_emulator import core, errors, ids, validation
from iothub_emulator.core import Env
from iothub_emulator.errors import BadRequest, NotFound
from iothub_emulator.operations import Operations
from iothub_emulator.wire import HubPath

_MESSAGES_PER_UNIT = {
    "F1": 8000,
    "S1": 400_000,
    "S2": 6_000_000,
    "S3": 300_000_000,
    "B1": 400_000,
    "B2": 6_000_000,
    "B3": 300_000_000,
}


class HubChildren:
    def __init__(self, env: Env, ops: Operations) -> None:
        self.clock = env.clock
        self.ops = ops

    def _hub(self, ref: HubPath) -> dict[str, Any]:
        with self.ops.settled_write() as tx:
            return core.existing_hub(tx, ref)

    def keys(self, ref: HubPath) -> list[dict[str, Any]]:
        """The hub's shared access policies, keys included."""
        return list(self._hub(ref)["keys"])

    def key(self, ref: HubPath, key_name: str) -> dict[str, Any]:
        hub = self._hub(ref)
        for policy in hub["keys"]:
            if policy["keyName"].lower() == key_name.lower():
                return dict(policy)
        raise NotFound(
            f"The key name '{key_name}' was not found on IotHub '{hub['name']}'",
            code=errors.KEY_NAME_NOT_FOUND,
        )

    def stats(self, ref: HubPath) -> dict[str, int]:
        """Device counts: the emulator has no device registry, so always none."""
        self._hub(ref)
        return {"totalDeviceCount": 0, "enabledDeviceCount": 0, "disabledDeviceCount": 0}

    def skus(self, ref: HubPath) -> list[dict[str, Any]]:
        """The SKUs the hub may move to: within its tier, and Basic may go up to Standard."""
        tier = validation.tier_of(self._hub(ref)["doc"]["sku"]["name"])
        allowed = {"Free": ("Free",), "Standard": ("Standard",), "Basic": ("Basic", "Standard")}[tier]
        return [
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

    def quota_metrics(self, ref: HubPath) -> list[dict[str, Any]]:
        sku = self._hub(ref)["doc"]["sku"]
        return [
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
        ]

    def start_job(self, ref: HubPath, job_type: str, body: Any) -> dict[str, Any]:
        """An import or export job; with no devices to move it is completed when it starts."""
        required = (
            ("exportBlobContainerUri", "excludeKeys")
            if job_type == "export"
            else ("inputBlobContainerUri", "outputBlobContainerUri")
        )
        fields = body if isinstance(body, dict) else {}
        missing = [name for name in required if fields.get(name) in (None, "")]
        with self.ops.hub_write(ref) as tx:
            hub = core.existing_hub(tx, ref)
            if missing:
                raise BadRequest(
                    f"{', '.join(missing)} is required for {job_type}Devices", code=errors.INVALID_BODY
                )
            core.require_active(hub)
            job_id = str(uuid.uuid4())
            started = ids.rfc1123(self.clock.now())
            done = {
                "jobId": job_id,
                "startTimeUtc": started,
                "endTimeUtc": started,
                "type": job_type,
                "status": "completed",
            }
            tx.save_job(hub["name_key"], job_id, done)
        return done

    def jobs(self, ref: HubPath) -> list[dict[str, Any]]:
        with self.ops.settled_write() as tx:
            return tx.jobs(core.existing_hub(tx, ref)["name_key"])

    def job(self, ref: HubPath, job_id: str) -> dict[str, Any]:
        with self.ops.settled_write() as tx:
            hub = core.existing_hub(tx, ref)
            doc = tx.job(hub["name_key"], job_id)
        if doc is None:
            raise NotFound(
                f"Job '{job_id}' was not found on IotHub '{hub['name']}'", code=errors.JOB_NOT_FOUND
            )
        return doc
