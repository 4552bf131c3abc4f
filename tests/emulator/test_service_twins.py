"""Device twins over the service API: their own etag and version, tags and desired merge (null deletes),
replace, ``$metadata``/``$version`` as recorded, no ETag header, the device etag left alone."""

from __future__ import annotations

from typing import Any

import pytest

from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ServiceSession


@pytest.fixture
def device(owner: ServiceSession) -> dict[str, Any]:
    response = owner.call("PUT", "/devices/d1", json={"deviceId": "d1"})
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _patch(owner: ServiceSession, body: dict[str, Any], if_match: str = "*") -> dict[str, Any]:
    response = owner.call("PATCH", "/twins/d1", json=body, headers={"If-Match": if_match})
    assert response.status_code == 200, response.text
    assert "ETag" not in response.headers
    result: dict[str, Any] = response.json()
    return result


def test_a_new_twin_as_recorded(
    emulator: EmulatorServer, owner: ServiceSession, device: dict[str, Any]
) -> None:
    response = owner.call("GET", "/twins/d1")
    assert response.status_code == 200 and "ETag" not in response.headers  # the etag is in the body only
    twin = response.json()
    assert list(twin) == [
        "deviceId", "etag", "deviceEtag", "status", "statusUpdateTime", "connectionState", "lastActivityTime",
        "cloudToDeviceMessageCount", "authenticationType", "x509Thumbprint", "version", "properties",
        "capabilities",
    ]  # fmt: skip
    assert twin["etag"] == "AAAAAAAAAAE=" and twin["version"] == 2
    assert twin["deviceEtag"] == device["etag"]
    assert twin["statusUpdateTime"] == "0001-01-01T00:00:00Z" and twin["authenticationType"] == "sas"
    assert "tags" not in twin  # never set: absent, not {}
    desired, reported = twin["properties"]["desired"], twin["properties"]["reported"]
    assert list(desired) == ["$metadata", "$version"] and desired["$version"] == 1
    assert list(desired["$metadata"]) == ["$lastUpdated"] and desired["$metadata"]["$lastUpdated"].endswith(
        "Z"
    )
    assert reported == desired


def test_patch_merges_tags_and_desired_and_null_deletes(
    owner: ServiceSession, device: dict[str, Any]
) -> None:
    first = _patch(
        owner,
        {
            "tags": {"site": "a", "rack": {"row": 1, "slot": 2}},
            "properties": {"desired": {"mode": "eco", "fan": {"speed": 3}}},
        },
    )  # fmt: skip
    assert first["etag"] == "AAAAAAAAAAI=" and first["version"] == 3
    assert first["tags"] == {"site": "a", "rack": {"row": 1, "slot": 2}}
    desired = first["properties"]["desired"]
    assert list(desired)[:2] == ["mode", "fan"] and list(desired)[-2:] == ["$metadata", "$version"]
    assert desired["$version"] == 2
    metadata = desired["$metadata"]
    assert (
        list(metadata)[:2] == ["$lastUpdated", "$lastUpdatedVersion"] and metadata["$lastUpdatedVersion"] == 2
    )
    assert metadata["mode"] == {"$lastUpdated": metadata["$lastUpdated"], "$lastUpdatedVersion": 2}
    assert metadata["fan"]["speed"]["$lastUpdatedVersion"] == 2
    second = _patch(
        owner,
        {
            "tags": {"site": None, "rack": {"slot": None, "row": 5}},
            "properties": {"desired": {"mode": None, "fan": {"dir": "in"}}},
        },
        if_match=f'"{first["etag"]}"',
    )  # fmt: skip
    assert second["tags"] == {"rack": {"row": 5}}
    assert {k: v for k, v in second["properties"]["desired"].items() if not k.startswith("$")} == {
        "fan": {"speed": 3, "dir": "in"}
    }
    assert "mode" not in second["properties"]["desired"]["$metadata"]
    assert second["properties"]["desired"]["$version"] == 3 and second["version"] == 4
    tags_only = _patch(owner, {"tags": {"new": True}})
    assert tags_only["properties"]["desired"]["$version"] == 3  # tags are not desired properties
    assert tags_only["tags"] == {"rack": {"row": 5}, "new": True}


def test_the_whole_twin_sent_back_is_merged_and_its_read_only_fields_ignored(
    owner: ServiceSession, device: dict[str, Any]
) -> None:
    twin = owner.call("GET", "/twins/d1").json()
    twin["properties"]["desired"]["username"] = "userA"  # what the .NET SDK sent (recorded)
    twin["version"] = 99
    updated = _patch(owner, twin)
    desired = updated["properties"]["desired"]
    assert desired["username"] == "userA" and desired["$version"] == 2 and updated["version"] == 3
    assert desired["$metadata"]["username"]["$lastUpdatedVersion"] == 2


