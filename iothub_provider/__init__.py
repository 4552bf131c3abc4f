"""Pulumi dynamic provider for Azure IoT hubs and consumer groups, with a local RP emulator."""

from __future__ import annotations

__version__ = "0.1.0"
