"""The floor for the emulator load benchmark: the emulator's own server stack (its listening socket,
uvicorn configuration and HTTP protocol) answering a trivial endpoint with a small JSON body and no
storage. Run as its own process; prints its URL once it accepts requests, like the emulator's CLI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from iothub_emulator.server import bind, make_server, url_of


async def _trivial(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "Succeeded"})


def app() -> Starlette:
    return Starlette(routes=[Route("/{path:path}", _trivial, methods=["GET", "PUT"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    sock = bind("127.0.0.1", 0)
    server = make_server(app())  # type: ignore[arg-type]

    def announce() -> None:
        while not server.started:
            time.sleep(0.01)
        print(f"ready at {url_of(sock)}", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    main()
