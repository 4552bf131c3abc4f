"""Error mapping at the one boundary: both Azure error shapes, the status table, requests exceptions."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from iothub_provider import errors
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
    HubOwnershipError,
    IotHubProviderError,
    NotActiveError,
    NotFoundError,
    OwnershipError,
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


PUBLIC_ERRORS = [getattr(errors, name) for name in errors.__all__]
CLASSES_IN_MODULE = {
    value
    for value in vars(errors).values()
    if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == errors.__name__
}
REQUESTS_EXCEPTIONS = sorted(
    (
        value
        for value in vars(requests.exceptions).values()
        if isinstance(value, type) and issubclass(value, requests.exceptions.RequestException)
    ),
    key=lambda cls: cls.__name__,
)


def test_every_error_class_is_public_and_under_the_root() -> None:
    assert set(PUBLIC_ERRORS) == CLASSES_IN_MODULE and len(PUBLIC_ERRORS) == 17
    for cls in PUBLIC_ERRORS:
        assert issubclass(cls, IotHubProviderError), cls


def drawn_tree() -> dict[str, str | None]:
    """Each class in the module docstring's drawing, with the class drawn as its parent."""
    parents: dict[str, str | None] = {}
    open_at: list[tuple[int, str]] = []  # (column of the name, name) of the branch being drawn
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^([\s│├└─]*)(\w+Error)\s{2,}\S", line)
        if not match:
            continue
        column, name = len(match.group(1)), match.group(2)
        while open_at and open_at[-1][0] >= column:
            open_at.pop()
        assert name not in parents, f"{name} is drawn twice"
        parents[name] = open_at[-1][1] if open_at else None
        open_at.append((column, name))
    return parents


def test_the_drawn_tree_is_the_class_tree() -> None:
    actual = {cls.__name__: cls.__bases__[0].__name__ for cls in PUBLIC_ERRORS}
    assert drawn_tree() == {**actual, "IotHubProviderError": None}


def test_a_hub_refused_for_ownership_is_an_ownership_error_not_an_arm_answer() -> None:
    assert issubclass(HubOwnershipError, OwnershipError)
    assert not issubclass(OwnershipError, ArmError)


def raised(cls: type[requests.exceptions.RequestException]) -> requests.exceptions.RequestException:
    if issubclass(cls, requests.exceptions.JSONDecodeError):
        return cls("Expecting value", "<html>", 0)
    return cls("cause")


@pytest.mark.parametrize("cls", REQUESTS_EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_every_requests_exception_is_mapped_at_the_boundary(
    cls: type[requests.exceptions.RequestException],
) -> None:
    """As httpx's test_httpcore_all_exceptions_mapped: nothing of requests gets past the boundary unmapped."""
    exc = raised(cls)
    with pytest.raises(TransportError) as info, map_requests_errors("GET", URL, "crid-1"):
        raise exc
    assert info.value.__cause__ is exc
    assert str(info.value).startswith(f"GET {URL}: ") and "crid-1" in str(info.value)


def test_the_requests_exceptions_walked_include_the_ones_seen_in_practice() -> None:
    names = {cls.__name__ for cls in REQUESTS_EXCEPTIONS}
    assert {"ConnectionError", "ReadTimeout", "SSLError", "ChunkedEncodingError", "ProxyError"} <= names
