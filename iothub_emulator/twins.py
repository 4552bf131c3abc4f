"""Device twins: read, update (PATCH merges), replace (PUT), each guarded by the twin's own etag.

Rules (recorded traffic, /tmp research notes section 1.2, and the device-twin docs):
- A twin has its own etag (base64 of an 8-byte counter, ``AAAAAAAAAAE=`` for a new device) and ``version``
  (2 for a new device); every write moves both up by one. ``If-Match`` absent or ``*`` writes
  unconditionally; another value must be the twin's etag, else 412 "ETag mismatch for device ID '<id>'".
- PATCH merges ``tags`` and ``properties.desired`` into the twin: a key set to null is removed, objects
  merge key by key. PUT replaces both sections (a section it does not send is emptied).
- A desired change moves ``desired.$version`` up by one and stamps ``$metadata``: the section's
  ``$lastUpdated``/``$lastUpdatedVersion`` and each key written. Reported properties belong to the device
  and are never written here; read-only fields sent back are ignored.
- Twin writes never touch the device identity (its etag stays).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from iothub_emulator import device_validation
from iothub_emulator.core import Env
from iothub_emulator.devices import existing_device, existing_service_hub, service_time, twin_etag
from iothub_emulator.operations import Operations
from iothub_emulator.service_errors import twin_etag_mismatch


@dataclass(frozen=True)
class TwinView:
    """A twin and the device identity it belongs to (the twin shows the device's status and etag)."""

    device: dict[str, Any]
    twin: dict[str, Any]


def _merge(
    target: dict[str, Any], metadata: dict[str, Any] | None, patch: dict[str, Any], stamp: Any
) -> None:
    """Merge ``patch`` into ``target`` (null removes a key), stamping ``metadata`` per key written."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
            if metadata is not None:
                metadata.pop(key, None)
        elif isinstance(value, dict):
            if not isinstance(target.get(key), dict):
                target[key] = {}
                if metadata is not None:
                    metadata[key] = {}
            child_meta = None
            if metadata is not None:
                child_meta = metadata.setdefault(key, {})
                child_meta.update(stamp)
            _merge(target[key], child_meta, value, stamp)
        else:
            target[key] = copy.deepcopy(value)
            if metadata is not None:
                metadata[key] = dict(stamp)


class Twins:
    def __init__(self, env: Env, ops: Operations) -> None:
        self.clock = env.clock
        self.ops = ops

    def get(self, hub_key: str, device_id: str) -> TwinView:
        with self.ops.settled_read() as tx:
            existing_service_hub(tx, hub_key)
            device = existing_device(tx, hub_key, device_id)
            twin = tx.twin(hub_key, device_id)
        assert twin is not None  # written with the device, deleted with it
        return TwinView(device, twin)

    def update(
        self, hub_key: str, device_id: str, body: Any, *, if_match: str | None, replace: bool
    ) -> TwinView:
        """PATCH (``replace`` False: merge) or PUT (replace tags and desired properties)."""
        tags, desired = device_validation.twin_patch(body)
        with self.ops.settled_write() as tx:
            existing_service_hub(tx, hub_key)
            device = existing_device(tx, hub_key, device_id)
            twin = tx.twin(hub_key, device_id)
            assert twin is not None
            if if_match is not None and if_match != "*" and if_match != twin_etag(twin["etag"]):
                raise twin_etag_mismatch(device_id)
            changed = self._apply(twin, tags, desired, replace)
            twin.update(changed)
            twin["etag"] += 1
            twin["version"] += 1
            tx.save_twin(hub_key, device_id, twin)
        return TwinView(device, twin)

    def _apply(
        self,
        twin: dict[str, Any],
        tags: dict[str, Any] | None,
        desired: dict[str, Any] | None,
        replace: bool,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if replace:
            out["tags"] = copy.deepcopy(tags or {})
        elif tags is not None:
            merged = copy.deepcopy(twin["tags"] or {})
            _merge(merged, None, tags, {})
            out["tags"] = merged
        if desired is None and not replace:
            return out
        version = twin["desiredVersion"] + 1
        stamp = {"$lastUpdated": service_time(self.clock.now()), "$lastUpdatedVersion": version}
        if replace:
            values: dict[str, Any] = {}
            metadata: dict[str, Any] = {}
        else:
            values = copy.deepcopy(twin["desired"])
            metadata = {
                k: v for k, v in copy.deepcopy(twin["desiredMetadata"]).items() if not k.startswith("$")
            }
        _merge(values, metadata, desired or {}, stamp)
        out["desired"] = values
        out["desiredMetadata"] = {**stamp, **metadata}
        out["desiredVersion"] = version
        return out
