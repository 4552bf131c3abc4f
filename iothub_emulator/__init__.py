"""Local emulator of the Azure IoT Hub resource provider (Microsoft.Devices ARM API).

Layers, as moto has them: ``app`` (front door: request ids, auth, body checks, front-door faults,
api-version) -> ``routes`` (path patterns and their attributes) -> ``handlers`` (HTTP in, status,
headers and rendered bodies out) -> ``backend`` services (Azure's rules over domain rows, coded errors)
-> ``store`` (every SQL statement, SQLite). ``clock.Clock`` is the one source of time.

``server.EmulatorServer`` runs it in-process; ``python -m iothub_emulator`` (or ``iothub-emulator``)
from the command line; ``control.EmulatorControl`` drives its control API; ``pytest_plugin`` gives
pytest fixtures for all three.
"""

from __future__ import annotations

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from iothub_emulator.settings import EmulatorSettings

__all__ = ["EmulatorControl", "EmulatorServer", "EmulatorSettings"]
