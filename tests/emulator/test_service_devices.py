"""Device identities over the service API: the recorded ETag table, the device JSON, generated keys,
validation, edge scopes and parents, status times, generation ids, lists."""

from __future__ import annotations

import base64
import datetime
from typing import Any
from urllib.parse import quote

import pytest

from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ServiceSession

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()
SHA1 = "A" * 40
SHA256 = "b" * 64
NEVER = "0001-01-01T00:00:00Z"


def _create(owner: ServiceSession, device_id: str, **body: Any) -> dict[str, Any]:
    response = owner.call("PUT", f"/devices/{device_id}", json={"deviceId": device_id, **body})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _etag_number(etag: str) -> int:
    return int(base64.b64decode(etag).decode())


def test_create_answers_200_with_the_recorded_shape(emulator: EmulatorServer, owner: ServiceSession) -> None:
    emulator.control.freeze_clock()
    now = emulator.control.clock()["now"]
    response = owner.call("PUT", "/devices/d1", json={"deviceId": "d1"}, headers={"If-None-Match": "*"})
    assert response.status_code == 200  # never 201 (recorded)
    body = response.json()
    assert list(body) == [
        "deviceId", "generationId", "etag", "connectionState", "status", "statusReason",
        "connectionStateUpdatedTime", "statusUpdatedTime", "lastActivityTime", "cloudToDeviceMessageCount",
        "authentication", "capabilities", "deviceScope", "parentScopes",
    ]  # fmt: skip
    assert response.headers["ETag"] == f'"{body["etag"]}"'  # quoted in the header, bare in the body
    assert _etag_number(body["etag"]) >= 10**8
    assert body["connectionState"] == "Disconnected" and body["status"] == "enabled"
    assert body["statusReason"] is None and body["cloudToDeviceMessageCount"] == 0
    # the create response writes never-set times without the Z (recorded quirk); a GET with it
    assert body["statusUpdatedTime"] == body["lastActivityTime"] == "0001-01-01T00:00:00"
    auth = body["authentication"]
    assert auth["type"] == "sas"
    assert auth["x509Thumbprint"] == {"primaryThumbprint": None, "secondaryThumbprint": None}
    for key in auth["symmetricKey"].values():
        assert len(key) == 44 and len(base64.b64decode(key)) == 32
    assert body["capabilities"] == {"iotEdge": False}
    assert body["deviceScope"] == "" and body["parentScopes"] == []
    # generationId: .NET ticks of the creation time
    ticks = int(body["generationId"])
    created = datetime.datetime(1, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
        microseconds=ticks // 10
    )
    assert abs(created.timestamp() - now) < 0.001 and len(body["generationId"]) == 18
    got = owner.call("GET", "/devices/d1")
    assert got.status_code == 200 and got.headers["ETag"] == response.headers["ETag"]
    assert got.json()["statusUpdatedTime"] == got.json()["lastActivityTime"] == NEVER
    assert {k: v for k, v in got.json().items() if not k.endswith("Time")} == {
        k: v for k, v in body.items() if not k.endswith("Time")
    }


def test_api_version_2020_shows_no_scopes_on_a_plain_device(owner: ServiceSession) -> None:
    body = owner.call("PUT", "/devices/d1", json={"deviceId": "d1"}, api_version="2020-03-13").json()
    assert "deviceScope" not in body and "parentScopes" not in body


def test_create_without_if_match_on_an_existing_device_is_409(owner: ServiceSession) -> None:
    _create(owner, "d1")
    for headers in ({}, {"If-Match": '""'}):
        response = owner.call("PUT", "/devices/d1", json={"deviceId": "d1"}, headers=headers)
        assert response.status_code == 409
        assert response.headers["iothub-errorcode"] == "DeviceAlreadyExists"
        assert response.json()["Message"] == (
            "ErrorCode:DeviceAlreadyExists;A device with ID 'd1' is already registered."
        )
    assert (
        owner.call("PUT", "/devices/d2", json={"deviceId": "d2"}, headers={"If-Match": '""'}).status_code
        == 200
    )


def test_if_none_match_star_on_an_existing_device_is_412(owner: ServiceSession) -> None:
    before = _create(owner, "d1")
    response = owner.call("PUT", "/devices/d1", json={"deviceId": "d1"}, headers={"If-None-Match": "*"})
    assert response.status_code == 412 and response.headers["iothub-errorcode"] == "PreconditionFailed"
    assert owner.call("GET", "/devices/d1").json()["etag"] == before["etag"]


