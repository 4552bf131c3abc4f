"""Configuration shared by both providers: settings from the stack config, read in the provider process."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import ConfigureRequest

from iothub_provider.client import runtime
from iothub_provider.client.settings import CONFIG_NAMESPACE, Settings, settings_from


def configure_from_request(req: ConfigureRequest) -> None:
    """Read ``iothub:*`` (environment as fallback) and hand the settings to the process's ARM client."""
    config = req.config

    def get(key: str) -> str | None:
        value: Any = config.get(f"{CONFIG_NAMESPACE}:{key}")
        return None if value is None else str(value)

    runtime.configure(settings_from(get))


def settings_or_none() -> Settings | None:
    """Settings for steps that make no calls (diff): None rather than an error when they are unusable."""
    try:
        return runtime.current_settings()
    except Exception:  # a broken setting is reported by the first step that needs ARM, not by diff
        return None
