"""How property values arrive from the engine, and the small conversions every provider step needs.

The engine sends every number as a float (``4`` arrives as ``4.0``), drops null keys, and during preview sends
values it does not know yet as ``pulumi.output.Unknown`` objects, possibly nested inside dicts and lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.output import Unknown

MASK = "****"


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def user_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """Everything but the engine's own keys (``__provider`` and any other ``__`` key)."""
    return {k: v for k, v in props.items() if not k.startswith("__")}


def as_whole_number(value: Any) -> int | None:
    """``4.0`` -> 4, ``4`` -> 4; None for anything that is not a whole number (``4.5``, ``"4"``, ``True``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def whole_numbers(value: Any) -> Any:
    """Integral floats to ints throughout an ARM-shaped value (all numbers in these schemas are integers)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


def project(live: Any, shape: Any) -> Any:
    """The part of ``live`` that ``shape`` (the user's input) describes, so defaults Azure adds are not drift.

    Dicts keep only the keys of ``shape``; lists of equal length are projected element by element; strings
    that Azure masks on read (``SharedAccessKey=****``) count as equal to the input.
    """
    if isinstance(shape, dict) and isinstance(live, dict):
        return {k: project(live.get(k), v) for k, v in shape.items() if k in live}
    if isinstance(shape, list) and isinstance(live, list) and len(shape) == len(live):
        return [project(lv, sv) for lv, sv in zip(live, shape, strict=True)]
    if isinstance(shape, str) and isinstance(live, str) and MASK in live and _masked_equal(live, shape):
        return shape
    return live


def _masked_equal(masked: str, original: str) -> bool:
    """True when ``masked`` is ``original`` with secret values replaced by ****, ignoring an added port."""
    masked_parts = _conn_parts(masked)
    original_parts = _conn_parts(original)
    if masked_parts.keys() != original_parts.keys():
        return False
    for key, value in masked_parts.items():
        if value == MASK:
            continue
        if value.replace(":5671", "").rstrip("/") != original_parts[key].replace(":5671", "").rstrip("/"):
            return False
    return True


def _conn_parts(value: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in value.split(";"):
        if "=" in item:
            key, _, val = item.partition("=")
            parts[key.strip().lower()] = val.strip()
    return parts


def same_location(a: Any, b: Any) -> bool:
    """Azure location names compare without case and spaces ("West Europe" is "westeurope")."""
    if not isinstance(a, str) or not isinstance(b, str):
        return bool(a == b)
    return a.replace(" ", "").lower() == b.replace(" ", "").lower()


def subscription_changed(before: Any, after: Any, default_sub: str | None) -> bool:
    """Compare effective subscriptions; a left-out input means the provider's (maybe unknown here)."""
    after = after or default_sub
    before = before or default_sub
    return after is not None and before is not None and after != before
