"""Hostile and odd input: every answer is a well-formed error with request ids, never a 500 or a hang.

Also walks the routes table, so a route added later cannot escape the token check.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from iothub_emulator import routes
from iothub_emulator.app import MAX_BODY_BYTES, MAX_BODY_DEPTH
from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ArmSession, hub_body
from tests.conftest import SUBSCRIPTION_ID, TOKEN
from tests.emulator.conftest import arm_at, hub_path

SAMPLES = {
    "sub": SUBSCRIPTION_ID,
    "rg": "rg-test",
    "hub": "walk-hub",
    "ep": "events",
    "cg": "cg1",
    "key": "iothubowner",
    "job": "job1",
    "region": "westeurope",
    "op": "b3A",
}
LIST = f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/IotHubs"
JSON = {"Content-Type": "application/json"}


def concrete_path(route: routes.Route) -> str:
    """A request path the route matches, built from its own regex."""
    text = route.pattern.pattern.removeprefix("^").removesuffix("/?$")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLES[m.group(1)], text)
    return text.replace("\\", "")


def test_the_walk_covers_every_route() -> None:
    for route in routes.ROUTES:
        found = routes.match(route.method, concrete_path(route))
        assert found is not None and found[0] is route, route.pattern.pattern


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "AuthenticationFailed"),
        ("Token abc", "AuthenticationFailedInvalidHeader"),
        (f"Bearer {TOKEN}x", "InvalidAuthenticationToken"),
    ],
)
def test_every_route_in_the_table_requires_the_token(
    emulator: EmulatorServer, resource_group: str, authorization: str | None, code: str
) -> None:
    arm_at(emulator.url, TOKEN).create_hub("walk-hub")
    headers = {"Authorization": authorization} if authorization else {}
    walked = [(r.method, concrete_path(r)) for r in routes.ROUTES]
    walked += [("GET", "/_emulator/health"), ("DELETE", "/_emulator/faults"), ("GET", "/no/such/route")]
    for method, path in walked:
        response = requests.request(
            method,
            emulator.url + path,
            params={"api-version": "2023-06-30"},
            headers={**headers, **JSON},
            data=b"{}",
            timeout=10,
        )
        assert response.status_code == 401, (method, path)
        assert response.headers["x-ms-request-id"], (method, path)
        assert "WWW-Authenticate" in response.headers
        if method != "HEAD":
            assert response.json() == {
                "error": {"code": code, "message": response.json()["error"]["message"]}
            }
    # nothing changed behind the refusals
    assert arm_at(emulator.url, TOKEN).get_hub("walk-hub")["properties"]["state"] == "Active"


def _assert_well_formed_error(response: requests.Response, status: int, code: str | int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["x-ms-request-id"] and response.headers["x-ms-correlation-request-id"]
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert (body["error"]["code"] if isinstance(code, str) else body["code"]) == code, body


def _raw(arm: ArmSession, method: str, path: str, data: bytes, headers: dict[str, str] | None = None) -> Any:
    return arm.session.request(
        method,
        arm.url + path,
        params={"api-version": "2023-06-30"},
        data=data,
        headers=headers if headers is not None else JSON,
        timeout=10,
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", "InvalidRequestContent"),
        (b'{"location": "westeurope", "sku": ', "InvalidRequestContent"),
        (b"\xff\xfe\x00{", "InvalidRequestContent"),
        (b'{"location": "westeurope", "tags": {"k": "caf\xe9"}}', "InvalidRequestContent"),
        (b'{"location": "westeurope", "sku": {"name": "S1", "capacity": NaN}}', "InvalidRequestContent"),
        (
            b'{"location": "westeurope", "sku": {"name": "S1"}, "properties": {"x": Infinity}}',
            "InvalidRequestContent",
        ),
        (b"[" * 100_000, "InvalidRequestContent"),
        (
            json.dumps({"p": json.loads("[" * (MAX_BODY_DEPTH + 1) + "]" * (MAX_BODY_DEPTH + 1))}).encode(),
            "InvalidRequestContent",
        ),
        (b'{"location": "westeurope", "sku": {"name": "S1", "capacity": 1e400}}', 400004),
        (
            b'{"location": "westeurope", "sku": {"name": "S1", "capacity": 1' + b"0" * 5000 + b"}}",
            "InvalidRequestContent",
        ),
        (b'["a", "list"]', 400001),
        (b'"a string"', 400001),
        (b'{"location": 5, "sku": {"name": "S1"}}', 400001),
        (b'{"location": "westeurope", "sku": "S1"}', 400001),
        (b'{"location": "westeurope", "sku": {"name": 7}}', 400003),
        (b'{"location": "westeurope", "sku": {"name": "S1", "capacity": true}}', 400004),
        (b'{"location": "westeurope", "sku": {"name": "S1"}, "identity": 5}', 400001),
        (b'{"location": "westeurope", "sku": {"name": "S1"}, "properties": []}', 400001),
        (
            b'{"location": "westeurope", "sku": {"name": "S1"}, "properties": {"eventHubEndpoints": []}}',
            400001,
        ),
        (
            b'{"location": "westeurope", "sku": {"name": "S1"}, "properties": {"routing": {"routes": 5}}}',
            400001,
        ),
        (
            b'{"location": "westeurope", "sku": {"name": "S1"}, '
            b'"properties": {"routing": {"endpoints": {"eventHubs": {}}}}}',
            400001,
        ),
        (
            b'{"location": "westeurope", "sku": {"name": "S1"}, "properties": '
            b'{"authorizationPolicies": [{"keyName": "k", "rights": "RegistryRead", "primaryKey": 5}]}}',
            400014,
        ),
        (b'{"location": "westeurope", "sku": {"name": "S1"}, "tags": {"k": 1}}', 400001),
    ],
)
def test_bad_hub_bodies_are_clean_400s(
    arm: ArmSession, resource_group: str, data: bytes, code: str | int
) -> None:
    response = _raw(arm, "PUT", hub_path("odd-hub"), data)
    _assert_well_formed_error(response, 400, code)
    assert arm.call("GET", hub_path("odd-hub")).status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("PATCH", "", b'{"tags": ["x"]}'),
        ("PATCH", "", b"[]"),
        ("PUT", "/eventHubEndpoints/events/ConsumerGroups/cg", b'{"properties": "cg"}'),
        ("PUT", "/eventHubEndpoints/events/ConsumerGroups/cg", b"[1]"),
        ("POST", "/exportDevices", b'"x"'),
        ("POST", "/importDevices", b"{}"),
    ],
)
def test_bad_bodies_on_other_routes(
    arm: ArmSession, resource_group: str, method: str, suffix: str, data: bytes
) -> None:
    arm.create_hub("odd-hub")
    response = _raw(arm, method, hub_path("odd-hub") + suffix, data)
    assert response.status_code == 400, response.text
    assert isinstance(response.json()["code"], int)


def test_check_name_availability_with_bad_bodies(arm: ArmSession) -> None:
    path = f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Devices/checkNameAvailability"
    for data in (b"[]", b'{"name": 5}', b"{}"):
        _assert_well_formed_error(_raw(arm, "POST", path, data), 400, 400001)


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_bodies_that_are_not_json_media_get_arm_415(
    arm: ArmSession, resource_group: str, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = _raw(arm, "PUT", hub_path("media-hub"), json.dumps(hub_body()).encode(), headers)
    _assert_well_formed_error(response, 415, "UnsupportedMediaType")
    assert f"'{content_type or '<null>'}' is not supported" in response.json()["error"]["message"]
    accepted = _raw(
        arm,
        "PUT",
        hub_path("media-hub"),
        json.dumps(hub_body()).encode(),
        {"Content-Type": "application/json; charset=utf-8"},
    )
    assert accepted.status_code == 201


def test_body_over_4_mb_is_arm_413_and_the_server_keeps_serving(arm: ArmSession, resource_group: str) -> None:
    big = json.dumps({**hub_body(), "tags": {"k": "x" * MAX_BODY_BYTES}}).encode()
    response = _raw(arm, "PUT", hub_path("big-hub"), big)
    _assert_well_formed_error(response, 413, "RequestContentTooLarge")
    assert arm.call("GET", hub_path("big-hub")).status_code == 404
    assert arm.call("GET", LIST).status_code == 200


def test_chunked_body_over_4_mb_is_refused_without_reading_it_all(
    arm: ArmSession, resource_group: str
) -> None:
    def chunks() -> Any:
        yield b'{"location": "westeurope", "tags": {"k": "'
        for _ in range(6):
            yield b"x" * (1024 * 1024)
        yield b'"}}'

    response = _raw(arm, "PUT", hub_path("big-hub"), chunks())  # type: ignore[arg-type]
    _assert_well_formed_error(response, 413, "RequestContentTooLarge")


@pytest.mark.parametrize(
    "query",
    [
        {"$skipToken": "²"},
        {"$skipToken": "-5"},
        {"$skipToken": "99999999999999999999999"},
        {"$top": "x", "foo": "bar", "api-version2": "z"},
    ],
)
def test_odd_query_parameters_are_ignored(
    arm: ArmSession, resource_group: str, query: dict[str, str]
) -> None:
    arm.create_hub("query-hub")
    response = arm.call("GET", LIST, params=query)
    assert response.status_code == 200
    assert isinstance(response.json()["value"], list)


def _send_raw_target(url: str, method: str, target: str, body: bytes | None = None) -> tuple[int, bytes]:
    """Send a request line exactly as written (no client-side normalisation of ``..`` or escapes)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.putheader("Authorization", f"Bearer {TOKEN}")
        if body is not None:
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("GET", "../../../../etc/passwd"),
        ("GET", "..%2F..%2Fother"),
        ("PUT", "%2E%2E"),
        ("PUT", "a%00b-hub"),
        ("PUT", "hub%0D%0Aevil"),
        ("PUT", "%FF%FE-hub"),
        ("PUT", "h%C3%BCb-name"),
        ("PUT", "hub%20name"),
        ("PUT", "%E2%82%AC" * 40),
        ("GET", "x" * 5000),
        ("PUT", "hub;rm"),
    ],
)
def test_odd_hub_names_and_traversal_are_clean_errors(
    emulator: EmulatorServer, resource_group: str, method: str, name: str
) -> None:
    target = hub_path("") + name + "?api-version=2023-06-30"
    body = json.dumps(hub_body()).encode() if method == "PUT" else None
    status, payload = _send_raw_target(emulator.url, method, target, body)
    assert 400 <= status < 500, (status, payload)
    parsed = json.loads(payload)
    assert "error" in parsed or isinstance(parsed["code"], int)


