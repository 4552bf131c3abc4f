"""Import/export jobs of a hub's registry, one list shared by ARM (``exportDevices``/``importDevices``,
``jobs``) and the service API (``POST /jobs/create``, ``GET /jobs/{id}``).

An export snapshots the registry as it is when the job is created: one ExportImportDevice JSON per line
(``devices.txt``), keys null when the request excludes them. The job is ``enqueued`` until
``EXPORT_SECONDS`` of the emulator's clock have passed, then ``completed`` (recorded: enqueued, then
completed with ``endTimeUtc`` 1.5 s after ``startTimeUtc``); no blob storage exists locally, so the output
is read back through the control API. An import job (ARM only) completes at once and changes nothing: the
emulator has no blob to read it from.

Stored job documents keep times as epoch seconds; ``device_rendering`` renders them for either API. Job
documents written by schema 1 (ARM shape, completed) are returned as stored.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from iothub_emulator import core, errors
from iothub_emulator.core import Env
from iothub_emulator.device_rendering import export_line, job_done
from iothub_emulator.devices import existing_service_hub
from iothub_emulator.errors import BadRequest, NotFound
from iothub_emulator.operations import Operations
from iothub_emulator.service_errors import ArgumentInvalid, JobNotFound
from iothub_emulator.store import Tx
from iothub_emulator.wire import HubPath

EXPORT_SECONDS = 2.0
EXPORT_BLOB = "devices.txt"


@dataclass(frozen=True)
class JobOutput:
    hub: str
    job_id: str
    blob: str
    content: str

    def devices(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.content.splitlines() if line.strip()]


class DeviceJobs:
    def __init__(self, env: Env, ops: Operations) -> None:
        self.clock = env.clock
        self.ops = ops

    def _export(self, tx: Tx, hub_key: str, output_uri: str, exclude_keys: bool) -> dict[str, Any]:
        now = self.clock.now()
        job_id = str(uuid.uuid4())
        lines = []
        for record in tx.devices(hub_key):
            twin = tx.twin(hub_key, record["deviceId"]) or {}
            lines.append(json.dumps(export_line(record, twin, exclude_keys), separators=(",", ":")))
        tx.save_job_output(hub_key, job_id, EXPORT_BLOB, "".join(line + "\n" for line in lines))
        job = {
            "jobId": job_id,
            "type": "export",
            "start": now,
            "due": now + EXPORT_SECONDS,
            "outputBlobContainerUri": output_uri,
            "excludeKeysInExport": exclude_keys,
        }
        tx.save_job(hub_key, job_id, job)
        return job

    # ARM.
    def start_arm(self, ref: HubPath, job_type: str, body: Any) -> dict[str, Any]:
        """``exportDevices`` / ``importDevices``: the hub must be Active, the request's two fields given."""
        required = (
            ("exportBlobContainerUri", "excludeKeys")
            if job_type == "export"
            else ("inputBlobContainerUri", "outputBlobContainerUri")
        )
        fields = body if isinstance(body, dict) else {}
        missing = [name for name in required if fields.get(name) in (None, "")]
        with self.ops.hub_write(ref) as tx:
            hub = core.existing_hub(tx, ref)
            if missing:
                raise BadRequest(
                    f"{', '.join(missing)} is required for {job_type}Devices", code=errors.INVALID_BODY
                )
            core.require_active(hub)
            if job_type == "export":
                return self._export(
                    tx, hub["name_key"], str(fields["exportBlobContainerUri"]), bool(fields["excludeKeys"])
                )
            now, job_id = self.clock.now(), str(uuid.uuid4())
            job: dict[str, Any] = {
                "jobId": job_id,
                "type": "import",
                "start": now,
                "due": now,
                "inputBlobContainerUri": str(fields["inputBlobContainerUri"]),
                "outputBlobContainerUri": str(fields["outputBlobContainerUri"]),
            }
            tx.save_job(hub["name_key"], job_id, job)
            return job

    def arm_jobs(self, ref: HubPath) -> list[dict[str, Any]]:
        with self.ops.settled_read() as tx:
            return tx.jobs(core.existing_hub(tx, ref)["name_key"])

    def arm_job(self, ref: HubPath, job_id: str) -> dict[str, Any]:
        with self.ops.settled_read() as tx:
            hub = core.existing_hub(tx, ref)
            job = tx.job(hub["name_key"], job_id)
        if job is None:
            raise NotFound(
                f"Job '{job_id}' was not found on IotHub '{hub['name']}'", code=errors.JOB_NOT_FOUND
            )
        return job

    # Service API.
    def start_service(self, hub_key: str, body: Any) -> dict[str, Any]:
        """``POST /jobs/create``: export jobs only (an import needs a blob the emulator cannot read)."""
        if not isinstance(body, dict):
            raise ArgumentInvalid("The request body must be a job JSON object")
        job_type = body.get("type")
        if job_type == "import":
            raise ArgumentInvalid(
                "Import jobs are not emulated: there is no blob storage to read devices from"
            )
        if job_type != "export":
            raise ArgumentInvalid("type must be 'export'")
        output_uri = body.get("outputBlobContainerUri")
        if not isinstance(output_uri, str) or not output_uri:
            raise ArgumentInvalid("outputBlobContainerUri is required for an export job")
        exclude = body.get("excludeKeysInExport", False)
        if not isinstance(exclude, bool):
            raise ArgumentInvalid("excludeKeysInExport must be true or false")
        with self.ops.settled_write() as tx:
            hub = existing_service_hub(tx, hub_key)
            return self._export(tx, hub["name_key"], output_uri, exclude)

    def service_job(self, hub_key: str, job_id: str) -> dict[str, Any]:
        with self.ops.settled_read() as tx:
            existing_service_hub(tx, hub_key)
            job = tx.job(hub_key, job_id)
        if job is None:
            raise JobNotFound(f"Job with ID '{job_id}' not found")
        return job

    # Control API.
    def output(self, job_id: str) -> JobOutput | None:
        """The blob a completed export job wrote; None while it runs or when there is no such export."""
        with self.ops.settled_read() as tx:
            found = tx.job_output(job_id)
            if found is None:
                return None
            hub_key, blob, content = found
            job = tx.job(hub_key, job_id)
            hub = tx.hub(hub_key)
        if job is None or hub is None or not job_done(job, self.clock.now()):
            return None
        return JobOutput(hub["name"], job_id, blob, content)
