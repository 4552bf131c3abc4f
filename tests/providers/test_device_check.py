"""Device check: each rule the service would refuse fails at check, naming the property; no calls made."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pulumi.output import Unknown

from iothub_provider import DeviceProvider

KEY_32 = base64.b64encode(b"k" * 32).decode()
SHA1 = "a" * 40
SHA256 = "B" * 64


def device_inputs(**overrides: Any) -> dict[str, Any]:
    base = {"resource_group_name": "rg", "hub_name": "hub-1", "pulumi_owner": "p/s/sensor-1"}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def failures(news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, str]:
    result = DeviceProvider().check(olds or {}, news)
    found: dict[str, str] = {}
    for f in result.failures:
        found[f.property] = f"{found[f.property]} | {f.reason}" if f.property in found else f.reason
    return found


def test_the_device_id_defaults_to_the_resource_name_and_keys_to_sas() -> None:
    result = DeviceProvider().check({}, device_inputs(authentication={}))
    assert result.failures == []
    assert result.inputs["device_id"] == "sensor-1"
    assert result.inputs["authentication"] == {"type": "sas"}


def test_the_id_in_state_is_kept() -> None:
    result = DeviceProvider().check({"device_id": "kept"}, device_inputs(pulumi_owner="p/s/renamed"))
    assert result.inputs["device_id"] == "kept"


@pytest.mark.parametrize(
    ("overrides", "prop", "words"),
    [
        ({"device_id": "has space"}, "device_id", "not a valid device id"),
        ({"device_id": "x" * 129}, "device_id", "1-128"),
        ({"device_id": "caf\u00e9"}, "device_id", "ASCII"),
        ({"hub_name": None}, "hub_name", "required"),
        ({"status": "Enabled"}, "status", "enabled, disabled"),
        ({"status_reason": "r" * 129}, "status_reason", "128"),
        ({"iot_edge": "yes"}, "iot_edge", "true or false"),
        ({"authentication": {"symmetric_key": {"primary_key": KEY_32}}}, "authentication", "both"),
        (
            {"authentication": {"symmetric_key": {"primary_key": "c2hvcnQ=", "secondary_key": KEY_32}}},
            "authentication",
            "16-64 bytes",
        ),
        (
            {"authentication": {"symmetric_key": {"primary_key": "not base64!", "secondary_key": KEY_32}}},
            "authentication",
            "primary_key must be base64",
        ),
        (
            {"authentication": {"x509_thumbprint": {"primary_thumbprint": "xyz"}}},
            "authentication",
            "hex digits",
        ),
        (
            {
                "authentication": {
                    "x509_thumbprint": {"primary_thumbprint": SHA1, "secondary_thumbprint": SHA256}
                }
            },
            "authentication",
            "of one kind",
        ),
        (
            {
                "authentication": {
                    "type": "sas",
                    "symmetric_key": {"primary_key": KEY_32, "secondary_key": KEY_32},
                    "x509_thumbprint": {"primary_thumbprint": SHA1},
                }
            },
            "authentication",
            "not both",
        ),
        ({"authentication": {"type": "selfSigned"}}, "authentication", "primary_thumbprint"),
        (
            {
                "authentication": {
                    "type": "certificateAuthority",
                    "x509_thumbprint": {"primary_thumbprint": SHA1},
                }
            },
            "authentication",
            "neither",
        ),
        ({"authentication": {"type": "password"}}, "authentication", "sas, selfSigned, certificateAuthority"),
        ({"authentication": {"keys": {}}}, "authentication", "unknown key 'keys'"),
        ({"parent_scope": "gateway"}, "parent_scope", "device_scope output"),
        ({"desired_properties": {"a.b": 1}}, "desired_properties", "without '.'"),
        ({"twin_tags": {"$x": 1}}, "twin_tags", "'$x'"),
        ({"twin_tags": "env=dev"}, "twin_tags", "must be an object"),
    ],
)
def test_each_rule_fails_on_its_property(overrides: dict[str, Any], prop: str, words: str) -> None:
    found = failures(device_inputs(**overrides))
    assert prop in found, found
    assert words in found[prop]


def test_valid_settings_of_each_kind_pass() -> None:
    assert (
        failures(
            device_inputs(authentication={"symmetric_key": {"primary_key": KEY_32, "secondary_key": KEY_32}})
        )
        == {}
    )
    assert (
        failures(
            device_inputs(
                authentication={
                    "x509_thumbprint": {"primary_thumbprint": SHA256, "secondary_thumbprint": SHA256}
                }
            )
        )
        == {}
    )
    assert (
        failures(
            device_inputs(
                authentication={"type": "certificateAuthority"},
                iot_edge=True,
                status="disabled",
                status_reason="maintenance",
                parent_scope="ms-azure-iot-edge://gw-637612875240648717",
                twin_tags={"site": {"building": 4}},
                desired_properties={"interval": 30, "thresholds": {"hot": 40}},
            )
        )
        == {}
    )


def test_the_service_spelling_of_authentication_is_read() -> None:
    result = DeviceProvider().check(
        {},
        device_inputs(authentication={"type": "selfSigned", "x509Thumbprint": {"primaryThumbprint": SHA1}}),
    )
    assert result.failures == []
    assert result.inputs["authentication"] == {
        "type": "selfSigned",
        "x509_thumbprint": {"primary_thumbprint": SHA1},
    }


def test_unknowns_are_tolerated_during_preview() -> None:
    news = device_inputs(
        hub_name=Unknown(),
        parent_scope=Unknown(),
        authentication={"symmetric_key": {"primary_key": Unknown(), "secondary_key": Unknown()}},
    )
    assert failures(news) == {}


def test_a_changed_hub_or_id_replaces_and_settings_update() -> None:
    provider = DeviceProvider()
    old = {**device_inputs(device_id="d", status="enabled"), "etag": "MQ=="}
    assert provider.diff("id", old, {**device_inputs(device_id="d", status="disabled")}).replaces == []
    moved = provider.diff("id", old, device_inputs(device_id="d", hub_name="hub-2"))
    assert moved.replaces == ["hub_name"] and not moved.delete_before_replace
    renamed = provider.diff("id", old, device_inputs(device_id="e"))
    assert renamed.replaces == ["device_id"] and not renamed.delete_before_replace
    following = provider.diff("id", old, device_inputs(device_id="d", hub_name=Unknown()))
    assert following.replaces == ["hub_name"]  # the hub is being replaced: the device goes with it
    assert provider.diff("id", old, device_inputs(device_id="d", status="enabled")).changes is False
