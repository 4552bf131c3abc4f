"""Shared access policies: defaults, key generation, rights normalisation."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from iothub_emulator.errors import INVALID_AUTHORIZATION_POLICY, BadRequest

RIGHTS_ORDER = ("RegistryRead", "RegistryWrite", "ServiceConnect", "DeviceConnect")

DEFAULT_POLICIES: tuple[tuple[str, str], ...] = (
    ("iothubowner", "RegistryWrite, ServiceConnect, DeviceConnect"),
    ("service", "ServiceConnect"),
    ("device", "DeviceConnect"),
    ("registryRead", "RegistryRead"),
    ("registryReadWrite", "RegistryWrite"),
)


def new_key() -> str:
    """44 characters of base64 (32 random bytes), like the real service's keys."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def default_policies() -> list[dict[str, Any]]:
    return [
        {"keyName": name, "primaryKey": new_key(), "secondaryKey": new_key(), "rights": rights}
        for name, rights in DEFAULT_POLICIES
    ]


def normalise_rights(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(
            f"{where}.rights is required: a comma-separated subset of {', '.join(RIGHTS_ORDER)}",
            code=INVALID_AUTHORIZATION_POLICY,
        )
    wanted = {part.strip().lower() for part in value.split(",") if part.strip()}
    known = {r.lower(): r for r in RIGHTS_ORDER}
    unknown = wanted - set(known)
    if unknown:
        raise BadRequest(
            f"{where}.rights has unknown right(s) {sorted(unknown)}; allowed: {', '.join(RIGHTS_ORDER)}",
            code=INVALID_AUTHORIZATION_POLICY,
        )
    return ", ".join(r for r in RIGHTS_ORDER if r.lower() in wanted)


def merge_policies(requested: Any, existing: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The policy set a PUT asks for; keys it omits are kept (same keyName) or generated."""
    if not isinstance(requested, list):
        raise BadRequest(
            "properties.authorizationPolicies must be an array of {keyName, rights}",
            code=INVALID_AUTHORIZATION_POLICY,
        )
    previous = {p["keyName"].lower(): p for p in existing or []}
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(requested):
        where = f"properties.authorizationPolicies[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("keyName"), str) or not item["keyName"]:
            raise BadRequest(f"{where}.keyName is required", code=INVALID_AUTHORIZATION_POLICY)
        name = item["keyName"]
        for field in ("primaryKey", "secondaryKey"):
            if item.get(field) is not None and not isinstance(item[field], str):
                raise BadRequest(f"{where}.{field} must be a string", code=INVALID_AUTHORIZATION_POLICY)
        if name.lower() in seen:
            raise BadRequest(f"{where}.keyName '{name}' is duplicated", code=INVALID_AUTHORIZATION_POLICY)
        seen.add(name.lower())
        old = previous.get(name.lower(), {})
        out.append(
            {
                "keyName": name,
                "primaryKey": item.get("primaryKey") or old.get("primaryKey") or new_key(),
                "secondaryKey": item.get("secondaryKey") or old.get("secondaryKey") or new_key(),
                "rights": normalise_rights(item.get("rights"), where),
            }
        )
    return out
