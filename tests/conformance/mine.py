"""Derive the shape of recorded Azure IoT Hub resource-provider traffic, for the conformance suite.

Public test recordings of real Azure traffic (made by Microsoft's own SDK and CLI test suites) are the
evidence of what the service answers. This script reads such a recording and writes down only what is
derived from each ``Microsoft.Devices`` interaction: method, path template, api-version, status,
which long-running-operation headers were present, the key paths and JSON types of the request and
response bodies, the values of a fixed set of non-secret fields (states, codes, counts, SKU, region),
the error code, and how many looks at a long-running operation saw it running. Whole bodies, names,
ids, keys and connection-string secrets are never written.

Three recording formats are read:

* VCR YAML (azure-sdk-for-python, azure-cli): ``interactions[].request/response``;
* Azure.Core SessionRecords JSON (azure-sdk-for-net Azure.ResourceManager.*): ``Entries[]`` with
  object bodies and string headers;
* Microsoft.Rest SessionRecords JSON (azure-sdk-for-net Microsoft.Azure.Management.*): ``Entries[]``
  with string bodies and list-valued headers.

Usage (the data files name the repository, commit and path each was derived from)::

    python -m tests.conformance.mine RECORDING --repository OWNER/NAME --path PATH --commit SHA \
        --recorded YYYY-MM-DD [--limit N] [--note TEXT ...] > tests/conformance/data/NAME.json

    python -m tests.conformance.mine RECORDING --check tests/conformance/data/NAME.json

The second form re-derives a stored file's interactions from the recording it names and says whether
they are the same (exit status 0) or from which interaction on they differ (1).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

LRO_HEADERS = ("azure-asyncoperation", "location", "retry-after", "etag")
"""The response headers whose presence is recorded (their values are opaque or per-response)."""

_PLACEHOLDER_SEGMENTS = {
    "subscriptions": "subscription",
    "resourcegroups": "resourceGroup",
    "iothubs": "hub",
    "consumergroups": "consumerGroup",
    "operationresults": "operation",
    "locations": "location",
    "iothubkeys": "keyName",
    "jobs": "job",
    "certificates": "certificate",
}
"""Path segments whose following segment is a name: replaced by a numbered placeholder per file."""

_KEPT_STRING_KEYS = frozenset(
    {
        "status",
        "state",
        "provisioningState",
        "httpStatusCode",
        "reason",
        "tier",
        "features",
        "role",
        "source",
        "condition",
        "type",
        "location",
        "scaleType",
        "resourceType",
        "minTlsVersion",
        "publicNetworkAccess",
        "authenticationType",
        "encoding",
    }
)
"""String fields whose values are kept: states, enums, regions. Everything else keeps only its type."""

_NAME_VALUE_PATHS = {
    "name": "hub",  # checkNameAvailability request
    "properties.name": "consumerGroup",  # consumer-group PUT body
    "properties.properties.name": "consumerGroup",  # consumer-group PUT response
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _connection_string_kind(value: str) -> str:
    if not value:
        return "empty"
    if re.search(r"(SharedAccessKey|AccountKey)=\*{4}(;|$)", value, re.IGNORECASE):
        return "masked"
    if value.lower() == "sanitized":
        return "sanitized-by-recorder"
    return "clear"


class Names:
    """Numbered placeholders for the names a recording uses, so a replay can map them to its own."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], str] = {}
        self._count: dict[str, int] = {}

    def placeholder(self, kind: str, name: str) -> str:
        if kind == "consumerGroup" and name.lower() in ("$default", "%24default"):
            return "$Default"
        key = (kind, name.lower())
        if key not in self._seen:
            self._count[kind] = self._count.get(kind, 0) + 1
            self._seen[key] = "{" + f"{kind}{self._count[kind]}" + "}"
        return self._seen[key]


def template(path: str, names: Names) -> str:
    segments = path.split("/")
    out: list[str] = []
    expect: str | None = None
    for segment in segments:
        if expect is not None:
            out.append(names.placeholder(expect, segment))
            expect = None
            continue
        out.append(segment)
        expect = _PLACEHOLDER_SEGMENTS.get(segment.lower())
        if expect == "location" and "operationresults" not in path.lower():
            expect = None  # only the region of an operation URL is a name here
    return "/".join(out)


