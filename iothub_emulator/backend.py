"""The rules of the Microsoft.Devices resource provider and the ARM resource groups it lives in.

Services, composed (not inherited) over one store, settings and clock. Each public method runs in one
store transaction: due async operations finish first, then preconditions (resource group, etag, hub
state, Azure's validation rules) are checked and the change is written. Services return stored rows
and raise coded errors (``errors``); they never see a request, a status code or a header, and they run
no SQL of their own (every statement is a named method of ``store.Tx``).

    operations        operations.py        start, poll, finish async operations; transaction helpers
    resource_groups   resource_groups.py   PUT/GET/HEAD/DELETE resource groups
    hubs              hubs.py              hub create/update/read/patch/delete, lists, name availability
    hub_children      hub_children.py      keys, stats, skus, quota metrics, jobs
    consumer_groups   consumer_groups.py   consumer groups
    devices           devices.py           device identities of a hub's registry (service API), statistics
    twins             twins.py             device twins (service API)
    device_jobs       device_jobs.py       import/export jobs, shared by ARM and the service API
"""

from __future__ import annotations

from iothub_emulator.clock import Clock
from iothub_emulator.consumer_groups import ConsumerGroups
from iothub_emulator.core import Env
from iothub_emulator.device_jobs import DeviceJobs
from iothub_emulator.devices import Devices
from iothub_emulator.hub_children import HubChildren
from iothub_emulator.hubs import Hubs
from iothub_emulator.operations import Operations
from iothub_emulator.resource_groups import ResourceGroups
from iothub_emulator.settings import EmulatorSettings
from iothub_emulator.store import Store
from iothub_emulator.twins import Twins

__all__ = ["Backend"]


class Backend:
    """All the services of one emulator."""

    def __init__(self, store: Store, settings: EmulatorSettings, clock: Clock) -> None:
        env = Env(store, settings, clock)
        self.store = store
        self.operations = Operations(env)
        self.resource_groups = ResourceGroups(env, self.operations)
        self.hubs = Hubs(env, self.operations)
        self.hub_children = HubChildren(env, self.operations)
        self.consumer_groups = ConsumerGroups(env, self.operations)
        self.devices = Devices(env, self.operations)
        self.twins = Twins(env, self.operations)
        self.device_jobs = DeviceJobs(env, self.operations)

    def reset(self) -> None:
        """Empty state (settings, faults and the clock are the control API's to reset)."""
        self.store.clear()