@pytest.mark.parametrize("if_match", ["*", '"*"', '"NzI3ODk0ODYz"'])
def test_replace_of_a_missing_device_is_404(owner: ServiceSession, service_hub: str, if_match: str) -> None:
    response = owner.call("PUT", "/devices/nope", json={"deviceId": "nope"}, headers={"If-Match": if_match})
    assert response.status_code == 404 and response.json()["Message"] == "ErrorCode:DeviceNotFound;nope"


def test_replace_with_the_current_etag_then_a_stale_one(owner: ServiceSession) -> None:
    created = _create(owner, "d1")
    etag = created["etag"]
    sent = {**created, "status": "disabled"}  # the whole device sent back, read-only fields included
    replaced = owner.call("PUT", "/devices/d1", json=sent, headers={"If-Match": f'"{etag}"'})
    assert replaced.status_code == 200
    body = replaced.json()
    assert _etag_number(body["etag"]) == _etag_number(etag) + 1
    assert replaced.headers["ETag"] == f'"{body["etag"]}"'
    assert body["generationId"] == created["generationId"]
    assert body["status"] == "disabled" and body["statusUpdatedTime"] != NEVER
    assert body["connectionStateUpdatedTime"] == NEVER  # no create quirk on a replace
    stale = owner.call("PUT", "/devices/d1", json=sent, headers={"If-Match": f'"{etag}"'})
    assert stale.status_code == 412 and stale.headers["iothub-errorcode"] == "PreconditionFailed"
    assert stale.json()["Message"] == (
        "ErrorCode:PreconditionFailed;Precondition failed: Device version did not match, "
        f"existingVersion:{_etag_number(body['etag'])} newVersion:{_etag_number(etag)}"
    )
    # the body's etag is no precondition: If-Match * replaces whatever it says
    forced = owner.call("PUT", "/devices/d1", json={**sent, "status": "enabled"}, headers={"If-Match": "*"})
    assert forced.status_code == 200 and _etag_number(forced.json()["etag"]) == _etag_number(etag) + 2


def test_status_updated_time_moves_only_when_the_status_changes(
    emulator: EmulatorServer, owner: ServiceSession
) -> None:
    emulator.control.freeze_clock()
    _create(owner, "d1")
    emulator.control.advance_clock(1.25)
    disabled = owner.call(
        "PUT", "/devices/d1", json={"deviceId": "d1", "status": "disabled", "statusReason": "maintenance"},
        headers={"If-Match": "*"},
    ).json()  # fmt: skip
    stamp = disabled["statusUpdatedTime"]
    assert stamp.endswith("Z") and "." in stamp and len(stamp.split(".")[1]) <= 8
    assert disabled["statusReason"] == "maintenance"
    emulator.control.advance_clock(5)
    again = owner.call(
        "PUT", "/devices/d1", json={"deviceId": "d1", "status": "disabled"}, headers={"If-Match": "*"}
    )
    assert again.json()["statusUpdatedTime"] == stamp


def test_keys_given_kept_regenerated_when_empty(owner: ServiceSession) -> None:
    given = {"symmetricKey": {"primaryKey": KEY_A, "secondaryKey": KEY_B}, "type": "sas"}
    body = _create(owner, "d1", authentication=given)
    assert body["authentication"]["symmetricKey"] == {"primaryKey": KEY_A, "secondaryKey": KEY_B}
    empty = {"symmetricKey": {"primaryKey": "", "secondaryKey": ""}, "type": "sas"}
    renewed = owner.call(
        "PUT", "/devices/d1", json={"deviceId": "d1", "authentication": empty}, headers={"If-Match": "*"}
    ).json()["authentication"]["symmetricKey"]
    assert renewed["primaryKey"] not in (KEY_A, "") and renewed["secondaryKey"] not in (KEY_B, "")


