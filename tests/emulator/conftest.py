"""Fixtures for the emulator's own tests: a raw ARM session and Microsoft's IotHubClient on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.mgmt.iothub import IotHubClient

from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import make_iothub_client
from tests.conftest import LOCATION, RESOURCE_GROUP, SUBSCRIPTION_ID, TOKEN

API = "2023-06-30"


def hub_path(name: str, rg: str = RESOURCE_GROUP, sub: str = SUBSCRIPTION_ID) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Devices/IotHubs/{name}"


def hub_body(
    sku: str = "S1", capacity: int = 1, location: str = LOCATION, **properties: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"location": location, "sku": {"name": sku, "capacity": capacity}}
    if properties:
        body["properties"] = properties
    return body


class Arm:
    """Raw ARM calls over real HTTP, for asserting on exact status codes, headers and bodies."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(
        self,
        method: str,
        path: str,
        *,
        api_version: str | None = API,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        query = dict(params or {})
        if api_version is not None:
            query["api-version"] = api_version
        url = path if path.startswith("http") else self.url + path
        return self.session.request(method, url, params=query, json=json, headers=headers or {}, timeout=30)

    def create_hub(self, name: str, body: dict[str, Any] | None = None, **kw: Any) -> requests.Response:
        response = self.call("PUT", hub_path(name, **kw), json=body or hub_body())
        assert response.status_code in (200, 201), response.text
        return response

    def get_hub(self, name: str, **kw: Any) -> dict[str, Any]:
        response = self.call("GET", hub_path(name, **kw))
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def arm(emulator: EmulatorServer) -> Arm:
    return Arm(emulator.url, emulator.token)


def make_client(url: str, token: str = TOKEN, **kwargs: Any) -> IotHubClient:
    """Microsoft's client on the emulator, through the plugin's helper (the test subscription)."""
    return make_iothub_client(url, token, SUBSCRIPTION_ID, **kwargs)


@pytest.fixture
def iothub_client(emulator: EmulatorServer) -> Iterator[IotHubClient]:
    client = make_client(emulator.url, retry_total=0)
    yield client
    client.close()
