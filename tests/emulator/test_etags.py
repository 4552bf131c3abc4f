"""ETag rules of the ARM REST reference, row by row, and compare-and-swap under racing writers."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ArmSession, hub_body
from tests.conftest import LOCATION, SUBSCRIPTION_ID, TOKEN
from tests.emulator.conftest import arm_at, hub_path

STALE = "AAAAAAAAAAA="


def _etag(arm: ArmSession, name: str) -> str:
    return str(arm.get_hub(name)["etag"])


@pytest.mark.parametrize(
    ("headers", "exists", "status"),
    [
        ({}, False, 201),
        ({"If-Match": ""}, False, 201),
        ({"If-Match": "*"}, False, 412),
        ({"If-Match": STALE}, False, 412),
        ({"If-None-Match": "*"}, False, 201),
        ({}, True, 201),
        ({"If-Match": "*"}, True, 201),
        ({"If-Match": "<current>"}, True, 201),
        ({"If-Match": '"<current>"'}, True, 201),
        ({"If-Match": STALE}, True, 412),
        ({"If-None-Match": "*"}, True, 412),
    ],
)
def test_put_table(
    arm: ArmSession, resource_group: str, headers: dict[str, str], exists: bool, status: int
) -> None:
    if exists:
        arm.create_hub("etag-hub")
        current = _etag(arm, "etag-hub")
        headers = {k: v.replace("<current>", current) for k, v in headers.items()}
    response = arm.call("PUT", hub_path("etag-hub"), json=hub_body(), headers=headers)
    assert response.status_code == status, response.text
    if status == 412:
        body = response.json()
        assert body["code"] == 412001 and body["httpStatusCode"] == "PreconditionFailed"
        assert body["message"].startswith("Either bad ETag was supplied or IotHub description was changed.")


@pytest.mark.parametrize(
    ("method", "headers", "exists", "status"),
    [
        ("PATCH", {}, False, 404),
        ("PATCH", {"If-Match": "*"}, False, 404),
        ("PATCH", {"If-Match": STALE}, False, 404),
        ("PATCH", {}, True, 200),
        ("PATCH", {"If-Match": "*"}, True, 200),
        ("PATCH", {"If-Match": "<current>"}, True, 200),
        ("PATCH", {"If-Match": STALE}, True, 412),
        ("DELETE", {}, False, 204),
        ("DELETE", {"If-Match": "*"}, False, 204),
        ("DELETE", {"If-Match": STALE}, False, 204),
        ("DELETE", {}, True, 202),
        ("DELETE", {"If-Match": "*"}, True, 202),
        ("DELETE", {"If-Match": "<current>"}, True, 202),
        ("DELETE", {"If-Match": STALE}, True, 412),
    ],
)
def test_patch_and_delete_tables(
    arm: ArmSession, resource_group: str, method: str, headers: dict[str, str], exists: bool, status: int
) -> None:
    """IoT Hub's DELETE of an existing hub is asynchronous: 202 where the generic table says 200."""
    if exists:
        arm.create_hub("etag-hub")
        current = _etag(arm, "etag-hub")
        headers = {k: v.replace("<current>", current) for k, v in headers.items()}
    body = {"tags": {"k": "v"}} if method == "PATCH" else None
    response = arm.call(method, hub_path("etag-hub"), json=body, headers=headers)
    assert response.status_code == status, response.text
    if status == 404:
        assert response.json()["error"]["code"] == "ResourceNotFound"


def test_etag_is_in_the_body_and_changes_on_every_change(arm: ArmSession, resource_group: str) -> None:
    created = arm.create_hub("etag-hub")
    assert "etag" not in created.json()  # as recorded: the accepted create carries none yet
    got = arm.call("GET", hub_path("etag-hub"))
    first = got.json()["etag"]
    assert len(base64.b64decode(first)) == 8
    patched = arm.call("PATCH", hub_path("etag-hub"), json={"tags": {"a": "1"}})
    assert patched.json()["etag"] == ""
    second = _etag(arm, "etag-hub")
    assert second != first
    body = arm.get_hub("etag-hub")
    updated = arm.call("PUT", hub_path("etag-hub"), json=body, headers={"If-Match": second})
    assert updated.json()["etag"] == second  # as recorded: the accepted update echoes the etag it replaced
    assert _etag(arm, "etag-hub") not in (first, second)


def test_racing_writers_exactly_one_wins(arm: ArmSession, resource_group: str) -> None:
    arm.create_hub("race-hub")
    body = arm.get_hub("race-hub")
    etag = body["etag"]
    results: list[int] = []
    barrier = threading.Barrier(8)

    def writer(capacity: int) -> None:
        mine = arm_at(arm.url, arm.session.headers["Authorization"].split(" ", 1)[1])
        payload = {**body, "sku": {"name": "S1", "capacity": capacity}}
        barrier.wait()
        results.append(
            mine.call("PUT", hub_path("race-hub"), json=payload, headers={"If-Match": etag}).status_code
        )

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201] + [412] * 7


def test_racing_writers_on_a_file_backed_store(tmp_path: Path) -> None:
    with EmulatorServer(token=TOKEN, data_dir=tmp_path) as server:
        server.control.create_resource_group(SUBSCRIPTION_ID, "rg-test", LOCATION)
        arm = arm_at(server.url, TOKEN)
        arm.create_hub("race-hub")
        etag = arm.get_hub("race-hub")["etag"]
        results: list[int] = []
        barrier = threading.Barrier(6)

        def writer(n: int) -> None:
            mine = arm_at(server.url, TOKEN)
            barrier.wait()
            response = mine.call(
                "PATCH", hub_path("race-hub"), json={"tags": {"n": str(n)}}, headers={"If-Match": etag}
            )
            results.append(response.status_code)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [200] + [412] * 5


