"""A tiny dynamic provider that keeps "boxes" and their "notes" as JSON files, to test the harness itself.

It behaves like a well-made provider (explicit diffs, outputs that echo inputs, read that notices deletion)
so the harness's sequences can be checked without Azure or the emulator. Importable from the project root,
as the engine requires, and free of import-time side effects.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

TOKEN_PREFIX = "box-token-"


def _public(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if not k.startswith("__")}


def _changed(olds: dict[str, Any], news: dict[str, Any], key: str) -> bool:
    return isinstance(news.get(key), Unknown) or olds.get(key) != news.get(key)


class BoxProvider(ResourceProvider):
    """Boxes: `name` and `zone` are immutable (name kept on replace, so delete it first); `label` and `size`
    update in place; `token` is a computed secret."""

    def configure(self, req: ConfigureRequest) -> None:
        print(f"configured; sample:zone={req.config.get('sample:zone')}", file=sys.stderr)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [] if news.get("name") else [CheckFailure("name", "name is required")]
        types = {k: type(v).__name__ for k, v in news.items() if not k.startswith("__")}
        return CheckResult({**news, "seen_types": json.dumps(types, sort_keys=True)}, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in ("name", "zone") if _changed(olds, news, k)]
        changed = bool(replaces) or any(_changed(olds, news, k) for k in ("label", "size", "directory"))
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace="name" in replaces)

    def create(self, props: dict[str, Any]) -> CreateResult:
        path = Path(props["directory"]) / f"{props['name']}.json"
        if path.exists():
            raise RuntimeError(f"box {props['name']} already exists")
        record = {"label": props.get("label", ""), "size": int(props.get("size", 1)), "zone": props["zone"]}
        path.write_text(json.dumps(record))
        return CreateResult(str(path), {**_public(props), **record, "token": TOKEN_PREFIX + props["name"],
                                        "path": str(path)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = Path(id_)
        if not path.exists():
            return ReadResult("", {})
        return ReadResult(id_, {**props, **json.loads(path.read_text())})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        record = {"label": news.get("label", ""), "size": int(news.get("size", 1)), "zone": news["zone"]}
        Path(id_).write_text(json.dumps(record))
        return UpdateResult({**_public(olds), **_public(news), **record})

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        Path(id_).unlink(missing_ok=True)


class NoteProvider(ResourceProvider):
    """Notes live in a box: changing (or not yet knowing) `box_name` replaces the note."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in ("box_name", "directory") if _changed(olds, news, k)]
        return DiffResult(changes=bool(replaces) or _changed(olds, news, "text"), replaces=replaces)

    def create(self, props: dict[str, Any]) -> CreateResult:
        directory = Path(props["directory"])
        if not (directory / f"{props['box_name']}.json").exists():
            raise RuntimeError(f"box {props['box_name']} does not exist")
        path = directory / f"{props['box_name']}.note.json"
        path.write_text(json.dumps({"text": props["text"]}))
        return CreateResult(str(path), _public(props))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        Path(id_).write_text(json.dumps({"text": news["text"]}))
        return UpdateResult({**_public(olds), **_public(news)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props) if Path(id_).exists() else ReadResult("", {})

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        Path(id_).unlink(missing_ok=True)


class PlainProvider(ResourceProvider):
    """Implements only create, as many hand-written providers do: the engine diffs inputs itself."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"plain-{props['value']}", {**_public(props), "computed": "yes"})


class Plain(Resource, module="sample", name="Plain"):
    computed: pulumi.Output[str]

    def __init__(self, resource_name: str, *, value: pulumi.Input[str]) -> None:
        super().__init__(PlainProvider(), resource_name, {"value": value, "computed": None})


class Box(Resource, module="sample", name="Box"):
    name: pulumi.Output[str]
    label: pulumi.Output[str]
    size: pulumi.Output[float]
    token: pulumi.Output[str]
    path: pulumi.Output[str]
    seen_types: pulumi.Output[str]

    def __init__(self, resource_name: str, *, directory: pulumi.Input[str], name: pulumi.Input[str],
                 zone: pulumi.Input[str] = "a", label: pulumi.Input[str] | None = None,
                 size: pulumi.Input[int] | None = None, opts: pulumi.ResourceOptions | None = None) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        props = {"directory": directory, "name": name, "zone": zone, "label": label, "size": size,
                 "token": None, "path": None, "seen_types": None}
        super().__init__(BoxProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret, opts))


class Note(Resource, module="sample", name="Note"):
    text: pulumi.Output[str]

    def __init__(self, resource_name: str, *, directory: pulumi.Input[str], box_name: pulumi.Input[str],
                 text: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"directory": directory, "box_name": box_name, "text": text}
        super().__init__(NoteProvider(), resource_name, props, opts)
