"""Benchmarks for iothub-provider: run with ``python -m bench`` (``--quick`` for a smoke run).

Each benchmark compares what we measure against a bound that nothing can beat (the emulator's
provisioning time, a trivial dynamic provider, a trivial endpoint on the same server stack) and
against Microsoft's SDK where one exists; the ratios are what count, absolute numbers depend on
the machine (see ``bench.machine``).
"""
