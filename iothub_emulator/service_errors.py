"""Errors of a hub's service API (data plane): each carries its HTTP status, its numeric wire code and the
name the service sends in ``iothub-errorcode``.

The body is the service's "classic" shape (recorded 2016-2023, /tmp research notes section 3)::

    {"Message": "ErrorCode:<Name>;<detail>",
     "ExceptionMessage": "Tracking ID:<x-ms-request-id without dashes>-G:<n>-TimeStamp:<MM/dd/yyyy HH:mm:ss>"}

The numeric code never appears in the body (only the name does, in ``Message`` and the header); it is kept
for the emulator's own tests and logs. Numbers from the service SDK's ``ErrorCode`` enum.
"""

from __future__ import annotations

import datetime
from typing import Any

from iothub_emulator.errors import EmulatorError


class ServiceError(EmulatorError):
    """A service-API failure: ``status``, ``code`` (e.g. 404001) and ``name`` (e.g. ``DeviceNotFound``)."""

    name: str = "ServerError"
    status = 500
    number: int = 500001

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail, code=self.number, status=self.status, headers=headers)
        self.detail = detail

    def body(self, now: float | None = None) -> dict[str, Any]:
        return self.wire_body("0" * 32, now if now is not None else 0.0)

    def wire_body(self, request_id: str, now: float) -> dict[str, Any]:
        moment = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        tracking = request_id.replace("-", "")
        return {
            "Message": f"ErrorCode:{self.name};{self.detail}",
            "ExceptionMessage": f"Tracking ID:{tracking}-G:0-TimeStamp:{moment:%m/%d/%Y %H:%M:%S}",
        }

    def wire_headers(self) -> dict[str, str]:
        return {**self.headers, "iothub-errorcode": self.name}


class InvalidProtocolVersion(ServiceError):
    name, status, number = "InvalidProtocolVersion", 400, 400001


class ArgumentInvalid(ServiceError):
    name, status, number = "ArgumentInvalid", 400, 400004


class IotHubFormatError(ServiceError):
    name, status, number = "IotHubFormatError", 400, 400006


class IotHubNotFound(ServiceError):
    # Azure's enum puts 401001 here; the contract answers 404 (a hub that does not exist has no host in
    # Azure, so no recording can show what its service API answers).
    name, status, number = "IotHubNotFound", 404, 401001


class Unauthorized(ServiceError):
    """Every SAS or bearer failure: the generic body, as recorded (the reason is never named)."""

    name, status, number = "IotHubUnauthorizedAccess", 401, 401002

    def __init__(self) -> None:
        super().__init__("Unauthorized")


class DeviceNotFound(ServiceError):
    name, status, number = "DeviceNotFound", 404, 404001

    def __init__(self, device_id: str) -> None:
        super().__init__(device_id)


class JobNotFound(ServiceError):
    name, status, number = "JobNotFound", 404, 404002


class NotImplementedByEmulator(ServiceError):
    name, status, number = "NotImplementedByEmulator", 404, 404000


class DeviceAlreadyExists(ServiceError):
    name, status, number = "DeviceAlreadyExists", 409, 409001

    def __init__(self, device_id: str) -> None:
        super().__init__(f"A device with ID '{device_id}' is already registered.")


class PreconditionFailed(ServiceError):
    name, status, number = "PreconditionFailed", 412, 412001


class MessageTooLarge(ServiceError):
    name, status, number = "MessageTooLarge", 413, 413001


class ThrottlingException(ServiceError):
    name, status, number = "ThrottlingException", 429, 429001


class ServerError(ServiceError):
    name, status, number = "ServerError", 500, 500001


def device_version_mismatch(existing: str, sent: str) -> PreconditionFailed:
    """A stale device etag (recorded text; the versions are the decoded etags, current first)."""
    return PreconditionFailed(
        f"Precondition failed: Device version did not match, existingVersion:{existing} newVersion:{sent}"
    )


def twin_etag_mismatch(device_id: str) -> PreconditionFailed:
    """A stale twin etag (recorded text, from a module twin)."""
    return PreconditionFailed(f"ETag mismatch for device ID '{device_id}'")


def named(name: str, status: int, detail: str) -> ServiceError:
    """An error of any name and status (fault rules): the number follows ``status * 1000 + 1``."""
    error = ServiceError(detail)
    error.name, error.status, error.code = name, status, status * 1000 + 1
    return error
