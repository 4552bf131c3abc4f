"""Replays the derived shape of recorded Azure traffic against the emulator and lists every difference.

Each data file (``data/*.json``, written by ``mine.py``) is one recorded session: it is replayed in order
with names of our own, each request built from the recorded request's key paths, types and kept values,
and each long-running operation given as many running looks as the recording shows. Each answer is
measured with the same function that measured the recording, so like is compared with like.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from iothub_emulator.control import EmulatorControl
from tests.conformance.mine import LRO_HEADERS, shape

DATA = Path(__file__).parent / "data"

_FAKE_SERVICE_BUS = "Endpoint=sb://replay.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=cmVwbGF5;EntityPath=e"
_FAKE_STORAGE = (
    "DefaultEndpointsProtocol=https;AccountName=replay;AccountKey=cmVwbGF5;EndpointSuffix=core.windows.net"
)
_DEFAULTS = {"string": "", "integer": 1, "number": 1.0, "boolean": False, "null": None}


def data_files() -> list[Path]:
    return sorted(DATA.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@dataclass
class Difference:
    index: int
    operation: str
    problems: list[str] = field(default_factory=list)


def _container(kind: str, value: Any) -> Any:
    return {} if kind == "object" else [] if kind == "array" else value


def _insert(root: dict[str, Any], path: str, kind: str, value: Any) -> None:
    """Put one leaf or container at a dotted path; ``x[]`` is the (single) element of array ``x``."""
    parts = path.split(".")
    node: Any = root
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        is_element = part.endswith("[]")
        name = part[:-2] if is_element else part
        if is_element:
            array = node.setdefault(name, [])
            if last:
                if not array:
                    array.append(_container(kind, value))
                return
            if not array:
                array.append({})
            node = array[0]
            continue
        if last:
            if name not in node or not isinstance(node[name], (dict, list)):
                node[name] = _container(kind, value)
            return
        node = node.setdefault(name, {})


def build_body(request: dict[str, Any], names: dict[str, str]) -> Any:
    """A request body with the recorded key paths and types, the recorded non-secret values, our own
    names, and made-up secrets where the recording had any."""
    types: dict[str, str] = request["types"]
    values: dict[str, Any] = request["values"]
    root: dict[str, Any] = {}
    for path in sorted(types, key=lambda p: (p.count("."), p)):
        kind = types[path]
        leaf = path.rsplit(".", 1)[-1]
        value: Any = _DEFAULTS.get(kind)
        if path in values:
            value = values[path]
            if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
                value = names[value]
        if leaf == "connectionString":
            kind_of = values.get(path, "clear")
            storage = "storage" in path.lower()
            value = "" if kind_of == "empty" else _FAKE_STORAGE if storage else _FAKE_SERVICE_BUS
        if path.startswith("tags.") or path == "tags.*":
            root.setdefault("tags", {})["replay"] = "yes"
            continue
        if path == "etag":
            continue  # a read-only echo of the hub's etag; the emulator ignores it as Azure does
        _insert(root, path, kind, value)
    return root


class Replayer:
    def __init__(
        self, url: str, token: str, control: EmulatorControl, subscription: str, prefix: str
    ) -> None:
        self.url = url
        self.control = control
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.subscription = subscription
        self.prefix = prefix
        self.names: dict[str, str] = {}
        self.operations: dict[str, dict[str, str]] = {}

    def _name(self, placeholder: str) -> str:
        if placeholder not in self.names:
            kind = placeholder.strip("{}").rstrip("0123456789")
            number = placeholder.strip("{}")[len(kind) :]
            self.names[placeholder] = {
                "subscription": self.subscription,
                "resourceGroup": f"rg-{self.prefix}-{number}",
                "hub": f"{self.prefix}-hub-{number}",
                "consumerGroup": f"cg-{number}",
            }.get(kind, placeholder)
        return self.names[placeholder]

    def _url(self, record: dict[str, Any]) -> str:
        path: str = record["path"]
        if "/operationResults/" in path or "/operationresults/" in path:
            operation = next(p for p in path.split("/") if p.startswith("{operation"))
            urls = self.operations[operation]
            via = "location" if record["operation"] == "operation.location" else "azure-asyncoperation"
            return urls[via]
        segments = [self._name(s) if s.startswith("{") else s for s in path.split("/")]
        return f"{self.url}{'/'.join(segments)}?api-version={record['api_version']}"

    def prepare(self, doc: dict[str, Any], location: str) -> None:
        """What a session takes as given: its resource groups (outside Microsoft.Devices), and any hub it
        reads or updates without creating it (a selection from a longer recording), seeded as its first
        recorded GET shows it."""
        for record in doc["interactions"]:
            for segment in record["path"].split("/"):
                if segment.startswith("{resourceGroup") and segment not in self.names:
                    self.control.create_resource_group(self.subscription, self._name(segment), location)
        for record in doc["interactions"]:
            for value in (record.get("request") or {}).get("values", {}).values():
                if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
                    self._name(value)
        hub_paths = {r["path"] for r in doc["interactions"] if r["operation"] in ("hub.put", "hub.get")}
        for path in sorted(hub_paths):
            first = next(r for r in doc["interactions"] if r["path"] == path)
            if first["operation"] == "hub.put":
                continue
            seen = next(r for r in doc["interactions"] if r["path"] == path and r["operation"] == "hub.get")
            self.control.set_provisioning("immediate")
            body = build_body({"types": seen["body"]["types"], "values": seen["body"]["values"]}, self.names)
            seeded = self.session.put(self._url(seen), json=body, timeout=30)
            assert seeded.status_code == 201, seeded.text

    def play(self, record: dict[str, Any]) -> Difference:
        if "looks_while_running" in record:
            looks = record["looks_while_running"]
            self.control.set_provisioning("polls" if looks else "immediate", looks)
        body = None
        if "request" in record:
            for value in record["request"]["values"].values():
                if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
                    self._name(value)
            body = build_body(record["request"], self.names)
        response = self.session.request(record["method"], self._url(record), json=body, timeout=30)
        for header in ("azure-asyncoperation", "location"):
            template = record.get("lro", {}).get(header)
            if template and header in {h.lower() for h in response.headers}:
                operation = next(p for p in template.split("?")[0].split("/") if p.startswith("{operation"))
                self.operations.setdefault(operation, {})[header] = response.headers[header]
        return self.compare(record, response)

    def compare(self, record: dict[str, Any], response: requests.Response) -> Difference:
        found = Difference(record["index"], record["operation"])
        if response.status_code != record["status"]:
            found.problems.append(f"status {response.status_code} (recorded {record['status']})")
        present = sorted(h for h in LRO_HEADERS if h in {k.lower() for k in response.headers})
        for header in sorted(set(present) ^ set(record["headers"])):
            found.problems.append(f"header {header} {'sent' if header in present else 'missing'}")
        recorded = record["body"]
        if not response.content:
            if recorded != "none":
                found.problems.append("body missing")
            return found
        actual = response.json()
        if recorded in ("none", "null"):
            if not (recorded == "null" and actual is None):
                found.problems.append(f"body {type(actual).__name__} (recorded {recorded})")
            return found
        types, values = shape(actual)
        if "properties.properties.name" in values:
            values["properties.properties.name"] = next(
                (p for p, n in self.names.items() if n == values["properties.properties.name"]), "?"
            )
        for path in sorted(set(types) | set(recorded["types"])):
            if path not in types:
                found.problems.append(f"missing {path}")
            elif path not in recorded["types"]:
                found.problems.append(f"extra {path}")
            elif types[path] != recorded["types"][path]:
                found.problems.append(f"type {path} {types[path]} (recorded {recorded['types'][path]})")
        for path, value in recorded["values"].items():
            if path in values and values[path] != value:
                found.problems.append(f"value {path} {values[path]!r} (recorded {value!r})")
        return found


def replay(
    doc: dict[str, Any], url: str, token: str, control: EmulatorControl, subscription: str
) -> list[Difference]:
    prefix = f"rec{zlib.crc32(doc['source']['path'].encode()) % 10_000}"
    player = Replayer(url, token, control, subscription, prefix)
    location = next(
        (r["request"]["values"].get("location") for r in doc["interactions"] if r["operation"] == "hub.put"),
        "westus2",
    )
    player.prepare(doc, str(location).lower())
    return [player.play(record) for record in doc["interactions"]]
