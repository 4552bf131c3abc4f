"""The one exception hierarchy of the provider and its ARM client.

    IotHubProviderError                 root: anything this package raises on purpose
    ├── ConfigurationError              settings missing or unsafe (no subscription, http to remote host)
    ├── CredentialError                 azure-identity could not obtain a token for ARM
    ├── TransportError                  no usable HTTP response (refused, reset, timed out, TLS)
    ├── ArmError                        ARM answered 4xx/5xx; carries status, code, message, request id
    │   ├── AuthenticationError         401 or 403: the token was refused or lacks permission
    │   ├── NotFoundError               404: the hub, consumer group or resource group does not exist
    │   ├── ConflictError               409: the request conflicts with the resource's current state
    │   │   └── NotActiveError          409 code 409002: hub not Active yet (retried to a deadline)
    │   ├── PreconditionFailedError     412: stale etag in If-Match, or If-None-Match found a hub
    │   ├── ThrottledError              429: ARM throttled the caller (retried, honouring Retry-After)
    │   └── ServerError                 5xx: a transient or internal failure on Azure's side
    ├── OperationFailedError            an operation ended Failed or Canceled; carries the async error
    ├── OperationTimeoutError           an operation outlived its deadline; names the operation URL
    ├── OwnershipError                  create found a hub, consumer group or device this stack does not own
    │   └── HubOwnershipError           the hub's case (a same-named hub, or one that cannot take the program)
    └── ChangedElsewhereError           before writing: the live etag is not the one in state (refresh first)

Messages never contain tokens, keys or connection strings: they are built from error bodies, status codes and
resource identifiers only. Foreign exceptions (requests, azure-identity, json) are mapped to these classes at
one boundary in ``iothub_provider.client.transport`` and chained with ``from``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ArmError",
    "AuthenticationError",
    "ChangedElsewhereError",
    "ConfigurationError",
    "ConflictError",
    "CredentialError",
    "HubOwnershipError",
    "IotHubProviderError",
    "NotActiveError",
    "NotFoundError",
    "OperationFailedError",
    "OperationTimeoutError",
    "OwnershipError",
    "PreconditionFailedError",
    "ServerError",
    "ThrottledError",
    "TransportError",
]

ErrorCode = int | str | None


class IotHubProviderError(Exception):
    """The base class for every error this package raises on purpose."""


class ConfigurationError(IotHubProviderError):
    """Provider settings are missing or unsafe; raised before any request is sent."""


class CredentialError(IotHubProviderError):
    """azure-identity could not get an ARM token (no environment credential, managed identity, CLI login)."""


class TransportError(IotHubProviderError):
    """No usable HTTP response came back: connection refused or reset, read timeout, TLS failure."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        retryable: bool = True,
        client_request_id: str | None = None,
    ) -> None:
        tail = f" [x-ms-client-request-id: {client_request_id}]" if client_request_id else ""
        super().__init__(f"{method} {url}: {message}{tail}")
        self.method = method
        self.url = url
        self.client_request_id = client_request_id
        """No response, so no x-ms-request-id: the id every attempt of the operation was sent with."""
        self.retryable = retryable
        """False when another attempt cannot help (a certificate that fails verification)."""


class ArmError(IotHubProviderError):
    """ARM or the IoT Hub resource provider answered with an error status (4xx or 5xx)."""

    def __init__(
        self,
        *,
        status: int,
        code: ErrorCode,
        message: str,
        request_id: str | None,
        method: str = "",
        url: str = "",
        retry_after: float | None = None,
        hint: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.method = method
        self.url = url
        self.retry_after = retry_after
        self.hint = hint
        super().__init__(self._render())

    def with_hint(self, hint: str) -> ArmError:
        """The same error with advice for this situation; raise it ``from`` the original."""
        return type(self)(
            status=self.status,
            code=self.code,
            message=self.message,
            request_id=self.request_id,
            method=self.method,
            url=self.url,
            retry_after=self.retry_after,
            hint=hint,
        )

    def _render(self) -> str:
        where = f"{self.method} {self.url} " if self.method else ""
        code = f" ({self.code})" if self.code not in (None, "") else ""
        text = f"{where}failed with HTTP {self.status}{code}: {self.message}"
        if self.hint:
            text += f" {self.hint}"
        if self.request_id:
            text += f" [x-ms-request-id: {self.request_id}]"
        return text


class AuthenticationError(ArmError):
    """401 or 403: the bearer token was refused or the identity lacks permission on the resource."""


class NotFoundError(ArmError):
    """404: the hub, consumer group, resource group or operation does not exist."""


class ConflictError(ArmError):
    """409: the request conflicts with the current state of the resource (name taken, limit reached)."""


class NotActiveError(ConflictError):
    """409 with code 409002: the hub is activating, updating or deleting; retried until it is Active."""


class PreconditionFailedError(ArmError):
    """412: If-Match named a stale etag (changed outside Pulumi), or If-None-Match found an existing hub."""


class ThrottledError(ArmError):
    """429: ARM throttled the caller; retried after Retry-After until the retry budget is spent."""


class ServerError(ArmError):
    """5xx: an internal or transient failure on Azure's side; retried on idempotent calls."""


class OperationFailedError(IotHubProviderError):
    """A long-running operation reached Failed or Canceled; ``error`` is the async operation's error body."""

    def __init__(
        self,
        *,
        status: str,
        operation_url: str,
        error: dict[str, Any] | None,
        request_id: str | None,
    ) -> None:
        self.status = status
        self.operation_url = operation_url
        self.error = error or {}
        self.code: ErrorCode = self.error.get("code")
        self.message = str(self.error.get("message") or f"the operation ended {status}")
        self.request_id = request_id
        code = f" ({self.code})" if self.code not in (None, "") else ""
        text = f"operation {operation_url} ended {status}{code}: {self.message}"
        if request_id:
            text += f" [x-ms-request-id: {request_id}]"
        super().__init__(text)


class OperationTimeoutError(IotHubProviderError):
    """A long-running operation did not finish before its deadline; it may still complete in Azure."""

    def __init__(self, *, operation_url: str, waited: float, last_status: str) -> None:
        self.operation_url = operation_url
        self.waited = waited
        self.last_status = last_status
        super().__init__(
            f"operation {operation_url} still {last_status} after {waited:.0f} s; it may still finish in "
            "Azure. Raise iothub:operationTimeout, or run `pulumi refresh` and `pulumi up` again once "
            "it completes."
        )


class OwnershipError(IotHubProviderError):
    """Create found an existing resource it may not take over: a decision of the provider, not an answer of
    ARM (which said 200), so there is no HTTP status or request id. The message names the resource and what
    to do: ``adopt=True`` to take it over deliberately, or another name."""


class HubOwnershipError(OwnershipError):
    """Create found an existing hub with the requested name that this stack did not create (no owner tag), or
    one of ours whose immutable settings differ from the program's."""


class ChangedElsewhereError(IotHubProviderError):
    """Found before any write: a resource (a device twin) changed outside Pulumi since Pulumi last read it, so
    its etag is not the one in state. A decision of the provider, not an answer of Azure (nothing was sent),
    so there is no HTTP status; the message names the resource and says to run ``pulumi refresh``."""

    def __init__(self, what: str, live_etag: str, state_etag: str) -> None:
        self.live_etag = live_etag
        self.state_etag = state_etag
        super().__init__(
            f"{what} changed outside Pulumi since Pulumi last read it (etag {live_etag!r}, state "
            f"{state_etag!r}); nothing was written. Run `pulumi refresh` to see and accept the changes, then "
            "run `pulumi up` again."
        )
