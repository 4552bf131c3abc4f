"""The emulator against recorded Azure traffic: every derived interaction in ``data/`` is replayed.

An interaction is reproduced when the emulator's answer has the recorded status, the recorded set of
long-running-operation headers, the recorded body key paths and JSON types, and the recorded values of
the kept fields (states, codes, counts, SKU, regions, masking). The interactions the emulator does not
reproduce are listed in ``NOT_REPRODUCED`` with the reason; their differences must stay within the listed
kinds, so anything new fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from iothub_emulator.control import EmulatorControl
from iothub_emulator.server import EmulatorServer
from tests.conformance.mine import derive, read_recording, shape
from tests.conformance.mine import main as mine_main
from tests.conformance.replay import DATA, data_files, load, replay
from tests.conftest import SUBSCRIPTION_ID

_OLD_CREATE = (
    "the create responses of 2019 and 2022 carried properties.state and the cloudToDevice defaults; 2023 "
    "recordings (of the same api-version 2021-07-02 and of 2023-06-30-preview) do not: the service changed, "
    "the emulator follows the newest",
    ("cloudToDevice", "properties.state"),
)
_OLD_ROOT_CERTIFICATE = (
    "GET showed rootCertificate: {} in 2022 at api-version 2021-07-02; the 2023 recording of the same "
    "api-version does not, and the emulator follows it",
    ("rootCertificate",),
)
_OLD_UPDATE = (
    "a 2022 update response echoes key material and retired endpoints; the emulator returns no keys "
    "outside listkeys; and once it turned the fallback route off though the request sent it on",
    (
        "authorizationPolicies",
        "operationsMonitoring",
        "cosmosDBSqlCollections",
        "azureDigitalTwinsInstances",
        "sanitized-by-recorder",
        "fallbackRoute.isEnabled",
    ),
)
_EMPTY_PARTITION_IDS = (
    "a 2025 GET lists partitionIds [] for an Active hub with 4 partitions; every other recording lists "
    "0..n-1 and clients read the partition ids there, so the emulator keeps listing them",
    ("partitionIds",),
)
NOT_REPRODUCED: dict[tuple[str, int], tuple[str, tuple[str, ...]]] = {
    ("python-test_iothub.json", 2): _OLD_CREATE,
    ("python-test_iothub_consumer_group.json", 1): _OLD_CREATE,
    ("net-IotHubDescriptionTests-CreateOrUpdate.json", 2): _OLD_CREATE,
    ("net-EventHubConsumerGroupInfoTests-Delete.json", 2): _OLD_CREATE,
    ("net-EventHubConsumerGroupInfoTests-GetAll.json", 2): _OLD_CREATE,
    ("net-IotHubClient_HubUpdate.json", 3): _OLD_CREATE,
    ("net-IotHubDescriptionTests-CreateOrUpdate.json", 14): _OLD_ROOT_CERTIFICATE,
    ("net-EventHubConsumerGroupInfoTests-Delete.json", 14): _OLD_ROOT_CERTIFICATE,
    ("net-EventHubConsumerGroupInfoTests-GetAll.json", 14): _OLD_ROOT_CERTIFICATE,
    ("net-IotHubClient_HubUpdate.json", 4): _OLD_UPDATE,
    ("net-IotHubClient_HubUpdate.json", 5): _OLD_UPDATE,
    ("cli-test_iot_hub-update.json", 3): _EMPTY_PARTITION_IDS,
    ("cli-test_iot_hub-update.json", 7): _EMPTY_PARTITION_IDS,
    ("python-pyTestMgmtIoTHubtest_iothub.json", 14): (
        "the subscription also held a hub another test made (another region and capacity, routes, "
        "disableLocalAuth, enableDataResidency); the list's element shape is the union of both",
        ("disableLocalAuth", "enableDataResidency", "routing.routes", "value value[]."),
    ),
    ("python-pyTestMgmtIoTHubtest_iothub.json", 19): (
        "this delete (2023-02) answered Retry-After: 15; the newest (2023-09) did not, nor does the emulator "
        "unless configured",
        ("retry-after",),
    ),
    ("python-pyTestMgmtIoTHubtest_iothub.json", 20): (
        "this delete's first poll answered Pending; the newest answered Running, as the emulator does",
        ("'Pending'",),
    ),
}
"""(data file, interaction index) -> (why, the words every remaining difference must contain one of)."""

RECORDED = 124
REPRODUCED = 108
"""The README's emulator section states these two numbers; they change only with the data or the emulator."""


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.stem)
def test_recorded_session_replays(path: Path, emulator: EmulatorServer, control: EmulatorControl) -> None:
    differences = replay(load(path), emulator.url, emulator.token, control, SUBSCRIPTION_ID)
    unexpected: list[str] = []
    for found in differences:
        known = NOT_REPRODUCED.get((path.name, found.index))
        if known is None:
            unexpected += [f"#{found.index} {found.operation}: {p}" for p in found.problems]
            continue
        assert found.problems, f"#{found.index} is reproduced now: take it out of NOT_REPRODUCED"
        words = known[1]
        unexpected += [
            f"#{found.index} {found.operation}: {p}" for p in found.problems if not any(w in p for w in words)
        ]
    assert unexpected == []


