"""Local emulator of the Azure IoT Hub resource provider (Microsoft.Devices ARM API).

Layers: ``app`` (front door: request ids, auth, faults, api-version) -> ``routes`` -> ``handlers`` ->
``backend`` (the RP's rules) -> ``store`` (SQLite). ``server.EmulatorServer`` runs it in-process;
``python -m iothub_emulator`` runs it from the command line; ``control.EmulatorControl`` drives
its control API.
"""

from __future__ import annotations

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_emulator.settings import Settings

__all__ = ["EmulatorControl", "EmulatorServer", "Settings"]
