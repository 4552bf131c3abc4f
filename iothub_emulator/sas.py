"""Who may call a hub's service API: shared access signatures verified as IoT Hub does, the emulator's bearer
token standing in for an Entra ID token, ``disableLocalAuth``, and the rights each operation needs.

A SAS token (Microsoft Learn, "Control access to IoT Hub with shared access signatures")::

    SharedAccessSignature sr=<url-encoded resource URI>&sig=<url-encoded base64>&se=<epoch>&skn=<policy>

is accepted when ``sig`` is the HMAC-SHA256, keyed with the base64-decoded primary or secondary key of the
hub's policy ``skn``, of ``<url-encoded resource URI> + "\\n" + se``; ``se`` lies after the emulator's clock;
the resource URI (lower-cased, scheme and trailing slash dropped) is a prefix, by whole segments, of
``<host><path>`` ("/a/b is a prefix for /a/b/c but not for /a/bc"); and the policy has the right the
operation needs. Every failure is the same 401 (``Unauthorized``): the service never says which check
failed. Rules only: the front door (``service_api``) decides when they apply.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from iothub_emulator.service_errors import Unauthorized

REGISTRY_READ, REGISTRY_WRITE, SERVICE_CONNECT = "RegistryRead", "RegistryWrite", "ServiceConnect"
_IMPLIED = {REGISTRY_WRITE: (REGISTRY_READ,)}  # a registryReadWrite policy lists RegistryWrite alone


def rights_of(policy: dict[str, Any]) -> set[str]:
    """The rights a policy grants (``RegistryWrite`` includes ``RegistryRead``)."""
    granted = {part.strip() for part in str(policy.get("rights", "")).split(",") if part.strip()}
    for right in list(granted):
        granted.update(_IMPLIED.get(right, ()))
    return granted


def _fields(token: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in token.split("&"):
        key, sep, value = part.partition("=")
        if not sep or key in out:
            raise Unauthorized()
        out[key] = value
    return out


def _key_bytes(key: Any) -> bytes | None:
    if not isinstance(key, str) or not key:
        return None
    try:
        return base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return None


def _signatures(raw_sig: str) -> set[bytes]:
    """The signature bytes the token may mean (``+`` is a space to .NET's decoder, not to every signer)."""
    out: set[bytes] = set()
    for decoded in {unquote_plus(raw_sig), unquote(raw_sig)}:
        try:
            out.add(base64.b64decode(decoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return out


def _signed_resources(raw_sr: str, resource: str) -> set[str]:
    """The spellings of the resource URI a signer may have signed: as it stands in the token, and its
    URL-encoding with upper- or lower-case escapes (the docs say lower; .NET and Python write upper)."""
    encoded = {quote_plus(resource), quote(resource, safe="")}
    lowered = {
        "".join(part[:2].lower() + part[2:] if i else part for i, part in enumerate(e.split("%")))
        for e in encoded
    }
    return {raw_sr, *encoded, *lowered}


def _resource_covers(resource: str, target: str) -> bool:
    scope = resource.lower()
    for scheme in ("https://", "http://", "amqps://"):
        if scope.startswith(scheme):
            scope = scope[len(scheme) :]
    scope = scope.rstrip("/")
    return bool(scope) and (target == scope or target.startswith(scope + "/"))


def verify_sas(
    token: str, policies: list[dict[str, Any]], host: str, path: str, right: str, now: float
) -> dict[str, Any]:
    """The policy a SAS token (the header's value after ``SharedAccessSignature``) authenticates for an
    operation needing ``right`` on ``host`` + ``path``; ``Unauthorized`` when any check fails."""
    fields = _fields(token.strip())
    raw_sr, raw_sig, raw_se, raw_skn = (fields.get(k) for k in ("sr", "sig", "se", "skn"))
    if raw_sr is None or raw_sig is None or raw_se is None or raw_skn is None:
        raise Unauthorized()  # no skn: a device-scoped token, which the service API never accepts
    expiry = unquote_plus(raw_se)
    if not expiry.isascii() or not expiry.isdigit() or int(expiry) <= now:
        raise Unauthorized()
    resource = unquote_plus(raw_sr)
    if not _resource_covers(resource, f"{host}{path}".lower()):
        raise Unauthorized()
    name = unquote_plus(raw_skn)
    policy = next((p for p in policies if str(p.get("keyName", "")).lower() == name.lower()), None)
    if policy is None or right not in rights_of(policy):
        raise Unauthorized()
    sent = _signatures(raw_sig)
    for key_name in ("primaryKey", "secondaryKey"):
        key = _key_bytes(policy.get(key_name))
        if key is None:
            continue
        for signed in _signed_resources(raw_sr, resource):
            digest = hmac.new(key, f"{signed}\n{expiry}".encode(), hashlib.sha256).digest()
            if any(hmac.compare_digest(digest, candidate) for candidate in sent):
                return policy
    raise Unauthorized()


def authorize(
    authorization: str | None,
    *,
    policies: list[dict[str, Any]],
    local_auth_disabled: bool,
    bearer_token: str,
    host: str,
    path: str,
    right: str,
    now: float,
) -> None:
    """Admit the request or raise ``Unauthorized``. A bearer token equal to the emulator's own stands for
    an Entra ID principal holding every IoT Hub data role; SAS tokens are refused when the hub has local
    authentication disabled."""
    value = (authorization or "").strip()
    scheme, _, credential = value.partition(" ")
    if scheme.lower() == "bearer":
        presented = credential.strip()
        if presented and hmac.compare_digest(presented.encode(), bearer_token.encode()):
            return
        raise Unauthorized()
    if scheme != "SharedAccessSignature" or local_auth_disabled:
        raise Unauthorized()
    verify_sas(credential, policies, host, path, right, now)


def sign(resource: str, key: str, policy: str, expiry: int) -> str:
    """A SAS token as the az CLI's and Python SDK's generators write it (for tests and tools)."""
    encoded = quote_plus(resource)
    digest = hmac.new(base64.b64decode(key), f"{encoded}\n{expiry}".encode(), hashlib.sha256).digest()
    signature = quote_plus(base64.b64encode(digest).decode())
    return f"SharedAccessSignature sr={encoded}&sig={signature}&se={expiry}&skn={quote_plus(policy)}"
