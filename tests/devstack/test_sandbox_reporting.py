"""Reporting data export over HTTP: datasets, jobs pending -> in_progress -> complete, files."""

from __future__ import annotations

import csv
import gzip
import io
import tarfile
import time
import typing as t

import pytest
import requests

from devstack.intercom_sandbox.reporting import outbound_conversations
from tests.devstack.sandbox_helpers import Client, error_code

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox

ALL_TIME = {"start_time": 0, "end_time": 2_000_000_000}


def _enqueue(client: Client, dataset: str, attributes: list[str], **window: int) -> str:
    body = {"dataset_id": dataset, "attribute_ids": attributes, **(window or ALL_TIME)}
    response = client.post("/export/reporting_data/enqueue", body)
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] == "pending"
    assert (job["download_url"], job["download_expires_at"]) == ("", "")
    return str(job["job_identifier"])


def _wait(client: Client, job_id: str) -> tuple[list[str], dict[str, t.Any]]:
    seen: list[str] = []
    for _ in range(200):
        body = client.get(f"/export/reporting_data/{job_id}", app_id="sbx4ws01").json()
        if not seen or seen[-1] != body["status"]:
            seen.append(body["status"])
        if body["status"] in ("complete", "failed"):
            return seen, body
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {seen}")


def _download(client: Client, job_id: str) -> requests.Response:
    return client.session.get(
        f"{client.base}/download/reporting_data/{job_id}",
        headers={"Accept": "application/octet-stream"},
        timeout=30,
    )


def _rows(payload: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(payload).decode())))


def test_get_datasets_lists_attributes_with_qualified_ids_from_216(
    intercom_sandbox: Sandbox,
) -> None:
    new = Client(intercom_sandbox).get("/export/reporting_data/get_datasets").json()
    assert new["type"] == "list"
    ids = [d["id"] for d in new["data"]]
    assert ids == ["conversation", "ticket", "call", "admin_status_change"]
    conversation = new["data"][0]
    assert conversation["default_time_attribute_id"] == "conversation_started_at"
    assert conversation["attributes"][0] == {
        "id": "conversation_id",
        "qualified_id": "conversation.conversation_id",
        "name": "Conversation ID",
    }
    old = Client(intercom_sandbox, version="2.14").get("/export/reporting_data/get_datasets")
    assert old.json()["data"][0]["attributes"][0] == {
        "id": "conversation_id",
        "name": "Conversation ID",
    }
    gone = Client(intercom_sandbox, version="2.13").get("/export/reporting_data/get_datasets")
    assert (gone.status_code, error_code(gone)) == (400, "intercom_version_invalid")


def test_job_runs_pending_in_progress_complete_and_serves_gzipped_csv(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    job_id = _enqueue(
        sandbox_client,
        "conversation",
        ["conversation.conversation_id", "conversation.conversation_started_at", "user_replied"],
    )
    phases, status = _wait(sandbox_client, job_id)
    assert phases == ["pending", "in_progress", "complete"]
    assert status["download_url"].endswith(f"/download/reporting_data/{job_id}")
    assert int(status["download_expires_at"]) > time.time() + 86_400
    response = _download(sandbox_client, job_id)
    assert response.headers["Content-Type"] == "application/octet-stream"
    rows = _rows(response.content)
    assert list(rows[0]) == ["Conversation ID", "Conversation started at", "Has user reply"]
    ws = intercom_sandbox.workspace
    live = len(ws.conversations) - len(ws.conversations.deleted)
    outbound = outbound_conversations(ws)
    assert len(rows) == live + len(outbound)
    no_reply = {r["Conversation ID"] for r in rows if r["Has user reply"] == "false"}
    assert no_reply == {o["conversation_id"] for o in outbound}


def test_outbound_without_reply_is_in_the_export_of_216_only_and_never_in_search(
    intercom_sandbox: Sandbox,
) -> None:
    outbound = {o["conversation_id"] for o in outbound_conversations(intercom_sandbox.workspace)}
    searched = {c["id"] for c in Client(intercom_sandbox).search("/conversations/search")}
    assert outbound
    assert not outbound & searched
    for version, expected in (("2.16", outbound), ("2.15", set())):
        client = Client(intercom_sandbox, version=version)
        job_id = _enqueue(client, "conversation", ["conversation_id"])
        _wait(client, job_id)
        exported = {r["Conversation ID"] for r in _rows(_download(client, job_id).content)}
        assert exported & outbound == expected
        assert searched <= exported


def test_window_filters_on_the_time_attribute_inclusively(sandbox_client: Client) -> None:
    job_id = _enqueue(sandbox_client, "admin_status_change", ["teammate_id", "status_changed_at"])
    _wait(sandbox_client, job_id)
    every = _rows(_download(sandbox_client, job_id).content)
    stamps = sorted(int(r["Status changed at"]) for r in every)
    lo, hi = stamps[10], stamps[20]
    job_id = _enqueue(
        sandbox_client, "admin_status_change", ["status_changed_at"], start_time=lo, end_time=hi
    )
    _wait(sandbox_client, job_id)
    inside = sorted(
        int(r["Status changed at"]) for r in _rows(_download(sandbox_client, job_id).content)
    )
    assert inside == stamps[10:21]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"attribute_ids": ["a"], **ALL_TIME}, "'dataset_id' is a required parameter"),
        (
            {"dataset_id": "imaginary", "attribute_ids": ["a"], **ALL_TIME},
            "imaginary is not a valid dataset_id",
        ),
        ({"dataset_id": "conversation", **ALL_TIME}, "'attribute_ids' is a required parameter"),
        (
            {"dataset_id": "conversation", "attribute_ids": [], **ALL_TIME},
            "attribute_ids must contain at least one attribute_id",
        ),
        (
            {"dataset_id": "conversation", "attribute_ids": "x", **ALL_TIME},
            "'attribute_ids' not an array must be of type Array",
        ),
        (
            {"dataset_id": "conversation", "attribute_ids": ["non_existent"], **ALL_TIME},
            "attribute_ids invalid for conversation dataset: non_existent",
        ),
    ],
)
def test_enqueue_answers_the_documented_400s(
    sandbox_client: Client, body: dict[str, t.Any], message: str
) -> None:
    response = sandbox_client.post("/export/reporting_data/enqueue", body)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "bad_request", "message": message}]


