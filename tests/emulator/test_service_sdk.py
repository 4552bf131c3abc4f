"""Microsoft's service SDK (``azure-iot-hub``'s ``IoTHubRegistryManager``) against a hub's service API on
the emulator: built from the hub's real connection string (SAS signed by the SDK for
``<hub>.azure-devices.net``), its REST client's base URL pointed at the emulator and ``Host`` set to the hub's
host name. Skipped where the SDK is not installed (it is no dependency of the project)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from iothub_emulator.server import EmulatorServer
from iothub_emulator.testing import ArmSession, service_host
from tests.emulator.conftest import policy_key

hub_sdk = pytest.importorskip("azure.iot.hub", reason="azure-iot-hub is not installed")
models = pytest.importorskip("azure.iot.hub.models")
msrest_exceptions = pytest.importorskip("msrest.exceptions")


@pytest.fixture
def registry(emulator: EmulatorServer, arm: ArmSession, service_hub: str) -> Iterator[Any]:
    key = policy_key(arm, service_hub, "iothubowner")
    host = service_host(service_hub)
    manager = hub_sdk.IoTHubRegistryManager.from_connection_string(
        f"HostName={host};SharedAccessKeyName=iothubowner;SharedAccessKey={key}"
    )
    manager.protocol.config.base_url = emulator.url  # where the requests go ...
    manager.protocol.config.headers["Host"] = host  # ... and the hub they are for
    yield manager


def test_registry_manager_device_and_twin_lifecycle(registry: Any) -> None:
    device = registry.create_device_with_sas("sdk-dev", None, None, "enabled")
    assert device.device_id == "sdk-dev" and device.status == "enabled"
    assert len(device.authentication.symmetric_key.primary_key) == 44
    assert registry.get_device("sdk-dev").etag == device.etag

    twin = registry.get_twin("sdk-dev")
    assert (twin.etag, twin.version) == ("AAAAAAAAAAE=", 2)
    patch = models.Twin(tags={"site": "a"}, properties=models.TwinProperties(desired={"interval": 5}))
    updated = registry.update_twin("sdk-dev", patch, twin.etag)
    assert updated.tags == {"site": "a"} and updated.properties.desired["interval"] == 5
    with pytest.raises(msrest_exceptions.HttpOperationError) as stale_twin:
        registry.update_twin("sdk-dev", patch, twin.etag)
    assert stale_twin.value.response.status_code == 412

    disabled = registry.update_device_with_sas("sdk-dev", device.etag, None, None, "disabled")
    assert disabled.status == "disabled" and disabled.etag != device.etag
    with pytest.raises(msrest_exceptions.HttpOperationError) as stale:
        registry.update_device_with_sas("sdk-dev", device.etag, None, None, "enabled")
    assert stale.value.response.status_code == 412
    assert stale.value.response.headers["iothub-errorcode"] == "PreconditionFailed"

    stats = registry.get_device_registry_statistics()
    assert (stats.total_device_count, stats.enabled_device_count, stats.disabled_device_count) == (1, 0, 1)
    assert [d.device_id for d in registry.get_devices()] == ["sdk-dev"]
    registry.delete_device("sdk-dev")
    assert registry.get_devices() == []


def test_registry_manager_edge_device(registry: Any) -> None:
    gateway = registry.create_device_with_sas("sdk-gw", None, None, "enabled", iot_edge=True)
    assert gateway.capabilities.iot_edge is True
    assert gateway.device_scope == f"ms-azure-iot-edge://sdk-gw-{gateway.generation_id}"
