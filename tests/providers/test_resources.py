"""The program-facing classes under Pulumi's mocks: what they register (type, inputs, secret outputs)."""

from __future__ import annotations

import logging
from typing import Any

import pulumi
import pytest

from iothub_provider import (
    CloudToDevicePropertiesArgs,
    ConsumerGroup,
    ConsumerGroupArgs,
    IotHub,
    IotHubArgs,
    IpFilterRuleArgs,
)
from iothub_provider.resources.hub import _secret_options


class Recorder(pulumi.runtime.Mocks):
    """Records what the program registers; its resources' outputs are their inputs, nothing invented."""

    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def warnings() -> Warnings:
    return Warnings()


@pytest.fixture
def mocks(warnings: Warnings) -> Recorder:
    recorder = Recorder()
    logger = logging.getLogger("tests.providers.test_resources.engine")
    logger.addHandler(warnings)
    pulumi.runtime.set_mocks(recorder, project="proj", stack="dev", preview=False, logger=logger)
    return recorder


@pulumi.runtime.test
def test_keyword_and_args_forms_register_the_same_inputs(mocks: Recorder) -> Any:
    one = IotHub(
        "telemetry",
        resource_group_name="rg-iot",
        location="westeurope",
        sku={"name": "S1", "capacity": 1},
        partition_count=4,
        retention_days=1,
        tags={"env": "dev"},
    )
    two = IotHub(
        "telemetry2", IotHubArgs(resource_group_name="rg-iot", location="westeurope", sku={"name": "S1"})
    )

    def check(_: Any) -> None:
        by_name = {r.name: r for r in mocks.registered}
        first, second = by_name["telemetry"], by_name["telemetry2"]
        assert first.typ == "pulumi-python:dynamic/iothub:IotHub"
        assert first.inputs["pulumi_owner"] == "proj/dev/telemetry"
        assert first.inputs["partition_count"] == 4 and first.inputs["tags"] == {"env": "dev"}
        assert second.inputs["pulumi_owner"] == "proj/dev/telemetry2"
        assert "name" not in second.inputs

    return pulumi.Output.all(one.urn, two.urn).apply(check)


@pulumi.runtime.test
def test_every_output_is_declared_so_it_becomes_an_attribute(mocks: Recorder) -> Any:
    """Dynamic resources expose only the keys they register: IotHub registers each output (as None)."""
    hub = IotHub("telemetry", resource_group_name="rg-iot", location="westeurope", sku={"name": "S1"})
    group = ConsumerGroup("analytics", resource_group_name="rg-iot", hub_name=hub.name, name="analytics")
    ConsumerGroup(
        "readers", ConsumerGroupArgs(resource_group_name="rg-iot", hub_name="hub-telemetry", name="r")
    )

    for key in (
        "host_name",
        "etag",
        "event_hub_endpoint",
        "shared_access_policies",
        "service_connection_string",
        "cloud_to_device",
        "enable_data_residency",
    ):
        assert isinstance(getattr(hub, key), pulumi.Output), key

    def check(_: Any) -> None:
        types = {r.name: r.typ for r in mocks.registered}
        assert types["analytics"] == types["readers"] == "pulumi-python:dynamic/iothub:ConsumerGroup"
        owners = {r.name: r.inputs.get("pulumi_owner") for r in mocks.registered}
        assert owners["analytics"] == "proj/dev/analytics" and owners["readers"] == "proj/dev/readers"

    return pulumi.Output.all(hub.urn, group.urn).apply(check)


@pulumi.runtime.test
def test_typed_args_register_snake_case_dicts_and_camel_case_is_converted_with_a_warning(
    mocks: Recorder, warnings: Warnings
) -> Any:
    typed = IotHub(
        "typed",
        IotHubArgs(
            resource_group_name="rg",
            location="westeurope",
            sku={"name": "S1"},
            cloud_to_device=CloudToDevicePropertiesArgs(max_delivery_count=5),
            ip_filter_rules=[IpFilterRuleArgs(filter_name="o", action="Accept", ip_mask="10.0.0.0/8")],
        ),
    )
    legacy = IotHub(
        "legacy",
        resource_group_name="rg",
        location="westeurope",
        sku={"name": "S1"},
        cloud_to_device={"maxDeliveryCount": pulumi.Output.from_input(5)},
    )

    def check(_: Any) -> None:
        by_name = {r.name: r for r in mocks.registered}
        assert by_name["typed"].inputs["cloud_to_device"] == {"max_delivery_count": 5}
        assert by_name["typed"].inputs["ip_filter_rules"] == [
            {"filter_name": "o", "action": "Accept", "ip_mask": "10.0.0.0/8"}
        ]
        assert by_name["legacy"].inputs["cloud_to_device"] == {"max_delivery_count": 5}
        assert warnings.messages == [
            "cloud_to_device: 'maxDeliveryCount' is the ARM spelling; write 'max_delivery_count' "
            "(snake_case, as in pulumi-azure-native). The camelCase form still works."
        ]

    return pulumi.Output.all(typed.urn, legacy.urn).apply(check)


def test_keys_are_declared_secret_and_user_options_kept() -> None:
    opts = _secret_options(pulumi.ResourceOptions(protect=True, additional_secret_outputs=["etag"]))
    assert opts.protect is True
    assert set(opts.additional_secret_outputs or []) == {
        "etag",
        "routing",
        "storage_endpoints",
        "shared_access_policies",
        "owner_connection_string",
        "service_connection_string",
        "event_hub_connection_string",
    }


def test_args_and_keywords_together_are_refused() -> None:
    with pytest.raises(TypeError, match="not both"):
        IotHub("x", IotHubArgs(resource_group_name="rg", location="l", sku={}), location="other")


@pulumi.runtime.test
def test_get_registers_a_read_of_the_given_id(mocks: Recorder) -> Any:
    """What ``get`` reads is the provider's ``read`` (tests/providers/test_hub_lifecycle.py); here: the id."""
    hub_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/existing"
    hub = IotHub.get("existing", hub_id)

    def check(resource_id: Any) -> None:
        assert resource_id == hub_id
        assert mocks.registered[-1].resource_id == hub_id

    return hub.id.apply(check)
