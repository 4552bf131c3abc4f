"""What Azure sends back, read once: the response value object, every error shape, Retry-After.

Error bodies come in these shapes and all are accepted, with ``code`` a number or a string:

- ARM envelope (front door, not found, auth, throttling):
  ``{"error": {"code": "ResourceNotFound", "message": ...}}``
- IoT Hub RP ``ErrorDetails`` (not enveloped; production sends ``code`` as a number):
  ``{"code": 409002, "httpStatusCode": "Conflict", "message": "... errorcode: IH409002."}``
- the hub's service API (devices, twins; recorded): ``{"Message": "ErrorCode:DeviceNotFound;dev-1",
  "ExceptionMessage": "Tracking ID:...-G:10-TimeStamp:..."}`` with the name in the ``iothub-errorcode`` header
  too; its ``Message`` has also been seen holding ``{"errorCode": "404103", "message": ...}``, as an object or
  as that object's JSON text.

A body that is not JSON (a gateway's HTML 502 page, a proxy's plain text) is shown in the message as a short
excerpt: the page's title or its text, at most ``BODY_EXCERPT_MAX`` characters, credentials masked.

The class of the raised error is picked from the HTTP status first (table ``_STATUS_ERRORS``); 409 with code
409002 is the one refinement (``NotActiveError``).
"""

from __future__ import annotations

import contextlib
import email.utils
import html
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from iothub_provider.errors import (
    ArmError,
    AuthenticationError,
    ConflictError,
    ErrorCode,
    NotActiveError,
    NotFoundError,
    PreconditionFailedError,
    ServerError,
    ThrottledError,
)

NOT_ACTIVE_CODES = frozenset({"409002", "IH409002"})
STALE_ETAG_HINT = (
    "The resource was changed outside Pulumi since Pulumi last read it. Run `pulumi refresh` to see and "
    "accept the changes, then run `pulumi up` again."
)

BODY_EXCERPT_MAX = 200
"""At most this many characters of a non-JSON error body reach the message."""
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_INVISIBLE_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
_SECRET_RE = re.compile(
    r"(?i)\b(bearer\s+|(?:sharedaccesskey|sharedaccesssignature|accountkey|sig|access_token|refresh_token"
    r"|client_secret|primarykey|secondarykey|password)\"?\s*[:=]\s*\"?)[^\s;&,\"']+"
)
"""A credential an echoing proxy might show (a bearer token, a key in a connection string or JSON)."""

_STATUS_ERRORS: dict[int, type[ArmError]] = {
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    429: ThrottledError,
}


@dataclass(frozen=True)
class ArmResponse:
    """One HTTP response from ARM, with headers lower-cased and the JSON body parsed (None when empty)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    url: str
    method: str = "GET"
    request_id: str | None = None
    text: str = field(default="", repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def redact_url(url: str) -> str:
    """The URL without its query: operation URLs may carry signatures; api-version is noise."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``retry-after-ms``; None if absent."""
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value).timestamp()
            except (TypeError, ValueError):
                return None
            return max(0.0, when - (time.time() if now is None else now))
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value) / 1000.0)
            except ValueError:
                return None
    return None


_SERVICE_MESSAGE_RE = re.compile(r"^ErrorCode:(?P<code>\w+);(?P<detail>.*)$", re.DOTALL)


def parse_error_body(body: Any, *, fallback: str) -> tuple[ErrorCode, str]:
    """``(code, message)`` from any error shape; ``fallback`` (the reason phrase) otherwise."""
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):
            return _code(inner.get("code")), str(inner.get("message") or fallback)
        if "Message" in body and "code" not in body and "Code" not in body:
            return _service_error(body["Message"], fallback)
        code = body.get("code", body.get("Code"))
        message = body.get("message", body.get("Message"))
        if code is not None or message is not None:
            return _code(code), str(message or fallback)
    return None, fallback


def _service_error(message: Any, fallback: str) -> tuple[ErrorCode, str]:
    """The service API's ``Message``: ``ErrorCode:<Name>;<detail>``, or an object (or its JSON text)."""
    if isinstance(message, str) and message.lstrip().startswith("{"):
        with contextlib.suppress(ValueError):
            message = json.loads(message)
    if isinstance(message, dict):
        return _code(message.get("errorCode")), str(message.get("message") or fallback)
    match = _SERVICE_MESSAGE_RE.match(str(message or ""))
    if match is None:
        return None, str(message or fallback)
    return match["code"], match["detail"].strip() or match["code"]


def _code(value: Any) -> ErrorCode:
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value  # type: ignore[no-any-return]
    return str(value)


def is_not_active(code: ErrorCode, message: str) -> bool:
    """409002, as a number, a string or the IH-prefixed form; the message is the last resort."""
    if code is not None and str(code) in NOT_ACTIVE_CODES:
        return True
    return "not currently in active state" in message.lower()


def body_excerpt(text: str) -> str:
    """What a non-JSON error body (a gateway's HTML page, a proxy's plain text) says, for the message: an
    HTML page's title, else its text without tags; whitespace collapsed, credentials masked, bounded."""
    title = _TITLE_RE.search(text)
    shown = title.group(1) if title else _TAG_RE.sub(" ", _INVISIBLE_RE.sub(" ", text))
    shown = " ".join(html.unescape(shown).split())
    shown = _SECRET_RE.sub(r"\1<redacted>", shown)
    if len(shown) > BODY_EXCERPT_MAX:
        shown = shown[: BODY_EXCERPT_MAX - 3].rstrip() + "..."
    return shown


def _code_and_message(response: ArmResponse, reason: str) -> tuple[ErrorCode, str]:
    """From the JSON error body; a body that is not JSON is shown as an excerpt after the reason phrase."""
    code, message = parse_error_body(response.body, fallback=reason or f"HTTP {response.status}")
    if code is None:
        code = response.header("iothub-errorcode")
    excerpt = body_excerpt(response.text) if response.body is None else ""
    if not excerpt:
        return code, message
    if not reason or reason.lower() in excerpt.lower():
        return code, excerpt
    return code, f"{reason}: {excerpt}"


def error_from_response(response: ArmResponse, *, reason: str, sent_if_match: bool = False) -> ArmError:
    """The ArmError subclass for an error response; the only place error bodies are interpreted."""
    code, message = _code_and_message(response, reason)
    cls = _STATUS_ERRORS.get(response.status, ServerError if response.status >= 500 else ArmError)
    if response.status == 409 and is_not_active(code, message):
        cls = NotActiveError
    hint = STALE_ETAG_HINT if response.status == 412 and sent_if_match else ""
    return cls(
        status=response.status,
        code=code,
        message=message,
        request_id=response.request_id,
        method=response.method,
        url=redact_url(response.url),
        retry_after=retry_after_seconds(response.headers),
        hint=hint,
    )
