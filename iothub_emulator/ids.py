"""Names, resource ids, regions and generated endpoints.

Keys are lower-cased (ARM matches names case-insensitively); the last-written casing is kept for output.
"""

from __future__ import annotations

import email.utils
import hashlib
import uuid
from datetime import datetime, timezone

HUB_TYPE = "Microsoft.Devices/IotHubs"
CONSUMER_GROUP_TYPE = "Microsoft.Devices/IotHubs/EventHubEndpoints/ConsumerGroups"

# normalised name -> (display name, paired region or "")
REGIONS: dict[str, tuple[str, str]] = {
    "eastus": ("East US", "westus"),
    "eastus2": ("East US 2", "centralus"),
    "westus": ("West US", "eastus"),
    "westus2": ("West US 2", "westcentralus"),
    "westus3": ("West US 3", "eastus"),
    "centralus": ("Central US", "eastus2"),
    "northcentralus": ("North Central US", "southcentralus"),
    "southcentralus": ("South Central US", "northcentralus"),
    "westcentralus": ("West Central US", "westus2"),
    "centraluseuap": ("Central US EUAP", "eastus2euap"),
    "eastus2euap": ("East US 2 EUAP", "centraluseuap"),
    "canadacentral": ("Canada Central", "canadaeast"),
    "canadaeast": ("Canada East", "canadacentral"),
    "brazilsouth": ("Brazil South", "southcentralus"),
    "northeurope": ("North Europe", "westeurope"),
    "westeurope": ("West Europe", "northeurope"),
    "uksouth": ("UK South", "ukwest"),
    "ukwest": ("UK West", "uksouth"),
    "francecentral": ("France Central", "francesouth"),
    "germanywestcentral": ("Germany West Central", "germanynorth"),
    "switzerlandnorth": ("Switzerland North", "switzerlandwest"),
    "norwayeast": ("Norway East", "norwaywest"),
    "swedencentral": ("Sweden Central", "swedensouth"),
    "polandcentral": ("Poland Central", ""),
    "italynorth": ("Italy North", ""),
    "eastasia": ("East Asia", "southeastasia"),
    "southeastasia": ("Southeast Asia", "eastasia"),
    "japaneast": ("Japan East", "japanwest"),
    "japanwest": ("Japan West", "japaneast"),
    "koreacentral": ("Korea Central", "koreasouth"),
    "koreasouth": ("Korea South", "koreacentral"),
    "australiaeast": ("Australia East", "australiasoutheast"),
    "australiasoutheast": ("Australia Southeast", "australiaeast"),
    "centralindia": ("Central India", "southindia"),
    "southindia": ("South India", "centralindia"),
    "uaenorth": ("UAE North", "uaecentral"),
    "southafricanorth": ("South Africa North", "southafricawest"),
    "qatarcentral": ("Qatar Central", ""),
}
SUPPORTED_LOCATIONS = ",".join(display for display, _ in REGIONS.values())


def key(name: str) -> str:
    return name.lower()


def normalise_location(location: str) -> str:
    return location.replace(" ", "").lower()


def locations_of(region: str) -> list[dict[str, str]]:
    display, pair = REGIONS.get(region, (region, ""))
    out = [{"location": display, "role": "primary"}]
    if pair:
        out.append({"location": REGIONS.get(pair, (pair, ""))[0], "role": "secondary"})
    return out


def resource_group_id(subscription: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}"


def hub_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{resource_group_id(subscription, resource_group)}/providers/{HUB_TYPE}/{name}"


def consumer_group_id(hub: str, endpoint: str, name: str) -> str:
    return f"{hub}/eventHubEndpoints/{endpoint}/ConsumerGroups/{name}"


def event_hub_endpoint(name: str) -> str:
    """``sb://iothub-ns-<first 10 chars>-<8 digits>-<10 hex>.servicebus.windows.net/``: drawn at random
    when the hub is created and stored with it, so it stays the same for the hub's lifetime."""
    digest = hashlib.sha256(f"{name.lower()}:{uuid.uuid4()}".encode()).hexdigest()
    digits = str(int(digest[:12], 16))[-8:].rjust(8, "0")
    return f"sb://iothub-ns-{name.lower()[:10]}-{digits}-{digest[12:22]}.servicebus.windows.net/"


def rfc1123(moment: float) -> str:
    """``Wed, 02 Dec 2026 07:00:00 GMT`` (consumer groups' ``created``, job times)."""
    return email.utils.formatdate(moment, usegmt=True)


def iso(moment: float) -> str:
    """``2026-12-02T07:00:00.000Z`` (a hub's creation time, certificate stamps)."""
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