def test_the_counts_the_readme_states() -> None:
    total = sum(len(load(path)["interactions"]) for path in data_files())
    assert (total, total - len(NOT_REPRODUCED)) == (RECORDED, REPRODUCED)
    files = {path.name for path in data_files()}
    assert {name for name, _ in NOT_REPRODUCED} <= files


def test_every_data_file_names_its_source_and_holds_no_secret() -> None:
    for path in data_files():
        doc = load(path)
        source = doc["source"]
        assert source["repository"].startswith("Azure/") and source["path"] and len(source["commit"]) == 40
        text = path.read_text(encoding="utf-8")
        clear_key = re.search(r"(SharedAccessKey|AccountKey)=(?!\*{4})", text)  # a mask is no key
        assert clear_key is None, (path.name, clear_key)
        values = [
            value
            for record in doc["interactions"]
            for part in (
                record.get("request") or {},
                record["body"] if isinstance(record["body"], dict) else {},
            )
            for value in part.get("values", {}).values()
        ]
        key_like = [
            v
            for v in values
            if isinstance(v, str)
            and re.fullmatch(r"[A-Za-z0-9+/]{20,}={0,2}", v)
            and re.search(r"[0-9+/=]", v)  # a base64 key, not a long enum word
        ]
        assert key_like == [], path.name


def test_the_miner_keeps_shapes_and_drops_secrets(tmp_path: Path) -> None:
    """A hand-made recording in the SessionRecords format: what the miner writes, and what it never does."""
    key = "c2VjcmV0LWtleS12YWx1ZS10aGF0LW11c3Qtbm90LWxlYWs="
    recording = {
        "Entries": [
            {
                "RequestUri": "https://management.azure.com/subscriptions/s1/resourceGroups/g1/providers/"
                "Microsoft.Devices/IotHubs/hub-one?api-version=2023-06-30",
                "RequestMethod": "GET",
                "RequestBody": None,
                "StatusCode": 200,
                "ResponseHeaders": {"ETag": "x"},
                "ResponseBody": {
                    "name": "hub-one",
                    "tags": {"owner": "someone"},
                    "properties": {
                        "state": "Active",
                        "routing": {
                            "endpoints": {
                                "eventHubs": [
                                    {
                                        "name": "e",
                                        "connectionString": f"Endpoint=sb://n/;SharedAccessKey={key}",
                                    },
                                    {
                                        "name": "m",
                                        "connectionString": "Endpoint=sb://n/;SharedAccessKey=****",
                                    },
                                ]
                            }
                        },
                    },
                    "keys": [{"primaryKey": key}],
                },
            }
        ]
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps(recording))
    [record] = derive(read_recording(path), None)
    text = json.dumps(record)
    assert key not in text and "hub-one" not in text and "someone" not in text
    assert record["path"].endswith("/IotHubs/{hub1}") and record["headers"] == ["etag"]
    assert record["body"]["types"]["keys[].primaryKey"] == "string"
    assert record["body"]["types"]["tags.*"] == "string"
    assert record["body"]["values"]["properties.state"] == "Active"
    # two endpoints, one clear and one masked: the element path keeps the last one seen
    assert record["body"]["values"]["properties.routing.endpoints.eventHubs[].connectionString"] == "masked"
    assert shape({"a": [1, "x"]})[0]["a[]"] == "mixed"


def test_data_files_are_what_the_miner_writes() -> None:
    """Each stored file is valid miner output: one record per Microsoft.Devices interaction, in order."""
    for path in data_files():
        doc = load(path)
        indexes = [record["index"] for record in doc["interactions"]]
        assert indexes == sorted(set(indexes)) and indexes[-1] <= doc["source"]["interactions_read"]
        assert doc["derived_by"] == "tests/conformance/mine.py"
        assert all("/providers/Microsoft.Devices/" in record["path"] for record in doc["interactions"])
    assert DATA.is_dir()


def test_the_miner_checks_a_stored_file_against_its_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "r.json"
    entry = {
        "RequestUri": "https://management.azure.com/subscriptions/s/providers/Microsoft.Devices/"
        "checkNameAvailability?api-version=2023-06-30",
        "RequestMethod": "POST",
        "RequestBody": {"name": "some-hub"},
        "StatusCode": 200,
        "ResponseHeaders": {},
        "ResponseBody": {"nameAvailable": True, "reason": "Invalid", "message": None},
    }
    recording.write_text(json.dumps({"Entries": [entry]}))
    args = [
        str(recording),
        "--repository",
        "Azure/x",
        "--path",
        "p",
        "--commit",
        "0" * 40,
        "--recorded",
        "2023",
    ]
    assert mine_main(args) == 0
    stored = tmp_path / "d.json"
    stored.write_text(capsys.readouterr().out)
    assert mine_main([str(recording), "--check", str(stored)]) == 0
    entry["StatusCode"] = 400
    recording.write_text(json.dumps({"Entries": [entry]}))
    assert mine_main([str(recording), "--check", str(stored)]) == 1
