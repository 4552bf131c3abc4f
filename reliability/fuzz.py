"""Property-based fuzzing with hypothesis: the providers' ``check`` and the emulator against its REST spec.

``check``: generated inputs arrive as the engine sends them (through the wire: numbers as floats, nulls
dropped, unknowns as ``Unknown`` objects), some well-formed and some anything; ``olds`` are empty or a valid
earlier input set. Properties: ``check`` never raises, its inputs serialize as the provider host serializes
them, every failure names a declared property and gives a reason, and no HTTP request reaches the emulator the
provider is configured for. A sample also goes through a real provider process over gRPC.

Emulator: requests generated from the 2023-06-30 spec (every path and method, path parameters that exist or
not, api-versions right or wrong, bodies from the operation's schema, mutated, or not JSON at all).
Properties: never a 5xx, every error body is an ARM envelope or IoT Hub ErrorDetails, every response carries
``x-ms-request-id``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import grpc
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from pulumi.dynamic import CheckResult
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from harness.process import PROJECT_ROOT, ProviderProcess
from harness.wire import UNKNOWN, marshal, provider_string
from iothub_emulator.server import EmulatorServer
from iothub_provider import ConsumerGroupProvider, IotHubProvider
from iothub_provider.client import runtime
from iothub_provider.client.settings import Settings
from iothub_provider.resources import consumer_group
from iothub_provider.resources.hub import ARG_NAMES
from iothub_provider.resources.hub_check import SKU_UNITS
from reliability.figures import Figures
from reliability.lab import GROUP_TYPE, HUB_TYPE, LOCATION, PROJECT, TOKEN, subscription

SPEC: Final = PROJECT_ROOT.parent / "shared" / "specs" / "azure-iothub" / "2023-06-30" / "iothub.json"
HUB_PROPERTIES: Final = frozenset(ARG_NAMES)
GROUP_PROPERTIES: Final = frozenset(consumer_group.INPUT_KEYS)
GRPC_SAMPLE_EVERY: Final = 25
Case = dict[str, Any]

# -- values as they can arrive -------------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.just(UNKNOWN),
    st.integers(-(2**40), 2**40).map(float),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=24),
    st.sampled_from(["", " ", "1.2", "S1", "F1", "westeurope", "PT1H", "10.0.0.0/33", "$default", "events",
                     "Enabled", "None", "DeviceMessages", "SystemAssigned", "a" * 300]),
)


def _nested(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=16)


ANY_VALUE = _nested(_SCALARS)
"""Anything a program can pass, unknowns included."""
JSON_VALUE = _nested(st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40),
                               st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=24)))
"""Anything a JSON body can hold."""


def _or_junk(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, strategy, strategy, ANY_VALUE)


def _shaped(required: Mapping[str, st.SearchStrategy[Any]],
            optional: Mapping[str, st.SearchStrategy[Any]] | None = None) -> st.SearchStrategy[Any]:
    """A dict shaped like the ARM object, each value possibly wrong, extra keys sometimes."""
    base = st.fixed_dictionaries({k: _or_junk(v) for k, v in required.items()},
                                 optional={k: _or_junk(v) for k, v in (optional or {}).items()})
    extra = st.dictionaries(st.text(max_size=10), ANY_VALUE, max_size=2)
    return _or_junk(st.builds(lambda a, b: {**b, **a}, base, st.one_of(st.just({}), extra)))


_NAMES = st.one_of(st.from_regex(r"\A[a-z][a-z0-9-]{1,20}[a-z0-9]\Z"), st.text(max_size=60))
_INTS = st.one_of(st.integers(-3, 300).map(float), st.floats(-5, 50))
_DURATION = st.sampled_from(["PT1H", "P2D", "PT1.5S", "P", "PT", "1H", "P1Y2M3W4DT5H6M7.8S"])
_ENDPOINT = _shaped({"name": _NAMES}, {"connectionString": st.text(max_size=30), "containerName": _NAMES,
                                       "endpointUri": st.text(max_size=20), "authenticationType": _NAMES})
_ROUTE = _shaped({"name": _NAMES, "source": st.sampled_from(["DeviceMessages", "Invalid", "Nope"]),
                  "endpointNames": st.lists(st.sampled_from(["events", "ep1", "x"]), max_size=3),
                  "isEnabled": st.booleans()}, {"condition": st.text(max_size=10)})
_HUB_FIELDS: Final[dict[str, st.SearchStrategy[Any]]] = {
    "resource_group_name": _NAMES,
    "location": st.sampled_from([LOCATION, "West Europe", ""]),
    "sku": _shaped({"name": st.sampled_from([*SKU_UNITS, "S4", "s1"])}, {"capacity": _INTS, "tier": _NAMES}),
    "name": _NAMES,
    "partition_count": _INTS,
    "retention_days": _INTS,
    "tags": st.dictionaries(st.text(max_size=20), _or_junk(st.text(max_size=30)), max_size=5),
    "min_tls_version": st.sampled_from(["1.2", "1.0"]),
    "public_network_access": st.sampled_from(["Enabled", "Disabled", "Off"]),
    "disable_local_auth": st.booleans(),
    "subscription_id": st.sampled_from([subscription(0), "not-a-guid"]),
    "features": st.sampled_from(["None", "DeviceManagement", "All"]),
    "enable_file_upload_notifications": st.booleans(),
    "cloud_to_device": _shaped({}, {"maxDeliveryCount": _INTS, "defaultTtlAsIso8601": _DURATION,
                                    "feedback": _shaped({}, {"lockDurationAsIso8601": _DURATION,
                                                             "ttlAsIso8601": _DURATION,
                                                             "maxDeliveryCount": _INTS})}),
    "routing": _shaped({}, {"endpoints": _shaped({}, {kind: st.lists(_ENDPOINT, max_size=3) for kind in (
        "serviceBusQueues", "serviceBusTopics", "eventHubs", "storageContainers", "cosmosDBSqlContainers")}),
        "routes": st.lists(_ROUTE, max_size=3), "fallbackRoute": _ROUTE,
        "enrichments": st.lists(_shaped({"key": _NAMES, "value": _NAMES,
                                         "endpointNames": st.lists(_NAMES, max_size=2)}), max_size=2)}),
    "ip_filter_rules": st.lists(_shaped({"filterName": _NAMES, "action": st.sampled_from(["Accept", "Reject",
                                                                                         "Allow"]),
                                         "ipMask": st.sampled_from(["10.0.0.0/24", "1.2.3.4", "::1/200",
                                                                    "x"])}), max_size=3),
    "network_rule_sets": _shaped({"applyToBuiltInEventHubEndpoint": st.booleans(),
                                  "ipRules": st.lists(_shaped({"filterName": _NAMES,
                                                               "ipMask": st.text(max_size=18)}), max_size=2)},
                                 {"defaultAction": st.sampled_from(["Deny", "Allow", "Maybe"])}),
    "identity": _shaped({"type": st.sampled_from(["SystemAssigned", "UserAssigned", "None", "Both"])},
                        {"userAssignedIdentities": st.dictionaries(st.text(max_size=30), ANY_VALUE,
                                                                   max_size=2)}),
    "storage_endpoints": _shaped({}, {"$default": _shaped({"connectionString": st.text(max_size=30),
                                                           "containerName": _NAMES},
                                                          {"sasTtlAsIso8601": _DURATION})}),
    "messaging_endpoints": _shaped({}, {"fileNotifications": _shaped({}, {"maxDeliveryCount": _INTS,
                                                                          "ttlAsIso8601": _DURATION})}),
    "adopt": st.booleans(),
    "pulumi_owner": st.sampled_from([f"{PROJECT}/fuzz/hub", "", "x/y/z"]),
}
_GROUP_FIELDS: Final[dict[str, st.SearchStrategy[Any]]] = {
    "resource_group_name": _NAMES,
    "hub_name": _NAMES,
    "name": st.one_of(_NAMES, st.sampled_from(["$Default", "$default", "a.b_c-d"])),
    "event_hub_endpoint_name": st.sampled_from(["events", "operationsMonitoringEvents", ""]),
    "subscription_id": st.sampled_from([subscription(0), "nope"]),
    "adopt": st.booleans(),
}
_VALID_OLDS = {"resource_group_name": "rg-fuzz", "name": "fuzz-hub", "location": LOCATION,
               "sku": {"name": "S1", "capacity": 1.0}, "pulumi_owner": f"{PROJECT}/fuzz/hub"}


def check_cases() -> st.SearchStrategy[tuple[str, Case, Case]]:
    """(kind, olds, news) with values as they may come from a program."""
    anything = st.fixed_dictionaries({}, optional={k: _or_junk(v) for k, v in _HUB_FIELDS.items()})
    core = st.fixed_dictionaries({"resource_group_name": st.just("rg-fuzz"), "location": st.just(LOCATION),
                                  "sku": st.fixed_dictionaries({"name": st.sampled_from(list(SKU_UNITS)),
                                                                "capacity": st.just(1.0)}),
                                  "pulumi_owner": st.just(f"{PROJECT}/fuzz/hub")})
    few = st.lists(st.sampled_from(list(_HUB_FIELDS)), max_size=3, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({k: _HUB_FIELDS[k] for k in keys}))
    hub_news = st.one_of(anything, st.builds(lambda c, extra: {**extra, **c}, core, few))
    group_news = st.one_of(
        st.fixed_dictionaries({}, optional={k: _or_junk(v) for k, v in _GROUP_FIELDS.items()}),
        st.fixed_dictionaries({"resource_group_name": st.just("rg-fuzz"), "hub_name": st.just("fuzz-hub"),
                               "name": st.from_regex(r"\A[A-Za-z0-9._-]{1,50}\Z")},
                              optional={k: _GROUP_FIELDS[k] for k in ("adopt", "subscription_id",
                                                                      "event_hub_endpoint_name")}))
    olds = st.sampled_from([{}, _VALID_OLDS])
    return st.one_of(st.tuples(st.just("hub"), olds, hub_news), st.tuples(st.just("group"), st.just({}),
                                                                          group_news))


def _through_wire(props: Case) -> dict[str, Any]:
    """What the provider host hands ``check``: the engine's encoding, decoded with unknowns kept."""
    decoded = rpc.deserialize_properties(marshal(props, keep_unknowns=True), keep_unknowns=True)
    return dict(decoded)