def test_self_signed_and_ca_devices(owner: ServiceSession) -> None:
    prints = {"primaryThumbprint": SHA1, "secondaryThumbprint": "c" * 40}
    self_signed = _create(owner, "x1", authentication={"x509Thumbprint": prints, "type": "selfSigned"})
    assert self_signed["authentication"] == {
        "symmetricKey": {"primaryKey": None, "secondaryKey": None},
        "x509Thumbprint": {"primaryThumbprint": SHA1, "secondaryThumbprint": "C" * 40},
        "type": "selfSigned",
    }
    ca = _create(owner, "x2", authentication={"type": "certificateAuthority"}, status="disabled")
    assert ca["authentication"]["type"] == "certificateAuthority"
    assert ca["authentication"]["symmetricKey"] == {"primaryKey": None, "secondaryKey": None}
    assert ca["status"] == "disabled"


def _auth(
    keys: tuple[str, str | None] | None = None, prints: tuple[str, str | None] | None = None, **extra: str
) -> dict[str, Any]:
    auth: dict[str, Any] = dict(extra)
    if keys is not None:
        auth["symmetricKey"] = {"primaryKey": keys[0], "secondaryKey": keys[1]}
    if prints is not None:
        auth["x509Thumbprint"] = {"primaryThumbprint": prints[0], "secondaryThumbprint": prints[1]}
    return {"authentication": auth}


@pytest.mark.parametrize(
    ("device_id", "body", "named"),
    [
        ("bad/id", {}, None),
        ("bad id", {}, "DeviceId"),
        ("x" * 129, {}, "DeviceId"),
        ("d1", {"deviceId": "other"}, "deviceId"),
        ("d1", {"status": "paused"}, "status"),
        ("d1", {"statusReason": "x" * 129}, "statusReason"),
        ("d1", _auth(keys=("not base64!", KEY_B)), "primaryKey"),
        ("d1", _auth(keys=(base64.b64encode(b"k" * 8).decode(), KEY_B)), "primaryKey"),
        ("d1", _auth(keys=(KEY_A, base64.b64encode(b"k" * 65).decode())), "secondaryKey"),
        ("d1", _auth(keys=(KEY_A, None)), "both keys"),
        ("d1", _auth(prints=("xyz", None), type="selfSigned"), "primaryThumbprint"),
        ("d1", _auth(prints=(SHA1, SHA256)), "same length"),
        ("d1", _auth(keys=(KEY_A, KEY_B), prints=(SHA1, None)), "both"),
        ("d1", {"authentication": {"type": "selfSigned"}}, "primaryThumbprint"),
        ("d1", {"authentication": {"type": "password"}}, "authentication.type"),
        ("d1", {"capabilities": {"iotEdge": "yes"}}, "iotEdge"),
        ("d1", {"deviceScope": "ms-azure-iot-edge://nobody-1"}, "scope"),
    ],
)  # fmt: skip
def test_invalid_devices_are_400_argument_invalid(
    owner: ServiceSession, device_id: str, body: dict[str, Any], named: str | None
) -> None:
    response = owner.call("PUT", f"/devices/{device_id}", json=body)
    if named is None:  # a slash never reaches the device route
        assert response.status_code == 404
        return
    assert response.status_code == 400, response.text
    assert response.headers["iothub-errorcode"] == "ArgumentInvalid"
    assert (
        response.json()["Message"].startswith("ErrorCode:ArgumentInvalid;")
        and named in response.json()["Message"]
    )
    assert owner.call("GET", "/statistics/devices").json()["totalDeviceCount"] == 0


def test_device_ids_with_special_characters(owner: ServiceSession) -> None:
    device_id = "a-b:c.d+e%f_g#h*i?j!k(l)m,n=o@p;q$r'"
    response = owner.call("PUT", "/devices/" + quote(device_id, safe=""), json={"deviceId": device_id})
    assert response.status_code == 200, response.text
    assert owner.call("GET", "/devices/" + quote(device_id, safe="")).json()["deviceId"] == device_id
    assert (
        owner.call("GET", "/devices/" + quote(device_id.upper(), safe="")).status_code == 404
    )  # case-sensitive