@pytest.mark.parametrize("subscription", ["%E2%82%AC-sub", "s%C3%BCb", "a%25b", "sub%3Fq%3D1"])
def test_odd_subscription_ids_never_break_response_headers(arm: ArmSession, subscription: str) -> None:
    """Operation URLs are built from the path; anything in it must come back as a valid header."""
    base = f"{arm.url}/subscriptions/{subscription}"
    group = arm.session.put(
        f"{base}/resourcegroups/rg-odd",
        params={"api-version": "2021-04-01"},
        json={"location": "westeurope"},
        timeout=10,
    )
    assert group.status_code == 201, group.text
    hub = arm.session.put(
        f"{base}/resourceGroups/rg-odd/providers/Microsoft.Devices/IotHubs/odd-sub-hub",
        params={"api-version": "2023-06-30"},
        json=hub_body(),
        timeout=10,
    )
    assert hub.status_code == 201, hub.text
    assert arm.session.get(hub.headers["Azure-AsyncOperation"], timeout=10).json() == {"status": "Succeeded"}
    deleted = arm.session.delete(
        f"{base}/resourcegroups/rg-odd", params={"api-version": "2021-04-01"}, timeout=10
    )
    assert deleted.status_code == 202
    assert arm.session.get(deleted.headers["Location"], timeout=10).status_code == 200