class CheckFuzzer:
    """Runs generated cases through ``check`` in this process (and a sample over gRPC); records problems."""

    def __init__(self, figures: Figures, provider: ProviderProcess | None) -> None:
        self.figures = figures
        self.provider = provider
        self.providers = {"hub": IotHubProvider(), "group": ConsumerGroupProvider()}
        self.pickled = {kind: provider_string(p) for kind, p in self.providers.items()}
        self.loop = asyncio.new_event_loop()
        self.examples = 0

    def run_case(self, kind: str, olds: Case, news: Case) -> None:
        self.examples += 1
        self.figures.add(f"check inputs: {kind}")
        wire_olds, wire_news = _through_wire(olds), _through_wire({**news, "__provider": self.pickled[kind]})
        result = self.providers[kind].check(wire_olds, wire_news)
        self._check_result(kind, result, wire_news)
        if self.provider is not None and self.examples % GRPC_SAMPLE_EVERY == 0:
            self._over_grpc(kind, olds, news)

    def _check_result(self, kind: str, result: CheckResult, news: dict[str, Any]) -> None:
        allowed = HUB_PROPERTIES if kind == "hub" else GROUP_PROPERTIES
        inputs = dict(result.inputs)
        inputs["__provider"] = news["__provider"]
        self.loop.run_until_complete(rpc.serialize_properties(inputs, {}))  # as the provider host does
        for failure in result.failures or []:
            assert failure.property in allowed, f"failure names {failure.property!r}: {failure.reason}"
            assert isinstance(failure.reason, str) and failure.reason.strip()
            self.figures.add("check failures reported")
        if not result.failures:
            self.figures.add(f"check inputs accepted: {kind}")

    def _over_grpc(self, kind: str, olds: Case, news: Case) -> None:
        assert self.provider is not None
        type_ = HUB_TYPE if kind == "hub" else GROUP_TYPE
        request = provider_pb2.CheckRequest(
            urn=f"urn:pulumi:fuzz::{PROJECT}::{type_}::fuzz", type=type_, name="fuzz",
            olds=marshal(olds), news=marshal({**news, "__provider": self.pickled[kind]}, keep_unknowns=True))
        try:
            response = self.provider.stub.Check(request)
        except grpc.RpcError as exc:
            raise AssertionError(f"Check over gRPC failed: {exc}") from exc
        allowed = HUB_PROPERTIES if kind == "hub" else GROUP_PROPERTIES
        assert all(f.property in allowed for f in response.failures)
        self.figures.add("check inputs over gRPC")


