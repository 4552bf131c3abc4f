"""Keys and tokens stay out of the pickled provider, logs and error messages."""

from __future__ import annotations

import base64
import logging

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from iothub_provider import ConsumerGroupProvider, IotHubProvider
from iothub_provider.client import runtime
from iothub_provider.client.settings import Settings
from iothub_provider.errors import PreconditionFailedError
from tests.providers.conftest import hub_inputs


def secrets_of(settings: Settings, outs: dict[str, object]) -> list[str]:
    keys = [p[k] for p in outs["shared_access_policies"] for k in ("primary_key", "secondary_key")]  # type: ignore[attr-defined]
    return [settings.access_token or "", *keys]


def test_provider_pickles_by_reference_without_state_or_secrets(
    hubs: IotHubProvider, configured: Settings
) -> None:
    result = hubs.create(hubs.check({}, hub_inputs()).inputs)
    runtime.current_api()  # the session and token exist in this process now
    for provider in (hubs, ConsumerGroupProvider()):
        assert vars(provider) == {}
        pickled = dill.dumps(provider, recurse=True)
        as_pulumi = base64.b64decode(serialize_provider(provider))
        for blob in (pickled, as_pulumi):
            assert len(blob) < 200
            for secret in secrets_of(configured, result.outs or {}):
                assert secret.encode() not in blob
        assert type(dill.loads(pickled)) is type(provider)


def test_logs_and_errors_never_carry_secrets(
    hubs: IotHubProvider,
    configured: Settings,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    result = hubs.create(hubs.check({}, hub_inputs()).inputs)
    outs = result.outs or {}
    news = hubs.check({}, hub_inputs(retention_days=2.0)).inputs
    hubs.update(result.id, outs, news)
    with pytest.raises(PreconditionFailedError) as info:
        hubs.update(result.id, outs, hubs.check({}, hub_inputs(retention_days=3.0)).inputs)  # stale etag
    captured = capsys.readouterr()
    text = caplog.text + captured.out + captured.err + str(info.value)
    assert "x-ms-request-id" in str(info.value)
    for secret in secrets_of(configured, outs):
        assert secret not in text


def test_settings_repr_and_transport_refuse_to_leak(configured: Settings) -> None:
    api = runtime.current_api()
    assert configured.access_token not in repr(configured)
    with pytest.raises(TypeError):
        dill.dumps(api.transport)
