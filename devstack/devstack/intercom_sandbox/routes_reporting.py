"""Endpoints of the reporting data export (``/export/reporting_data/*``, 2.14+)."""

from __future__ import annotations

import typing as t

from devstack.intercom_sandbox import errors, reporting
from devstack.intercom_sandbox.api import App, Body, Download, Request

APP_ID = "sbx4ws01"  # the workspace's ``id_code`` (``GET /me``)


def _bad(message: str) -> errors.ApiError:
    return errors.ApiError(400, "bad_request", message)


def get_datasets(app: App, req: Request) -> Body:
    """``GET /export/reporting_data/get_datasets``."""
    return {"type": "list", "data": [d.listing(req.version) for d in reporting.DATASETS]}


def _time(body: Body, name: str) -> int:
    value = body.get(name)
    if value is None:
        raise _bad(f"'{name}' is a required parameter")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"'{name}' not an integer must be of type Integer")
    return value


def enqueue(app: App, req: Request) -> Body:
    """``POST /export/reporting_data/enqueue``: the documented 400s and the 429 at 5 jobs."""
    body = req.body
    dataset_id = body.get("dataset_id")
    if dataset_id in (None, ""):
        raise _bad("'dataset_id' is a required parameter")
    dataset = reporting.BY_ID.get(str(dataset_id))
    if dataset is None:
        raise _bad(f"{dataset_id} is not a valid dataset_id")
    wanted = body.get("attribute_ids")
    if wanted is None:
        raise _bad("'attribute_ids' is a required parameter")
    if not isinstance(wanted, list):
        raise _bad("'attribute_ids' not an array must be of type Array")
    if not wanted:
        raise _bad("attribute_ids must contain at least one attribute_id")
    attributes = dataset.resolve(wanted)
    lo, hi = _time(body, "start_time"), _time(body, "end_time")
    if lo > hi:
        raise _bad("start_time must not be after end_time")
    job = app.reporting.enqueue(dataset, attributes, lo, hi, req.version)
    return {
        "job_identifier": job.id,
        "status": "pending",
        "download_url": "",
        "download_expires_at": "",
    }


def _job_id(req: Request) -> str:
    job_id = req.args["job_identifier"]
    # The description lists app_id and job_identifier as query parameters too; when sent
    # they must agree with the workspace and the path.
    if req.params.get("app_id") not in (None, APP_ID) or req.params.get("job_identifier") not in (
        None,
        job_id,
    ):
        raise errors.not_found(f"Export job not found for identifier: {job_id}")
    return job_id


def job_status(app: App, req: Request) -> Body:
    """``GET /export/reporting_data/{job_identifier}``."""
    return app.reporting.status(_job_id(req), req.base_url)


def download(app: App, req: Request) -> t.Any:
    """``GET /download/reporting_data/{job_identifier}``: the file, as octet-stream."""
    job_id = _job_id(req)
    if "application/octet-stream" not in req.headers.get("accept", ""):
        raise _bad("Accept: application/octet-stream is required to download the export file")
    return Download(app.reporting.download(job_id), "application/octet-stream")
