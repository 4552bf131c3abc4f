"""What clients sent (and what they got), for tests that assert on retries, headers and bodies."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

MAX_ENTRIES = 10_000
_REDACTED = {"authorization"}


class RequestLog:
    def __init__(self) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)
        self._lock = threading.Lock()

    def record(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        status: int,
        request_id: str,
    ) -> None:
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
        entry = {
            "method": method,
            "path": path,
            "query": query,
            "headers": safe,
            "body": body,
            "status": status,
            "request_id": request_id,
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
