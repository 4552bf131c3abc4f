"""Errors the emulator answers with; each class carries its HTTP status and wire code.

Two wire shapes exist in production and both are emulated:

    EmulatorError                   base: status + code + message, rendered by ``body()``
    +-- ArmEnvelopeError            ARM front-door envelope ``{"error": {"code": "...", "message": "..."}}``
    |   +-- AuthenticationFailed    401 (missing, malformed or wrong bearer token)
    |   +-- ApiVersionError         400 MissingApiVersionParameter / NoRegisteredProviderFound / Invalid...
    |   +-- ResourceGroupNotFound   404 the resource group in the path does not exist
    |   +-- ResourceNotFound        404 the hub (or operation) in the path does not exist
    |   +-- Throttled               429 SubscriptionRequestsThrottled, with Retry-After
    |   +-- InvalidRequestContent   400 a body the operation cannot use
    |   +-- OperationNotFound       404 a status URL of an unknown operation
    |   +-- ResourceGroupBeingDeleted, InvalidResourceGroupLocation   409 resource-group conflicts
    |   +-- LocationNotAvailable    400 a region without IoT Hub
    |   +-- ControlNotFound         404 of the control API
    +-- IotHubError                 IoT Hub RP ``ErrorDetails``: numeric ``code``, ``IHxxxxxx`` in the message
        +-- BadRequest              400 validation failures (property named in the message)
        +-- NotFound                404 RP-level absences (consumer group, key name, job)
        +-- Conflict                409 name taken / hub not Active (409002)
        +-- PreconditionFailed      412 412001 If-Match / If-None-Match not satisfied
        +-- InternalError           500 500019

Named apart from the provider's own errors (``iothub_provider.errors``), which are what a client makes of
such answers.

RP codes observed in production traffic: 400016, 400007, 404013, 409002, 412001, 500019 (see the emulator
section of README.md); the other numeric codes are the emulator's own, chosen in the same
``status * 1000 + n`` scheme.
"""

from __future__ import annotations

import datetime
import time
import uuid
from http import HTTPStatus
from typing import Any


