"""Smoke test of the benchmarks: ``python -m bench --quick`` runs every benchmark end to end.

It asserts what the run shows, never how fast: every benchmark produced its rows, the preview made
no HTTP request and found no change, the emulator answered every load request with 200, and quick
mode asserted no target. Speed itself lives in ``bench/RESULTS.md``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick_output() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=110
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


def rows(output: str, bench: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(bench)]


def test_every_benchmark_reports(quick_output: str) -> None:
    assert quick_output.startswith("machine: nproc=")
    assert len(rows(quick_output, "1 LRO")) == 6
    assert len(rows(quick_output, "2 preview")) == 2
    assert len(rows(quick_output, "3 cold start")) == 1
    assert len(rows(quick_output, "4 fleet")) == 2
    assert len(rows(quick_output, "5 emulator")) == 5
    assert len(rows(quick_output, "6 provider RSS")) == 1
    assert "Polling schedules, computed" in quick_output


def test_preview_makes_no_request_and_sees_no_change(quick_output: str) -> None:
    for line in rows(quick_output, "2 preview"):
        assert "http requests=0 " in line
        assert "diffs with changes=0 " in line


def test_emulator_answers_every_load_request(quick_output: str) -> None:
    for line in rows(quick_output, "5 emulator"):
        if "clients" in line:
            statuses = re.search(r"statuses=(\S+)", line)
            assert statuses is not None and statuses.group(1).startswith("200:"), line
            assert "," not in statuses.group(1), line


def test_the_fleet_reports_its_devices_beside_its_hubs(quick_output: str) -> None:
    up, destroy = rows(quick_output, "4 fleet")
    assert " devices, " in up and "device create=" in up and "reqs/device=" in up
    assert "device delete=" in destroy and "reqs/device=" in destroy


def test_our_client_and_the_sdk_both_ran(quick_output: str) -> None:
    immediate = [line for line in rows(quick_output, "1 LRO") if "T=0s no Retry-After" in line]
    assert immediate and all("sdk_reqs=n/a" not in line and "ours_reqs=" in line for line in immediate)


def test_quick_mode_asserts_no_target(quick_output: str) -> None:
    assert "target(s) missed" not in quick_output
    assert "| met" not in quick_output and "| MISSED" not in quick_output
