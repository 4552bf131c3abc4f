"""Device identities of a hub's registry: create, replace, read, delete, list, count; the hub a service-API
host names.

Rules (recorded traffic, /tmp research notes sections 1-2, and the contract of issue 12):
- PUT: ``If-None-Match: *`` creates, or fails 412 when the device exists; no (or an empty) ``If-Match``
  creates, or fails 409 ``DeviceAlreadyExists``; ``If-Match: *`` or a quoted etag replaces (404
  ``DeviceNotFound`` when missing, 412 "Device version did not match" when stale). The body's own ``etag``
  and read-only fields are ignored.
- The etag is base64 of a decimal version that a replace moves up by one, starting at a random 9-digit
  number for each new device (a recreated device never matches an old etag); ``generationId`` is the .NET
  ticks of the creation time and never changes.
- Keys absent or empty are generated (32 random bytes each); ``statusUpdatedTime`` is set when the status
  changes; an IoT Edge device's ``deviceScope`` is ``ms-azure-iot-edge://{deviceId}-{generationId}``; a leaf
  names its parent by setting ``deviceScope`` to the parent's scope (and then reports it in
  ``parentScopes``), an edge child by ``parentScopes``; a scope naming no edge device of the hub is 400.
- DELETE: no ``If-Match`` or ``*`` deletes, a stale etag is 412, a missing device 404. The twin goes with it.

Each method runs in one store transaction and returns records (the stored document: ``DeviceRecord`` keys
below); the handlers render them and choose the status.
"""

from __future__ import annotations

import base64
import binascii
import random
from dataclasses import dataclass
from typing import Any

from iothub_emulator import device_validation, ids, keys
from iothub_emulator.core import Env
from iothub_emulator.device_validation import EDGE_SCOPE_PREFIX, DeviceSpec
from iothub_emulator.operations import Operations
from iothub_emulator.service_errors import (
    ArgumentInvalid,
    DeviceAlreadyExists,
    DeviceNotFound,
    IotHubNotFound,
    PreconditionFailed,
    device_version_mismatch,
)
from iothub_emulator.store import Tx

HOST_SUFFIX = ".azure-devices.net"
MAX_LIST = 1000
_TICKS_AT_EPOCH = 621_355_968_000_000_000  # .NET ticks (100 ns since 0001-01-01) at 1970-01-01
_versions = random.Random()


def device_etag(version: int) -> str:
    """``NzI3ODk0ODYz`` = base64("727894863"), as recorded."""
    return base64.b64encode(str(version).encode()).decode("ascii")