def test_a_sixth_unfinished_job_is_refused_with_the_documented_429(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    intercom_sandbox.control(reporting={"pending_seconds": 30})
    for _ in range(5):
        _enqueue(sandbox_client, "call", ["call_id"])
    response = sandbox_client.post(
        "/export/reporting_data/enqueue",
        {"dataset_id": "call", "attribute_ids": ["call_id"], **ALL_TIME},
    )
    assert response.status_code == 429
    assert response.json()["errors"] == [
        {
            "code": "rate_limit_exceeded",
            "message": "Exceeded rate limit of 5 pending reporting dataset export jobs",
        }
    ]


def test_injected_failure_expiry_window_limit_and_tgz(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    intercom_sandbox.control(reporting={"fail_jobs": 1, "expire_jobs": 1, "archive": "tgz"})
    failed = _enqueue(sandbox_client, "ticket", ["ticket_id"])
    assert _wait(sandbox_client, failed)[0][-1] == "failed"
    assert _download(sandbox_client, failed).status_code == 404
    expiring = _enqueue(sandbox_client, "ticket", ["ticket_id"])
    assert _wait(sandbox_client, expiring)[0][-1] == "complete"
    gone = _download(sandbox_client, expiring)
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["message"] == f"Export job not found for identifier: {expiring}"
    kept = _enqueue(sandbox_client, "ticket", ["ticket_id", "ticket_created_at"])
    _wait(sandbox_client, kept)
    with tarfile.open(
        fileobj=io.BytesIO(_download(sandbox_client, kept).content), mode="r:gz"
    ) as tar:
        member = tar.extractfile("ticket.csv")
        assert member is not None
        rows = list(csv.DictReader(io.StringIO(member.read().decode())))
    assert len(rows) == len(intercom_sandbox.workspace.tickets)
    intercom_sandbox.control(reporting={"max_window_seconds": 86_400})
    response = sandbox_client.post(
        "/export/reporting_data/enqueue",
        {
            "dataset_id": "ticket",
            "attribute_ids": ["ticket_id"],
            "start_time": 0,
            "end_time": 86_401,
        },
    )
    assert (response.status_code, error_code(response)) == (400, "bad_request")


def test_download_needs_octet_stream_and_a_known_job(sandbox_client: Client) -> None:
    job_id = _enqueue(sandbox_client, "call", ["call_id"])
    _wait(sandbox_client, job_id)
    refused = sandbox_client.get(f"/download/reporting_data/{job_id}")
    assert (refused.status_code, error_code(refused)) == (400, "bad_request")
    unknown = sandbox_client.get("/export/reporting_data/job1")
    assert unknown.status_code == 404
    assert unknown.json()["errors"] == [
        {"code": "not_found", "message": "Export job not found for identifier: job1"}
    ]


def test_truncate_fault_breaks_the_download_in_the_middle(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    job_id = _enqueue(sandbox_client, "conversation", ["conversation_id", "channel"])
    _wait(sandbox_client, job_id)
    whole = _download(sandbox_client, job_id).content
    intercom_sandbox.inject("/download/reporting_data", status="truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _download(sandbox_client, job_id)
    assert _download(sandbox_client, job_id).content == whole


def test_the_documented_enqueue_example_is_accepted_as_documented(sandbox_client: Client) -> None:
    # The 2.16 description's request example (simple attribute ids) and response shape.
    body = {
        "dataset_id": "conversation",
        "attribute_ids": ["conversation_id", "conversation_started_at"],
        "start_time": 1717490000,
        "end_time": 1717510000,
    }
    response = sandbox_client.post("/export/reporting_data/enqueue", body)
    assert response.status_code == 200
    job = response.json()
    assert set(job) == {"job_identifier", "status", "download_url", "download_expires_at"}
    assert job["status"] == "pending"
    _, status = _wait(sandbox_client, job["job_identifier"])
    assert set(status) == set(job)
    # June 2024 lies before the sandbox's history: the file is its header alone.
    text = gzip.decompress(_download(sandbox_client, job["job_identifier"]).content).decode()
    assert text == "Conversation ID,Conversation started at\n"


def test_the_call_dataset_holds_the_calls_the_calls_endpoint_lists(sandbox_client: Client) -> None:
    listed: set[str] = set()
    page = 1
    while True:
        body = sandbox_client.get("/calls", page=page, per_page=25).json()
        listed |= {call["id"] for call in body["data"]}
        if page >= body["pages"]["total_pages"]:
            break
        page += 1
    job_id = _enqueue(sandbox_client, "call", ["call_id", "call_started_at"])
    _wait(sandbox_client, job_id)
    exported = {r["Call ID"] for r in _rows(_download(sandbox_client, job_id).content)}
    assert listed
    assert exported == listed
