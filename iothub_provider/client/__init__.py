"""The ARM client: settings, auth, transport (session, ids, error mapping), retries, LRO polling, API."""

from __future__ import annotations

from iothub_provider.client.api import ConsumerGroupRef, HubRef, IotHubApi
from iothub_provider.client.polling import Poller, poll_interval
from iothub_provider.client.retry import RetryPolicy
from iothub_provider.client.settings import Settings, settings_from
from iothub_provider.client.transport import Transport

__all__ = [
    "ConsumerGroupRef",
    "HubRef",
    "IotHubApi",
    "Poller",
    "RetryPolicy",
    "Settings",
    "Transport",
    "poll_interval",
    "settings_from",
]
