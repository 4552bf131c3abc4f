"""Reliability and security campaign for the IoT hub provider and its emulator.

``python -m reliability`` runs the long campaign and prints its figures; ``tests/reliability`` runs seeded,
short versions of every part in CI. Parts, one module each:

    lab.py        the test bench: emulator, provider processes, stacks declared as the engine sees them
    operator.py   someone in the Azure portal: out-of-band changes, and reading what is really there
    proxy.py      a TCP proxy that loses answers after the emulator did the work
    ledger.py     what the emulator's request log says: retries, creations, faults fired
    schedule.py   the seeded random fault schedule
    campaign.py   fault campaign over hub and consumer-group lifecycles, with its invariants
    crashes.py    SIGKILL of the provider (create, update, delete) and of the emulator (writes, operations)
    load.py       many stacks deploying at once against one throttling emulator
    fuzz.py       hypothesis: the providers' check, and the emulator against its REST spec
    security.py   secret scans, authentication of every route, transport safety, dependency audit
    figures.py    the numbers each part reports
"""

from __future__ import annotations
