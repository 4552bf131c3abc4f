"""The provider process's one ARM client, built lazily from the settings ``configure()`` last handed over.

Providers keep no instance state (they are pickled into Pulumi state), so the client lives here, per process:
``configure(settings)`` records the settings; the first call that needs ARM builds the transport (one
``requests.Session``) and the token source, and later calls share them across the provider's worker threads.
Without ``configure()`` (older engines, direct use) the settings come from the environment alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from iothub_provider.client.api import IotHubApi
from iothub_provider.client.auth import token_provider_for
from iothub_provider.client.retry import RetryPolicy
from iothub_provider.client.service import ServiceApi, ServiceTransport
from iothub_provider.client.settings import Settings, settings_from
from iothub_provider.client.transport import Transport


@dataclass(frozen=True)
class Seams:
    """Time seams for tests: sleep and clock reach both the retry policy and the operation poller."""

    sleep: Callable[[float], None] = field(default=time.sleep)
    clock: Callable[[], float] = field(default=time.monotonic)


class _Runtime:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: Settings | None = None
        self._seams = Seams()
        self._api: IotHubApi | None = None
        self._service: ServiceApi | None = None

    def configure(self, settings: Settings, seams: Seams | None = None) -> None:
        with self._lock:
            new_seams = seams or self._seams
            if settings == self._settings and new_seams is self._seams and self._api is not None:
                return
            # Calls already running keep the client they hold; new calls build one from the new settings.
            self._api = None
            self._service = None
            self._settings = settings
            self._seams = new_seams

    def settings(self) -> Settings:
        with self._lock:
            if self._settings is None:
                self._settings = settings_from()
            return self._settings

    def seams(self) -> Seams:
        with self._lock:
            return self._seams

    def api(self) -> IotHubApi:
        settings = self.settings()
        with self._lock:
            if self._api is None:
                retry = RetryPolicy(sleep=self._seams.sleep, clock=self._seams.clock)
                self._api = IotHubApi(Transport(settings, token_provider_for(settings), retry=retry))
            return self._api

    def service(self) -> ServiceApi:
        api = self.api()
        with self._lock:
            if self._service is None:
                retry = RetryPolicy(sleep=self._seams.sleep, clock=self._seams.clock)
                transport = ServiceTransport(api.transport.settings, api.transport.token, retry=retry)
                self._service = ServiceApi(transport, api)
            return self._service

    def reset(self) -> None:
        with self._lock:
            self._close_locked()
            self._settings = None
            self._seams = Seams()

    def _close_locked(self) -> None:
        if self._api is not None:
            self._api.transport.close()
            self._api = None
        if self._service is not None:
            self._service.transport.close()
            self._service = None


_RUNTIME = _Runtime()


def configure(settings: Settings, seams: Seams | None = None) -> None:
    """Use these settings (and time seams) for every ARM call this process makes from now on."""
    _RUNTIME.configure(settings, seams)


def current_settings() -> Settings:
    return _RUNTIME.settings()


def current_api() -> IotHubApi:
    return _RUNTIME.api()


def current_service() -> ServiceApi:
    """The hubs' service API (devices, twins) for this process, on the same settings and seams."""
    return _RUNTIME.service()


def current_seams() -> Seams:
    """The sleep and clock this process waits with (tests inject their own through ``configure``)."""
    return _RUNTIME.seams()


def reset() -> None:
    """Forget settings and close the session (tests; a fresh process starts this way)."""
    _RUNTIME.reset()
