"""Provider settings: where ARM is, which subscription and api-version, how to authenticate, how long to wait.

Read in the provider process only (from the stack config handed to ``configure()`` and from the environment),
never captured in the pickled provider. Precedence per setting: stack config ``iothub:<key>`` > environment >
default.

| setting | stack config | environment | default |
| --- | --- | --- | --- |
| subscription_id | ``iothub:subscriptionId`` | AZURE_SUBSCRIPTION_ID, ARM_SUBSCRIPTION_ID | (per resource) |
| endpoint | ``iothub:armEndpoint`` | IOTHUB_ARM_ENDPOINT | management.azure.com |
| api_version | ``iothub:apiVersion`` | IOTHUB_API_VERSION | 2023-06-30 |
| access_token | ``iothub:accessToken`` (secret) | IOTHUB_ACCESS_TOKEN | DefaultAzureCredential |
| operation_timeout | ``iothub:operationTimeout`` | IOTHUB_OPERATION_TIMEOUT | 30 minutes |
| provider_calls | ``iothub:providerCalls`` | IOTHUB_PROVIDER_CALLS | 32 calls at once per provider process |
| service_endpoint | ``iothub:serviceEndpoint`` | IOTHUB_SERVICE_ENDPOINT | each hub's own host (Azure) |

``service_endpoint`` is for a local emulator only: the hubs' service APIs (devices, twins) are then reached
at that base URL with the hub's host name in the ``Host`` header, since ``<hub>.azure-devices.net`` cannot
resolve to loopback. In Azure it stays unset and every hub is reached at its own host over HTTPS.

The cloud (public, China, US Government) follows from the endpoint's host; it picks the token scope and
authority.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from iothub_provider.errors import ConfigurationError

DEFAULT_ENDPOINT = "https://management.azure.com"
DEFAULT_API_VERSION = "2023-06-30"
DEFAULT_OPERATION_TIMEOUT = 30 * 60.0
DEFAULT_PROVIDER_CALLS = 32
MAX_PROVIDER_CALLS = 256
CONFIG_NAMESPACE = "iothub"

_API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-(preview|alpha|beta|rc|privatepreview))?$")
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")


@dataclass(frozen=True)
class Cloud:
    """An Azure cloud: the token scope ARM expects and the Entra ID authority that issues it."""

    name: str
    scope: str
    authority_host: str


PUBLIC_CLOUD = Cloud("AzureCloud", "https://management.azure.com/.default", "login.microsoftonline.com")
CHINA_CLOUD = Cloud(
    "AzureChinaCloud", "https://management.chinacloudapi.cn/.default", "login.chinacloudapi.cn"
)
US_GOV_CLOUD = Cloud(
    "AzureUSGovernment", "https://management.core.usgovcloudapi.net/.default", "login.microsoftonline.us"
)
_CLOUDS_BY_HOST_SUFFIX = {
    "management.chinacloudapi.cn": CHINA_CLOUD,
    "management.usgovcloudapi.net": US_GOV_CLOUD,
}


def cloud_for_endpoint(endpoint: str) -> Cloud:
    """The cloud an ARM endpoint belongs to; anything not China or US Government is public."""
    host = (urlsplit(endpoint).hostname or "").lower()
    for suffix, cloud in _CLOUDS_BY_HOST_SUFFIX.items():
        if host == suffix or host.endswith("." + suffix):
            return cloud
    return PUBLIC_CLOUD


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses, the only hosts that may be spoken to over plain http."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Settings:
    """Resolved, validated settings; ``access_token`` never appears in ``repr``."""

    endpoint: str = DEFAULT_ENDPOINT
    subscription_id: str | None = None
    api_version: str = DEFAULT_API_VERSION
    access_token: str | None = field(default=None, repr=False)
    operation_timeout: float = DEFAULT_OPERATION_TIMEOUT
    provider_calls: int = DEFAULT_PROVIDER_CALLS
    service_endpoint: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "endpoint", validate_endpoint(self.endpoint))
        if self.service_endpoint is not None:
            endpoint = validate_endpoint(self.service_endpoint, key="iothub:serviceEndpoint")
            object.__setattr__(self, "service_endpoint", endpoint)
        if not _API_VERSION_RE.match(self.api_version):
            raise ConfigurationError(
                f"iothub:apiVersion {self.api_version!r} is not an api-version "
                f"(expected e.g. {DEFAULT_API_VERSION})"
            )
        if self.subscription_id is not None and not _GUID_RE.match(self.subscription_id):
            raise ConfigurationError(
                f"subscription id {self.subscription_id!r} is not a GUID; set iothub:subscriptionId or "
                "AZURE_SUBSCRIPTION_ID to the subscription's id (az account show --query id)"
            )
        if self.operation_timeout <= 0:
            raise ConfigurationError("iothub:operationTimeout must be positive")
        if not 1 <= self.provider_calls <= MAX_PROVIDER_CALLS:
            raise ConfigurationError(
                f"iothub:providerCalls {self.provider_calls} must be from 1 to {MAX_PROVIDER_CALLS}: how "
                "many calls (hub creates, updates, deletes) one provider process serves at once"
            )

    @property
    def cloud(self) -> Cloud:
        return cloud_for_endpoint(self.endpoint)

    def require_subscription(self, override: str | None = None) -> str:
        """The subscription for one resource: its ``subscription_id`` input, else the provider's."""
        sub = override or self.subscription_id
        if not sub:
            raise ConfigurationError(
                "no subscription: set the resource's subscription_id, or "
                "`pulumi config set iothub:subscriptionId <id>`, or the AZURE_SUBSCRIPTION_ID "
                "environment variable"
            )
        return sub


