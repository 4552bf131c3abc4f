"""Run the emulator: in a background thread for tests (``EmulatorServer``) or in the foreground (CLI).

``EmulatorServer(token=...)`` is a context manager: uvicorn on 127.0.0.1, port 0 = a free port, in-memory
SQLite unless ``data_dir`` is given; ``.url`` ("http://127.0.0.1:PORT"), ``.token`` and ``.control``
(an ``EmulatorControl``) are ready when ``__enter__`` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Generator
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from iothub_emulator.app import TRANSPORT_EXTENSION, EmulatorApp
from iothub_emulator.settings import EmulatorSettings
from iothub_emulator.store import Store

if TYPE_CHECKING:
    from iothub_emulator.control import EmulatorControl


class TransportExposingProtocol(H11Protocol):
    """HTTP/1.1 protocol that hands the app its socket transport, so a ``drop`` fault can abort it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner = self.app

        async def app_with_transport(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_EXTENSION] = self.transport
            await inner(scope, receive, send)

        self.app = app_with_transport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # headers and body go out in two writes; without this, Nagle + delayed ACK cost ~40 ms a request
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[arg-type]


class GracefulServer(uvicorn.Server):
    """uvicorn, but a SIGTERM/SIGINT ends in a normal return (exit code 0) instead of re-raising the signal,
    so the caller's cleanup (closing the store) runs; and a request to exit (``request_exit`` or a signal)
    wakes the main loop at once instead of at its next 0.1 s tick, so a stop takes uvicorn's own shutdown
    and no more (tests start and stop servers by the dozen)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()

    async def main_loop(self) -> None:
        # uvicorn's loop (on_tick every 0.1 s keeps the Date header current), waiting on an event
        # instead of a plain sleep.
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown less its fixed 0.1 s pause after asking the connections to close: an idle
        keep-alive connection closes at once, and one still answering is waited for as uvicorn waits for
        it (``_wait_tasks_to_complete``, up to ``timeout_graceful_shutdown``)."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        await asyncio.sleep(0)  # the closes just requested run first
        try:
            await asyncio.wait_for(self._wait_tasks_to_complete(), self.config.timeout_graceful_shutdown)
        except asyncio.TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()

    def request_exit(self) -> None:
        """Stop serving; callable from any thread."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: it is stopping anyway
                loop.call_soon_threadsafe(wake.set)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self.request_exit()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port (read it back with ``getsockname``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it
    # Nagle and delayed ACKs add ~40 ms to every response on a keep-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def make_server(app: EmulatorApp, *, log_level: str = "warning") -> GracefulServer:
    config = uvicorn.Config(
        app,
        http=TransportExposingProtocol,
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return GracefulServer(config)


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class EmulatorServer:
    """The emulator on loopback in a daemon thread, for tests and embedded use."""

    def __init__(
        self,
        token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | Path | None = None,
        settings: EmulatorSettings | None = None,
        faults: list[dict[str, Any]] | None = None,
        log_level: str = "warning",
    ) -> None:
        self.token = token
        self._host, self._port = host, port
        self._data_dir = data_dir
        self._settings = settings or EmulatorSettings()
        self._faults = list(faults or [])
        self._log_level = log_level
        self._server: GracefulServer | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self.app: EmulatorApp | None = None
        self.url = ""
        self.control: EmulatorControl

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self._store = Store.in_data_dir(self._data_dir) if self._data_dir is not None else Store(":memory:")
        self.app = EmulatorApp(self._store, self.token, self._settings, self._faults)
        sock = bind(self._host, self._port)
        self.url = url_of(sock)
        self._server = make_server(self.app, log_level=self._log_level)
        server = self._server

        def run() -> None:
            asyncio.run(server.serve(sockets=[sock]))

        self._thread = threading.Thread(target=run, name="iothub-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the iothub emulator did not start")
            time.sleep(0.01)
        from iothub_emulator.control import EmulatorControl  # requests: not needed to serve

        self.control = EmulatorControl(self.url, self.token)

    def stop(self) -> None:
        if self._server is not None:
            self._server.request_exit()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._store is not None:
            self._store.close()
        self._server = self._thread = self._store = None
