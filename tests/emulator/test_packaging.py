"""The emulator ships as its own package behind an extra: the provider needs no web server, and the old
command line still starts the emulator."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import requires

import pytest

from iothub_emulator.__main__ import parser


def test_importing_the_provider_loads_no_web_server_and_no_emulator() -> None:
    probe = (
        "import sys, iothub_provider, iothub_provider.resources, iothub_provider.client; "
        "print(sorted(m for m in ('iothub_emulator', 'starlette', 'uvicorn', 'h11') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_web_server_and_test_tools_are_extras_not_requirements() -> None:
    plain, extra = set(), {}
    for line in requires("iothub-provider") or []:
        name = re.split(r"[<>=!; \[]", line, maxsplit=1)[0].lower()
        marker = re.search(r"extra == \"(\w+)\"", line)
        if marker:
            extra.setdefault(name, set()).add(marker.group(1))
        else:
            plain.add(name)
    assert plain == {"pulumi", "azure-identity", "requests", "tenacity"}
    assert extra["uvicorn"] == {"emulator"} and "requests" in plain
    assert extra["pyyaml"] == {"dev"} and extra["starlette"] == {"dev"}
    assert "emulator" in extra["iothub-provider"] or "dev" in extra["iothub-provider"]


def test_the_old_command_line_is_an_alias_of_the_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old module's --help in a process of its own is the new command line's (its parser's, read in
    this process: other tests start ``python -m iothub_emulator`` itself)."""
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps to the terminal: the same width on both sides
    old = subprocess.run(
        [sys.executable, "-m", "iothub_provider.emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    new = parser().format_help()
    assert old == new and old.startswith("usage: iothub-emulator")
