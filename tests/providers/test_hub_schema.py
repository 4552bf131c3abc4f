"""The hub's one definition: the generated types are current, and the program side converts and warns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from pulumi.output import Unknown

from iothub_provider import CloudToDevicePropertiesArgs, FeedbackPropertiesArgs, IotHubArgs
from iothub_provider.resources import hub_schema as schema
from iothub_provider.resources.registration import snake_case_props

ROOT = Path(__file__).resolve().parents[2]


def test_generated_types_are_what_the_schema_gives() -> None:
    """hub_types.py is generated; a schema change without regenerating fails here."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate-hub-types"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_every_input_is_an_iothubargs_field_and_every_output_an_annotation() -> None:
    from iothub_provider.resources.hub_types import IotHubOutputs

    fields = set(IotHubArgs.__dataclass_fields__)
    assert fields == {p.name for p in schema.PROPERTIES if p.is_input}
    assert "enable_data_residency" in fields and "pulumi_owner" not in fields
    outputs = set(IotHubOutputs.__annotations__)
    assert {"host_name", "shared_access_policies", "cloud_to_device", "enable_data_residency"} <= outputs


def test_replace_and_secret_lists() -> None:
    assert set(schema.REPLACE_ON_CHANGE) == {
        "name",
        "resource_group_name",
        "subscription_id",
        "location",
        "partition_count",
        "min_tls_version",
    }
    assert set(schema.SECRET_INPUTS) == {"routing", "storage_endpoints"}
    assert set(schema.SECRET_OUTPUTS) == {
        "shared_access_policies",
        "owner_connection_string",
        "service_connection_string",
        "event_hub_connection_string",
    }


def test_args_objects_become_snake_case_dicts_without_warnings() -> None:
    warnings: list[str] = []
    c2d = CloudToDevicePropertiesArgs(
        max_delivery_count=5, feedback=FeedbackPropertiesArgs(ttl_as_iso8601="PT1H")
    )
    props = snake_case_props({"cloud_to_device": c2d, "partition_count": 4}, warnings.append, schema.NESTED)
    assert props == {
        "cloud_to_device": {"max_delivery_count": 5, "feedback": {"ttl_as_iso8601": "PT1H"}},
        "partition_count": 4,
    }
    assert warnings == []


def test_arm_spelled_keys_are_converted_with_one_warning_each_naming_the_new_key() -> None:
    warnings: list[str] = []
    routes: list[dict[str, Any]] = [
        {"name": f"r{i}", "source": "DeviceMessages", "endpointNames": ["events"], "isEnabled": True}
        for i in range(2)
    ]
    props = snake_case_props(
        {"routing": {"routes": routes}, "tags": {"maxDeliveryCount": "tag"}}, warnings.append, schema.NESTED
    )
    assert props["routing"]["routes"][1] == {
        "name": "r1",
        "source": "DeviceMessages",
        "endpoint_names": ["events"],
        "is_enabled": True,
    }
    assert props["tags"] == {"maxDeliveryCount": "tag"}  # tag names are data, never renamed
    assert len(warnings) == 2
    assert any("'endpointNames'" in w and "'endpoint_names'" in w for w in warnings)
    assert all(w.startswith("routing: ") for w in warnings)


def test_values_not_known_yet_pass_through_the_provider_side_conversion() -> None:
    unknown = Unknown()
    props = snake_case_props(
        {"cloud_to_device": {"maxDeliveryCount": unknown}}, lambda _: None, schema.NESTED
    )
    assert props["cloud_to_device"]["max_delivery_count"] is unknown


def test_every_stack_config_key_and_input_is_in_the_readme() -> None:
    """The stack program takes every input under its camelCase key (derived); the README must list each."""
    readme = (ROOT / "README.md").read_text()
    reference = readme[readme.index("Settings of one hub") :]
    reference = reference[: reference.index("Exports:")]
    for prop in schema.INPUTS:
        assert f"`{schema.config_key(prop)}`" in reference, schema.config_key(prop)
    api = readme[readme.index("`IotHub` inputs, validated") : readme.index("`ConsumerGroup` inputs:")]
    for prop in schema.INPUTS:
        assert f"`{prop.name}`" in api, prop.name
