"""The floor for the emulator load benchmark: the emulator's own server stack (its listening socket,
uvicorn configuration and HTTP protocol, a plain ASGI application as the emulator is one) answering a
trivial endpoint with a small JSON body and no storage. Run as its own process; prints its URL once it
accepts requests, like the emulator's CLI.

``--starlette`` answers through a Starlette router and ``JSONResponse`` instead: the floor of the figures
measured before the emulator stopped using Starlette (routing and a response object cost the floor a
little, which flattered the ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
import time
from typing import Any

from iothub_emulator.server import bind, make_server, url_of

_BODY = b'{"status":"Succeeded"}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]


async def trivial(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the request body, answers 200 with a constant JSON body (lifespan acknowledged)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False) and message["type"] == "http.request"
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def _trivial(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "Succeeded"})

    return Starlette(routes=[Route("/{path:path}", _trivial, methods=["GET", "PUT"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    parser.add_argument("--starlette", action="store_true", help="the floor of earlier figures (see above)")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    sock = bind("127.0.0.1", 0)
    server = make_server(starlette_app() if args.starlette else trivial)  # type: ignore[arg-type]

    def announce() -> None:
        while not server.started:
            time.sleep(0.01)
        print(f"ready at {url_of(sock)}", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    main()
