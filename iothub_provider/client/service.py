"""A hub's service API (``https://<hub>.azure-devices.net``): device identities and their twins.

ARM says where a hub answers (``properties.hostName``) and whether it takes keys (``disableLocalAuth``); the
provider process asks once per hub and keeps the answer for the process's life. Credentials, per hub:

- keys allowed (the default): a SAS token signed with the key of a policy that may write the registry and
  the twins (``RegistryWrite`` and ``ServiceConnect``: ``iothubowner`` on a new hub), read through ARM
  ``listkeys``, made for each attempt, valid ``SAS_LIFETIME``; never stored, logged or pickled;
- ``disableLocalAuth: true``: an Entra ID token for ``https://iothubs.azure.net`` (``iothub:accessToken`` when
  set, else DefaultAzureCredential); the identity needs an IoT Hub data role.

A 401 with a SAS token drops the cached keys once and tries again with fresh ones (keys rotated since).
Requests go to the hub's own host over HTTPS; ``iothub:serviceEndpoint`` (a local emulator only) sends them to
that base URL instead, with the hub's host name in the ``Host`` header, so paths, tokens and host names stay
Azure's.

ETags follow the service: the device's etag guards PUT and DELETE of the device (``If-Match``), the twin's
own etag guards twin writes; a create sends ``If-None-Match: *`` (and no ``If-Match``, so a service that
ignores the former still answers 409 ``DeviceAlreadyExists`` rather than replacing a device).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from iothub_provider.client.api import HubRef, IotHubApi
from iothub_provider.client.auth import TokenProvider, token_provider_for
from iothub_provider.client.transport import Transport
from iothub_provider.client.wire import ArmResponse, redact_url
from iothub_provider.errors import AuthenticationError, ConfigurationError, NotFoundError

SERVICE_API_VERSION = "2021-04-12"
SAS_LIFETIME = 600
"""Seconds a SAS token is valid (the Azure CLI's lifetime): long enough for one request and its retries."""
IOTHUB_SCOPE = "https://iothubs.azure.net/.default"
HOST_SUFFIXES = (".azure-devices.net", ".azure-devices.cn", ".azure-devices.us")
WRITER_RIGHTS = frozenset({"RegistryWrite", "ServiceConnect"})


def sas_token(resource: str, key: str, policy: str, expiry: int) -> str:
    """``SharedAccessSignature sr=..&sig=..&se=..&skn=..``: HMAC-SHA256 with the base64-decoded key over the
    URL-encoded, lower-cased resource URI, a newline and the expiry (seconds since the epoch)."""
    resource_uri = quote(resource.lower(), safe="")
    signed = hmac.new(base64.b64decode(key), f"{resource_uri}\n{expiry}".encode(), hashlib.sha256).digest()
    signature = quote(base64.b64encode(signed).decode(), safe="")
    return f"SharedAccessSignature sr={resource_uri}&sig={signature}&se={expiry}&skn={quote(policy, safe='')}"


def writer_policy(policies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The policy to sign with: ``iothubowner`` when present, else the first whose rights cover devices and
    twins; None when no policy may write both."""
    def rights(policy: dict[str, Any]) -> set[str]:
        return {right.strip() for right in str(policy.get("rights") or "").split(",")}

    able = [p for p in policies if WRITER_RIGHTS <= rights(p) and p.get("primaryKey")]
    owner = [p for p in able if p.get("keyName") == "iothubowner"]
    chosen = owner or able
    return chosen[0] if chosen else None


@dataclass(frozen=True)
class DeviceRef:
    """A device identity: its hub (as ARM knows it) and its id."""

    hub: HubRef
    device_id: str

    @property
    def device_path(self) -> str:
        return f"/devices/{quote(self.device_id, safe='')}"

    @property
    def twin_path(self) -> str:
        return f"/twins/{quote(self.device_id, safe='')}"


@dataclass(frozen=True)
class HubAccess:
    """How this process reaches one hub's service API."""

    host: str
    authorize: Callable[[], str]
    uses_keys: bool


class ServiceTransport(Transport):
    """The ARM transport's retries, error mapping and session handling, for hubs' own hosts."""

    def _check_origin(self, url: str) -> None:
        """Only a hub's host over HTTPS, or the configured local service endpoint, gets a credential."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        local = self.settings.service_endpoint
        if local is not None:
            wanted = urlsplit(local)
            origin = (wanted.scheme, (wanted.hostname or "").lower(), wanted.port)
            if (parts.scheme, host, parts.port) == origin:
                return
        elif parts.scheme == "https" and host.endswith(HOST_SUFFIXES):
            return
        raise ConfigurationError(f"refusing to send a hub credential to {redact_url(url)}: not a hub's host")


class ServiceApi:
    """Device and twin calls on any hub of the subscription(s) the provider reaches through ARM."""

    def __init__(self, transport: ServiceTransport, arm: IotHubApi, *,
                 identity_token: Callable[[], TokenProvider] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.transport = transport
        self._arm = arm
        self._identity_token = identity_token or (
            lambda: token_provider_for(transport.settings, IOTHUB_SCOPE)
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._hubs: dict[HubRef, HubAccess] = {}
        self._lookups: dict[HubRef, threading.Lock] = {}

    # -- devices ------------------------------------------------------------------------------------------

    def get_device(self, ref: DeviceRef, *, client_request_id: str) -> dict[str, Any]:
        return _body(self._send("GET", ref, ref.device_path, client_request_id))

    def find_device(self, ref: DeviceRef, *, client_request_id: str) -> dict[str, Any] | None:
        try:
            return self.get_device(ref, client_request_id=client_request_id)
        except NotFoundError:
            return None

    def put_device(self, ref: DeviceRef, body: dict[str, Any], *, client_request_id: str,
                   if_match: str | None = None, create: bool = False) -> dict[str, Any]:
        """Create (``create=True``: never replaces an existing device) or replace, guarded by ``if_match``."""
        headers = {"If-None-Match": "*"} if create else {"If-Match": _quoted(if_match or "*")}
        return _body(self._send("PUT", ref, ref.device_path, client_request_id, body=body, headers=headers))

    def delete_device(self, ref: DeviceRef, *, client_request_id: str, if_match: str | None = None) -> bool:
        """True when deleted, False when it was already gone."""
        try:
            self._send("DELETE", ref, ref.device_path, client_request_id,
                       headers={"If-Match": _quoted(if_match or "*")})
        except NotFoundError:
            return False
        return True

    # -- twins --------------------------------------------------------------------------------------------

    def get_twin(self, ref: DeviceRef, *, client_request_id: str) -> dict[str, Any]:
        return _body(self._send("GET", ref, ref.twin_path, client_request_id))

    def patch_twin(self, ref: DeviceRef, patch: dict[str, Any], *, client_request_id: str,
                   if_match: str | None = None) -> dict[str, Any]:
        """Merge ``patch`` (``tags``, ``properties.desired``; a null removes a key), guarded by the twin's
        etag."""
        headers = {"If-Match": _quoted(if_match or "*")}
        return _body(self._send("PATCH", ref, ref.twin_path, client_request_id, body=patch, headers=headers))

    # -- plumbing -----------------------------------------------------------------------------------------

    def host_name(self, hub: HubRef, *, client_request_id: str) -> str:
        return self._access(hub, client_request_id).host

    def _send(self, method: str, ref: DeviceRef, path: str, client_request_id: str, *,
              body: Any = None, headers: dict[str, str] | None = None) -> ArmResponse:
        access = self._access(ref.hub, client_request_id)
        try:
            return self._request(access, method, path, client_request_id, body, headers)
        except AuthenticationError:
            if not access.uses_keys:
                raise
            self.forget(ref.hub)  # the keys may have been rotated since they were read: read them again
            access = self._access(ref.hub, client_request_id)
            return self._request(access, method, path, client_request_id, body, headers)

    def _request(self, access: HubAccess, method: str, path: str, client_request_id: str,
                 body: Any, headers: dict[str, str] | None) -> ArmResponse:
        local = self.transport.settings.service_endpoint
        base = local if local is not None else f"https://{access.host}"
        all_headers = {**(headers or {}), **({"Host": access.host} if local is not None else {})}
        url = f"{base}{path}?api-version={SERVICE_API_VERSION}"
        return self.transport.request(method, url, client_request_id=client_request_id, body=body,
                                      headers=all_headers, authorize=access.authorize)

    def forget(self, hub: HubRef) -> None:
        with self._lock:
            self._hubs.pop(hub, None)

    def _access(self, hub: HubRef, client_request_id: str) -> HubAccess:
        """The hub's access, looked up once: calls that need it meanwhile wait for that one lookup (the
        engine sends a hub's devices four or more at a time) rather than each reading the hub and its keys."""
        with self._lock:
            known = self._hubs.get(hub)
            if known is not None:
                return known
            lookup = self._lookups.setdefault(hub, threading.Lock())
        with lookup:
            with self._lock:
                known = self._hubs.get(hub)
            if known is not None:
                return known
            return self._look_up(hub, client_request_id)

    def _look_up(self, hub: HubRef, client_request_id: str) -> HubAccess:
        live = self._arm.get_hub(hub, client_request_id=client_request_id)
        props = live.get("properties") or {}
        host = str(props.get("hostName") or "")
        if not host:
            raise ConfigurationError(
                f"IoT hub {hub.name!r} has no host name yet (is it still being created?)")
        access = (self._identity_access(host) if props.get("disableLocalAuth")
                  else self._key_access(hub, host, client_request_id))
        with self._lock:
            self._hubs[hub] = access
        return access

    def _key_access(self, hub: HubRef, host: str, client_request_id: str) -> HubAccess:
        policy = writer_policy(self._arm.list_keys(hub, client_request_id=client_request_id))
        if policy is None:
            raise AuthenticationError(
                status=401, code="NoWriterPolicy", request_id=None, method="POST", url=redact_url(hub.path),
                message=f"IoT hub {hub.name!r} has no shared access policy with both RegistryWrite and "
                        "ServiceConnect rights, so devices and twins cannot be written; add one (or keep "
                        "iothubowner), or disable local authentication and grant the identity an IoT Hub "
                        "data role")
        name, key = str(policy["keyName"]), str(policy["primaryKey"])

        def authorize() -> str:
            return sas_token(host, key, name, int(self._clock()) + SAS_LIFETIME)

        return HubAccess(host, authorize, uses_keys=True)

    def _identity_access(self, host: str) -> HubAccess:
        provider = self._identity_token()
        return HubAccess(host, lambda: f"Bearer {provider()}", uses_keys=False)


def _quoted(etag: str) -> str:
    return etag if etag == "*" or etag.startswith('"') else f'"{etag}"'


def _body(response: ArmResponse) -> dict[str, Any]:
    body = response.body
    if not isinstance(body, dict):
        return {}
    etag = response.header("etag")
    if etag and "etag" not in body:
        body["etag"] = etag.strip('"')
    return body
