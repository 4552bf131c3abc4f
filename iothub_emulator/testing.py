"""Helpers for testing code against the emulator: Microsoft's ``azure-mgmt-iothub`` SDK pointed at it
(loopback, plain HTTP), a raw ARM session for asserting on exact statuses, headers and bodies, and a
minimal hub body.

``azure-mgmt-iothub`` is not a dependency of the emulator: the SDK helpers import it when called.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken
    from azure.mgmt.iothub import IotHubClient

    from iothub_emulator.control import EmulatorControl

API_VERSION = "2023-06-30"
"""The api-version ``ArmSession`` sends unless told otherwise (the newest stable one)."""


class StaticTokenCredential:
    """An azure-core ``TokenCredential`` that always returns the emulator's token (never refreshed)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)


def allow_http_policy() -> Any:
    """A per-call policy that lets azure-core send the bearer token over plain http, which it refuses
    by default; use it only with an emulator on loopback."""
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class AllowHttp(SansIOHTTPPolicy):  # type: ignore[type-arg,misc]
        def on_request(self, request: Any) -> None:
            request.context["enforce_https"] = False

    return AllowHttp()


def make_iothub_client(url: str, token: str, subscription_id: str, **kwargs: Any) -> IotHubClient:
    """An ``IotHubClient`` talking to the emulator at ``url``. Long-running operations poll without
    waiting (``polling_interval=0``) unless ``kwargs`` say otherwise; other ``kwargs`` go to the client
    (``retry_total=0`` to see throttling and faults instead of retrying through them)."""
    from azure.mgmt.iothub import IotHubClient

    kwargs.setdefault("polling_interval", 0)
    return IotHubClient(
        StaticTokenCredential(token),
        subscription_id,
        base_url=url,
        per_call_policies=[allow_http_policy()],
        **kwargs,
    )


def sleep_recording_transport() -> Any:
    """An azure-core ``RequestsTransport`` that records its sleeps in ``.sleeps`` instead of sleeping.

    Every wait of an azure-core client goes through its transport (Retry-After of a throttled answer, retry
    back-off, long-running-operation polling delays), so a client built with ``transport=`` this one rides
    out throttling without waiting, and a test can assert on what it would have waited."""
    from azure.core.pipeline.transport import RequestsTransport

    class SleepRecordingTransport(RequestsTransport):  # type: ignore[misc]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.sleeps: list[float] = []

        def sleep(self, duration: float) -> None:
            self.sleeps.append(duration)

    return SleepRecordingTransport()


def hub_path(name: str, resource_group: str, subscription_id: str) -> str:
    """The hub's ARM path (no host, no api-version)."""
    group = f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
    return f"{group}/providers/Microsoft.Devices/IotHubs/{name}"


def hub_body(
    tags: dict[str, str] | None = None,
    sku: str = "S1",
    capacity: int = 1,
    location: str = "westeurope",
    **properties: Any,
) -> dict[str, Any]:
    """A hub's PUT body: ``location``, ``sku`` and, when given, ``tags`` and ``properties``."""
    body: dict[str, Any] = {"location": location, "sku": {"name": sku, "capacity": capacity}}
    if tags is not None:
        body["tags"] = tags
    if properties:
        body["properties"] = properties
    return body


class _Default:
    """The api-version a session sends when a call names none (a marker: ``None`` means send none)."""


