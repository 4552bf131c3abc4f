"""The program-facing classes under Pulumi's mocks: what they register (type, inputs, secret outputs)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from iothub_provider import ConsumerGroup, ConsumerGroupArgs, IotHub, IotHubArgs
from iothub_provider.resources.hub import _secret_options
from iothub_provider.resources.hub_model import SECRET_OUTPUTS


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(args)
        outputs = dict(args.inputs)
        outputs.update(
            host_name=f"{args.inputs.get('name', 'x')}.azure-devices.net", owner_connection_string="k"
        )
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Recorder:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="proj", stack="dev", preview=False)
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
def test_outputs_are_attributes(mocks: Recorder) -> Any:
    hub = IotHub(
        "telemetry",
        resource_group_name="rg-iot",
        location="westeurope",
        sku={"name": "S1"},
        name="hub-telemetry",
    )
    group = ConsumerGroup("analytics", resource_group_name="rg-iot", hub_name=hub.name, name="analytics")
    ConsumerGroup(
        "readers", ConsumerGroupArgs(resource_group_name="rg-iot", hub_name="hub-telemetry", name="r")
    )

    def check(values: list[Any]) -> None:
        host, hub_name = values
        assert host == "hub-telemetry.azure-devices.net" and hub_name == "hub-telemetry"
        types = {r.name: r.typ for r in mocks.registered}
        assert types["analytics"] == types["readers"] == "pulumi-python:dynamic/iothub:ConsumerGroup"
        owners = {r.name: r.inputs.get("pulumi_owner") for r in mocks.registered}
        assert owners["analytics"] == "proj/dev/analytics" and owners["readers"] == "proj/dev/readers"

    return pulumi.Output.all(hub.host_name, group.hub_name).apply(check)


def test_keys_are_declared_secret_and_user_options_kept() -> None:
    opts = _secret_options(pulumi.ResourceOptions(protect=True, additional_secret_outputs=["etag"]))
    assert opts.protect is True
    assert set(opts.additional_secret_outputs or []) == {
        "etag",
        "routing",
        "storage_endpoints",
        *SECRET_OUTPUTS,
    }


def test_args_and_keywords_together_are_refused() -> None:
    with pytest.raises(TypeError, match="not both"):
        IotHub("x", IotHubArgs(resource_group_name="rg", location="l", sku={}), location="other")


@pulumi.runtime.test
def test_get_reads_an_existing_hub_by_id(mocks: Recorder) -> Any:
    hub_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/existing"
    hub = IotHub.get("existing", hub_id)

    def check(values: list[Any]) -> None:
        resource_id, host = values
        assert resource_id == hub_id and host
        assert mocks.registered[-1].resource_id == hub_id

    return pulumi.Output.all(hub.id, hub.host_name).apply(check)
