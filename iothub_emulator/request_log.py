"""What clients sent (and what they got), for tests that assert on retries, headers and bodies."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

MAX_ENTRIES = 10_000
_REDACTED = {"authorization"}


_Raw = tuple[str, str, tuple[tuple[str, str], ...], list[tuple[bytes, bytes]], Any, int, str]


class RequestLog:
    """The last ``MAX_ENTRIES`` requests, oldest first. A request is kept as it came (its headers as the
    server read them) and turned into its entry only when the log is read: most requests are never read
    back, and building each entry as it came was a tenth of a request's own cost."""

    def __init__(self) -> None:
        self._entries: deque[_Raw] = deque(maxlen=MAX_ENTRIES)
        self._lock = threading.Lock()

    def record(
        self,
        method: str,
        path: str,
        query: tuple[tuple[str, str], ...],
        raw_headers: list[tuple[bytes, bytes]],
        body: Any,
        status: int,
        request_id: str,
    ) -> None:
        """``query``: the parameters (of a repeated one the last); ``raw_headers``: the ASGI scope's."""
        with self._lock:
            self._entries.append((method, path, query, raw_headers, body, status, request_id))

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            raw = list(self._entries)
        return [_entry(*item) for item in raw]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _entry(
    method: str,
    path: str,
    query: tuple[tuple[str, str], ...],
    raw_headers: list[tuple[bytes, bytes]],
    body: Any,
    status: int,
    request_id: str,
) -> dict[str, Any]:
    # of a repeated header the last, as before
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw_headers}
    safe = {
        k: (
            "Bearer <redacted>"
            if k in _REDACTED and v.lower().startswith("bearer")
            else "<redacted>"
            if k in _REDACTED
            else v
        )
        for k, v in headers.items()
    }
    return {
        "method": method,
        "path": path,
        "query": dict(query),
        "headers": safe,
        "body": body,
        "status": status,
        "request_id": request_id,
    }
