"""How device identities, twins, registry jobs and export lines look on the wire (field order as recorded).

- Device (``DevicesClient_IdentityLifecycle``, 2021): compact JSON, ``etag`` unquoted in the body; times
  never set are ``0001-01-01T00:00:00Z``, written without the ``Z`` in the response to the PUT that created
  the device (as recorded); ``deviceScope``/``parentScopes`` follow (the swagger's order) on api-versions
  from 2021-04-12, and on 2020-03-13 only when set (its recordings show neither on a plain device).
- Twin (``DevicesClient_DeviceTwinLifecycle``): ``etag`` first, ``statusUpdateTime`` (not
  ``statusUpdatedTime``), ``authenticationType`` and ``x509Thumbprint`` at the top, ``version``, then
  ``tags`` (only once set: never shown as ``{}`` before), ``properties`` (keys before ``$metadata`` and
  ``$version``), ``capabilities``.
- Jobs: the service's job JSON (``Jobs_Export_Import_Lifecycle``) and ARM's ``JobResponse`` (RFC 1123 times).
"""

from __future__ import annotations

import copy
from typing import Any

from iothub_emulator import ids
from iothub_emulator.devices import device_etag, service_time, twin_etag

NEVER = "0001-01-01T00:00:00Z"
NEVER_ON_CREATE = "0001-01-01T00:00:00"
SCOPES_FROM = "2021-04-12"  # api-versions sort as text


def _authentication(record: dict[str, Any], exclude_keys: bool = False) -> dict[str, Any]:
    auth = record["authentication"]
    return {
        "symmetricKey": {
            "primaryKey": None if exclude_keys else auth["primaryKey"],
            "secondaryKey": None if exclude_keys else auth["secondaryKey"],
        },
        "x509Thumbprint": {
            "primaryThumbprint": auth["primaryThumbprint"],
            "secondaryThumbprint": auth["secondaryThumbprint"],
        },
        "type": auth["type"],
    }


def device(record: dict[str, Any], api_version: str, *, created: bool = False) -> dict[str, Any]:
    never = NEVER_ON_CREATE if created else NEVER
    status_time = record.get("statusUpdatedTime")
    out: dict[str, Any] = {
        "deviceId": record["deviceId"],
        "generationId": record["generationId"],
        "etag": device_etag(record["version"]),
        "connectionState": "Disconnected",
        "status": record["status"],
        "statusReason": record["statusReason"],
        "connectionStateUpdatedTime": never,
        "statusUpdatedTime": service_time(status_time) if status_time is not None else never,
        "lastActivityTime": never,
        "cloudToDeviceMessageCount": 0,
        "authentication": _authentication(record),
        "capabilities": {"iotEdge": record["iotEdge"]},
    }
    if api_version >= SCOPES_FROM:
        out["deviceScope"] = record["deviceScope"]
        out["parentScopes"] = list(record["parentScopes"])
    else:
        if record["deviceScope"]:
            out["deviceScope"] = record["deviceScope"]
        if record["parentScopes"]:
            out["parentScopes"] = list(record["parentScopes"])
    return out


def _ordered_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """``$lastUpdated``/``$lastUpdatedVersion`` before the keys' own entries, at every level."""
    own = {k: v for k, v in metadata.items() if k.startswith("$")}
    children = {
        k: _ordered_metadata(v) for k, v in metadata.items() if not k.startswith("$") and isinstance(v, dict)
    }
    return {**own, **children}


def _section(values: dict[str, Any], metadata: dict[str, Any], version: int) -> dict[str, Any]:
    return {**copy.deepcopy(values), "$metadata": _ordered_metadata(metadata), "$version": version}


def properties(twin: dict[str, Any]) -> dict[str, Any]:
    return {
        "desired": _section(twin["desired"], twin["desiredMetadata"], twin["desiredVersion"]),
        "reported": _section(twin["reported"], twin["reportedMetadata"], twin["reportedVersion"]),
    }


