"""Configuration shared by both providers: settings from the stack config, read in the provider process."""

from __future__ import annotations

from pulumi.dynamic import ConfigureRequest

from iothub_provider.client import runtime
from iothub_provider.client.settings import Settings, namespaced, settings_from
from iothub_provider.errors import ConfigurationError


def configure_from_request(req: ConfigureRequest) -> None:
    """Read ``iothub:*`` (environment as fallback) and hand the settings to the process's ARM client."""
    runtime.configure(settings_from(namespaced(req.config)))


def settings_or_none() -> Settings | None:
    """Settings for steps that make no calls (diff): None rather than an error when they are unusable; a
    broken setting is reported by the first step that needs ARM, not by diff. Any other error is a bug and
    is raised."""
    try:
        return runtime.current_settings()
    except ConfigurationError:
        return None
