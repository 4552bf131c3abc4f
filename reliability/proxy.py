"""A TCP proxy between the provider and the emulator that can lose responses.

The emulator's own ``drop`` fault closes the connection *before* the request is processed. The harder case is
the opposite: the server did the work (created the hub, changed its etag) and the answer never arrived, so the
client retries a write that already happened. ``LossyProxy`` forwards requests to the emulator and, for the
rules it is given, waits until the emulator starts answering and then cuts both connections instead of
forwarding the answer.

HTTP/1.1 as ``requests`` speaks it (one request at a time per connection, the request line at the start of
the first chunk of each request) is all it needs to understand.
"""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Final
from urllib.parse import urlsplit

_REQUEST_LINE: Final = re.compile(rb"^(GET|PUT|PATCH|POST|DELETE|HEAD) (\S+) HTTP/1\.[01]\r\n")


@dataclass
class LossRule:
    """Lose the response of the next ``count`` requests with this method whose path matches."""

    method: str
    path_regex: str
    count: int = 1
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.fired < self.count and method == self.method
                and re.search(self.path_regex, path, re.IGNORECASE) is not None)


class LossyProxy:
    """Listens on 127.0.0.1 (a free port) and forwards to ``upstream`` (``host``, ``port``)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._rules: list[LossRule] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="lossy-proxy", daemon=True)

    def __enter__(self) -> LossyProxy:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._closed.set()
        self._listener.close()

    def lose(self, method: str, path_regex: str, count: int = 1) -> LossRule:
        rule = LossRule(method, path_regex, count)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> list[LossRule]:
        """Remove every rule; returns them with their ``fired`` counts."""
        with self._lock:
            rules, self._rules = self._rules, []
        return rules

    def _take(self, method: str, path: str) -> bool:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.fired += 1
                    return True
        return False

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream)
        except OSError:
            client.close()
            return
        cut = threading.Event()
        threading.Thread(target=self._answers, args=(server, client, cut), daemon=True).start()
        try:
            while chunk := client.recv(65536):
                found = _REQUEST_LINE.match(chunk)
                if found and self._take(found[1].decode(), found[2].decode().split("?", 1)[0]):
                    cut.set()
                server.sendall(chunk)
        except OSError:
            pass
        finally:
            _close(server)
            _close(client)

    @staticmethod
    def _answers(server: socket.socket, client: socket.socket, cut: threading.Event) -> None:
        try:
            while chunk := server.recv(65536):
                if cut.is_set():  # the emulator did the work and answers: the client never hears it
                    break
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            _close(client)
            _close(server)


def upstream_of(url: str) -> tuple[str, int]:
    """(host, port) of an ``http://host:port`` URL."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