class EmulatorError(Exception):
    """Raised anywhere below the handlers; the app turns it into a response."""

    status: int = 500

    def __init__(
        self,
        message: str,
        *,
        code: str | int | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.code: str | int = code if code is not None else self.default_code()
        self.headers: dict[str, str] = dict(headers or {})

    def default_code(self) -> str | int:
        return self.status * 1000

    def body(self, now: float | None = None) -> dict[str, Any]:
        """The wire body; ``now`` (the emulator's clock) stamps the IoT Hub message."""
        raise NotImplementedError


class ArmEnvelopeError(EmulatorError):
    """ARM front-door error: the envelope with a PascalCase string code."""

    def default_code(self) -> str | int:
        return HTTPStatus(self.status).phrase.replace(" ", "")

    def body(self, now: float | None = None) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


class AuthenticationFailed(ArmEnvelopeError):
    status = 401


class ApiVersionError(ArmEnvelopeError):
    status = 400


class ResourceGroupNotFound(ArmEnvelopeError):
    status = 404

    def __init__(self, resource_group: str) -> None:
        super().__init__(
            f"Resource group '{resource_group}' could not be found.", code="ResourceGroupNotFound"
        )


class ResourceNotFound(ArmEnvelopeError):
    status = 404

    def __init__(self, resource_type: str, name: str, resource_group: str) -> None:
        super().__init__(
            f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' was not found. "
            "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            code="ResourceNotFound",
        )


class Throttled(ArmEnvelopeError):
    status = 429


class InvalidRequestContent(ArmEnvelopeError):
    """400: the body is not what the operation needs (also a body ARM cannot deserialize)."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message, code="InvalidRequestContent")


class OperationNotFound(ArmEnvelopeError):
    """404: a status URL whose operation does not exist (or belongs to another subscription)."""

    status = 404

    def __init__(self, op_id: str) -> None:
        super().__init__(f"The operation '{op_id}' could not be found.", code="OperationNotFound")


class ResourceGroupBeingDeleted(ArmEnvelopeError):
    """409: a write into a resource group whose deletion is running."""

    status = 409

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The resource group '{name}' is in deprovisioning state and cannot perform this operation.",
            code="ResourceGroupBeingDeleted",
        )


class InvalidResourceGroupLocation(ArmEnvelopeError):
    """409: a resource group PUT that would move an existing group to another region."""

    status = 409

    def __init__(self, asked: str, existing: str) -> None:
        super().__init__(
            f"Invalid resource group location '{asked}'. The Resource group already exists in location "
            f"'{existing}'.",
            code="InvalidResourceGroupLocation",
        )


class LocationNotAvailable(ArmEnvelopeError):
    """400: a hub in a region where IoT Hub is not offered."""

    status = 400

    def __init__(self, asked: str, supported: str) -> None:
        super().__init__(
            f"The provided location '{asked}' is not available for resource type "
            "'Microsoft.Devices/IotHubs'. "
            f"List of available regions for the resource type is '{supported}'.",
            code="LocationNotAvailableForResourceType",
        )


class ControlNotFound(ArmEnvelopeError):
    """404 from the control API: no such endpoint, fault rule or hub."""

    status = 404

    def __init__(self, message: str, code: str = "NotFound") -> None:
        super().__init__(message, code=code)


def iothub_message(message: str, code: int, now: float | None = None) -> str:
    """The production suffix: correlation id, timestamp and ``errorcode: IHxxxxxx``."""
    moment = datetime.datetime.fromtimestamp(now if now is not None else time.time(), datetime.timezone.utc)
    stamp = moment.strftime("%Y-%m-%d %H:%M:%SZ")
    text = message if message.endswith(".") else message + "."
    return (
        f"{text} If you contact a support representative please include this correlation identifier: "
        f"{uuid.uuid4()}, timestamp: {stamp}, errorcode: IH{code}."
    )


class IotHubError(EmulatorError):
    """IoT Hub RP ErrorDetails: un-enveloped, numeric code, reason phrase as httpStatusCode."""

    def body(self, now: float | None = None) -> dict[str, Any]:
        code = int(self.code)
        return {
            "code": code,
            "httpStatusCode": HTTPStatus(self.status).phrase.replace(" ", ""),
            "message": iothub_message(self.message, code, now),
        }


class BadRequest(IotHubError):
    status = 400


class NotFound(IotHubError):
    status = 404


class Conflict(IotHubError):
    status = 409


class PreconditionFailed(IotHubError):
    status = 412

    def __init__(self) -> None:
        super().__init__("Either bad ETag was supplied or IotHub description was changed.", code=412001)


class InternalError(IotHubError):
    """500 500019: what the RP answers to a request it fails on (as recorded for some old api-versions)."""

    status = 500

    def __init__(self) -> None:
        super().__init__("Internal Error", code=500019)


def not_active(hub_name: str) -> Conflict:
    """The hub is in a transition (creating, updating, deleting)."""
    return Conflict(
        f"{hub_name} is not currently in Active state. Try the request again after it is in Active state.",
        code=409002,
    )


# Emulator-chosen RP codes (the real service's codes for these cases were never captured).
INVALID_BODY = 400001
INVALID_NAME = 400002
INVALID_SKU = 400003
INVALID_CAPACITY = 400004
INVALID_RETENTION = 400005
INVALID_ENDPOINT = 400006
CONSUMER_GROUP_BODY = 400007  # observed
INVALID_CONSUMER_GROUP_NAME = 400008
IMMUTABLE_PROPERTY = 400009
TIER_CHANGE = 400010
FREE_HUB_LIMIT = 400011
CONSUMER_GROUP_LIMIT = 400012
DEFAULT_CONSUMER_GROUP = 400013
INVALID_AUTHORIZATION_POLICY = 400014
INVALID_PARTITION_COUNT = 400016  # observed
NAME_NOT_AVAILABLE = 409001
NOT_ACTIVE = 409002  # observed
CONSUMER_GROUP_NOT_FOUND = 404013  # observed
KEY_NAME_NOT_FOUND = 404002
JOB_NOT_FOUND = 404003
INTERNAL_ERROR = 500019  # observed
