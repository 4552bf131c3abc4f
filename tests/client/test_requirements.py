"""The tenacity floor in pyproject.toml admits no release that lacks what the retry policy reads.

``retry.py`` reads attributes of tenacity's ``RetryCallState``; ``upcoming_sleep`` arrived in tenacity 8.3.0
(with 8.2.3 the first retry raises ``AttributeError``, checked by hand when this test was written). The table
below names the release that introduced each attribute the code reads, and the scan of ``retry.py`` makes a
new attribute fail here until someone looks up its release.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]
RETRY_SOURCE = ROOT / "iothub_provider" / "client" / "retry.py"

INTRODUCED_IN = {
    "attempt_number": Version("1.0"),
    "outcome": Version("1.0"),
    "upcoming_sleep": Version("8.3.0"),  # jd/tenacity 99e7482, released in 8.3.0
}
"""The first tenacity release with each ``RetryCallState`` attribute ``retry.py`` reads."""


def declared_floor(name: str) -> Version:
    """The lowest version ``[project] dependencies`` admits for ``name`` (its ``>=`` bound)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        if requirement.name == name:
            floors = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
            assert floors, f"{line!r} has no >= floor"
            return max(floors)
    raise AssertionError(f"{name} is not a dependency")


def call_state_attributes_read() -> set[str]:
    """Attributes read off a ``RetryCallState`` in retry.py (its parameters are all named ``state``)."""
    return set(re.findall(r"\bstate\.(\w+)", RETRY_SOURCE.read_text()))


def test_every_call_state_attribute_the_retry_policy_reads_has_a_known_release() -> None:
    read = call_state_attributes_read()
    assert "upcoming_sleep" in read  # the scan sees the code; an empty scan would prove nothing
    assert read <= set(INTRODUCED_IN), f"look up the tenacity release of {sorted(read - set(INTRODUCED_IN))}"


def test_the_tenacity_floor_has_every_attribute_the_retry_policy_reads() -> None:
    needed = max(INTRODUCED_IN[name] for name in call_state_attributes_read())
    assert declared_floor("tenacity") >= needed == Version("8.3.0")
