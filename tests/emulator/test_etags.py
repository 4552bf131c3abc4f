"""ETag rules of the ARM REST reference, row by row, and compare-and-swap under racing writers."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest

from iothub_provider.emulator.server import EmulatorServer
from tests.conftest import LOCATION, SUBSCRIPTION_ID, TOKEN
from tests.emulator.conftest import Arm, hub_body, hub_path

STALE = "AAAAAAAAAAA="


def _etag(arm: Arm, name: str) -> str:
    return str(arm.get_hub(name)["etag"])


@pytest.mark.parametrize(
    ("headers", "exists", "status"),
    [
        ({}, False, 201),
        ({"If-Match": ""}, False, 201),
        ({"If-Match": "*"}, False, 412),
        ({"If-Match": STALE}, False, 412),
        ({"If-None-Match": "*"}, False, 201),
        ({}, True, 200),
        ({"If-Match": "*"}, True, 200),
        ({"If-Match": "<current>"}, True, 200),
        ({"If-Match": '"<current>"'}, True, 200),
        ({"If-Match": STALE}, True, 412),
        ({"If-None-Match": "*"}, True, 412),
    ],
)
def test_put_table(arm: Arm, resource_group: str, headers: dict[str, str], exists: bool, status: int) -> None:
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
    arm: Arm, resource_group: str, method: str, headers: dict[str, str], exists: bool, status: int
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


def test_etag_header_equals_body_and_changes_on_every_change(arm: Arm, resource_group: str) -> None:
    created = arm.create_hub("etag-hub")
    assert created.headers["ETag"] == created.json()["etag"]
    got = arm.call("GET", hub_path("etag-hub"))
    first = got.json()["etag"]
    assert got.headers["ETag"] == first
    assert len(base64.b64decode(first)) == 8
    patched = arm.call("PATCH", hub_path("etag-hub"), json={"tags": {"a": "1"}})
    assert patched.json()["etag"] == ""
    second = _etag(arm, "etag-hub")
    assert second != first
    body = arm.get_hub("etag-hub")
    arm.call("PUT", hub_path("etag-hub"), json=body, headers={"If-Match": second})
    assert _etag(arm, "etag-hub") not in (first, second)


def test_racing_writers_exactly_one_wins(arm: Arm, resource_group: str) -> None:
    arm.create_hub("race-hub")
    body = arm.get_hub("race-hub")
    etag = body["etag"]
    results: list[int] = []
    barrier = threading.Barrier(8)

    def writer(capacity: int) -> None:
        mine = Arm(arm.url, arm.session.headers["Authorization"].split(" ", 1)[1])
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
    assert sorted(results) == [200] + [412] * 7


def test_racing_writers_on_a_file_backed_store(tmp_path: Path) -> None:
    with EmulatorServer(token=TOKEN, data_dir=tmp_path) as server:
        server.control.create_resource_group(SUBSCRIPTION_ID, "rg-test", LOCATION)
        arm = Arm(server.url, TOKEN)
        arm.create_hub("race-hub")
        etag = arm.get_hub("race-hub")["etag"]
        results: list[int] = []
        barrier = threading.Barrier(6)

        def writer(n: int) -> None:
            mine = Arm(server.url, TOKEN)
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
