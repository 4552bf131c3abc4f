"""A minimal engine: launches ``python -m pulumi.dynamic`` and speaks its gRPC protocol.

It does what the Pulumi engine does before and during a deployment (port handshake on stdout,
GetPluginInfo, Configure with the stack config, then Check/Diff/Create/Delete with numbers as
floats and nulls dropped), so the timings include the real serialisation and gRPC costs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from google.protobuf.json_format import MessageToDict
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

PROJECT_DIR = Path(__file__).resolve().parents[1]
PROJECT = "iothub-bench"
PROVIDER_KEY = "__provider"


def provider_string(provider: object) -> str:
    """The pickled provider exactly as ``pulumi.dynamic.Resource`` stores it in state."""
    text, _ = _serialize(True, serialize_provider, provider)
    return str(text)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value if v is not None]
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"cannot marshal {type(value).__name__}")


def marshal(props: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(_plain(props))
    return s


def unmarshal(s: struct_pb2.Struct) -> dict[str, Any]:
    return dict(MessageToDict(s))


def urn(name: str, type_name: str) -> str:
    return f"urn:pulumi:bench::{PROJECT}::{type_name}::{name}"


class ProviderProcess:
    """One ``python -m pulumi.dynamic`` process; ``spawned_at`` is the monotonic time of the spawn."""

    def __init__(self, env: Mapping[str, str] | None = None, cwd: Path = PROJECT_DIR) -> None:
        full_env = dict(os.environ, PULUMI_PROJECT=PROJECT, PULUMI_CONFIG="{}")
        full_env.update(env or {})
        self.spawned_at = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:1"],
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit():
            self.proc.kill()
            err = self.proc.stderr.read().decode()
            raise RuntimeError(f"provider process did not print its port: {line!r} {err[-2000:]}")
        self.port = int(line)
        self.stderr_lines: list[str] = []
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._pump, args=(stream,), daemon=True).start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _pump(self, stream: Any) -> None:
        for raw in iter(stream.readline, b""):
            self.stderr_lines.append(raw.decode(errors="replace").rstrip())

    def configure(self, config: Mapping[str, Any]) -> None:
        """GetPluginInfo then Configure with all stack config, as the engine does first."""
        self.stub.GetPluginInfo(empty_pb2.Empty())
        self.stub.Configure(
            provider_pb2.ConfigureRequest(
                args=marshal(config),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
                type="pulumi:providers:pulumi-python",
                name="default",
                urn=urn("default", "pulumi:providers:pulumi-python"),
                id="00000000-0000-0000-0000-000000000000",
            )
        )

    def check(self, res_urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        resp = self.stub.Check(provider_pb2.CheckRequest(urn=res_urn, olds=marshal(olds), news=marshal(news)))
        if resp.failures:
            raise RuntimeError(
                f"Check failed for {res_urn}: {[(f.property, f.reason) for f in resp.failures]}"
            )
        return unmarshal(resp.inputs)

    def diff(
        self,
        res_id: str,
        res_urn: str,
        old_outputs: Mapping[str, Any],
        old_inputs: Mapping[str, Any],
        news: Mapping[str, Any],
    ) -> Any:
        """The DiffResponse (``changes`` is DIFF_NONE, DIFF_SOME or DIFF_UNKNOWN)."""
        return self.stub.Diff(
            provider_pb2.DiffRequest(
                id=res_id,
                urn=res_urn,
                olds=marshal(old_outputs),
                old_inputs=marshal(old_inputs),
                news=marshal(news),
            )
        )

    def create(self, res_urn: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        resp = self.stub.Create(
            provider_pb2.CreateRequest(urn=res_urn, properties=marshal(inputs), timeout=3600)
        )
        return resp.id, unmarshal(resp.properties)

    def delete(
        self, res_id: str, res_urn: str, outputs: Mapping[str, Any], old_inputs: Mapping[str, Any]
    ) -> None:
        self.stub.Delete(
            provider_pb2.DeleteRequest(
                id=res_id,
                urn=res_urn,
                properties=marshal(outputs),
                old_inputs=marshal(old_inputs),
                timeout=3600,
            )
        )

    def close(self) -> None:
        self.channel.close()
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def __enter__(self) -> ProviderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
