"""Tokens: static when configured; azure-identity only when needed, imported lazily, failures mapped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from iothub_provider.client.auth import IdentityToken, StaticToken, TokenProvider, token_provider_for
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


class FailingIdentity(IdentityToken):
    def _build(self) -> TokenProvider:
        from azure.core.exceptions import ClientAuthenticationError

        def fail() -> str:
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")

        return fail


def test_credential_failures_are_mapped_and_chained() -> None:
    with pytest.raises(CredentialError, match="az login") as info:
        FailingIdentity(Settings())()
    assert type(info.value.__cause__).__name__ == "ClientAuthenticationError"


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
