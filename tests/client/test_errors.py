"""Error mapping at the one boundary: both Azure error shapes, the status table, requests exceptions."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from iothub_provider.client.transport import map_requests_errors
from iothub_provider.client.wire import (
    ArmResponse,
    error_from_response,
    parse_error_body,
    retry_after_seconds,
)
from iothub_provider.errors import (
    ArmError,
    AuthenticationError,
    ConflictError,
    IotHubProviderError,
    NotActiveError,
    NotFoundError,
    PreconditionFailedError,
    ServerError,
    ThrottledError,
    TransportError,
)

URL = "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/h"


def response(status: int, body: Any, **headers: str) -> ArmResponse:
    return ArmResponse(
        status=status,
        headers={k.lower().replace("_", "-"): v for k, v in headers.items()},
        body=body,
        url=URL + "?api-version=2023-06-30",
        method="PUT",
        request_id="req-123",
    )


def test_arm_envelope_gives_string_code_and_message() -> None:
    body = {"error": {"code": "ResourceNotFound", "message": "The Resource 'x' was not found."}}
    assert parse_error_body(body, fallback="Not Found") == (
        "ResourceNotFound",
        "The Resource 'x' was not found.",
    )


def test_iot_hub_error_details_keep_numeric_code() -> None:
    body = {"code": 400016, "httpStatusCode": "BadRequest", "message": "Invalid PartitionCount 4"}
    assert parse_error_body(body, fallback="Bad Request") == (400016, "Invalid PartitionCount 4")


def test_2016_capitalised_error_details_are_read() -> None:
    assert parse_error_body({"Code": "400001", "Message": "bad"}, fallback="x") == ("400001", "bad")


def test_body_without_error_falls_back_to_reason() -> None:
    assert parse_error_body(None, fallback="Bad Gateway") == (None, "Bad Gateway")
    assert parse_error_body({"unrelated": 1}, fallback="Bad Gateway") == (None, "Bad Gateway")


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ArmError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (409, ConflictError),
        (412, PreconditionFailedError),
        (429, ThrottledError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_picks_the_class(status: int, cls: type[ArmError]) -> None:
    err = error_from_response(response(status, {"error": {"code": "X", "message": "m"}}), reason="r")
    assert type(err) is cls
    assert err.status == status and err.code == "X" and err.message == "m" and err.request_id == "req-123"


@pytest.mark.parametrize("code", [409002, "409002", "IH409002"])
def test_409002_in_any_spelling_is_not_active(code: int | str) -> None:
    body = {"code": code, "httpStatusCode": "Conflict", "message": "hub is not currently in Active state."}
    err = error_from_response(response(409, body), reason="Conflict")
    assert isinstance(err, NotActiveError)
    assert err.code == code


def test_other_409_is_a_plain_conflict() -> None:
    body = {"error": {"code": "NameNotAvailable", "message": "IotHub name 'x' is not available"}}
    err = error_from_response(response(409, body), reason="Conflict")
    assert type(err) is ConflictError


def test_message_names_status_code_request_id_and_url_without_query() -> None:
    body = {"code": 400016, "httpStatusCode": "BadRequest", "message": "Invalid PartitionCount 4"}
    text = str(error_from_response(response(400, body), reason="Bad Request"))
    assert "HTTP 400 (400016): Invalid PartitionCount 4" in text
    assert "x-ms-request-id: req-123" in text
    assert URL in text and "api-version" not in text


def test_412_after_if_match_tells_the_user_to_refresh() -> None:
    body = {"code": 412001, "httpStatusCode": "PreconditionFailed", "message": "Invalid ETag supplied."}
    with_if_match = error_from_response(response(412, body), reason="Precondition Failed", sent_if_match=True)
    without = error_from_response(response(412, body), reason="Precondition Failed")
    assert "pulumi refresh" in str(with_if_match)
    assert "pulumi refresh" not in str(without)


def test_retry_after_is_carried_on_the_error() -> None:
    err = error_from_response(response(429, None, Retry_After="7"), reason="Too Many Requests")
    assert isinstance(err, ThrottledError) and err.retry_after == 7.0


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480.0) == 10.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


@pytest.mark.parametrize(
    ("raised", "words"),
    [
        (requests.exceptions.ConnectionError("refused"), "connection failed"),
        (requests.exceptions.ReadTimeout("slow"), "timed out"),
        (requests.exceptions.SSLError("bad cert"), "TLS verification failed"),
        (requests.exceptions.ChunkedEncodingError("cut"), "request failed"),
    ],
)
def test_requests_exceptions_become_transport_errors_chained(raised: Exception, words: str) -> None:
    with pytest.raises(TransportError) as info, map_requests_errors("GET", URL + "?api-version=1"):
        raise raised
    assert words in str(info.value)
    assert info.value.__cause__ is raised
    assert "api-version" not in str(info.value)


def test_every_error_is_an_iothub_provider_error() -> None:
    for cls in (ArmError, TransportError, NotActiveError, ThrottledError):
        assert issubclass(cls, IotHubProviderError)
