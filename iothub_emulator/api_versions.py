"""Which api-versions each route family accepts, and ARM's exact rejection texts."""

from __future__ import annotations

import re

from iothub_emulator.errors import ApiVersionError

# Microsoft.Devices/IotHubs versions (spec folders, azure-mgmt-iothub, azurerm, azure-native, az CLI).
IOTHUB_API_VERSIONS: tuple[str, ...] = (
    "2016-02-03",
    "2017-01-19",
    "2017-07-01",
    "2018-01-22",
    "2018-04-01",
    "2018-12-01-preview",
    "2019-03-22",
    "2019-03-22-preview",
    "2019-07-01-preview",
    "2019-11-04",
    "2020-03-01",
    "2020-04-01",
    "2020-06-15",
    "2020-07-10-preview",
    "2020-08-01",
    "2020-08-31",
    "2020-08-31-preview",
    "2021-02-01-preview",
    "2021-03-03-preview",
    "2021-03-31",
    "2021-07-01",
    "2021-07-01-preview",
    "2021-07-02",
    "2021-07-02-preview",
    "2022-04-30-preview",
    "2022-11-15-preview",
    "2023-06-30",
    "2023-06-30-preview",
    "2025-08-01-preview",
)
DEFAULT_API_VERSION = "2023-06-30"
_WELL_FORMED = re.compile(r"^\d{4}-\d{2}-\d{2}(-(preview|alpha|beta|rc|privatepreview))?$", re.IGNORECASE)

MISSING_MESSAGE = "The api-version query parameter (?api-version=) is required for all requests."


def require(api_version: str | None) -> str:
    if not api_version:
        raise ApiVersionError(MISSING_MESSAGE, code="MissingApiVersionParameter")
    return api_version


def check_well_formed(api_version: str | None) -> str:
    """Resource-group routes (Microsoft.Resources): any well-formed version is accepted."""
    version = require(api_version)
    if not _WELL_FORMED.match(version):
        raise ApiVersionError(
            f"The api-version '{version}' is invalid. The supported versions are '2021-04-01,2020-06-01'.",
            code="InvalidApiVersionParameter",
        )
    return version


def check_iothub(api_version: str | None, location: str, supported_locations: str, skip: bool) -> str:
    version = require(api_version)
    if skip or version.lower() in IOTHUB_API_VERSIONS:
        return version
    raise ApiVersionError(
        f"No registered resource provider found for location '{location}' and API version '{version}' for "
        f"type 'IotHubs'. The supported api-versions are '{', '.join(IOTHUB_API_VERSIONS)}'. "
        f"The supported locations are '{supported_locations}'.",
        code="NoRegisteredProviderFound",
    )


def _order(version: str) -> tuple[str, int]:
    """Release order: by date, a preview before the stable version of the same date."""
    return version[:10], 0 if len(version) > 10 else 1


def since(version: str, first: str) -> bool:
    """Whether ``version`` is ``first`` or a later api-version (unknown spellings compare by date)."""
    return _order(version.lower()) >= _order(first)


def before(version: str, first: str) -> bool:
    return not since(version, first)
