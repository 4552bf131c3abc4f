"""What clients sent (and what they got), for tests that assert on retries, headers and bodies."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

MAX_ENTRIES = 10_000
_REDACTED = {"authorization"}


_Raw = tuple[str, str, tuple[tuple[str, str], ...], list[tuple[str, str]], Any, int, str]


class RequestLog:
    """The last ``MAX_ENTRIES`` requests, oldest first. A request is kept as it came (its header items as
    sent) and turned into its entry only when the log is read: most requests are never read back, and
    building each entry as it came was a tenth of a request's own cost."""

    def __init__(self) -> None:
        self._entries: deque[_Raw] = deque(maxlen=MAX_ENTRIES)
        self._lock = threading.Lock()

    def record(
        self,
        method: str,
        path: str,
        query: tuple[tuple[str, str], ...],
        header_items: list[tuple[str, str]],
        body: Any,
        status: int,
        request_id: str,
    ) -> None:
        """``query``: the parameters (of a repeated one the last); ``header_items``: as sent, any case."""
        with self._lock:
            self._entries.append((method, path, query, header_items, body, status, request_id))

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
    header_items: list[tuple[str, str]],
    body: Any,
    status: int,
    request_id: str,
) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in header_items}  # of a repeated header the last, as before
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
