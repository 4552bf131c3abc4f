"""Tokens: static when configured; azure-identity only when needed, imported lazily, failures mapped; the
DefaultAzureCredential path asks for the scope of the endpoint's cloud and caches and refreshes its token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from iothub_provider.client.auth import IdentityToken, StaticToken, token_provider_for
from iothub_provider.client.settings import Settings
from iothub_provider.errors import ConfigurationError, CredentialError

ROOT = Path(__file__).resolve().parents[2]


def test_static_token_is_used_and_never_shown() -> None:
    token = token_provider_for(Settings(access_token="s3cret-token"))
    assert isinstance(token, StaticToken) and token() == "s3cret-token"
    assert "s3cret" not in repr(token)


def test_a_local_endpoint_never_falls_back_to_azure_credentials() -> None:
    with pytest.raises(ConfigurationError, match="iothub:accessToken"):
        token_provider_for(Settings(endpoint="http://127.0.0.1:8443"))


def test_without_a_token_the_cloud_scope_is_requested() -> None:
    token = token_provider_for(Settings(endpoint="https://management.chinacloudapi.cn"))
    assert isinstance(token, IdentityToken)
    assert "https://management.chinacloudapi.cn/.default" in repr(token)


class ManagedIdentityEndpoint:
    """An App Service managed-identity token endpoint on loopback (IDENTITY_ENDPOINT / IDENTITY_HEADER), the
    way DefaultAzureCredential finds a managed identity; every answer is a new token valid for ``ttl`` s."""

    def __init__(self, ttl: int) -> None:
        self.ttl = ttl
        self.status = 200
        """Anything else answers an error body, as an endpoint without an identity assigned does."""
        self.resources: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                resource = parse_qs(urlsplit(self.path).query)["resource"][0]
                endpoint.resources.append(resource)
                body = json.dumps({
                    "access_token": f"mi-token-{len(endpoint.resources)}",
                    "expires_on": str(int(time.time()) + endpoint.ttl),
                    "resource": resource,
                    "token_type": "Bearer",
                } if endpoint.status == 200 else {
                    "statusCode": endpoint.status,
                    "message": "No managed identity is assigned to this resource.",
                }).encode()
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/msi/token"


@pytest.fixture
def managed_identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[ManagedIdentityEndpoint]:
    endpoint = ManagedIdentityEndpoint(ttl=3600)
    for name in [n for n in os.environ if n.startswith(("AZURE_", "MSI_", "IDENTITY_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("IDENTITY_ENDPOINT", endpoint.url)
    monkeypatch.setenv("IDENTITY_HEADER", "identity-header")
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


@pytest.mark.parametrize(
    ("endpoint", "resource"),
    [
        ("https://management.azure.com", "https://management.azure.com"),
        ("https://management.chinacloudapi.cn", "https://management.chinacloudapi.cn"),
        ("https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net"),
    ],
)
def test_default_azure_credential_asks_for_the_endpoint_clouds_scope_and_caches_the_token(
    managed_identity: ManagedIdentityEndpoint, endpoint: str, resource: str
) -> None:
    token = token_provider_for(Settings(endpoint=endpoint))
    assert isinstance(token, IdentityToken)

    assert [token(), token(), token()] == ["mi-token-1"] * 3
    assert managed_identity.resources == [resource]


def test_default_azure_credential_token_is_refreshed_before_it_expires(
    managed_identity: ManagedIdentityEndpoint,
) -> None:
    managed_identity.ttl = 60  # inside azure-core's five-minute refresh window
    token = token_provider_for(Settings())

    assert [token(), token()] == ["mi-token-1", "mi-token-2"]


def test_credential_failures_are_mapped_and_chained(
    managed_identity: ManagedIdentityEndpoint, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """DefaultAzureCredential's real failure path: the managed-identity endpoint answers 400 and nothing else
    has a token (no CLI on the PATH, no token caches in HOME, even on a machine logged in with `az login`).
    A 500 takes the same path after about 5 s of azure-identity's own retries, too slow for this suite."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    managed_identity.status = 400
    token = token_provider_for(Settings())
    with pytest.raises(CredentialError, match="az login") as info:
        token()
    assert type(info.value.__cause__).__name__ == "ClientAuthenticationError"
    assert managed_identity.resources  # the refusal came from the endpoint, not from a missing one


def test_importing_and_unpickling_providers_loads_no_azure_sdk_nor_http_stack() -> None:
    code = (
        "import sys, dill\n"
        "from iothub_provider import IotHubProvider, ConsumerGroupProvider\n"
        "from iothub_provider.client.auth import token_provider_for\n"
        "from iothub_provider.client.settings import Settings\n"
        "dill.loads(dill.dumps(IotHubProvider())); token_provider_for(Settings())\n"
        "print(sorted(m for m in sys.modules if m.startswith(('azure', 'requests'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
