"""What the front door hands a handler (``Call``), what a handler answers (``Reply``), and ``HubPath``, the
hub a path names (the one value the services share with the handlers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NO_BODY: Any = object()
"""Reply body sentinel: send no body at all (``None`` is sent as the JSON literal ``null``)."""


@dataclass
class Reply:
    status: int
    body: Any = NO_BODY
    """A JSON value, ``NO_BODY``, or ``bytes`` already encoded as JSON (sent as they are)."""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """What a handler extracted from the HTTP request."""

    method: str
    path: str
    base_url: str
    api_version: str
    body: Any = None
    if_match: str | None = None
    if_none_match: str | None = None
    skip_token: int = 0
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class HubPath:
    subscription: str
    resource_group: str
    name: str