def etag_version(etag: str) -> str:
    """The decimal version an etag stands for (the text of a 412), or ``0`` when it is not one."""
    try:
        text = base64.b64decode(etag, validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        return "0"
    return text if text.isdigit() else "0"


def twin_etag(counter: int) -> str:
    """``AAAAAAAAAAE=`` = base64 of the 8-byte big-endian 1, as recorded."""
    return base64.b64encode(counter.to_bytes(8, "big")).decode("ascii")


def generation_id(now: float) -> str:
    return str(_TICKS_AT_EPOCH + int(round(now * 10_000_000)))


def edge_scope(device_id: str, generation: str) -> str:
    return f"{EDGE_SCOPE_PREFIX}{device_id}-{generation}"


@dataclass(frozen=True)
class ServiceHub:
    """What the service API's front door needs of a hub: its key, name, policies and local-auth switch."""

    key: str
    name: str
    host: str
    policies: list[dict[str, Any]]
    local_auth_disabled: bool


@dataclass(frozen=True)
class DeviceWrite:
    record: dict[str, Any]
    created: bool


def hub_key_of_host(host: str) -> str | None:
    """The hub name key a service-API host names (``<hub>.azure-devices.net``, any case, port dropped)."""
    name = host.strip().lower()
    head, sep, port = name.rpartition(":")
    if sep and port.isdigit():
        name = head
    if not name.endswith(HOST_SUFFIX) or len(name) == len(HOST_SUFFIX):
        return None
    return name[: -len(HOST_SUFFIX)]


def existing_service_hub(tx: Tx, hub_key: str) -> dict[str, Any]:
    """The hub's row while it has a service endpoint (created, not yet deleted), else ``IotHubNotFound``."""
    hub = tx.hub(hub_key)
    if hub is None or hub["state"] == "Activating":
        raise IotHubNotFound(f"IotHub '{hub_key}{HOST_SUFFIX}' not found")
    return hub


def existing_device(tx: Tx, hub_key: str, device_id: str) -> dict[str, Any]:
    record = tx.device(hub_key, device_id)
    if record is None:
        raise DeviceNotFound(device_id)
    return record


class Devices:
    def __init__(self, env: Env, ops: Operations) -> None:
        self.clock = env.clock
        self.ops = ops

    def service_hub(self, host: str) -> ServiceHub | None:
        """The hub a service-API host names; None when the host is no hub host at all; ``IotHubNotFound``
        when it is one but no such hub has a service endpoint."""
        hub_key = hub_key_of_host(host)
        if hub_key is None:
            return None
        with self.ops.settled_read() as tx:
            hub = existing_service_hub(tx, hub_key)
        return ServiceHub(
            key=hub["name_key"],
            name=hub["name"],
            host=f"{hub['name_key']}{HOST_SUFFIX}",
            policies=list(hub["keys"]),
            local_auth_disabled=bool(hub["doc"].get("properties", {}).get("disableLocalAuth")),
        )

    def get(self, hub_key: str, device_id: str) -> dict[str, Any]:
        with self.ops.settled_read() as tx:
            existing_service_hub(tx, hub_key)
            return existing_device(tx, hub_key, device_id)

    def list(self, hub_key: str, top: int | None) -> list[dict[str, Any]]:
        """At most ``top`` devices, creation order; outside 1-1000 means 1000 (the swagger's rule)."""
        limit = top if top is not None and 1 <= top <= MAX_LIST else MAX_LIST
        with self.ops.settled_read() as tx:
            existing_service_hub(tx, hub_key)
            return tx.devices(hub_key, limit)

    def statistics(self, hub_key: str) -> dict[str, int]:
        with self.ops.settled_read() as tx:
            existing_service_hub(tx, hub_key)
            return counts(tx, hub_key)

    def put(
        self, hub_key: str, device_id: str, body: Any, *, if_match: str | None, if_none_match: str | None
    ) -> DeviceWrite:
        device_validation.check_device_id(device_id)
        spec = device_validation.device_spec(device_id, body)
        with self.ops.settled_write() as tx:
            existing_service_hub(tx, hub_key)
            current = tx.device(hub_key, device_id)
            if if_none_match == "*":
                if current is not None:
                    raise PreconditionFailed(f"Precondition failed: A device with ID '{device_id}' exists.")
            elif if_match is None:
                if current is not None:
                    raise DeviceAlreadyExists(device_id)
            elif current is None:
                raise DeviceNotFound(device_id)
            elif if_match != "*" and if_match != device_etag(current["version"]):
                raise device_version_mismatch(str(current["version"]), etag_version(if_match))
            now = self.clock.now()
            record = self._record(tx, hub_key, device_id, spec, current, now)
            tx.save_device(hub_key, record, tx.next_counter("seq"))
            if current is None:
                tx.save_twin(hub_key, device_id, new_twin(now))
            return DeviceWrite(record, created=current is None)

    def _record(
        self,
        tx: Tx,
        hub_key: str,
        device_id: str,
        spec: DeviceSpec,
        current: dict[str, Any] | None,
        now: float,
    ) -> dict[str, Any]:
        generation = current["generationId"] if current is not None else generation_id(now)
        if spec.iot_edge:
            scope = edge_scope(device_id, generation)
            if len(spec.parent_scopes) > 1:
                raise ArgumentInvalid("parentScopes: an IoT Edge device has at most one parent")
            parents = list(spec.parent_scopes)
            if scope in parents:
                raise ArgumentInvalid("parentScopes: a device cannot be its own parent")
        else:
            scope = spec.device_scope
            parents = [scope] if scope else []
        for parent in parents:
            if tx.edge_device_with_scope(hub_key, parent) is None:
                raise ArgumentInvalid(
                    f"The scope '{parent}' is not the deviceScope of an IoT Edge device of this hub"
                )
        status_changed = current is not None and current["status"] != spec.status
        return {
            "deviceId": device_id,
            "generationId": generation,
            "version": current["version"] + 1 if current is not None else _versions.randint(10**8, 10**9 - 2),
            "status": spec.status,
            "statusReason": spec.status_reason,
            "statusUpdatedTime": now if status_changed else (current or {}).get("statusUpdatedTime"),
            "authentication": {
                "type": spec.auth_type,
                "primaryKey": spec.primary_key or (keys.new_key() if spec.auth_type == "sas" else None),
                "secondaryKey": spec.secondary_key or (keys.new_key() if spec.auth_type == "sas" else None),
                "primaryThumbprint": spec.primary_thumbprint,
                "secondaryThumbprint": spec.secondary_thumbprint,
            },
            "iotEdge": spec.iot_edge,
            "deviceScope": scope,
            "parentScopes": parents,
            "createdAt": current["createdAt"] if current is not None else now,
        }

    def delete(self, hub_key: str, device_id: str, *, if_match: str | None) -> None:
        with self.ops.settled_write() as tx:
            existing_service_hub(tx, hub_key)
            current = existing_device(tx, hub_key, device_id)
            if if_match is not None and if_match != "*" and if_match != device_etag(current["version"]):
                raise device_version_mismatch(str(current["version"]), etag_version(if_match))
            tx.drop_device(hub_key, device_id)


def counts(tx: Tx, hub_key: str) -> dict[str, int]:
    """The registry statistics (exact counts: the real service's lag behind its registry is not emulated)."""
    total, enabled, disabled = tx.device_counts(hub_key)
    return {"totalDeviceCount": total, "enabledDeviceCount": enabled, "disabledDeviceCount": disabled}


def new_twin(now: float) -> dict[str, Any]:
    """A new device's twin: etag 1, version 2, empty desired and reported sections at version 1."""
    stamp = service_time(now)
    return {
        "etag": 1,
        "version": 2,
        "tags": None,
        "desired": {},
        "desiredMetadata": {"$lastUpdated": stamp},
        "desiredVersion": 1,
        "reported": {},
        "reportedMetadata": {"$lastUpdated": stamp},
        "reportedVersion": 1,
    }


def service_time(moment: float) -> str:
    """The service's time format: UTC, up to 7 fractional digits, trailing zeros dropped
    (``2021-07-07T20:45:24.131397Z``)."""
    whole, fraction = divmod(int(round(moment * 10_000_000)), 10_000_000)
    text = ids.iso(float(whole))[:19]
    digits = f"{fraction:07d}".rstrip("0")
    return f"{text}.{digits}Z" if digits else f"{text}Z"
