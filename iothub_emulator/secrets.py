"""Secrets inside a hub's document: masked on every read, kept when a PUT sends the mask back.

Azure never returns the keys of the connection strings a hub holds for its custom routing endpoints
(Service Bus queues and topics, Event Hubs, storage containers) and its file-upload storage endpoints:
reads answer ``SharedAccessKey=****`` / ``AccountKey=****`` (and Service Bus hosts gain the AMQP port,
``sb://host:5671/``). Clients that do read-modify-write (the portal, the CLI, this provider) therefore send
the mask back; Azure then keeps the secret it holds for the endpoint of that name. The stored document
keeps the secrets in clear so that this is possible; only rendering masks them.
"""

from __future__ import annotations

import copy
import re
from typing import Any

MASK = "****"
_SECRET_PARTS = ("sharedaccesskey", "accountkey")
_SB_HOST = re.compile(r"^(sb://[^/:;]+)(/?)$", re.IGNORECASE)
_ROUTING_GROUPS = ("serviceBusQueues", "serviceBusTopics", "eventHubs", "storageContainers")


def _parts(connection_string: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for part in connection_string.split(";"):
        name, sep, value = part.partition("=")
        out.append((name, value if sep else None))
    return out


def _join(parts: list[tuple[str, str | None]]) -> str:
    return ";".join(name if value is None else f"{name}={value}" for name, value in parts)


def mask(connection_string: Any) -> Any:
    """The connection string as Azure reads it back: key values ``****``, ``sb://`` hosts with port 5671."""
    if not isinstance(connection_string, str) or not connection_string:
        return connection_string
    masked: list[tuple[str, str | None]] = []
    for name, value in _parts(connection_string):
        key = name.strip().lower()
        if value is not None and key in _SECRET_PARTS:
            value = MASK
        elif value is not None and key == "endpoint":
            host = _SB_HOST.match(value)
            if host:
                value = f"{host.group(1)}:5671/"
        masked.append((name, value))
    return _join(masked)


def is_masked(connection_string: Any) -> bool:
    if not isinstance(connection_string, str):
        return False
    return any(
        value == MASK for name, value in _parts(connection_string) if name.strip().lower() in _SECRET_PARTS
    )


def _unmask(sent: str, stored: Any) -> str:
    """``sent`` with each masked key replaced by the stored string's key of the same name (if any)."""
    if not isinstance(stored, str):
        return sent
    secrets = {
        name.strip().lower(): value
        for name, value in _parts(stored)
        if value is not None and name.strip().lower() in _SECRET_PARTS
    }
    restored = [
        (name, secrets.get(name.strip().lower(), value) if value == MASK else value)
        for name, value in _parts(sent)
    ]
    return _join(restored)


def _routing_endpoints(props: dict[str, Any]) -> list[dict[str, Any]]:
    routing = props.get("routing")
    endpoints = routing.get("endpoints") if isinstance(routing, dict) else None
    if not isinstance(endpoints, dict):
        return []
    return [
        endpoint
        for group in _ROUTING_GROUPS
        for endpoint in (endpoints.get(group) or [])
        if isinstance(endpoint, dict)
    ]


def restored(new_props: dict[str, Any], old_props: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``new_props`` with the stored secrets back where a PUT sent the mask for an endpoint that
    exists by name (the request itself is left as sent: the request log shows what the client sent).

    Endpoint names are unique across a hub's routing endpoint types, so a match by name (case-insensitive)
    is the same endpoint even if it moved between lists. A mask sent for a new name stays as sent.
    """
    new_props = copy.deepcopy(new_props)
    old_props = old_props or {}
    old_routing = {
        str(e.get("name", "")).lower(): e.get("connectionString") for e in _routing_endpoints(old_props)
    }
    for endpoint in _routing_endpoints(new_props):
        if is_masked(endpoint.get("connectionString")):
            stored = old_routing.get(str(endpoint.get("name", "")).lower())
            endpoint["connectionString"] = _unmask(endpoint["connectionString"], stored)
    old_storage = old_props.get("storageEndpoints")
    new_storage = new_props.get("storageEndpoints")
    if isinstance(new_storage, dict):
        for name, endpoint in new_storage.items():
            if isinstance(endpoint, dict) and is_masked(endpoint.get("connectionString")):
                stored = old_storage.get(name) if isinstance(old_storage, dict) else None
                stored_string = stored.get("connectionString") if isinstance(stored, dict) else None
                endpoint["connectionString"] = _unmask(endpoint["connectionString"], stored_string)
    return new_props


def masked_properties(props: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``props`` (copied only where it changes) with every connection string masked."""
    routing = props.get("routing")
    endpoints = routing.get("endpoints") if isinstance(routing, dict) else None
    if isinstance(routing, dict) and isinstance(endpoints, dict):
        groups: dict[str, Any] = dict(endpoints)
        for group in _ROUTING_GROUPS:
            members = endpoints.get(group)
            if isinstance(members, list) and members:
                groups[group] = [
                    {**e, "connectionString": mask(e["connectionString"])}
                    if isinstance(e, dict) and "connectionString" in e
                    else e
                    for e in members
                ]
        props = {**props, "routing": {**routing, "endpoints": groups}}
    storage = props.get("storageEndpoints")
    if isinstance(storage, dict):
        props = {
            **props,
            "storageEndpoints": {
                name: {**e, "connectionString": mask(e["connectionString"])}
                if isinstance(e, dict) and "connectionString" in e
                else e
                for name, e in storage.items()
            },
        }
    return props
