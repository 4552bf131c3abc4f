"""Runtime settings: set by CLI flags at start, changed per test through the control API, reset by reset()."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import Any

PROVISIONING_MODES = ("immediate", "polls", "seconds")


@dataclass
class EmulatorSettings:
    """How async operations progress and how lists page.

    provisioning_mode: ``immediate`` (done when accepted), ``polls`` (the first ``provisioning_value``
    polls see it running, the operation is done after them; a poll is a GET of its status URL or of the
    hub, or a write to the hub refused with 409002) or ``seconds`` (done
    ``provisioning_value`` seconds after it was accepted). The choice is stored with each operation,
    so changing it later does not affect operations already running.
    retry_after: seconds sent as ``Retry-After`` on DELETE 202s and Location 202s; None = not sent.
    page_size: items per page of every list (``nextLink`` carries ``$skipToken``).
    """

    provisioning_mode: str = "immediate"
    provisioning_value: float = 0
    retry_after: int | None = None
    page_size: int = 100
    skip_api_version_check: bool = False

    def copy(self) -> EmulatorSettings:
        return copy.deepcopy(self)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def validate(self) -> None:
        expected = {
            "provisioning_value": (int, float),
            "retry_after": (int, type(None)),
            "page_size": (int,),
            "skip_api_version_check": (bool,),
        }
        for name, kinds in expected.items():
            value = getattr(self, name)
            if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
                raise ValueError(f"{name} has the wrong type: {value!r}")
        if self.provisioning_mode not in PROVISIONING_MODES:
            raise ValueError(
                f"provisioning mode must be one of {PROVISIONING_MODES}, got {self.provisioning_mode!r}"
            )
        if self.provisioning_value < 0:
            raise ValueError("provisioning value must be >= 0")
        if self.provisioning_mode == "polls" and int(self.provisioning_value) != self.provisioning_value:
            raise ValueError("provisioning value for mode 'polls' must be a whole number of polls")
        if self.retry_after is not None and self.retry_after < 1:
            raise ValueError("retry_after must be >= 1 second (Retry-After: 0 means 'absent' to azure-core)")
        if self.page_size < 1:
            raise ValueError("page_size must be >= 1")
