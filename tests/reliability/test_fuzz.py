"""Property-based fuzzing, seeded and short: both providers' check, and the emulator against its spec."""

from __future__ import annotations

from pathlib import Path

from reliability.fuzz import fuzz_check, fuzz_emulator, well_formed_error


def test_check_never_raises_names_properties_and_sends_nothing() -> None:
    figures = fuzz_check(examples=300, seed=3)

    assert figures.problems == []
    assert figures.counts["examples"] == 300
    assert figures.counts["http requests"] == 0
    assert figures.counts["check inputs over gRPC"] > 0
    assert figures.counts["check inputs accepted: hub"] > 0, "no generated hub was valid: a shallow fuzzer"


def test_the_emulator_answers_generated_requests_without_5xx_and_with_error_bodies(specs_dir: Path) -> None:
    figures = fuzz_emulator(examples=300, seed=3, spec_path=specs_dir / "2023-06-30" / "iothub.json")

    assert figures.problems == []
    assert figures.counts["examples"] == 300
    assert figures.counts["emulator answers: 2xx"] > 0


def test_error_body_shapes() -> None:
    assert well_formed_error({"error": {"code": "ResourceNotFound", "message": "gone"}})
    assert well_formed_error({"code": 400016, "httpStatusCode": "BadRequest", "message": "x"})
    assert not well_formed_error({"error": {"code": "", "message": "x"}})
    assert not well_formed_error({"code": "400016", "message": "x"})
    assert not well_formed_error("Internal Server Error")
