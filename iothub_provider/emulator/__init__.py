"""Transitional alias: the emulator moved to the top-level package ``iothub_emulator``.

Importing ``iothub_provider.emulator.X`` yields the module ``iothub_emulator.X`` itself (same object, same
state), so code written against the old path keeps working while it is updated. Nothing in
``iothub_provider`` imports this package.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

_NEW = "iothub_emulator"


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers ``iothub_provider.emulator.<sub>`` with the already-importable ``iothub_emulator.<sub>``."""

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.startswith(__name__ + ".") and fullname != __name__ + ".__main__":
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(_NEW + spec.name[len(__name__) :])

    def exec_module(self, module: ModuleType) -> None:
        """The module already ran under its new name."""


if not any(isinstance(f, _Alias) for f in sys.meta_path):
    sys.meta_path.insert(0, _Alias())

from iothub_emulator import EmulatorControl, EmulatorServer, Settings  # noqa: E402

__all__ = ["EmulatorControl", "EmulatorServer", "Settings"]
