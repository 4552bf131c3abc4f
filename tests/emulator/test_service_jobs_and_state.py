"""Export jobs (service API and ARM, one list) on the emulator's clock and their output through the control
API; device counts in ARM's IotHubStats; devices stored in SQLite, deleted with their hub, cleared by a reset,
kept across a restart, a version-1 store upgraded; the request log and fault rules on service paths."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import requests

from iothub_emulator.control import EmulatorControlError
from iothub_emulator.server import EmulatorServer
from iothub_emulator.store import DB_FILE_NAME, SCHEMA_VERSION, Store
from iothub_emulator.testing import ArmSession, ServiceSession
from tests.conftest import RESOURCE_GROUP, SUBSCRIPTION_ID
from tests.emulator.conftest import SERVICE_HUB, arm_at, hub_path, service_session

EXPORT = {"type": "export", "outputBlobContainerUri": "https://acct.blob.core.windows.net/c?sv=x"}


def _devices(owner: ServiceSession, *ids: str) -> None:
    for device_id in ids:
        assert owner.call("PUT", f"/devices/{device_id}", json={"deviceId": device_id}).status_code == 200


def test_service_export_job_completes_on_the_clock(emulator: EmulatorServer, owner: ServiceSession) -> None:
    emulator.control.freeze_clock()
    _devices(owner, "d1", "gw")
    owner.call("PATCH", "/twins/d1", json={"tags": {"site": "a"}, "properties": {"desired": {"x": 1}}})
    created = owner.call("POST", "/jobs/create", json=EXPORT)
    assert created.status_code == 200
    job = created.json()
    assert list(job) == [
        "jobId", "startTimeUtc", "type", "status", "progress", "outputBlobContainerUri",
        "excludeKeysInExport", "useSecondaryStorageAsSource",
    ]  # fmt: skip
    assert (job["type"], job["status"], job["progress"], job["excludeKeysInExport"]) == (
        "export",
        "enqueued",
        0,
        False,
    )
    _devices(owner, "later")  # the export holds the registry as it was when the job started
    assert owner.call("GET", f"/jobs/{job['jobId']}").json()["status"] == "enqueued"
    with pytest.raises(EmulatorControlError):
        emulator.control.exported_devices(job["jobId"])  # nothing written yet
    emulator.control.advance_clock(2)
    done = owner.call("GET", f"/jobs/{job['jobId']}").json()
    assert (done["status"], done["progress"]) == ("completed", 100)
    assert list(done)[:3] == ["jobId", "startTimeUtc", "endTimeUtc"]
    output = emulator.control.export_output(job["jobId"])
    assert output["hub"] == SERVICE_HUB and output["blob"] == "devices.txt"
    assert output["content"].count("\n") == 2
    lines = emulator.control.exported_devices(job["jobId"])
    assert [line["id"] for line in lines] == ["d1", "gw"]
    device = owner.call("GET", "/devices/d1").json()
    first = lines[0]
    assert first["eTag"] == device["etag"] and first["status"] == "enabled"
    assert first["authentication"]["symmetricKey"] == device["authentication"]["symmetricKey"]
    assert first["twinETag"] == "AAAAAAAAAAI=" and first["tags"] == {"site": "a"}
    assert first["properties"]["desired"]["x"] == 1 and first["properties"]["desired"]["$version"] == 2


def test_export_without_keys(emulator: EmulatorServer, owner: ServiceSession) -> None:
    _devices(owner, "d1")
    job = owner.call("POST", "/jobs/create", json={**EXPORT, "excludeKeysInExport": True}).json()
    assert job["excludeKeysInExport"] is True
    emulator.control.advance_clock(2)
    [line] = emulator.control.exported_devices(job["jobId"])
    assert line["authentication"]["symmetricKey"] == {"primaryKey": None, "secondaryKey": None}


def test_job_requests_that_are_refused(owner: ServiceSession) -> None:
    for body in (
        {"type": "import", "inputBlobContainerUri": "https://x"},
        {"type": "export"},
        {"type": "x"},
        [],
    ):
        response = owner.call("POST", "/jobs/create", json=body)
        assert response.status_code == 400 and response.headers["iothub-errorcode"] == "ArgumentInvalid"
    missing = owner.call("GET", "/jobs/no-such-job")
    assert missing.status_code == 404 and missing.headers["iothub-errorcode"] == "JobNotFound"


def test_arm_export_devices_shares_the_jobs(
    emulator: EmulatorServer, arm: ArmSession, owner: ServiceSession
) -> None:
    emulator.control.freeze_clock()
    _devices(owner, "d1")
    jobs = hub_path(SERVICE_HUB) + "/jobs"
    started = arm.call(
        "POST",
        hub_path(SERVICE_HUB) + "/exportDevices",
        json={"exportBlobContainerUri": "https://x/c", "excludeKeys": True},
    )
    assert started.status_code == 200
    job = started.json()
    assert job["type"] == "export" and job["status"] == "enqueued" and "endTimeUtc" not in job
    assert job["startTimeUtc"].endswith(" GMT")
    assert owner.call("GET", f"/jobs/{job['jobId']}").json()["excludeKeysInExport"] is True
    emulator.control.advance_clock(2)
    got = arm.call("GET", f"{jobs}/{job['jobId']}").json()
    assert got["status"] == "completed" and got["endTimeUtc"].endswith(" GMT")
    assert [j["jobId"] for j in arm.call("GET", jobs).json()["value"]] == [job["jobId"]]
    [line] = emulator.control.exported_devices(job["jobId"])
    assert line["id"] == "d1" and line["authentication"]["symmetricKey"]["primaryKey"] is None
    service_job = owner.call("GET", f"/jobs/{job['jobId']}").json()
    assert service_job["status"] == "completed" and service_job["outputBlobContainerUri"] == "https://x/c"


def test_iothub_stats_and_quota_count_the_devices(arm: ArmSession, owner: ServiceSession) -> None:
    _devices(owner, "a", "b")
    owner.call("PUT", "/devices/c", json={"deviceId": "c", "status": "disabled"})
    stats = arm.call("GET", hub_path(SERVICE_HUB) + "/IotHubStats")
    assert stats.status_code == 200
    assert stats.json() == {"totalDeviceCount": 3, "enabledDeviceCount": 2, "disabledDeviceCount": 1}
    quota = {q["name"]: q for q in arm.call("GET", hub_path(SERVICE_HUB) + "/quotaMetrics").json()["value"]}
    assert quota["TotalDeviceCount"]["currentValue"] == 3


def test_devices_go_with_their_hub(emulator: EmulatorServer, arm: ArmSession, owner: ServiceSession) -> None:
    arm.create_hub("other-hub")
    other = service_session(emulator, arm, hub="other-hub")
    _devices(owner, "d1")
    _devices(other, "d1")
    assert arm.call("DELETE", hub_path(SERVICE_HUB)).status_code in (200, 202)
    gone = owner.call("GET", "/devices/d1")
    assert gone.status_code == 404 and gone.headers["iothub-errorcode"] == "IotHubNotFound"
    assert other.call("GET", "/devices/d1").status_code == 200  # another hub's registry is its own
    arm.create_hub(SERVICE_HUB)
    fresh = service_session(emulator, arm)
    assert fresh.call("GET", "/devices").json() == []  # a recreated hub starts empty
    assert fresh.call("GET", "/twins/d1").status_code == 404


def test_reset_clears_devices(emulator: EmulatorServer, arm: ArmSession, owner: ServiceSession) -> None:
    _devices(owner, "d1")
    emulator.control.reset()
    emulator.control.create_resource_group(SUBSCRIPTION_ID, RESOURCE_GROUP, "westeurope")
    arm.create_hub(SERVICE_HUB)
    assert service_session(emulator, arm).call("GET", "/statistics/devices").json()["totalDeviceCount"] == 0


def test_request_log_records_service_requests_redacted(
    emulator: EmulatorServer, owner: ServiceSession
) -> None:
    emulator.control.clear_requests()
    owner.call("PUT", "/devices/d1", json={"deviceId": "d1"}, headers={"If-None-Match": "*"})
    [entry] = emulator.control.requests()
    assert entry["method"] == "PUT" and entry["path"] == "/devices/d1" and entry["status"] == 200
    assert entry["query"] == {"api-version": "2021-04-12"} and entry["body"] == {"deviceId": "d1"}
    assert entry["headers"]["host"] == "svc-hub.azure-devices.net"
    assert entry["headers"]["authorization"] == "<redacted>"
    assert entry["headers"]["if-none-match"] == "*"


def test_fault_rules_match_service_paths(emulator: EmulatorServer, owner: ServiceSession) -> None:
    emulator.control.add_fault(kind="throttle", method="PUT", path="/devices/", retry_after=3)
    throttled = owner.call("PUT", "/devices/d1", json={"deviceId": "d1"})
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    assert throttled.headers["iothub-errorcode"] == "ThrottlingException"
    assert throttled.json()["Message"].startswith("ErrorCode:ThrottlingException;")
    assert owner.call("PUT", "/devices/d1", json={"deviceId": "d1"}).status_code == 200  # count 1: spent
    emulator.control.add_fault(kind="error", path_regex=r"^/twins/", status=503, code="ServiceUnavailable")
    failed = owner.call("GET", "/twins/d1")
    assert failed.status_code == 503 and failed.headers["iothub-errorcode"] == "ServiceUnavailable"
    emulator.control.add_fault(kind="error", path="/statistics/")
    assert owner.call("GET", "/statistics/devices").headers["iothub-errorcode"] == "ServerError"
    emulator.control.add_fault(kind="drop", path="/devices/d1", method="GET")
    with pytest.raises(requests.ConnectionError):
        owner.call("GET", "/devices/d1")
    assert [r["fired"] for r in emulator.control.faults()] == [1, 1, 1, 1]
    assert emulator.control.requests()[-1]["status"] == 0


def test_devices_and_twins_survive_a_restart(tmp_path: Path) -> None:
    with EmulatorServer(token="t", data_dir=tmp_path) as server:
        server.control.create_resource_group(SUBSCRIPTION_ID, RESOURCE_GROUP, "westeurope")
        arm = arm_at(server.url, "t")
        arm.create_hub(SERVICE_HUB)
        owner = service_session(server, arm)
        created = owner.call("PUT", "/devices/d1", json={"deviceId": "d1"}).json()
        owner.call("PATCH", "/twins/d1", json={"tags": {"a": 1}})
    with EmulatorServer(token="t", data_dir=tmp_path) as server:
        owner = service_session(server, arm_at(server.url, "t"))
        assert owner.call("GET", "/devices/d1").json() == {
            **created,
            **{
                k: "0001-01-01T00:00:00Z"
                for k in ("connectionStateUpdatedTime", "statusUpdatedTime", "lastActivityTime")
            },
        }
        assert owner.call("GET", "/twins/d1").json()["tags"] == {"a": 1}


def test_a_version_1_store_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE_NAME
    Store(path).close()
    with sqlite3.connect(path) as conn:  # as the emulator before devices left it
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        for table in ("devices", "twins", "job_outputs"):
            conn.execute(f"DROP TABLE {table}")
    store = Store(path)
    with store.transaction() as tx:
        assert tx.schema_version() == SCHEMA_VERSION == 2
        assert tx.devices("any-hub") == []
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with pytest.raises(RuntimeError, match="unsupported emulator data schema 3"):
        Store(path)
