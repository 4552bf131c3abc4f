"""The rules of the Microsoft.Devices resource provider and the ARM resource groups it lives in.

Each public method runs in one store transaction (``BEGIN IMMEDIATE``): it first finishes async
operations that are due, then checks preconditions (resource group, etag, hub state, Azure's
validation rules) and writes. Handlers only translate HTTP to these calls and ``Reply`` objects back.

    BackendCore          core.py              shared lookups, operation completion, fault-driven failures
    ResourceGroupRules   resource_groups.py   PUT/GET/HEAD/DELETE resource groups
    HubRules             hubs.py              hub CRUD, lists, checkNameAvailability, operation status
    HubChildRules        hub_children.py      keys, stats, skus, quota metrics, jobs
    ConsumerGroupRules   consumer_groups.py   consumer groups
"""

from __future__ import annotations

from iothub_emulator.consumer_groups import ConsumerGroupRules
from iothub_emulator.hub_children import HubChildRules
from iothub_emulator.hubs import HubRules
from iothub_emulator.resource_groups import ResourceGroupRules
from iothub_emulator.wire import NO_BODY, Call, HubRef, Reply

__all__ = ["NO_BODY", "Backend", "Call", "HubRef", "Reply"]


class Backend(ResourceGroupRules, HubRules, HubChildRules, ConsumerGroupRules):
    """All the rules; one instance per emulator."""
