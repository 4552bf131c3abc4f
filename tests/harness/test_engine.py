"""The harness replays the engine's call sequences faithfully (checked with the sample box/note provider)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime import settings

from harness.engine import EngineSimulator
from harness.errors import CheckFailed, ProviderError
from harness.mocks import EngineMocks
from harness.process import ProviderProcess
from harness.stack import SimulatedStack
from harness.wire import Secret
from tests.harness.sample_provider import TOKEN_PREFIX, Box, Note, Plain

PROJECT = "harness"


@pytest.fixture(scope="module")
def provider() -> Iterator[ProviderProcess]:
    """The sample provider's process (project `harness`), in place of the session's iothub one."""
    with ProviderProcess(project=PROJECT) as process:
        yield process


@pytest.fixture
def stack(provider: ProviderProcess) -> SimulatedStack:
    return SimulatedStack(provider, project=PROJECT, stack="test",
                          config={"sample:zone": "z1", "sample:password": Secret("pw-do-not-print")})


def boxes(directory: Path, *, name: str = "alpha", zone: str = "a", label: str = "one", size: int = 2,
          note: str | None = "hello") -> None:
    box = Box("box", directory=str(directory), name=name, zone=zone, label=label, size=size)
    if note is not None:
        Note("note", directory=str(directory), box_name=box.name, text=note)


def test_start_up_matches_the_engine_handshake(stack: SimulatedStack) -> None:
    assert stack.startup.plugin_version == "0.1.0"
    assert stack.startup.handshake == "UNIMPLEMENTED"
    assert stack.startup.check_config == "UNIMPLEMENTED"
    assert stack.startup.configure.acceptSecrets is False


def test_preview_of_a_new_stack_only_checks(stack: SimulatedStack, tmp_path: Path) -> None:
    run = stack.preview(lambda: boxes(tmp_path))

    assert run.deployment.methods() == [("Check", "box"), ("Check", "note")]
    assert run.deployment.ops() == [("create", "box"), ("create", "note")]
    assert stack.state == {}
    assert list(tmp_path.iterdir()) == []


def test_up_creates_with_float_numbers_and_secret_outputs(stack: SimulatedStack, tmp_path: Path) -> None:
    run = stack.up(lambda: boxes(tmp_path))

    assert run.deployment.methods() == [("Check", "box"), ("Create", "box"),
                                        ("Check", "note"), ("Create", "note")]
    box = stack.resource("box")
    assert json.loads(box.inputs["seen_types"])["size"] == "float"
    assert box.outputs["token"] == TOKEN_PREFIX + "alpha"
    assert "token" in box.secret_outputs and "token" not in box.plain_outputs()
    assert "__provider" in box.secret_outputs
    assert stack.resource("note").property_dependencies["box_name"] == (box.urn,)


def test_no_change_keeps_new_inputs_and_old_outputs(stack: SimulatedStack, tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path))
    stack.resource("box").outputs["marker"] = "kept"

    run = stack.up(lambda: boxes(tmp_path))

    assert run.deployment.ops() == [("same", "box"), ("same", "note")]
    assert run.deployment.methods() == [("Check", "box"), ("Diff", "box"),
                                        ("Check", "note"), ("Diff", "note")]
    assert stack.resource("box").outputs["marker"] == "kept"


def test_preview_of_a_change_never_updates(stack: SimulatedStack, tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path))

    run = stack.preview(lambda: boxes(tmp_path, label="two"))

    assert run.deployment.ops() == [("update", "box"), ("same", "note")]
    assert {m for m, _ in run.deployment.methods()} == {"Check", "Diff"}
    assert stack.resource("box").outputs["label"] == "one"


def test_update_in_place_sends_old_outputs(stack: SimulatedStack, tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path))

    run = stack.up(lambda: boxes(tmp_path, label="two"))

    assert ("Update", "box") in run.deployment.methods()
    assert stack.resource("box").outputs["label"] == "two"
    assert stack.resource("box").outputs["token"] == TOKEN_PREFIX + "alpha"


def test_create_before_delete_replacement_deletes_at_the_end(stack: SimulatedStack, tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path, note=None))
    (tmp_path / "alpha.json").rename(tmp_path / "old.json")  # free the name so the replacement can be created
    stack.resource("box").id = str(tmp_path / "old.json")

    run = stack.up(lambda: boxes(tmp_path, zone="b", note=None))

    assert run.deployment.methods() == [("Check", "box"), ("Diff", "box"), ("Check", "box"),
                                        ("Create", "box"), ("Delete", "box")]
    assert run.deployment.ops() == [("replace", "box"), ("delete-replaced", "box")]
    assert not (tmp_path / "old.json").exists()


def test_delete_before_replace_fans_out_to_dependents(stack: SimulatedStack, tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path))

    run = stack.up(lambda: boxes(tmp_path, name="beta"))

    assert run.deployment.methods() == [
        ("Check", "box"), ("Diff", "box"), ("Check", "box"),
        ("Diff", "note"), ("Delete", "note"), ("Delete", "box"), ("Create", "box"),
        ("Check", "note"), ("Create", "note")]
    assert stack.resource("note").inputs["box_name"] == "beta"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["beta.json", "beta.note.json"]


def test_refresh_sees_drift_and_drops_deleted_resources(stack: SimulatedStack, tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path))
    (tmp_path / "alpha.json").write_text(json.dumps({"label": "edited", "size": 2, "zone": "a"}))
    (tmp_path / "alpha.note.json").unlink()

    run = stack.refresh()

    assert run.methods() == [("Read", "box"), ("Diff", "box"), ("Read", "note")]
    assert run.ops() == [("refresh", "box"), ("drop", "note")]
    assert run.steps[0].detail == "DIFF_SOME"
    assert stack.resource("box").outputs["label"] == "edited"
    assert [res.name for res in stack.state.values()] == ["box"]


def test_removed_resource_is_deleted_after_the_program(stack: SimulatedStack, tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path))

    run = stack.up(lambda: boxes(tmp_path, note=None))

    assert run.deployment.methods()[-1] == ("Delete", "note")
    assert not (tmp_path / "alpha.note.json").exists()


def test_destroy_deletes_dependents_first(stack: SimulatedStack, tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path))

    run = stack.destroy()

    assert run.methods() == [("Delete", "note"), ("Delete", "box")]
    assert stack.state == {} and list(tmp_path.iterdir()) == []


def test_import_fails_as_in_the_engine_but_a_read_by_id_works(stack: SimulatedStack, tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path, note=None))
    box_id = stack.resource("box").id

    with pytest.raises(ProviderError, match="KeyError") as failure:
        stack.up(lambda: Box("box", directory=str(tmp_path), name="alpha",
                             opts=pulumi.ResourceOptions(import_=box_id)))
    assert failure.value.method == "Read"

    def read_existing() -> None:
        boxes(tmp_path, note=None)
        Box("seen", directory=str(tmp_path), name="alpha", opts=pulumi.ResourceOptions(id=box_id))

    run = stack.up(read_existing)
    assert ("read", "seen") in run.deployment.ops()
    assert stack.resource("seen").external and stack.resource("seen").outputs["label"] == "one"
    assert [c.method for c in stack.destroy().calls] == ["Delete"]


def test_check_failures_stop_the_deployment(stack: SimulatedStack, tmp_path: Path) -> None:
    with pytest.raises(CheckFailed, match="name: name is required"):
        stack.up(lambda: boxes(tmp_path, name=""))
    assert stack.state == {}


def test_secret_outputs_reach_the_program_as_secrets(stack: SimulatedStack, tmp_path: Path) -> None:
    def program() -> None:
        box = Box("box", directory=str(tmp_path), name="alpha")
        pulumi.export("token", box.token)
        pulumi.export("label", box.label)

    run = stack.up(program)

    assert run.exports["token"] == Secret(TOKEN_PREFIX + "alpha")
    assert run.exports["label"] == ""
    assert "pw-do-not-print" not in stack.provider.output()
    assert "configured; sample:zone=z1" in stack.provider.output()


def test_a_failed_create_after_delete_before_replace_is_retried_by_the_next_up(stack: SimulatedStack,
                                                                             tmp_path: Path) -> None:
    stack.up(lambda: boxes(tmp_path, note=None))
    (tmp_path / "beta.json").write_text("{}")  # the new name is taken: the create half will fail

    with pytest.raises(ProviderError, match="box beta already exists"):
        stack.up(lambda: boxes(tmp_path, name="beta", note=None))
    assert stack.resource("box").pending_replacement
    assert not (tmp_path / "alpha.json").exists()

    (tmp_path / "beta.json").unlink()
    run = stack.up(lambda: boxes(tmp_path, name="beta", note=None))

    assert run.deployment.methods() == [("Check", "box"), ("Create", "box")]
    assert run.deployment.ops() == [("replace", "box")]
    assert not stack.resource("box").pending_replacement
    assert (tmp_path / "beta.json").exists()


def test_engine_mocks_also_serve_the_sdks_own_mock_monitor(provider: ProviderProcess, tmp_path: Path) -> None:
    engine = EngineSimulator(provider, project=PROJECT, stack="plain")
    engine.begin("up", preview=False)
    settings.reset_options(project=PROJECT, stack="plain", preview=False)
    pulumi.runtime.set_mocks(EngineMocks(engine), project=PROJECT, stack="plain", preview=False)
    seen: list[str] = []

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> pulumi.Output[None]:
        box = Box("box", directory=str(tmp_path), name="plain", label="via-mocks")
        return box.label.apply(seen.append)

    program()
    engine.finish()

    assert seen == ["via-mocks"]
    assert engine.history[-1].methods() == [("Check", "box"), ("Create", "box")]
    assert (tmp_path / "plain.json").exists()


def test_without_a_diff_the_engine_compares_inputs_and_the_default_update_loses_outputs(
        stack: SimulatedStack) -> None:
    stack.up(lambda: Plain("plain", value="a"))

    same = stack.up(lambda: Plain("plain", value="a"))
    changed = stack.up(lambda: Plain("plain", value="b"))

    assert same.deployment.ops() == [("same", "plain")]
    assert changed.deployment.methods() == [("Check", "plain"), ("Diff", "plain"), ("Update", "plain")]
    assert set(stack.resource("plain").outputs) == {"__provider"}  # pulumi/pulumi#7809