def shape(body: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """(key path -> JSON type, key path -> kept value) of a JSON body; ``[]`` marks array elements."""
    types: dict[str, str] = {}
    values: dict[str, Any] = {}

    def walk(value: Any, path: str) -> None:
        kind = _json_type(value)
        if path:
            previous = types.get(path)
            types[path] = kind if previous in (None, kind) else "mixed"
        leaf = path.rsplit(".", 1)[-1].rstrip("[]")
        if kind == "object":
            dynamic = leaf == "tags"
            for name, child in value.items():
                walk(child, f"{path}.{'*' if dynamic else name}" if path else name)
        elif kind == "array":
            for child in value:
                walk(child, f"{path}[]")
        elif leaf == "connectionString" and isinstance(value, str):
            values[path] = _connection_string_kind(value)
        elif leaf == "id" and isinstance(value, str) and "/consumergroups/" in value.lower():
            tail = value.rsplit("/", 1)[1]  # how $Default is spelled in an id; other names are not kept
            values[path] = tail if tail.lower() in ("$default", "%24default") else "{name}"
        elif kind in ("boolean", "integer", "number", "null"):
            if not path.startswith("tags"):
                values[path] = value
        elif kind == "string" and (
            (leaf in _KEPT_STRING_KEYS and path != "name") or leaf.endswith("AsIso8601") or path == "sku.name"
        ):
            values[path] = value

    walk(body, "")
    return types, values


def _error(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    inner = body.get("error") if isinstance(body.get("error"), dict) else body
    if "code" not in inner or "message" not in inner:
        return None
    message = str(inner.get("message") or "")
    summary = message.split(" If you contact a support representative")[0]
    return {"envelope": "error" in body, "code": inner["code"], "message": summary[:200]}


def _parse_body(raw: Any) -> Any:
    if isinstance(raw, dict) and "string" in raw:  # VCR
        raw = raw["string"]
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return {"$text": "non-JSON body"}
    return raw


def _headers(raw: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in (raw or {}).items():
        out[name.lower()] = str(value[0] if isinstance(value, list) and value else value)
    return out


def _selected(item: dict[str, Any], select: tuple[str, str] | None) -> bool:
    """Whether a VCR interaction was made by the given azure-cli command and parameter set."""
    if select is None:
        return True
    headers = _headers(item["request"].get("headers"))
    return (headers.get("commandname"), headers.get("parametersetname")) == select


def read_recording(path: Path, select: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """Every interaction as {method, uri, request_body, status, headers, body}; with ``select`` (a VCR
    recording of azure-cli), only those one command with one parameter set made, in their order."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        doc = yaml.safe_load(text)
        return [
            {
                "method": item["request"]["method"].upper(),
                "uri": item["request"]["uri"],
                "request_body": _parse_body(item["request"].get("body")),
                "status": int(item["response"]["status"]["code"]),
                "headers": _headers(item["response"].get("headers")),
                "body": _parse_body(item["response"].get("body")),
                "has_body": bool((item["response"].get("body") or {}).get("string")),
            }
            for item in doc["interactions"]
            if _selected(item, select)
        ]
    doc = json.loads(text)
    return [
        {
            "method": entry["RequestMethod"].upper(),
            "uri": entry["RequestUri"],
            "request_body": _parse_body(entry.get("RequestBody")),
            "status": int(entry["StatusCode"]),
            "headers": _headers(entry.get("ResponseHeaders")),
            "body": _parse_body(entry.get("ResponseBody")),
            "has_body": entry.get("ResponseBody") not in (None, ""),
        }
        for entry in doc["Entries"]
    ]


def _operation(method: str, path_template: str, query: dict[str, str]) -> str:
    lower = path_template.lower()
    if "/operationresults/" in lower:
        return "operation.status" if "asyncinfo" in query else "operation.location"
    if lower.endswith("/checknameavailability"):
        return "hub.checkNameAvailability"
    if "/consumergroups" in lower:
        tail = lower.rsplit("/consumergroups", 1)[1]
        if not tail:
            return "consumerGroup.list"
        return f"consumerGroup.{method.lower()}"
    match = re.search(r"/iothubs(/[^/]+)?(/.*)?$", lower)
    if match is None:
        return f"other.{method.lower()}"
    if match.group(1) is None:
        return "hub.list"
    sub = match.group(2) or ""
    if not sub:
        return {"PUT": "hub.put", "GET": "hub.get", "PATCH": "hub.tags", "DELETE": "hub.delete"}.get(
            method, f"hub.{method.lower()}"
        )
    return "hub." + sub.strip("/").split("/")[-1 if sub.endswith("listkeys") else 0].lower()


def derive(interactions: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    names = Names()
    out: list[dict[str, Any]] = []
    for number, item in enumerate(interactions[:limit] if limit else interactions, start=1):
        split = urlsplit(item["uri"])
        if "/providers/microsoft.devices/" not in split.path.lower():
            continue
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        path_template = template(split.path, names)
        record: dict[str, Any] = {
            "index": number,
            "operation": _operation(item["method"], path_template, query),
            "method": item["method"],
            "path": path_template,
            "api_version": query.get("api-version", ""),
        }
        if item["request_body"] is not None:
            request_types, request_values = shape(item["request_body"])
            for value_path, kind in _NAME_VALUE_PATHS.items():
                sent = _dig(item["request_body"], value_path)
                if value_path in request_types and isinstance(sent, str):
                    request_values[value_path] = names.placeholder(kind, sent)
            record["request"] = {"types": request_types, "values": request_values}
        record["status"] = item["status"]
        record["headers"] = sorted(h for h in LRO_HEADERS if h in item["headers"])
        lro = {
            h: template(urlsplit(item["headers"][h]).path, names)
            + "?"
            + "&".join(sorted(k for k, _ in parse_qsl(urlsplit(item["headers"][h]).query, True)))
            for h in ("azure-asyncoperation", "location")
            if h in item["headers"]
        }
        if lro:
            record["lro"] = lro
        body = item["body"]
        if body is None:
            record["body"] = "none" if not item["has_body"] else "null"
        else:
            types, values = shape(body)
            for value_path, kind in _NAME_VALUE_PATHS.items():
                if value_path == "properties.properties.name" and isinstance(_dig(body, value_path), str):
                    values[value_path] = names.placeholder(kind, _dig(body, value_path))
            record["body"] = {"root": _json_type(body), "types": types, "values": values}
            error = _error(body)
            if error is not None:
                record["error"] = error
        out.append(record)
    _count_looks(out)
    return out


def _dig(body: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        body = body.get(part) if isinstance(body, dict) else None
    return body


_TERMINAL = ("Succeeded", "Failed", "Canceled")


def _count_looks(records: list[dict[str, Any]]) -> None:
    """For each interaction that started an operation: how many looks (status polls of it, GETs of the
    hub) saw it running before the first look that saw it end. A replay needs that many to match."""
    for position, record in enumerate(records):
        if "azure-asyncoperation" not in record.get("lro", {}):
            continue
        operation = record["lro"]["azure-asyncoperation"].split("?")[0]
        hub_path = record["path"]
        looks = 0
        for later in records[position + 1 :]:
            if later["path"] == operation:
                status = later["body"]["values"].get("status") if isinstance(later["body"], dict) else None
                if later["operation"] == "operation.status" and status not in _TERMINAL:
                    looks += 1
                    continue
                if later["operation"] == "operation.location" and later["status"] == 202:
                    looks += 1
                    continue
                break
            if later["path"] == hub_path and later["method"] == "GET":
                looks += 1
            elif later["path"] == hub_path:
                break  # the next write to the hub: the operation had ended unseen
        record["looks_while_running"] = looks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recording", type=Path)
    parser.add_argument(
        "--check", type=Path, help="re-derive a stored data file from its recording and compare"
    )
    parser.add_argument("--repository")
    parser.add_argument("--path")
    parser.add_argument("--commit")
    parser.add_argument("--recorded", help="the date the traffic was recorded")
    parser.add_argument("--limit", type=int, default=None, help="only the first N interactions")
    parser.add_argument("--note", action="append", default=[])
    parser.add_argument(
        "--select",
        nargs=2,
        metavar=("COMMAND", "PARAMETERS"),
        help="only one azure-cli command's interactions (VCR headers CommandName, ParameterSetName)",
    )
    args = parser.parse_args(argv)
    chosen = args.select
    if args.check is not None and chosen is None:
        chosen = json.loads(args.check.read_text(encoding="utf-8"))["source"].get("select")
    select = (str(chosen[0]), str(chosen[1])) if chosen else None
    interactions = read_recording(args.recording, select)
    if args.check is not None:
        stored = json.loads(args.check.read_text(encoding="utf-8"))
        again = derive(interactions, stored["source"]["limit"])
        if again == stored["interactions"]:
            print(f"{args.check}: reproduced ({len(again)} interactions)")
            return 0
        first = next(
            (i for i, (a, b) in enumerate(zip(again, stored["interactions"], strict=False)) if a != b),
            min(len(again), len(stored["interactions"])),
        )
        print(f"{args.check}: differs from interaction {first + 1} of the derived ones", file=sys.stderr)
        return 1
    missing = [name for name in ("repository", "path", "commit", "recorded") if getattr(args, name) is None]
    if missing:
        parser.error("required without --check: " + ", ".join("--" + m for m in missing))
    doc = {
        "source": {
            "repository": args.repository,
            "path": args.path,
            "commit": args.commit,
            "recorded": args.recorded,
            "interactions_read": min(len(interactions), args.limit or len(interactions)),
            "limit": args.limit,
            **({"select": list(select)} if select else {}),
        },
        "derived_by": "tests/conformance/mine.py",
        "notes": args.note,
        "interactions": derive(interactions, args.limit),
    }
    json.dump(doc, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
