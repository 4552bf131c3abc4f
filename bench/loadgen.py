"""HTTP load generator, run as its own process: ``python -m bench.loadgen --url ... --clients N``.

Each client is one keep-alive HTTP/1.1 connection sending requests back to back for a fixed
time. It is asyncio on raw streams (tens of microseconds per request) so that on a 2-core
machine the server, not the generator, is what saturates. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time
from urllib.parse import urlsplit


def _request_bytes(method: str, host: str, path: str, token: str, body: bytes) -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _body(template: str, path: str) -> bytes:
    """The body for one path: ``{name}`` in the template becomes the path's last segment."""
    name = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return template.replace("{name}", name).encode()


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response; returns its status. Needs Content-Length (no chunked bodies here)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:].strip())
    if length:
        await reader.readexactly(length)
    return status


async def _client(
    host: str,
    port: int,
    requests: list[bytes],
    deadline: float,
    warmup_until: float,
    latencies: list[float],
    statuses: dict[int, int],
    answered: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = 0
    try:
        while True:
            start = time.perf_counter()
            if start >= deadline:
                break
            writer.write(requests[i % len(requests)])
            i += 1
            status = await _read_response(reader)
            end = time.perf_counter()
            answered[0] += 1
            if start >= warmup_until:
                latencies.append(end - start)
                statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _run(args: argparse.Namespace) -> dict[str, object]:
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    paths: list[str] = args.path
    per_client = [
        [
            _request_bytes(args.method, f"{host}:{port}", p, args.token, _body(args.body, p))
            for p in paths[i:] + paths[:i]
        ]
        for i in range(args.clients)
    ]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    answered = [0]
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    now = time.perf_counter()
    warmup_until = now + args.warmup
    deadline = warmup_until + args.duration
    await asyncio.gather(
        *(
            _client(host, port, per_client[i], deadline, warmup_until, latencies, statuses, answered)
            for i in range(args.clients)
        )
    )
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    cpu_used = (cpu_end.ru_utime + cpu_end.ru_stime) - (cpu_start.ru_utime + cpu_start.ru_stime)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

    return {
        "requests": len(latencies),
        "answered": answered[0],  # warm-up included: what the server's CPU time was spent on
        "rps": len(latencies) / args.duration,
        "p50_ms": pct(0.50) * 1000,
        "p99_ms": pct(0.99) * 1000,
        # share of one core the generator itself used: near 1.0 means it, not the server, was the limit
        "generator_cpu": cpu_used / (args.duration + args.warmup),
        "statuses": {str(k): v for k, v in statuses.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="server base URL, http://127.0.0.1:PORT")
    parser.add_argument("--path", action="append", required=True, help="path with query; repeat to rotate")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="", help="request body; {name} = the last segment of the path")
    parser.add_argument("--token", default="")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    print(json.dumps(asyncio.run(_run(args))), flush=True)


if __name__ == "__main__":
    main()
