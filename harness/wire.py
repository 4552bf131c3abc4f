"""Property values as the engine puts them on the wire to a dynamic provider.

The engine talks to `python -m pulumi.dynamic` with `acceptSecrets=False`, so a provider never sees a secret
wrapper except in `Configure`; numbers travel as float64; `null` keys are dropped by the Python servicer; an
unknown value (a property computed later) travels as the string sentinel, and only when the engine keeps
unknowns (preview Check/Diff and the dependents' Diff of a delete-before-replace).

Inside the harness a property bag (`Props`) is a plain dict whose leaves may be `UNKNOWN` or a `Secret`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from google.protobuf import json_format, struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime._serialization import _serialize

PROVIDER_KEY: Final = "__provider"
UNKNOWN_SENTINEL: Final = rpc.UNKNOWN
SECRET_SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG_VALUE: Final = "1b47061264138c4ac30d75fd1eb44270"

Props = dict[str, Any]


class _UnknownValue:
    """A value the engine does not know yet (a preview, or an output of a resource being replaced)."""

    _instance: _UnknownValue | None = None

    def __new__(cls) -> _UnknownValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _UnknownValue()


class Secret:
    """A value the program or the engine marked secret."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "Secret([redacted])"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("Secret", repr(self.value)))


class _Dropped:
    """Marks a value that does not travel (a null, or an unknown the engine does not keep)."""


_DROPPED: Final = _Dropped()


def _to_wire(value: Any, *, keep_secrets: bool, keep_unknowns: bool) -> Any:
    if isinstance(value, Secret):
        inner = _to_wire(value.value, keep_secrets=keep_secrets, keep_unknowns=keep_unknowns)
        return {SECRET_SIG_KEY: SECRET_SIG_VALUE, "value": inner} if keep_secrets else inner
    if value is UNKNOWN:
        return UNKNOWN_SENTINEL if keep_unknowns else _DROPPED
    if value is None:
        return _DROPPED
    if isinstance(value, Mapping):
        encoded = {k: _to_wire(v, keep_secrets=keep_secrets, keep_unknowns=keep_unknowns)
                   for k, v in value.items()}
        return {k: v for k, v in encoded.items() if v is not _DROPPED}
    if isinstance(value, (list, tuple)):
        items = (_to_wire(v, keep_secrets=keep_secrets, keep_unknowns=keep_unknowns) for v in value)
        return [v for v in items if v is not _DROPPED]
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"cannot put a {type(value).__name__} on the wire: {value!r}")


def marshal(props: Mapping[str, Any], *, keep_secrets: bool = False,
            keep_unknowns: bool = False) -> struct_pb2.Struct:
    """Encode a property bag the way the engine's `MarshalProperties` does for a dynamic provider."""
    struct = struct_pb2.Struct()
    struct.update(_to_wire(props, keep_secrets=keep_secrets, keep_unknowns=keep_unknowns))
    return struct


def _from_wire(value: Any) -> Any:
    if value == UNKNOWN_SENTINEL:
        return UNKNOWN
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG_VALUE:
            return Secret(_from_wire(value.get("value")))
        return {k: _from_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_wire(v) for v in value]
    return value


def unmarshal(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Decode a provider response; sentinels become `UNKNOWN` and secret wrappers become `Secret`."""
    decoded = _from_wire(json_format.MessageToDict(struct))
    assert isinstance(decoded, dict)
    return decoded


def from_program(value: Any) -> Any:
    """Convert a value the SDK deserialized from a registration into the harness's representation."""
    if rpc.is_rpc_secret(value):
        return Secret(from_program(rpc.unwrap_rpc_secret(value)))
    if isinstance(value, Unknown) or value == UNKNOWN_SENTINEL:
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: from_program(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [from_program(v) for v in value]
    return value


def to_program(value: Any) -> Any:
    """Convert a harness value into what a monitor hands the SDK (secrets wrapped, unknowns as sentinel)."""
    if isinstance(value, Secret):
        return rpc.wrap_rpc_secret(to_program(value.value))
    if value is UNKNOWN:
        return UNKNOWN_SENTINEL
    if isinstance(value, Mapping):
        return {k: to_program(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_program(v) for v in value]
    return value


def reveal(value: Any) -> Any:
    """Strip every `Secret` wrapper, as the engine does before it sends properties to the provider."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, Mapping):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [reveal(v) for v in value]
    return value


def secret_keys(props: Mapping[str, Any]) -> frozenset[str]:
    """Top-level keys whose value is, or contains, a secret."""
    return frozenset(k for k, v in props.items() if _contains_secret(v))


def _contains_secret(value: Any) -> bool:
    if isinstance(value, Secret):
        return True
    if isinstance(value, Mapping):
        return any(_contains_secret(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_secret(v) for v in value)
    return False


def contains_unknown(value: Any) -> bool:
    """Whether any leaf of `value` is `UNKNOWN`."""
    if value is UNKNOWN:
        return True
    if isinstance(value, Secret):
        return contains_unknown(value.value)
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


def provider_string(provider: object) -> str:
    """The `__provider` value `pulumi.dynamic.Resource` stores for `provider` (base64 of a dill pickle)."""
    serialized, _ = _serialize(True, serialize_provider, provider)
    assert isinstance(serialized, str)
    return serialized
