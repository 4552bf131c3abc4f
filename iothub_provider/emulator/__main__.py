"""``python -m iothub_provider.emulator``: the emulator's old command line, kept for existing scripts.

It runs ``python -m iothub_emulator`` (same flags, same output); the emulator itself lives in the
``iothub_emulator`` package, installed with the ``[emulator]`` extra.
"""

from __future__ import annotations

import sys

from iothub_emulator.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