def twin(record: dict[str, Any], state: dict[str, Any], api_version: str) -> dict[str, Any]:
    status_time = record.get("statusUpdatedTime")
    auth = record["authentication"]
    out: dict[str, Any] = {
        "deviceId": record["deviceId"],
        "etag": twin_etag(state["etag"]),
        "deviceEtag": device_etag(record["version"]),
        "status": record["status"],
    }
    if record["statusReason"] is not None:
        out["statusReason"] = record["statusReason"]
    out.update(
        {
            "statusUpdateTime": service_time(status_time) if status_time is not None else NEVER,
            "connectionState": "Disconnected",
            "lastActivityTime": NEVER,
            "cloudToDeviceMessageCount": 0,
            "authenticationType": auth["type"],
            "x509Thumbprint": {
                "primaryThumbprint": auth["primaryThumbprint"],
                "secondaryThumbprint": auth["secondaryThumbprint"],
            },
            "version": state["version"],
        }
    )
    if state["tags"] is not None:
        out["tags"] = copy.deepcopy(state["tags"])
    out["properties"] = properties(state)
    out["capabilities"] = {"iotEdge": record["iotEdge"]}
    if record["deviceScope"]:
        out["deviceScope"] = record["deviceScope"]
    if record["parentScopes"] and api_version >= SCOPES_FROM:
        out["parentScopes"] = list(record["parentScopes"])
    return out


def export_line(record: dict[str, Any], state: dict[str, Any], exclude_keys: bool) -> dict[str, Any]:
    """One line of an export's ``devices.txt``: an ExportImportDevice (the bulk-identity docs' fields)."""
    out: dict[str, Any] = {
        "id": record["deviceId"],
        "eTag": device_etag(record["version"]),
        "status": record["status"],
    }
    if record["statusReason"] is not None:
        out["statusReason"] = record["statusReason"]
    out["authentication"] = _authentication(record, exclude_keys)
    if state:
        out["twinETag"] = twin_etag(state["etag"])
        if state["tags"] is not None:
            out["tags"] = copy.deepcopy(state["tags"])
        out["properties"] = properties(state)
    out["capabilities"] = {"iotEdge": record["iotEdge"]}
    if record["deviceScope"]:
        out["deviceScope"] = record["deviceScope"]
    if record["parentScopes"]:
        out["parentScopes"] = list(record["parentScopes"])
    return out


def job_done(job: dict[str, Any], now: float) -> bool:
    return "due" not in job or now >= job["due"]


def service_job(job: dict[str, Any], now: float) -> dict[str, Any]:
    """The service API's job JSON (``enqueued``, then ``completed`` with ``endTimeUtc``)."""
    if "start" not in job:  # a schema-1 ARM job
        return dict(job)
    done = job_done(job, now)
    out: dict[str, Any] = {"jobId": job["jobId"], "startTimeUtc": service_time(job["start"])}
    if done:
        out["endTimeUtc"] = service_time(job["due"])
    out.update(
        {"type": job["type"], "status": "completed" if done else "enqueued", "progress": 100 if done else 0}
    )
    if "inputBlobContainerUri" in job:
        out["inputBlobContainerUri"] = job["inputBlobContainerUri"]
    out["outputBlobContainerUri"] = job["outputBlobContainerUri"]
    out["excludeKeysInExport"] = bool(job.get("excludeKeysInExport", False))
    out["useSecondaryStorageAsSource"] = False
    return out


def arm_job(job: dict[str, Any], now: float) -> dict[str, Any]:
    """ARM's ``JobResponse``: RFC 1123 times, ``endTimeUtc`` once completed."""
    if "start" not in job:  # a schema-1 ARM job
        return dict(job)
    done = job_done(job, now)
    out: dict[str, Any] = {"jobId": job["jobId"], "startTimeUtc": ids.rfc1123(job["start"])}
    if done:
        out["endTimeUtc"] = ids.rfc1123(job["due"])
    out.update({"type": job["type"], "status": "completed" if done else "enqueued"})
    return out