def _run_hypothesis(test: Callable[[], None], figures: Figures, what: str) -> None:
    try:
        test()
    except Exception as exc:  # hypothesis re-raises the (shrunk) failing example
        notes = "\n".join(getattr(exc, "__notes__", []))
        figures.problem(f"{what}: {type(exc).__name__}: {str(exc)[:600]}\n{notes[:1500]}")


def fuzz_check(*, examples: int, seed: int, grpc_sample: bool = True) -> Figures:
    """``examples`` generated inputs through both providers' check; no HTTP request may be made."""
    figures = Figures("fuzz: providers' check")
    figures.counts.update({"exceptions": 0, "http requests": 0})
    with EmulatorServer(token=TOKEN) as emulator:
        runtime.configure(Settings(endpoint=emulator.url, subscription_id=subscription(0),
                                   access_token=TOKEN))
        provider = ProviderProcess(project=PROJECT) if grpc_sample else None
        try:
            if provider is not None:
                provider.start({"iothub:armEndpoint": emulator.url, "iothub:subscriptionId": subscription(0),
                                "iothub:accessToken": TOKEN})
            fuzzer = CheckFuzzer(figures, provider)

            @hypothesis_seed(seed)
            @settings(max_examples=examples, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=check_cases())
            def test(case: tuple[str, Case, Case]) -> None:
                fuzzer.run_case(*case)

            _run_hypothesis(test, figures, "check")
        finally:
            if provider is not None:
                provider.close()
            runtime.reset()
        sent = len(emulator.control.requests())
    figures.counts["examples"] = fuzzer.examples
    figures.counts["http requests"] = sent
    if figures.problems:
        figures.counts["exceptions"] = len(figures.problems)
    if sent:
        figures.problem(f"check sent {sent} HTTP requests")
    return figures