def test_edge_gateway_leaf_and_edge_child(owner: ServiceSession) -> None:
    gateway = _create(owner, "gw", capabilities={"iotEdge": True})
    scope = gateway["deviceScope"]
    assert scope == f"ms-azure-iot-edge://gw-{gateway['generationId']}" and gateway["parentScopes"] == []
    leaf = _create(owner, "leaf", deviceScope=scope)
    assert leaf["deviceScope"] == scope and leaf["parentScopes"] == [scope]
    child = _create(owner, "child-gw", capabilities={"iotEdge": True}, parentScopes=[scope])
    assert child["deviceScope"].startswith("ms-azure-iot-edge://child-gw-") and child["parentScopes"] == [
        scope
    ]
    # an edge device's own scope is immutable: a body naming another is ignored
    kept = owner.call(
        "PUT", "/devices/gw", json={"deviceId": "gw", "capabilities": {"iotEdge": True}, "deviceScope": "x"},
        headers={"If-Match": "*"},
    ).json()  # fmt: skip
    assert kept["deviceScope"] == scope
    # a leaf's parent is removed with an empty deviceScope, whatever parentScopes it echoes
    removed = owner.call(
        "PUT", "/devices/leaf", json={**leaf, "deviceScope": ""}, headers={"If-Match": f'"{leaf["etag"]}"'}
    ).json()
    assert removed["deviceScope"] == "" and removed["parentScopes"] == []
    # only an edge device can be a parent
    plain = _create(owner, "plain")
    plain_scope = f"ms-azure-iot-edge://plain-{plain['generationId']}"
    response = owner.call("PUT", "/devices/leaf2", json={"deviceId": "leaf2", "deviceScope": plain_scope})
    assert response.status_code == 400 and response.headers["iothub-errorcode"] == "ArgumentInvalid"
    body = {
        "deviceId": "e3",
        "capabilities": {"iotEdge": True},
        "parentScopes": [scope, child["deviceScope"]],
    }
    two = owner.call("PUT", "/devices/e3", json=body)
    assert two.status_code == 400


def test_delete_etag_table(owner: ServiceSession) -> None:
    created = _create(owner, "d1")
    stale = '"' + base64.b64encode(str(_etag_number(created["etag"]) - 1).encode()).decode() + '"'
    response = owner.call("DELETE", "/devices/d1", headers={"If-Match": stale})
    assert response.status_code == 412 and response.headers["iothub-errorcode"] == "PreconditionFailed"
    deleted = owner.call("DELETE", "/devices/d1", headers={"If-Match": f'"{created["etag"]}"'})
    assert deleted.status_code == 204 and deleted.content == b"" and "ETag" not in deleted.headers
    again = owner.call("DELETE", "/devices/d1", headers={"If-Match": "*"})
    assert again.status_code == 404 and again.json()["Message"] == "ErrorCode:DeviceNotFound;d1"
    _create(owner, "d2")
    assert owner.call("DELETE", "/devices/d2").status_code == 204  # no If-Match: unconditional
    assert owner.call("GET", "/twins/d2").status_code == 404  # the twin went with it


def test_a_recreated_device_never_matches_an_old_etag(owner: ServiceSession) -> None:
    first = _create(owner, "d1")
    assert owner.call("DELETE", "/devices/d1", headers={"If-Match": "*"}).status_code == 204
    second = _create(owner, "d1")
    assert second["generationId"] != first["generationId"]
    response = owner.call("PUT", "/devices/d1", json=second, headers={"If-Match": f'"{first["etag"]}"'})
    assert response.status_code == 412


def test_list_with_top_and_statistics(owner: ServiceSession) -> None:
    for n in range(5):
        _create(owner, f"d{n}", status="disabled" if n % 2 else "enabled")
    listed = owner.call("GET", "/devices")
    assert listed.status_code == 200 and "ETag" not in listed.headers
    assert [d["deviceId"] for d in listed.json()] == [f"d{n}" for n in range(5)]
    assert [d["deviceId"] for d in owner.call("GET", "/devices/", params={"top": "2"}).json()] == ["d0", "d1"]
    assert len(owner.call("GET", "/devices", params={"top": "0"}).json()) == 5  # outside 1-1000: 1000
    stats = owner.call("GET", "/statistics/devices")
    assert stats.json() == {"totalDeviceCount": 5, "enabledDeviceCount": 3, "disabledDeviceCount": 2}
    assert list(stats.json()) == ["totalDeviceCount", "enabledDeviceCount", "disabledDeviceCount"]


def test_bad_json_is_a_format_error(owner: ServiceSession) -> None:
    response = owner.session.put(
        owner.url + "/devices/d1", params={"api-version": "2021-04-12"}, data=b"{not json",
        headers={"Content-Type": "application/json"}, timeout=30,
    )  # fmt: skip
    assert response.status_code == 400 and response.headers["iothub-errorcode"] == "IotHubFormatError"
