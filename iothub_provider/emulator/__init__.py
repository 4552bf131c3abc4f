"""``python -m iothub_provider.emulator``: the emulator's old command line, kept for existing scripts.

The emulator is the top-level package ``iothub_emulator`` (installed with the ``[emulator]`` extra);
this package only holds the ``__main__`` that runs it, and imports nothing.
"""
