"""Hubs spread over several provider processes: an opt-in, for fleets that want a process per group of hubs.

By default (``iothub:providerProcesses`` 1) every hub runs on Pulumi's one default provider, a single
``python -m pulumi.dynamic`` process whose gRPC server serves four calls at a time by itself; ``call_pool``
gives each call waiting on Azure a thread of its own, up to ``iothub:providerCalls`` (32), so a fleet's hubs
deploy together there, and preview and no-op up run in one provider process, on its four threads, as they
always did. Measured with the real CLI (README, "Deploying a fleet"), that default deploys 20 hubs in one
provisioning time like the spread, while the spread's extra processes cost every command, preview and no-op
up included, about 0.4 CPU-seconds each.

The spread is still here for who wants it: process isolation (a crash or a stuck call takes down the hubs of
one process only), or a dynamic-provider host whose pool ``call_pool`` cannot widen (it then keeps four calls
per process, and the processes are what runs hubs side by side). Each *explicit* provider of the package
``pulumi-python`` (``pulumi.ProviderResource("pulumi-python", ...)`` passed as ``opts.provider``) is a process
of its own, and the engine runs steps of different providers side by side, up to its ``--parallel``.

How (read in the program process, when an ``IotHub`` is declared):

* ``iothub:providerProcesses`` (environment ``IOTHUB_PROVIDER_PROCESSES``, default 1, at most 64) is the
  number of provider instances ``iothub-0`` ... ``iothub-<n-1>`` hubs are spread over; ``1`` keeps every hub
  on Pulumi's one default provider.
* A hub's instance is a hash of its Pulumi resource name, modulo that number, and nothing else: adding or
  removing a hub never moves another one (any placement that never moves must depend on the name alone). An
  instance exists only while a hub hashes to it, so a stack with few hubs starts few processes.
* Every instance gets the stack's ``iothub:*`` settings as its inputs (``accessToken`` and any setting set
  with ``--secret`` as secrets, so they are encrypted in the state): its ``Configure`` hands them to the
  provider exactly as the default provider's whole-config ``Configure`` does, and ``refresh``/``destroy``,
  which run from the state without the program, configure each instance from those stored inputs.
* Hubs the program already gives a provider (``opts.provider``/``opts.providers``, or a parent's) and reads
  (``opts.id``, ``IotHub.get``) are left alone.

Moving an existing stack either way is safe: for a resource whose provider reference changes the engine asks
the *new* provider's ``DiffConfig`` whether that forces a replacement; the dynamic provider does not implement
it, which the engine reads as "no replacement" (``providerChanged`` in the engine's step generator), so the
resource's own ``diff`` decides, and it ignores the unchanged ``__provider``. The moved hubs are unchanged;
the providers no hub uses any more drop out of the state. A stack on the 16 instances of the earlier default
moves back to the default provider this way on its first ``up`` with this default (tests/e2e/test_fleet.py).
"""

from __future__ import annotations

import hashlib
import os
import weakref
from typing import Any, Final

import pulumi
from pulumi import ProviderResource, ResourceOptions
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as runtime_settings

from iothub_provider.client.settings import CONFIG_NAMESPACE

PACKAGE: Final = "pulumi-python"
"""The package of every Python dynamic resource: its providers are ``pulumi:providers:pulumi-python``."""
SETTING: Final = "providerProcesses"
ENVIRONMENT: Final = "IOTHUB_PROVIDER_PROCESSES"
DEFAULT_PROCESSES: Final = 1
"""Pulumi's one default provider, widened by ``call_pool`` (the spread is an opt-in)."""
MAX_PROCESSES: Final = 64
INSTANCE_PREFIX: Final = "iothub-"
ALWAYS_SECRET: Final = frozenset({"accessToken"})
"""Settings kept secret in the instances' inputs even when the stack config holds them in plain text."""


def process_bound() -> int:
    """How many provider instances hubs are spread over (``iothub:providerProcesses``); 1 (the default) means
    the default provider alone. A value that is not a whole number from 1 to 64 fails the program, naming the
    key."""
    raw = pulumi.Config(CONFIG_NAMESPACE).get(SETTING) or os.environ.get(ENVIRONMENT)
    if raw in (None, ""):
        return DEFAULT_PROCESSES
    try:
        bound = int(str(raw).strip())
    except ValueError:
        bound = 0
    if not 1 <= bound <= MAX_PROCESSES:
        raise pulumi.RunError(
            f"{CONFIG_NAMESPACE}:{SETTING} {raw!r} must be a whole number from 1 to {MAX_PROCESSES}: how "
            "many provider processes hubs are spread over (1 = Pulumi's single default provider)")
    return bound


def instance_index(resource_name: str, bound: int) -> int:
    """The instance a hub belongs to: its Pulumi name's SHA-256, modulo ``bound`` (stable across runs,
    machines and Python versions, unlike ``hash()``)."""
    digest = hashlib.sha256(resource_name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % bound


def provider_settings() -> dict[str, Any]:
    """The stack's ``iothub:*`` settings (except the bound itself) as provider inputs, secrets as secrets."""
    values: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{CONFIG_NAMESPACE}:"
    settings: dict[str, Any] = {}
    for key in sorted(values):
        name = key[len(prefix):]
        if not key.startswith(prefix) or name == SETTING or values[key] is None:
            continue
        value = str(values[key])
        secret = name in ALWAYS_SECRET or runtime_config.is_config_secret(key)
        settings[key] = pulumi.Output.secret(value) if secret else value
    return settings


# One set of instances per program run: a run is identified by its resource monitor (tests run programs
# several times in one process under mocks, each with a monitor of its own).
_RUNS: weakref.WeakKeyDictionary[Any, dict[int, ProviderResource]] = weakref.WeakKeyDictionary()
_UNKEYED: dict[int, ProviderResource] = {}


def _instances() -> dict[int, ProviderResource]:
    monitor = runtime_settings.get_monitor()
    if monitor is None:
        return _UNKEYED
    try:
        return _RUNS.setdefault(monitor, {})
    except TypeError:  # a monitor that cannot be weakly referenced: one set for the process
        return _UNKEYED


def provider_for(resource_name: str) -> ProviderResource | None:
    """The provider instance for the hub named ``resource_name`` (created on first use in this run), or None
    when ``iothub:providerProcesses`` is 1 (the default provider). Consumer groups passed their hub's
    instance share its process and never wait behind other hubs' long calls there."""
    bound = process_bound()
    if bound <= 1:
        return None
    index = instance_index(resource_name, bound)
    instances = _instances()
    if index not in instances:
        instances[index] = ProviderResource(PACKAGE, f"{INSTANCE_PREFIX}{index}", provider_settings())
    return instances[index]


def _chooses_own_provider(opts: ResourceOptions | None) -> bool:
    if opts is None:
        return False
    if opts.provider is not None or opts.providers or opts.id is not None:
        return True
    parent_providers = getattr(opts.parent, "_providers", None) or {}
    return PACKAGE in parent_providers


def place(resource_name: str, opts: ResourceOptions | None) -> ResourceOptions | None:
    """``opts`` with the hub's provider instance, unless the program chose a provider or reads the hub."""
    if _chooses_own_provider(opts):
        return opts
    provider = provider_for(resource_name)
    if provider is None:
        return opts
    return ResourceOptions.merge(opts, ResourceOptions(provider=provider))