def validate_endpoint(endpoint: str, *, key: str = "iothub:armEndpoint") -> str:
    """Refuse anything but https, except plain http to loopback (the emulator); strip a trailing slash."""
    what = "ARM endpoint" if key == "iothub:armEndpoint" else key
    try:
        parts = urlsplit(endpoint.strip())
        parts.port  # noqa: B018 -- urllib checks the port only when it is read
    except ValueError as exc:  # "http://[::1", a port out of range or not a number
        raise ConfigurationError(f"{what} {endpoint!r} is not a valid URL ({exc})") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(f"{what} {endpoint!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{what} {endpoint!r} uses plain http to a non-loopback host; tokens would travel in "
            "clear text. Use https, or http only for an emulator on 127.0.0.1/localhost"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{what} {endpoint!r} must not carry a query or fragment")
    if key != "iothub:armEndpoint" and parts.path.strip("/"):
        raise ConfigurationError(f"{what} {endpoint!r} must be a scheme, host and port only (no path)")
    return endpoint.strip().rstrip("/")


def parse_count(value: str, *, key: str) -> int:
    """A whole number from its text (``"32"``; the engine may hand over ``"32.0"``)."""
    try:
        number = float(value.strip())
    except ValueError:
        number = float("nan")
    if not number.is_integer():
        raise ConfigurationError(f"{key} {value!r} is not a whole number")
    return int(number)


def parse_duration(value: str, *, key: str) -> float:
    """Seconds from ``"1800"``, ``"1800s"``, ``"30m"`` or ``"1h"``."""
    match = _DURATION_RE.match(value)
    if not match:
        raise ConfigurationError(f"{key} {value!r} is not a duration (e.g. 1800, 30m, 1h)")
    number = float(match.group(1))
    return number * {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]


ConfigGetter = Callable[[str], "str | None"]


def settings_from(config: ConfigGetter | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from a stack-config getter (keys without namespace) and the environment."""
    env = os.environ if environ is None else environ

    def pick(key: str, *env_names: str) -> str | None:
        value = config(key) if config is not None else None
        if value not in (None, ""):
            return str(value)
        for name in env_names:
            if env.get(name):
                return env[name]
        return None

    timeout = pick("operationTimeout", "IOTHUB_OPERATION_TIMEOUT")
    calls = pick("providerCalls", "IOTHUB_PROVIDER_CALLS")
    return Settings(
        endpoint=pick("armEndpoint", "IOTHUB_ARM_ENDPOINT") or DEFAULT_ENDPOINT,
        subscription_id=pick("subscriptionId", "AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"),
        api_version=pick("apiVersion", "IOTHUB_API_VERSION") or DEFAULT_API_VERSION,
        access_token=pick("accessToken", "IOTHUB_ACCESS_TOKEN"),
        operation_timeout=(
            parse_duration(timeout, key="iothub:operationTimeout") if timeout else DEFAULT_OPERATION_TIMEOUT
        ),
        provider_calls=parse_count(calls, key="iothub:providerCalls") if calls else DEFAULT_PROVIDER_CALLS,
        service_endpoint=pick("serviceEndpoint", "IOTHUB_SERVICE_ENDPOINT"),
    )


class NamespacedConfig(Protocol):
    """Stack config keyed ``<namespace>:<key>``: the ``pulumi.dynamic.Config`` that a provider's ``configure``
    gets, or a plain dictionary."""

    def get(self, key: str, /) -> object: ...


def namespaced(raw: NamespacedConfig) -> ConfigGetter:
    """The getter ``settings_from`` reads ``iothub:armEndpoint`` and friends with, over the stack config the
    engine hands ``configure`` (the one getter of production and tests)."""

    def get(key: str) -> str | None:
        value = raw.get(f"{CONFIG_NAMESPACE}:{key}")
        return None if value is None else str(value)

    return get
