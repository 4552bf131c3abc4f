"""Nested ARM objects described once, and the one conversion between their two spellings.

A program, the Pulumi state and every provider step spell nested settings in snake_case, as
pulumi-azure-native does (``cloud_to_device={"max_delivery_count": 5}``); the ARM document spells them in
camelCase (``"maxDeliveryCount"``). A ``Shape`` lists an ARM object's keys (``Field``), the snake_case name of
each derived from its ARM name unless the two do not map mechanically (``cosmosDBSqlContainers``). From that:

- ``to_arm`` writes a value the ARM way (the hub model, just before a body is sent);
- ``from_arm`` reads it back the snake_case way (the live document, before it is compared or output; also
  state and programs written before snake_case existed, whose keys are ARM keys: both spellings are read);
- and ``from_arm`` tells whoever asks (``renamed``) which ARM-spelled keys it met, so a program can be warned.

A ``Property`` is one property of a resource (its schema module, ``hub_schema`` or ``device_schema``, lists
them): its kind, its place in Azure's document and its type, scalar or a ``Shape``.

Keys a shape does not know are passed through as they are (check reports them with the allowed names), and so
are the keys of maps (``storage_endpoints["$default"]``, tag names, identity ids), which are data, not names.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Scalar = Literal["str", "int", "bool", "json"]
"""``json``: any JSON value the program chooses (twin tags and desired properties); never converted."""
Container = Literal["one", "list", "map"]
Kind = Literal["identity", "managed", "tags", "twin", "control", "computed", "secret"]
"""What a resource property is; each resource's schema module says what its kinds mean for it."""


def snake_name(arm_name: str) -> str:
    """``maxDeliveryCount`` -> ``max_delivery_count``; ``enableRootCertificateV2`` -> ``..._v2``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", arm_name).lower()


@dataclass(frozen=True)
class Field:
    """One key of an ARM object: its ARM name, and either a scalar type or a nested ``Shape``.

    ``container`` says whether the value is one item, a list of items or a map from data keys to items.
    ``read_only`` keys are what Azure adds on read (outputs only); ``required`` ones must be set on input.
    """

    arm: str
    kind: Scalar | Shape
    container: Container = "one"
    required: bool = False
    read_only: bool = False
    doc: str = ""
    snake: str = ""

    @property
    def name(self) -> str:
        return self.snake or snake_name(self.arm)

    @property
    def shape(self) -> Shape | None:
        return self.kind if isinstance(self.kind, Shape) else None


@dataclass(frozen=True)
class Shape:
    """An ARM object type; ``name`` is pulumi-azure-native's name for it (``CloudToDeviceProperties``)."""

    name: str
    fields: tuple[Field, ...]
    doc: str = ""

    def field(self, key: str) -> Field | None:
        """The field spelled ``key`` either way."""
        for item in self.fields:
            if key in (item.arm, item.name):
                return item
        return None

    def input_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.read_only)

    def allowed_keys(self) -> tuple[str, ...]:
        """The snake_case keys an input may hold (for check's "allowed:" lists)."""
        return tuple(f.name for f in self.input_fields())


Renamed = Callable[[str, str], None]
"""Told ``(arm_name, snake_name)`` for every key spelled the ARM way where the two spellings differ."""
Deferred = Callable[[Any, Callable[[Any], Any]], Any]
"""Applies a conversion to a value not there yet (a program's ``Output``); None on the provider side."""


def to_arm(kind: Shape, value: Any, container: Container = "one") -> Any:
    """``value`` with every known key spelled the ARM way."""
    return _Conversion(lambda f: f.arm).run(kind, value, container)


def from_arm(
    kind: Shape,
    value: Any,
    container: Container = "one",
    *,
    later: Deferred | None = None,
    renamed: Renamed | None = None,
) -> Any:
    """``value`` with every known key spelled the snake_case way; args objects become dicts on the way.
    ``later`` converts what is not known yet (a program's ``Output``) once it is."""
    return _Conversion(lambda f: f.name, later, renamed).run(kind, value, container)


@dataclass(frozen=True)
class _Conversion:
    key_for: Callable[[Field], str]
    later: Deferred | None = None
    renamed: Renamed | None = None

    def run(self, shape: Shape, value: Any, container: Container) -> Any:
        if self.later is not None and _is_deferred(value):
            return self.later(value, lambda known: self.run(shape, known, container))
        value = _as_dict(value)
        if container == "list" and isinstance(value, list):
            return [self.run(shape, item, "one") for item in value]
        if container == "map" and isinstance(value, dict):
            return {k: self.run(shape, item, "one") for k, item in value.items()}
        if container != "one" or not isinstance(value, dict):
            return value
        return {self._key(shape, key): self._item(shape, key, item) for key, item in value.items()}

    def _key(self, shape: Shape, key: str) -> str:
        spec = shape.field(key)
        if spec is None:
            return key
        if self.renamed is not None and key == spec.arm != spec.name:
            self.renamed(spec.arm, spec.name)
        return self.key_for(spec)

    def _item(self, shape: Shape, key: str, item: Any) -> Any:
        spec = shape.field(key)
        if spec is None or spec.shape is None:
            return item
        return self.run(spec.shape, item, spec.container)


def _as_dict(value: Any) -> Any:
    """An args object (a dataclass) as the dict of the settings it holds; anything else as it is."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None}
    return value


def _is_deferred(value: Any) -> bool:
    """A program's ``pulumi.Output`` (recognised by shape: this module imports nothing of Pulumi)."""
    return hasattr(value, "apply") and hasattr(value, "is_secret")


@dataclass(frozen=True)
class Property:
    """One property of a resource: input, output or both (the resource's schema module lists them)."""

    name: str
    kind: Kind
    type: Scalar | Shape
    container: Container = "one"
    arm: tuple[str, ...] = ()
    required: bool = False
    replace_on_change: bool = False
    secret: bool = False
    doc: str = ""
    config_key: str = ""

    @property
    def shape(self) -> Shape | None:
        return self.type if isinstance(self.type, Shape) else None

    @property
    def is_input(self) -> bool:
        return self.kind in ("identity", "managed", "tags", "twin", "control")


def config_key(prop: Property) -> str:
    """The stack configuration's camelCase key for an input (``partition_count`` -> ``partitionCount``)."""
    if prop.config_key:
        return prop.config_key
    head, *rest = prop.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def get_path(doc: Any, path: tuple[str, ...]) -> Any:
    """The value at ``path`` in a document (ARM's, the service's), None where the path is missing."""
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def set_path(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """A copy of ``value`` at ``path``, making the objects on the way."""
    for key in path[:-1]:
        child = doc.get(key)
        if not isinstance(child, dict):
            child = {}
            doc[key] = child
        doc = child
    doc[path[-1]] = copy.deepcopy(value)
