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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iothub_emulator.control import EmulatorControl
    from iothub_emulator.server import EmulatorServer
    from iothub_emulator.settings import EmulatorSettings

__all__ = ["EmulatorControl", "EmulatorServer", "EmulatorSettings"]

_HOMES = {"EmulatorControl": "control", "EmulatorServer": "server", "EmulatorSettings": "settings"}


def __getattr__(name: str) -> Any:
    """The public names, imported on first use: the command line and the pytest plugin import this
    package, and the control client's HTTP library costs a process start a tenth of a second."""
    if name in _HOMES:
        return getattr(importlib.import_module(f"iothub_emulator.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'iothub_emulator' has no attribute {name!r}")
