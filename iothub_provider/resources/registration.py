"""What a resource class hands the engine, the same for every resource: its props and its secret options.

A dynamic resource exposes only the keys it registers, so every output is registered (as None) beside the
inputs; nested settings go as plain snake_case dicts (args objects unpacked, values not known yet converted
once they are), with a warning per key still spelled the ARM way; inputs that carry keys are made secret so
the state encrypts them; ``pulumi_owner`` names the resource for the provider's ownership rules. A
resource's schema module (``hub_schema``, ``device_schema``) says which keys are which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import pulumi
from pulumi import Output, ResourceOptions

from iothub_provider.resources.arm_shapes import Property, from_arm


class ResourceSchema(Protocol):
    """What this module reads from a resource's schema module."""

    INPUT_KEYS: tuple[str, ...]
    COMPUTED_OUTPUTS: tuple[str, ...]
    SECRET_OUTPUTS: tuple[str, ...]
    SECRET_INPUTS: tuple[str, ...]
    NESTED: tuple[Property, ...]


def declared_outputs(schema: ResourceSchema) -> dict[str, Any]:
    """Every output key, declared so it becomes an attribute (dynamic resources only expose declared keys)."""
    keys = [*schema.INPUT_KEYS, *schema.COMPUTED_OUTPUTS, *schema.SECRET_OUTPUTS]
    return {k: None for k in keys if k != "id"}


def secret_options(schema: ResourceSchema, opts: ResourceOptions | None, **extra: Any) -> ResourceOptions:
    """``opts`` with the resource's secret outputs and key-carrying inputs declared secret."""
    own = ResourceOptions(additional_secret_outputs=[*schema.SECRET_OUTPUTS, *schema.SECRET_INPUTS], **extra)
    return ResourceOptions.merge(opts, own)


def _later(value: Any, convert: Callable[[Any], Any]) -> Any:
    return Output.from_input(value).apply(convert)


def snake_case_props(
    props: dict[str, Any], warn: Callable[[str], None], nested: tuple[Property, ...]
) -> dict[str, Any]:
    """Nested settings as plain snake_case dicts (args objects unpacked; values not known yet converted
    once they are), and a warning for each key still spelled the ARM way (``maxDeliveryCount``)."""
    out = dict(props)
    for prop in nested:
        if prop.name not in out or prop.shape is None:
            continue
        told: set[tuple[str, str]] = set()

        def renamed(arm: str, snake: str, name: str = prop.name, told: set[tuple[str, str]] = told) -> None:
            if (arm, snake) not in told:
                told.add((arm, snake))
                warn(f"{name}: {arm!r} is the ARM spelling; write {snake!r} (snake_case, as in "
                     "pulumi-azure-native). The camelCase form still works.")

        out[prop.name] = from_arm(prop.shape, out[prop.name], prop.container, later=_later, renamed=renamed)
    return out


def registered_props(
    schema: ResourceSchema, resource_name: str, inputs: dict[str, Any], warn: Callable[[str], None]
) -> dict[str, Any]:
    """The props a resource registers: its declared outputs, its inputs in snake_case (key-carrying ones
    secret), and its owner marker ``<project>/<stack>/<resource>``."""
    props = {**declared_outputs(schema), **snake_case_props(inputs, warn, schema.NESTED)}
    for key in schema.SECRET_INPUTS:  # connection strings and keys: encrypted in state as inputs too
        if props.get(key) is not None:
            props[key] = Output.secret(props[key])
    props["pulumi_owner"] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
    return props
