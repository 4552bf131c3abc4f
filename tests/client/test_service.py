"""The service API's pieces that need no hub: SAS tokens, the signing policy, the recorded error bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs

import pytest

from iothub_provider.client.service import sas_token, writer_policy
from iothub_provider.client.wire import ArmResponse, error_from_response
from iothub_provider.errors import ConflictError, NotFoundError, PreconditionFailedError

KEY = base64.b64encode(bytes(range(32))).decode()
TRACKING = "Tracking ID:e4a9090fbc2f4a78b13ba7a01fb30ffe-G:12-TimeStamp:07/07/2021 20:45:26"


def test_a_sas_token_signs_the_lowercased_encoded_host_and_expiry_with_the_decoded_key() -> None:
    token = sas_token("MyHub.azure-devices.net", KEY, "iothubowner", 1_700_000_000)
    assert token.startswith("SharedAccessSignature ")
    fields = {k: v[0] for k, v in parse_qs(token.removeprefix("SharedAccessSignature ")).items()}
    assert fields["sr"] == "myhub.azure-devices.net" and fields["se"] == "1700000000"
    assert fields["skn"] == "iothubowner"
    expected = hmac.new(bytes(range(32)), b"myhub.azure-devices.net\n1700000000", hashlib.sha256).digest()
    assert base64.b64decode(fields["sig"]) == expected


def test_the_signature_is_url_encoded_in_the_token() -> None:
    token = sas_token("h.azure-devices.net", KEY, "owner", 1)
    signature = token.split("sig=")[1].split("&")[0]
    assert "+" not in signature and "/" not in signature and "=" not in signature


def test_the_signing_policy_is_iothubowner_else_one_that_writes_devices_and_twins() -> None:
    policies = [
        {"keyName": "registryReadWrite", "rights": "RegistryRead, RegistryWrite", "primaryKey": KEY},
        {"keyName": "ops", "rights": "RegistryWrite, ServiceConnect", "primaryKey": KEY},
        {
            "keyName": "iothubowner",
            "rights": "RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect",
            "primaryKey": KEY,
        },
    ]
    chosen = writer_policy(policies)
    assert chosen is not None and chosen["keyName"] == "iothubowner"
    chosen = writer_policy(policies[:2])
    assert chosen is not None and chosen["keyName"] == "ops"
    assert writer_policy(policies[:1]) is None  # registryReadWrite cannot write twins


def response(status: int, body: object, **headers: str) -> ArmResponse:
    return ArmResponse(
        status=status,
        headers=headers,
        body=body,
        url="https://h.azure-devices.net/devices/d",
        method="PUT",
        request_id="e4a9090f-bc2f-4a78-b13b-a7a01fb30ffe",
    )


@pytest.mark.parametrize(
    ("status", "body", "headers", "cls", "code", "message"),
    [
        (
            412,
            {
                "Message": "ErrorCode:PreconditionFailed;Precondition failed: Device version did not match, "
                "existingVersion:343060357 newVersion:343060356",
                "ExceptionMessage": TRACKING,
            },
            {"iothub-errorcode": "PreconditionFailed"},
            PreconditionFailedError,
            "PreconditionFailed",
            "Precondition failed: Device version did not match",
        ),
        (
            409,
            {
                "Message": "ErrorCode:DeviceAlreadyExists;"
                "A device with ID 'device004' is already registered.",
                "ExceptionMessage": TRACKING,
            },
            {},
            ConflictError,
            "DeviceAlreadyExists",
            "A device with ID 'device004' is already registered.",
        ),
        (
            404,
            {
                "Message": "ErrorCode:DeviceNotFound;sensor-thl-001",
                "ExceptionMessage": "Tracking ID:06e0-G:0",
            },
            {},
            NotFoundError,
            "DeviceNotFound",
            "sensor-thl-001",
        ),
        (
            404,
            {
                "Message": '{"errorCode":"404103","trackingId":"95ae",'
                '"message":"Timed out waiting for device"}'
            },
            {},
            NotFoundError,
            "404103",
            "Timed out waiting for device",
        ),
        (
            404,
            {"Message": {"errorCode": "404103", "message": "Timed out waiting for device"}},
            {},
            NotFoundError,
            "404103",
            "Timed out waiting for device",
        ),
        (
            401,
            {"Message": "Unauthorized"},
            {"iothub-errorcode": "IotHubUnauthorizedAccess"},
            None,
            "IotHubUnauthorizedAccess",
            "Unauthorized",
        ),
    ],
)
def test_the_service_apis_error_bodies_are_read(
    status: int, body: object, headers: dict[str, str], cls: type | None, code: str, message: str
) -> None:
    error = error_from_response(response(status, body, **headers), reason="")
    if cls is not None:
        assert isinstance(error, cls)
    assert error.code == code
    assert message in str(error)
