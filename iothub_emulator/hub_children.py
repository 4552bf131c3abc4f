"""A hub's read-only sub-resources: keys, statistics, SKUs, quota metrics (jobs: ``device_jobs``)."""

from __future__ import annotations

from typing import Any

from iothub_emulator import core, devices, errors, ids, validation
from iothub_emulator.core import Env
from iothub_emulator.errors import NotFound
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
        """Device counts of the hub's registry (the devices its service API holds; exact, where Azure's
        statistics lag behind)."""
        with self.ops.settled_read() as tx:
            return devices.counts(tx, core.existing_hub(tx, ref)["name_key"])

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
        with self.ops.settled_read() as tx:
            hub = core.existing_hub(tx, ref)
            device_count = devices.counts(tx, hub["name_key"])["totalDeviceCount"]
        sku = hub["doc"]["sku"]
        return [
            {
                "name": "TotalMessages",
                "currentValue": 0,
                "maxValue": _MESSAGES_PER_UNIT[sku["name"]] * sku["capacity"],
            },
            {
                "name": "TotalDeviceCount",
                "currentValue": device_count,
                "maxValue": 500 if sku["name"] == "F1" else 1_000_000,
            },
        ]