def test_put_replaces_tags_and_desired(owner: ServiceSession, device: dict[str, Any]) -> None:
    _patch(owner, {"tags": {"a": 1, "b": 2}, "properties": {"desired": {"x": 1, "y": 2}}})
    response = owner.call(
        "PUT",
        "/twins/d1",
        json={"tags": {"c": 3}, "properties": {"desired": {"z": 1}}},
        headers={"If-Match": "*"},
    )
    assert response.status_code == 200 and "ETag" not in response.headers
    replaced = response.json()
    assert replaced["tags"] == {"c": 3}
    assert {k for k in replaced["properties"]["desired"] if not k.startswith("$")} == {"z"}
    assert set(replaced["properties"]["desired"]["$metadata"]) == {"$lastUpdated", "$lastUpdatedVersion", "z"}
    assert replaced["properties"]["desired"]["$version"] == 3


def test_stale_twin_etag_is_412_and_changes_nothing(owner: ServiceSession, device: dict[str, Any]) -> None:
    _patch(owner, {"tags": {"a": 1}})
    for method in ("PATCH", "PUT"):
        response = owner.call(
            "PATCH" if method == "PATCH" else "PUT",
            "/twins/d1",
            json={"tags": {"a": 2}},
            headers={"If-Match": '"AAAAAAAAAAE="'},
        )
        assert response.status_code == 412 and response.headers["iothub-errorcode"] == "PreconditionFailed"
        assert response.json()["Message"] == "ErrorCode:PreconditionFailed;ETag mismatch for device ID 'd1'"
    # the device's etag is no twin etag
    response = owner.call(
        "PATCH", "/twins/d1", json={"tags": {"a": 2}}, headers={"If-Match": f'"{device["etag"]}"'}
    )
    assert response.status_code == 412
    twin = owner.call("GET", "/twins/d1").json()
    assert twin["tags"] == {"a": 1} and twin["etag"] == "AAAAAAAAAAI="
    assert _patch(owner, {"tags": {"a": 3}}, if_match='"AAAAAAAAAAI="')["tags"] == {"a": 3}
    assert owner.call("PATCH", "/twins/d1", json={"tags": {"a": 4}}).status_code == 200  # no If-Match


def test_twin_writes_leave_the_device_etag_alone(owner: ServiceSession, device: dict[str, Any]) -> None:
    twin = _patch(owner, {"tags": {"a": 1}, "properties": {"desired": {"x": 1}}})
    assert twin["deviceEtag"] == device["etag"]
    got = owner.call("GET", "/devices/d1")
    assert got.json()["etag"] == device["etag"] and got.headers["ETag"] == f'"{device["etag"]}"'
    # a device update shows in the twin, and keeps the twin's etag
    updated = owner.call(
        "PUT",
        "/devices/d1",
        json={"deviceId": "d1", "status": "disabled"},
        headers={"If-Match": f'"{device["etag"]}"'},
    ).json()
    after = owner.call("GET", "/twins/d1").json()
    assert after["deviceEtag"] == updated["etag"] and after["status"] == "disabled"
    assert after["etag"] == twin["etag"] and after["tags"] == {"a": 1}


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"tags": "x"},
        {"properties": {"desired": "x"}},
        {"tags": {"a.b": 1}},
        {"tags": {"a b": 1}},
        {"properties": {"desired": {"$x": 1}}},
        {
            "properties": {
                "desired": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": {"k": 1}}}}}}}}}}}
            }
        },
    ],
)
def test_invalid_twin_bodies(owner: ServiceSession, device: dict[str, Any], body: Any) -> None:
    response = owner.call("PATCH", "/twins/d1", json=body)
    assert response.status_code == 400 and response.headers["iothub-errorcode"] == "ArgumentInvalid"
    assert owner.call("GET", "/twins/d1").json()["etag"] == "AAAAAAAAAAE="


def test_twin_of_a_missing_device(owner: ServiceSession) -> None:
    for method in ("GET", "PATCH", "PUT"):
        response = owner.call(method, "/twins/nope", json=None if method == "GET" else {"tags": {}})
        assert response.status_code == 404 and response.json()["Message"] == "ErrorCode:DeviceNotFound;nope"


def test_edge_twin_shows_its_scope(owner: ServiceSession) -> None:
    gateway = owner.call(
        "PUT", "/devices/gw", json={"deviceId": "gw", "capabilities": {"iotEdge": True}}
    ).json()
    twin = owner.call("GET", "/twins/gw").json()
    assert twin["capabilities"] == {"iotEdge": True} and twin["deviceScope"] == gateway["deviceScope"]