# -- the emulator against its spec ---------------------------------------------------------------------------

class SchemaStrategies:
    """Hypothesis strategies for the spec's JSON schemas (the Swagger 2.0 subset the spec uses)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.definitions: dict[str, Any] = spec.get("definitions", {})

    def for_schema(self, schema: Mapping[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        if depth > 5:
            return JSON_VALUE
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            return self.for_schema(self.definitions.get(ref.rsplit("/", 1)[1], {}), depth + 1)
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        kind = schema.get("type")
        if kind == "object" or "properties" in schema or "allOf" in schema:
            return self._object(schema, depth)
        if kind == "array":
            return st.lists(self.for_schema(schema.get("items", {}), depth + 1), max_size=3)
        if kind == "integer":
            return st.integers(-5, 300)
        if kind == "number":
            return st.floats(-10, 1000)
        if kind == "boolean":
            return st.booleans()
        if kind == "string":
            return st.one_of(st.text(max_size=20), st.sampled_from(["westeurope", "S1", "PT1H", "events"]))
        return JSON_VALUE

    def _object(self, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
        properties: dict[str, Any] = dict(schema.get("properties", {}))
        required = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            resolved = part
            ref = part.get("$ref")
            if isinstance(ref, str):
                resolved = self.definitions.get(ref.rsplit("/", 1)[1], {})
            properties.update(resolved.get("properties", {}))
            required |= set(resolved.get("required", []))
        writable = {k: v for k, v in properties.items() if not v.get("readOnly")}
        return st.fixed_dictionaries(
            {k: self.for_schema(v, depth + 1) for k, v in writable.items() if k in required},
            optional={k: self.for_schema(v, depth + 1) for k, v in writable.items() if k not in required})


_KNOWN_PARAMS: Final = {
    "subscriptionId": [subscription(3)],
    "resourceGroupName": ["rg-fuzz"],
    "resourceName": ["fuzz-hub"],
    "iotHubName": ["fuzz-hub"],
    "eventHubEndpointName": ["events"],
    "name": ["$Default", "readers"],
    "keyName": ["iothubowner"],
}
_PARAM = re.compile(r"\{(\w+)\}")


def emulator_cases(spec: dict[str, Any]) -> st.SearchStrategy[tuple[str, str, str | None, Any]]:
    """(method, path, api-version, body) drawn over every operation of the spec."""
    schemas = SchemaStrategies(spec)
    operations = []
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            body_schema = next((p.get("schema", {}) for p in operation.get("parameters", [])
                                if p.get("in") == "body"), None)
            operations.append((method.upper(), template, body_schema))

    @st.composite
    def case(draw: st.DrawFn) -> tuple[str, str, str | None, Any]:
        method, template, body_schema = draw(st.sampled_from(operations))

        def fill(match: re.Match[str]) -> str:
            known = _KNOWN_PARAMS.get(match[1], ["x"])
            value = draw(st.one_of(st.sampled_from(known), st.sampled_from(known),
                                   st.text(min_size=1, max_size=30)))
            return quote(value, safe="")

        path = _PARAM.sub(fill, template)
        api_version = draw(st.one_of(st.just("2023-06-30"), st.just("2023-06-30"),
                                     st.sampled_from([None, "", "2016-02-03", "2099-01-01", "latest"]),
                                     st.text(max_size=12)))
        if body_schema is None:
            body = draw(st.one_of(st.none(), JSON_VALUE))
        else:
            shaped = schemas.for_schema(body_schema)
            body = draw(st.one_of(shaped, shaped, JSON_VALUE, st.binary(max_size=40)))
        return method, path, api_version, body

    return case()


def well_formed_error(body: Any) -> bool:
    """An ARM envelope ``{"error": {"code": str, "message": str}}`` or IoT Hub ``ErrorDetails``."""
    if not isinstance(body, dict):
        return False
    inner = body.get("error")
    if isinstance(inner, dict):
        return isinstance(inner.get("code"), str) and bool(inner["code"]) and isinstance(inner.get("message"),
                                                                                           str)
    return (isinstance(body.get("code"), int) and isinstance(body.get("httpStatusCode"), str)
            and isinstance(body.get("message"), str))


class EmulatorFuzzer:
    def __init__(self, emulator: EmulatorServer, figures: Figures) -> None:
        self.url = emulator.url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {emulator.token}"
        self.figures = figures
        self.examples = 0

    def send(self, method: str, path: str, api_version: str | None, body: Any) -> None:
        self.examples += 1
        params = {} if api_version is None else {"api-version": api_version}
        data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        response = self.session.request(method, self.url + path, params=params, data=data, headers=headers,
                                        timeout=30)
        self.figures.add(f"emulator answers: {response.status_code // 100}xx")
        assert response.headers.get("x-ms-request-id"), f"{method} {path}: no x-ms-request-id"
        assert response.status_code < 500, f"{method} {path} -> {response.status_code}: {response.text[:300]}"
        if response.status_code >= 400:
            try:
                parsed = response.json()
            except ValueError as exc:
                raise AssertionError(f"{method} {path} -> {response.status_code}: not JSON") from exc
            assert well_formed_error(parsed), f"{method} {path} -> {response.status_code}: {parsed}"


def fuzz_emulator(*, examples: int, seed: int, spec_path: Path = SPEC) -> Figures:
    figures = Figures("fuzz: emulator against its spec")
    if not spec_path.is_file():
        figures.notes.append(f"skipped: the REST spec is not at {spec_path}")
        return figures
    spec = json.loads(spec_path.read_text())
    figures.counts.update({"5xx answers": 0, "malformed error bodies": 0})
    with EmulatorServer(token=TOKEN) as emulator:
        emulator.control.create_resource_group(subscription(3), "rg-fuzz", LOCATION)
        fuzzer = EmulatorFuzzer(emulator, figures)
        hub = f"{emulator.url}/subscriptions/{subscription(3)}/resourceGroups/rg-fuzz/providers/" \
              "Microsoft.Devices/IotHubs/fuzz-hub?api-version=2023-06-30"
        fuzzer.session.put(hub, json={"location": LOCATION, "sku": {"name": "S1", "capacity": 1}}, timeout=30)

        @hypothesis_seed(seed)
        @settings(max_examples=examples, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=emulator_cases(spec))
        def test(case: tuple[str, str, str | None, Any]) -> None:
            fuzzer.send(*case)

        _run_hypothesis(test, figures, "emulator")
    figures.counts["examples"] = fuzzer.examples
    return figures