def test_no_response_carries_an_etag_header_and_body_etags_change_with_state(
    arm: ArmSession, resource_group: str, control: EmulatorControl
) -> None:
    """No recording shows an ``ETag`` header: hubs carry their etag in the body, consumer groups ``null``."""
    responses = [arm.create_hub("hdr-hub")]
    responses.append(arm.call("GET", hub_path("hdr-hub")))
    control.set_provisioning("polls", 2)
    update = arm.call("PUT", hub_path("hdr-hub"), json={**hub_body(), "tags": {"v": "2"}})
    responses.append(update)
    responses.append(arm.call("GET", hub_path("hdr-hub")))  # Updating (poll 1)
    location = update.headers["Azure-AsyncOperation"].replace("&asyncinfo", "")
    assert arm.call("GET", location, api_version=None).status_code == 202
    final = arm.call("GET", location, api_version=None)
    assert final.status_code == 200 and final.json()["properties"]["state"] == "Active"
    responses.append(final)
    cg = hub_path("hdr-hub") + "/eventHubEndpoints/events/ConsumerGroups"
    groups = [
        arm.call("PUT", f"{cg}/g1", json={"properties": {"name": "g1"}}),
        arm.call("GET", f"{cg}/g1"),
        arm.call("GET", f"{cg}/$Default"),
    ]
    patched = arm.call("PATCH", hub_path("hdr-hub"), json={"tags": {}})
    for response in [*responses, *groups, patched]:
        assert response.status_code in (200, 201), response.text
        assert "ETag" not in response.headers, response.request.url
    assert all(g.json()["etag"] is None for g in groups)
    assert patched.json()["etag"] == ""  # as Azure: PATCH answers ""
    get_etags = [r.json()["etag"] for r in (responses[1], responses[3], responses[4])]
    # Active after create, the update accepted (seen while Updating), finished: 3 different values
    assert len(set(get_etags)) == 3 and update.json()["etag"] == get_etags[0]


def test_put_table_on_a_hub_in_another_resource_group(arm: ArmSession, resource_group: str) -> None:
    """The name is global: If-None-Match * or no header still cannot take over a hub elsewhere."""
    arm.create_hub("elsewhere-hub")
    arm.call(
        "PUT",
        f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/rg-two",
        api_version="2021-04-01",
        json={"location": LOCATION},
    )
    for headers in ({}, {"If-None-Match": "*"}, {"If-Match": "*"}):
        response = arm.call("PUT", hub_path("elsewhere-hub", rg="rg-two"), json=hub_body(), headers=headers)
        assert response.status_code in (409, 412), response.text
    assert arm.call("GET", hub_path("elsewhere-hub", rg="rg-two")).status_code == 404


def test_racing_creates_with_if_none_match_exactly_one_wins(arm: ArmSession, resource_group: str) -> None:
    results: list[int] = []
    barrier = threading.Barrier(6)

    def creator(capacity: int) -> None:
        mine = arm_at(arm.url, TOKEN)
        barrier.wait()
        response = mine.call(
            "PUT",
            hub_path("born-once"),
            json=hub_body(capacity=capacity),
            headers={"If-None-Match": "*"},
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=creator, args=(n,)) for n in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201] + [412] * 5
    assert len(arm.call("POST", hub_path("born-once") + "/listkeys").json()["value"]) == 5


def test_two_emulators_on_one_data_dir_still_let_exactly_one_writer_win(tmp_path: Path) -> None:
    """Compare-and-swap lives in SQLite's transaction, not in one process's memory."""
    with (
        EmulatorServer(token=TOKEN, data_dir=tmp_path) as first,
        EmulatorServer(token=TOKEN, data_dir=tmp_path) as second,
    ):
        first.control.create_resource_group(SUBSCRIPTION_ID, "rg-test", LOCATION)
        arm_at(first.url, TOKEN).create_hub("shared-hub")
        etag = arm_at(second.url, TOKEN).get_hub("shared-hub")["etag"]
        results: list[int] = []
        barrier = threading.Barrier(8)

        def writer(n: int) -> None:
            mine = arm_at((first, second)[n % 2].url, TOKEN)
            barrier.wait()
            response = mine.call(
                "PATCH", hub_path("shared-hub"), json={"tags": {"n": str(n)}}, headers={"If-Match": etag}
            )
            results.append(response.status_code)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [200] + [412] * 7
        winner = arm_at(first.url, TOKEN).get_hub("shared-hub")
        assert winner == arm_at(second.url, TOKEN).get_hub("shared-hub")


def test_a_hub_read_again_after_each_kind_of_change_shows_the_change(
    arm: ArmSession, resource_group: str
) -> None:
    """Reads are answered from renderings kept by etag: every change must show, at every api-version."""
    arm.create_hub("seen-hub")
    first = arm.get_hub("seen-hub")
    old = arm.call("GET", hub_path("seen-hub"), api_version="2019-07-01-preview").json()
    assert "identity" in first and "identity" not in old
    assert arm.call("PATCH", hub_path("seen-hub"), json={"tags": {"team": "a"}}).status_code == 200
    patched = arm.get_hub("seen-hub")
    assert patched["tags"] == {"team": "a"} and patched["etag"] != first["etag"]
    assert arm.call("GET", hub_path("seen-hub"), api_version="2019-07-01-preview").json()["tags"] == {
        "team": "a"
    }
    patched["sku"]["capacity"] = 2
    arm.create_hub("seen-hub", patched)
    assert arm.get_hub("seen-hub")["sku"]["capacity"] == 2
    arm.call("DELETE", hub_path("seen-hub"))
    assert arm.call("GET", hub_path("seen-hub")).status_code == 404
