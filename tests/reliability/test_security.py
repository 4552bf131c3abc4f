"""Security: secrets only in secret outputs, every emulator route authenticated, safe transport."""

from __future__ import annotations

from reliability.security import check_route_auth, check_transport, scan_secrets


def test_no_secret_in_pickles_plain_outputs_logs_or_errors() -> None:
    figures = scan_secrets(seed=5)

    assert figures.problems == []
    assert figures.counts["error messages scanned"] == 3
    assert figures.counts["secrets found in plain places"] == 0


def test_every_emulator_route_refuses_requests_without_a_valid_token() -> None:
    figures = check_route_auth()

    assert figures.problems == []
    assert figures.counts["routes checked"] >= 40
    assert figures.counts["requests accepted without a valid token"] == 0


def test_plain_http_to_remote_hosts_and_untrusted_certificates_are_refused() -> None:
    figures = check_transport()

    assert figures.problems == []
    assert figures.counts["unsafe endpoints accepted"] == 0
    assert figures.counts["TLS verification held (environment switches tried)"] == 5
    assert figures.counts["requests past an untrusted certificate"] == 0