def test_control_api_refuses_bad_input_cleanly(emulator: EmulatorServer) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    bad = [
        ("PUT", "/_emulator/settings", {"page_size": "x"}),
        ("PUT", "/_emulator/settings", {"page_size": 2.5}),
        ("PUT", "/_emulator/settings", {"retry_after": "soon"}),
        ("PUT", "/_emulator/provisioning", {"mode": "polls", "value": "x"}),
        ("PUT", "/_emulator/provisioning", [1]),
        ("POST", "/_emulator/faults", {"kind": "error", "path_regex": "("}),
        ("POST", "/_emulator/faults", {"kind": "delay", "delay": "long"}),
        ("POST", "/_emulator/faults", {"kind": "error", "count": "2"}),
        ("POST", "/_emulator/resource-groups", {"name": "x"}),
    ]
    for method, path, body in bad:
        response = session.request(method, emulator.url + path, json=body, timeout=10)
        assert response.status_code == 400, (path, body, response.text)
        assert response.json()["error"]["code"] == "InvalidControlRequest"
    assert emulator.control.settings()["page_size"] == 100
    assert emulator.control.faults() == []


def test_a_stalled_client_does_not_hold_up_anyone_else(emulator: EmulatorServer, arm: ArmSession) -> None:
    """A body announced but never sent ties up only its own connection."""
    parts = urlsplit(emulator.url)
    stalled = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10)
    try:
        stalled.sendall(
            f"PUT {hub_path('stalled-hub')}?api-version=2023-06-30 HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            '{"location": '.encode()
        )
        for _ in range(3):
            assert arm.call("GET", LIST).status_code == 200
    finally:
        stalled.close()
    assert arm.call("GET", LIST).status_code == 200