class _RawSession:
    """Requests to the emulator over real HTTP with fixed headers, an api-version on every call unless told
    otherwise (``api_version=None``: a status URL already carries its own), paths relative to ``url`` and
    absolute URLs used as they are."""

    default_api_version = API_VERSION

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(headers)

    def call(
        self,
        method: str,
        path: str,
        *,
        api_version: str | None | type[_Default] = _Default,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        """One request."""
        query = dict(params or {})
        version = self.default_api_version if api_version is _Default else api_version
        if version is not None:
            query["api-version"] = str(version)
        url = path if path.startswith("http") else self.url + path
        return self.session.request(method, url, params=query, json=json, headers=headers or {}, timeout=30)

    def close(self) -> None:
        self.session.close()


class ArmSession(_RawSession):
    """Raw ARM calls to the emulator over real HTTP (``requests``), with its bearer token and an
    api-version on every call, for tests that assert on exact status codes, headers and bodies.

    Paths are relative to ``url`` (absolute URLs, e.g. an ``Azure-AsyncOperation``, are used as they are);
    the hub helpers address ``subscription_id`` and ``resource_group`` unless told otherwise."""

    def __init__(
        self,
        url: str,
        token: str,
        subscription_id: str = "00000000-0000-0000-0000-000000000000",
        resource_group: str = "rg-test",
    ) -> None:
        super().__init__(url, {"Authorization": f"Bearer {token}"})
        self.subscription_id = subscription_id
        self.resource_group = resource_group

    def hub_path(self, name: str, rg: str | None = None, sub: str | None = None) -> str:
        return hub_path(name, rg or self.resource_group, sub or self.subscription_id)

    def create_hub(
        self, name: str, body: dict[str, Any] | None = None, *, rg: str | None = None, sub: str | None = None
    ) -> requests.Response:
        """PUT the hub (``hub_body()`` unless given); the 201 answer (its ``Azure-AsyncOperation`` header
        is the operation's status URL). Raises ``AssertionError`` with the body on any other status."""
        response = self.call("PUT", self.hub_path(name, rg, sub), json=body or hub_body())
        assert response.status_code in (200, 201), response.text
        return response

    def get_hub(self, name: str, *, rg: str | None = None, sub: str | None = None) -> dict[str, Any]:
        """The hub as GET answers it. Raises ``AssertionError`` with the body unless the answer is 200."""
        response = self.call("GET", self.hub_path(name, rg, sub))
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


SERVICE_API_VERSION = "2021-04-12"
"""The api-version ``ServiceSession`` sends unless told otherwise (what the provider's client sends)."""


def service_host(hub_name: str) -> str:
    """The host name of a hub's service API (``<hub>.azure-devices.net``), what the ``Host`` header names."""
    return f"{hub_name.lower()}.azure-devices.net"


def sas_token(resource: str, key: str, policy: str, expiry: int) -> str:
    """A service SAS token for ``resource`` (a host name, optionally with a path), signed with a policy's
    key, valid until ``expiry`` (epoch seconds, compared with the emulator's clock)."""
    from iothub_emulator import sas

    return sas.sign(resource, key, policy, expiry)


class ServiceSession(_RawSession):
    """Raw calls to a hub's service API on the emulator over real HTTP: every request goes to ``url`` with
    ``Host: <hub>.azure-devices.net`` and the ``authorization`` given (a SAS token, or ``Bearer <emulator
    token>``) and an api-version, as a client configured with ``iothub:serviceEndpoint`` sends them."""

    default_api_version = SERVICE_API_VERSION

    def __init__(self, url: str, hub_name: str, authorization: str | None) -> None:
        self.host = service_host(hub_name)
        auth = {"Authorization": authorization} if authorization is not None else {}
        super().__init__(url, {"Host": self.host, **auth})


class EmulatorTime:
    """A sleep and a clock for the code under test that run on the emulator's clock: the emulator's time is
    frozen, and each ``sleep(seconds)`` advances it by ``seconds`` (and ``clock()`` with it) at once.

    Inject them where the code under test waits (its retry and polling sleeps, its deadline clock): it then
    sees a ``seconds``-mode operation end after exactly the time it slept, and a deadline pass, without a
    test waiting for either in real time. ``slept`` lists the sleeps."""

    def __init__(self, control: EmulatorControl) -> None:
        self._control = control
        self._now = 0.0
        self.slept: list[float] = []
        control.freeze_clock()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if seconds > 0:
            self._now += seconds
            self._control.advance_clock(seconds)

    def clock(self) -> float:
        """Seconds slept so far (a monotonic clock for deadlines)."""
        return self._now
