"""ETags: body value, header parsing and the ARM precondition tables.

The body ``etag`` is what IoT Hub sends: base64 of an 8-byte big-endian counter, e.g. ``AAAADH84Jzw=``.
The ``ETag`` response header carries exactly the same string (unquoted, byte-equal to the body) so a
client can use either. Incoming ``If-Match`` values are accepted quoted, unquoted or weak (``W/"..."``).
"""

from __future__ import annotations

import base64
import struct

from iothub_emulator.errors import PreconditionFailed


def encode(counter: int) -> str:
    return base64.b64encode(struct.pack(">Q", counter)).decode("ascii")


def normalise(header: str | None) -> str | None:
    """None for an absent or empty header, else the bare tag (``*`` stays ``*``)."""
    if header is None:
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value or None


def check_put(if_match: str | None, if_none_match: str | None, current: str | None) -> None:
    """PUT table: absent -> 201 unless If-Match; present -> 200 unless If-None-Match * or a stale If-Match."""
    if current is None:
        if if_match is not None:
            raise PreconditionFailed()
        return
    if if_none_match == "*":
        raise PreconditionFailed()
    if if_match is not None and if_match != "*" and if_match != current:
        raise PreconditionFailed()


def check_existing(if_match: str | None, current: str) -> None:
    """PATCH and DELETE on an existing resource: none or ``*`` pass, a value must match."""
    if if_match is not None and if_match != "*" and if_match != current:
        raise PreconditionFailed()
