"""The HTTP boundary: one ``requests.Session`` per provider process, bearer auth, request ids, error mapping.

Everything foreign stops here: ``requests`` exceptions become ``TransportError``, error responses become the
``ArmError`` subclass for their status (``wire.error_from_response``), and both are chained with ``from``.
The session is created lazily on first use in the process that sends requests (the provider process), so it is
never part of the pickled provider; ``requests.Session`` with its connection pool is safe to share between the
four threads the provider process serves. TLS verification is always on; redirects are never followed (a token
must not travel to a host the settings did not name).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import ssl
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from iothub_provider import __version__
from iothub_provider.client.auth import TokenProvider
from iothub_provider.client.retry import RetryPolicy
from iothub_provider.client.settings import Settings, is_loopback
from iothub_provider.client.wire import ArmResponse, error_from_response, redact_url
from iothub_provider.errors import ConfigurationError, TransportError

if TYPE_CHECKING:
    import requests

log = logging.getLogger("iothub_provider.http")

USER_AGENT = f"iothub-provider/{__version__}"
CONNECT_TIMEOUT = 10.0
_ERRNO_RE = re.compile(r"\[Errno -?\d+\][^'\")]*")
READ_TIMEOUT = 60.0


def new_client_request_id() -> str:
    """One id per provider operation; every request of that operation (retries and polls too) carries it."""
    return str(uuid.uuid4())


def _reason(exc: Exception) -> str:
    """A short cause ("[Errno 111] Connection refused") instead of urllib3's long nested message."""
    match = _ERRNO_RE.search(str(exc))
    return f"{type(exc).__name__}: {match.group(0)}" if match else type(exc).__name__


@contextlib.contextmanager
def map_requests_errors(method: str, url: str, client_request_id: str | None = None) -> Iterator[None]:
    """The single place where ``requests`` exceptions are translated; the most specific match wins."""
    import requests  # deferred: a preview (check and diff only) never needs it

    shown, crid = redact_url(url), client_request_id
    try:
        yield
    except requests.exceptions.SSLError as exc:
        raise TransportError(
            f"TLS verification failed ({_reason(exc)})",
            method=method,
            url=shown,
            retryable=not _certificate_refused(exc),
            client_request_id=crid,
        ) from exc
    except requests.exceptions.Timeout as exc:
        raise TransportError(
            f"timed out ({_reason(exc)})", method=method, url=shown, client_request_id=crid
        ) from exc
    except requests.exceptions.ConnectionError as exc:
        raise TransportError(
            f"connection failed ({_reason(exc)})", method=method, url=shown, client_request_id=crid
        ) from exc
    except requests.exceptions.RequestException as exc:
        raise TransportError(
            f"request failed ({_reason(exc)})", method=method, url=shown, client_request_id=crid
        ) from exc


def _certificate_refused(exc: BaseException) -> bool:
    """The server's certificate failed verification (it will fail the same way on every attempt)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        if isinstance(item, ssl.SSLCertVerificationError):
            return True
        seen.add(id(item))
        pending += [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


class Transport:
    """Sends ARM requests with auth, ids, retries and error mapping; shared by every call in the process."""

    def __init__(
        self,
        settings: Settings,
        token: TokenProvider,
        *,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self._token = token
        self._session = session
        self._lock = threading.Lock()
        origin = urlsplit(settings.endpoint)
        self._origin = (origin.scheme, (origin.hostname or "").lower(), origin.port)

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError("Transport holds a token and a live session; it is never pickled")

    @property
    def token(self) -> TokenProvider:
        """Where the ARM bearer token comes from (shared with the service API's transport)."""
        return self._token

    @property
    def session(self) -> requests.Session:
        import requests

        with self._lock:
            if self._session is None:
                session = requests.Session()
                session.verify = True
                # Proxies from the environment apply to Azure, never to an emulator on loopback.
                session.trust_env = not is_loopback(self._origin[1])
                adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                self._session = session
            return self._session

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def url(self, path: str) -> str:
        return f"{self.settings.endpoint}{path}"

    def request(
        self,
        method: str,
        url: str,
        *,
        client_request_id: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = True,
        within: float | None = None,
        authorize: Callable[[], str] | None = None,
    ) -> ArmResponse:
        """Send one request under the retry policy, ending its retries ``within`` seconds (the time left to
        its operation's deadline; a request of its own gets ``iothub:operationTimeout``); raise the mapped
        ``ArmError`` for any status >= 400. ``authorize`` gives the ``Authorization`` header of each attempt
        (a hub's SAS token, which expires); by default it is the ARM bearer token."""
        self._check_origin(url)
        return self.retry.call(
            lambda: self._attempt(method, url, client_request_id, body, headers, authorize),
            idempotent=idempotent,
            what=f"{method} {redact_url(url)}",
            within=self.settings.operation_timeout if within is None else within,
        )

    def _attempt(
        self,
        method: str,
        url: str,
        client_request_id: str,
        body: Any,
        headers: Mapping[str, str] | None,
        authorize: Callable[[], str] | None = None,
    ) -> ArmResponse:
        params = {} if "api-version=" in url else {"api-version": self.settings.api_version}
        all_headers = {
            "Authorization": authorize() if authorize is not None else f"Bearer {self._token()}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "x-ms-client-request-id": client_request_id,
            "x-ms-return-client-request-id": "true",
            **(headers or {}),
        }
        data = None
        if body is not None:
            all_headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        with map_requests_errors(method, url, client_request_id):
            raw = self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=all_headers,
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                allow_redirects=False,
            )
            text = raw.text
        response = ArmResponse(
            status=raw.status_code,
            headers={k.lower(): v for k, v in raw.headers.items()},
            body=_json_or_none(text),
            url=url,
            method=method,
            request_id=raw.headers.get("x-ms-request-id"),
            text=text,
        )
        log.debug(
            "%s %s -> %s [x-ms-request-id %s, x-ms-client-request-id %s]",
            method,
            redact_url(url),
            response.status,
            response.request_id,
            client_request_id,
        )
        if response.status >= 400:
            sent_if_match = any(k.lower() == "if-match" for k in (headers or {}))
            raise error_from_response(response, reason=raw.reason or "", sent_if_match=sent_if_match)
        return response

    def _check_origin(self, url: str) -> None:
        """Send the token only to the configured endpoint (operation URLs come from responses)."""
        parts = urlsplit(url)
        origin = (parts.scheme, (parts.hostname or "").lower(), parts.port)
        if origin == self._origin:
            return
        both_loopback = is_loopback(origin[1]) and is_loopback(self._origin[1])
        if both_loopback and origin[0] == self._origin[0] and origin[2] == self._origin[2]:
            return
        raise ConfigurationError(
            f"refusing to send the ARM token to {redact_url(url)}: it is not on the configured endpoint "
            f"{self.settings.endpoint}"
        )


def _json_or_none(text: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
