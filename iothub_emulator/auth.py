"""Bearer-token check with ARM's 401 vocabulary; runs before anything else, control API included."""

from __future__ import annotations

import functools
import hmac

from iothub_emulator.errors import AuthenticationFailed

_CHALLENGE = 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"'


def check(authorization: str | None, token: str) -> None:
    if authorization is not None and hmac.compare_digest(authorization.encode(), _expected(token)):
        return  # exactly "Bearer <token>", as every client sends it: the checks below would all pass
    headers = {"WWW-Authenticate": _CHALLENGE}
    if authorization is None or not authorization.strip():
        raise AuthenticationFailed(
            "Authentication failed. The 'Authorization' header is missing.",
            code="AuthenticationFailed",
            headers=headers,
        )
    scheme, _, presented = authorization.strip().partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented or " " in presented:
        raise AuthenticationFailed(
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
            code="AuthenticationFailedInvalidHeader",
            headers=headers,
        )
    if not hmac.compare_digest(presented.encode(), token.encode()):
        raise AuthenticationFailed(
            "The access token is invalid.", code="InvalidAuthenticationToken", headers=headers
        )


@functools.lru_cache(maxsize=8)
def _expected(token: str) -> bytes:
    return f"Bearer {token}".encode()
