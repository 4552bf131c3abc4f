"""Configuration shared by both providers: settings from the stack config, read in the provider process."""

from __future__ import annotations

from pulumi.dynamic import ConfigureRequest

from iothub_provider.client import runtime
from iothub_provider.client.settings import Settings, namespaced, settings_from
from iothub_provider.errors import ConfigurationError
from iothub_provider.resources import call_pool


def configure_from_request(req: ConfigureRequest) -> None:
    """Read ``iothub:*`` (environment as fallback), hand the settings to the process's ARM client, and let
    the process run up to ``iothub:providerCalls`` calls at once while calls wait on Azure (``call_pool``)."""
    settings = settings_from(namespaced(req.config))
    runtime.configure(settings)
    call_pool.allow(settings.provider_calls)


def settings_or_none() -> Settings | None:
    """Settings for steps that make no calls (diff): None rather than an error when they are unusable; a
    broken setting is reported by the first step that needs ARM, not by diff. Any other error is a bug and
    is raised."""
    try:
        return runtime.current_settings()
    except ConfigurationError:
        return None
