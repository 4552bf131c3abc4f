"""ARM resource groups: real prerequisites of hubs."""

from __future__ import annotations

from iothub_emulator.testing import ArmSession, hub_body
from tests.conftest import SUBSCRIPTION_ID
from tests.emulator.conftest import hub_path

RG = f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/rg-arm"
V = "2021-04-01"


def test_put_get_head_delete(arm: ArmSession) -> None:
    created = arm.call("PUT", RG, api_version=V, json={"location": "westeurope", "tags": {"a": "b"}})
    assert created.status_code == 201
    assert created.json() == {
        "id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-arm",
        "name": "rg-arm",
        "type": "Microsoft.Resources/resourceGroups",
        "location": "westeurope",
        "tags": {"a": "b"},
        "properties": {"provisioningState": "Succeeded"},
    }
    assert arm.call("PUT", RG, api_version=V, json={"location": "westeurope"}).status_code == 200
    assert (
        arm.call("GET", RG.upper().replace("SUBSCRIPTIONS", "subscriptions"), api_version=V).status_code
        == 200
    )
    assert arm.call("HEAD", RG, api_version=V).status_code == 204
    deleted = arm.call("DELETE", RG, api_version=V)
    assert deleted.status_code == 202 and deleted.headers["Location"].startswith(arm.url)
    assert arm.call("HEAD", RG, api_version=V).status_code == 404
    missing = arm.call("GET", RG, api_version=V)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ResourceGroupNotFound"
    assert arm.call("DELETE", RG, api_version=V).status_code == 404


def test_location_is_required_and_fixed(arm: ArmSession) -> None:
    assert arm.call("PUT", RG, api_version=V, json={}).status_code == 400
    arm.call("PUT", RG, api_version=V, json={"location": "westeurope"})
    moved = arm.call("PUT", RG, api_version=V, json={"location": "eastus"})
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "InvalidResourceGroupLocation"


def test_hub_put_into_missing_group(arm: ArmSession) -> None:
    response = arm.call("PUT", hub_path("orphan-hub", rg="rg-arm"), json=hub_body())
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "ResourceGroupNotFound",
        "message": "Resource group 'rg-arm' could not be found.",
    }
