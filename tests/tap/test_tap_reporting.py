"""reporting_<dataset> streams against the sandbox over HTTP: discovery, jobs, retries, bookmark."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import pathlib
import tarfile
import typing as t

import fastjsonschema
import pytest
import requests

from devstack.intercom_sandbox.reporting import DATASETS, dataset_rows, outbound_conversations
from tap_intercom.errors import IntercomError
from tap_intercom.reporting_datasets import Attribute, DatasetSpec
from tap_intercom.reporting_jobs import csv_members
from tap_intercom.tap import TapIntercom
from tap_intercom.windows import to_epoch
from tests.tap.tap_helpers import TOKEN, base_config, run_cli, run_tap

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox

SandboxFactory = t.Callable[..., "Sandbox"]
STREAMS = [f"reporting_{d.id}" for d in DATASETS]
#: The sandbox's history ends on 2026-09-01; four 60-day windows reach today.
START = "2026-06-01T00:00:00Z"


def reporting_config(sb: Sandbox, **overrides: t.Any) -> dict[str, t.Any]:
    settings: dict[str, t.Any] = {
        "include_reporting": True,
        "start_date": START,
        "reporting_window_days": 60,
        **overrides,
    }
    return base_config(sb.url, **settings)


def expected_keys(sb: Sandbox, dataset: str, key: str, version: str = "2.16") -> set[str]:
    """The keys the sandbox's own rows hold for the run's window."""
    lo = to_epoch(START)
    assert lo is not None
    rows = dataset_rows(sb.workspace, dataset, lo, 2_000_000_000, version)
    return {str(row[key]) for row in rows}


def enqueues(sb: Sandbox) -> int:
    return int(sb.stats()["endpoints"].get("POST /export/reporting_data/enqueue", 0))


@pytest.fixture
def sb(fresh_sandbox: SandboxFactory) -> Sandbox:
    return fresh_sandbox()


def test_discovery_offers_one_stream_per_dataset_typed_from_its_attributes(sb: Sandbox) -> None:
    tap = TapIntercom(config=reporting_config(sb), parse_env_config=False)
    catalog = {entry.tap_stream_id: entry for entry in tap.catalog.streams}
    assert set(STREAMS) <= set(catalog)
    conversation = catalog["reporting_conversation"]
    assert list(conversation.key_properties) == ["conversation_id"]
    assert conversation.replication_key == "conversation_started_at"
    properties = conversation.schema.to_dict()["properties"]
    listed = [a for a, _ in DATASETS[0].attributes]
    assert list(properties) == listed
    assert properties["conversation_started_at"]["format"] == "date-time"
    assert properties["first_response_time_seconds"]["type"] == ["string", "null"]
    status = catalog["reporting_admin_status_change"]
    assert list(status.key_properties) == ["row_hash"]
    TapIntercom.current_run = None


@pytest.mark.parametrize(
    ("overrides", "offered"),
    [
        ({"api_version": "2.13"}, False),
        ({"include_reporting": False}, False),
        ({"api_version": "2.14"}, True),
    ],
)
def test_reporting_streams_are_opt_in_and_need_214(
    sb: Sandbox, overrides: dict[str, t.Any], offered: bool
) -> None:
    tap = TapIntercom(config=reporting_config(sb, **overrides), parse_env_config=False)
    names = {entry.tap_stream_id for entry in tap.catalog.streams}
    TapIntercom.current_run = None
    assert (set(STREAMS) <= names) is offered
    assert not (set(STREAMS) & names) or offered


def test_records_validate_and_no_reply_outbound_is_only_in_reporting(sb: Sandbox) -> None:
    run = run_tap(reporting_config(sb), streams=["conversations", *STREAMS])
    for stream in STREAMS:
        validate = fastjsonschema.compile(run.schema(stream)["schema"])
        records = run.records(stream)
        assert records, stream
        for record in records:
            validate(record)
    exported = set(run.ids("reporting_conversation", "conversation_id"))
    assert exported == expected_keys(sb, "conversation", "conversation_id")
    searched = set(run.ids("conversations"))
    lo = to_epoch(START)
    outbound = {
        o["conversation_id"]
        for o in outbound_conversations(sb.workspace)
        if o["conversation_started_at"] >= t.cast("int", lo)
    }
    assert outbound
    assert outbound <= exported
    assert not outbound & searched
    assert set(run.ids("reporting_call", "call_id")) == expected_keys(sb, "call", "call_id")
    status_rows = run.records("reporting_admin_status_change")
    assert len({r["row_hash"] for r in status_rows}) == len(status_rows)
    assert len(status_rows) == len(expected_keys(sb, "admin_status_change", "status_changed_at"))
    # Never a sixth unfinished job: the sandbox answered no 429.
    assert "429" not in sb.stats()["statuses"]
    bookmark = to_epoch(run.bookmark("reporting_conversation"))
    started = [
        to_epoch(r["conversation_started_at"]) for r in run.records("reporting_conversation")
    ]
    assert bookmark == max(t.cast("list[int]", started))


def test_before_216_the_export_leaves_out_conversations_without_a_reply(sb: Sandbox) -> None:
    run = run_tap(reporting_config(sb, api_version="2.15"), streams=["reporting_conversation"])
    exported = set(run.ids("reporting_conversation", "conversation_id"))
    assert exported == expected_keys(sb, "conversation", "conversation_id", version="2.15")
    assert not exported & {o["conversation_id"] for o in outbound_conversations(sb.workspace)}


def test_unix_timestamps_and_tgz_files(sb: Sandbox) -> None:
    sb.control(reporting={"archive": "tgz"})
    run = run_tap(reporting_config(sb, timestamp_format="unix"), streams=["reporting_ticket"])
    records = run.records("reporting_ticket")
    assert {r["ticket_id"] for r in records} == expected_keys(sb, "ticket", "ticket_id")
    assert all(isinstance(r["ticket_created_at"], int) for r in records)
    assert run.schema("reporting_ticket")["schema"]["properties"]["ticket_created_at"]["type"] == [
        "integer",
        "null",
    ]


@pytest.mark.parametrize("concurrency", [8, 1])
@pytest.mark.parametrize("knob", ["fail_jobs", "expire_jobs"])
def test_a_failed_or_expired_job_is_run_again_within_the_run(
    sb: Sandbox, knob: str, concurrency: int
) -> None:
    # max_concurrency 1: every step of the jobs ahead runs inline, one after another.
    sb.control(reporting={knob: 2})
    run = run_tap(reporting_config(sb, max_concurrency=concurrency), streams=["reporting_call"])
    ids = run.ids("reporting_call", "call_id")
    assert set(ids) == expected_keys(sb, "call", "call_id")
    assert len(ids) == len(set(ids))
    assert enqueues(sb) == 4 + 2  # four windows, two of them twice


def test_a_job_failing_every_attempt_fails_the_run_with_one_message(sb: Sandbox) -> None:
    sb.control(reporting={"fail_jobs": 100})
    state = {
        "bookmarks": {
            "reporting_call": {"replication_key": "call_started_at", "replication_key_value": START}
        }
    }
    run = run_tap(reporting_config(sb), streams=["reporting_call"], state=state, expect_error=True)
    assert str(run.error).startswith("reporting_call: the export of [")
    assert str(run.error).endswith(
        "did not complete in 3 attempts: job failed; job failed; job failed"
    )
    assert all(
        s["bookmarks"]["reporting_call"]["replication_key_value"] == START for s in run.states()
    )


def test_a_window_the_api_refuses_is_split(sb: Sandbox) -> None:
    sb.control(reporting={"max_window_seconds": 20 * 86_400})
    run = run_tap(reporting_config(sb), streams=["reporting_conversation"])
    ids = run.ids("reporting_conversation", "conversation_id")
    assert set(ids) == expected_keys(sb, "conversation", "conversation_id")
    assert len(ids) == len(set(ids))
    statuses = sb.stats()["statuses"]
    assert statuses.get("400", 0) >= 4  # each 60-day window refused, then halves of 30 days


def test_a_broken_download_is_read_again_without_duplicates(sb: Sandbox) -> None:
    sb.inject("/download/reporting_data", status="truncate", count=2)
    run = run_tap(reporting_config(sb), streams=["reporting_admin_status_change"])
    hashes = run.ids("reporting_admin_status_change", "row_hash")
    assert len(hashes) == len(set(hashes))
    assert len(hashes) == len(expected_keys(sb, "admin_status_change", "status_changed_at"))
    assert sb.stats()["injected_resets"] == 2
    assert enqueues(sb) == 4  # the completed job's file was downloaded again


def test_bookmark_stays_when_downloads_break_and_the_next_run_reads_the_window(sb: Sandbox) -> None:
    first = run_tap(reporting_config(sb), streams=["reporting_conversation"])
    state = first.final_state
    before = first.bookmark("reporting_conversation")
    # A conversation started after the bookmark, then every download breaks.
    sb.set_clock(int(dt.datetime.now(tz=dt.timezone.utc).timestamp()) - 3600)
    added = sb.add("conversations", 1)
    sb.inject("/download/reporting_data", status="truncate", count=1_000)
    broken = run_tap(
        reporting_config(sb), streams=["reporting_conversation"], state=state, expect_error=True
    )
    assert "did not complete in 3 attempts: download broke" in str(broken.error)
    for value in broken.states():
        assert value["bookmarks"]["reporting_conversation"]["replication_key_value"] == before
    sb.control(clear_faults=True)
    again = run_tap(reporting_config(sb), streams=["reporting_conversation"], state=state)
    assert added[0] in again.ids("reporting_conversation", "conversation_id")
    assert to_epoch(again.bookmark("reporting_conversation")) > t.cast("int", to_epoch(before))


def test_403_ends_only_that_reporting_stream(sb: Sandbox) -> None:
    # The first enqueue is refused: reporting_admin_status_change (first in sync order) ends.
    sb.inject("/export/reporting_data/enqueue", status=403, count=1)
    run = run_tap(reporting_config(sb), streams=["tags", *STREAMS], expect_error=True)
    assert str(run.error) == (
        "The access token lacks permissions for: reporting_admin_status_change "
        "(other streams were synced)"
    )
    # Windows read before the refused enqueue were emitted; the other streams are whole.
    for stream in ("tags", "reporting_call", "reporting_conversation", "reporting_ticket"):
        assert run.records(stream), stream


def test_a_403_in_the_middle_of_a_window_fails_the_run_and_keeps_the_bookmark(
    sb: Sandbox,
) -> None:
    state = {
        "bookmarks": {
            "reporting_ticket": {
                "replication_key": "ticket_created_at",
                "replication_key_value": START,
            }
        }
    }
    # One window only: its download breaks, then the download again is refused.
    config = reporting_config(sb, reporting_window_days=400)
    sb.control(
        faults=[
            {"path": "/download/reporting_data", "status": "truncate", "count": 1},
            {"path": "/download/reporting_data", "status": 403, "count": 1},
        ]
    )
    run = run_tap(config, streams=["reporting_ticket"], state=state, expect_error=True)
    assert str(run.error).startswith("reporting_ticket: refused while [")
    for value in run.states():
        assert value["bookmarks"]["reporting_ticket"]["replication_key_value"] == START


def test_documented_status_bodies_drive_the_jobs(sb: Sandbox) -> None:
    """The 2.16 description's status examples (``With failed status``, ``With complete status``:
    ``download_url`` empty) served in place of the sandbox's own: the failed job is enqueued
    again and the completed one is downloaded from the documented path."""
    failed = {
        "job_identifier": "job1",
        "status": "failed",
        "download_url": "",
        "download_expires_at": "",
    }
    complete = {**failed, "status": "complete"}
    route = "/export/reporting_data/{job_identifier}"
    sb.control(
        responses=[
            {"path": route, "method": "GET", "body": failed, "count": 1},
            {"path": route, "method": "GET", "body": complete, "count": 4},
        ],
        reporting={"pending_seconds": 0, "running_seconds": 0},
    )
    run = run_tap(reporting_config(sb), streams=["reporting_ticket"])
    assert set(run.ids("reporting_ticket", "ticket_id")) == expected_keys(sb, "ticket", "ticket_id")
    assert enqueues(sb) == 4 + 1


def test_a_catalog_discovered_with_iso_timestamps_serves_a_unix_run(
    sb: Sandbox, tmp_path: pathlib.Path
) -> None:
    env = {
        "TAP_INTERCOM_ACCESS_TOKEN": TOKEN,
        "TAP_INTERCOM_API_URL": sb.url,
        "TAP_INTERCOM_INDEXING_DELAY": "0",
        "TAP_INTERCOM_INCLUDE_REPORTING": "true",
        "TAP_INTERCOM_START_DATE": START,
    }
    discovered = run_cli(["--config", "ENV", "--discover"], env=env)
    assert discovered.returncode == 0, discovered.stderr
    catalog = json.loads(discovered.stdout)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == "reporting_ticket"
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    unix = {**env, "TAP_INTERCOM_TIMESTAMP_FORMAT": "unix"}
    result = run_cli(["--config", "ENV", "--catalog", str(path)], env=unix)
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    (schema,) = [m["schema"] for m in messages if m["type"] == "SCHEMA"]
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert {r["ticket_id"] for r in records} == expected_keys(sb, "ticket", "ticket_id")
    validate = fastjsonschema.compile(schema)
    for record in records:
        validate(record)
        assert isinstance(record["ticket_created_at"], int)


# Pure logic: header matching, row decoding and the file formats ------------------------------

SPEC = DatasetSpec(
    "conversation",
    "Conversation",
    "",
    "conversation_started_at",
    (
        Attribute("conversation_id", "ID", "conversation.conversation_id"),
        Attribute("conversation_started_at", "Started", "conversation.conversation_started_at"),
        Attribute("brand", "Brand", "conversation.brand"),
        Attribute("people_brand", "Brand", "people.brand"),
    ),
)


def test_header_cells_match_by_name_or_id_and_repeated_names_by_position() -> None:
    assert SPEC.columns(["ID", "conversation.conversation_started_at"]) == [
        "conversation_id",
        "conversation_started_at",
    ]
    assert SPEC.columns(["ID", "Started", "Brand", "Brand"]) == [
        "conversation_id",
        "conversation_started_at",
        "brand",
        "people_brand",
    ]
    with pytest.raises(IntercomError, match=r"columns \['Brand'\] match no single attribute"):
        SPEC.columns(["ID", "Brand"])


def test_rows_keep_text_as_sent_and_refuse_what_they_cannot_read() -> None:
    columns = ["conversation_id", "conversation_started_at", "brand"]
    assert SPEC.record(columns, ["007", "1717200000", ""]) == {
        "conversation_id": "007",
        "conversation_started_at": 1717200000,
        "brand": None,
    }
    with pytest.raises(IntercomError, match="an export row has 2 values for 3 columns"):
        SPEC.record(columns, ["1", "2"])
    with pytest.raises(
        IntercomError, match="conversation_started_at 'yesterday' is not a timestamp"
    ):
        SPEC.record(columns, ["1", "yesterday", "x"])


def test_gzipped_csv_and_every_csv_of_a_tgz_are_read() -> None:
    plain = b"ID\n1\n2\n"
    members = [list(m.read().splitlines()) for m in csv_members(io.BytesIO(gzip.compress(plain)))]
    assert members == [[b"ID", b"1", b"2"]]
    files = [("a.csv", b"ID\n1\n"), ("b.csv", b"ID\n2\n" * 4000)]
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    archive.seek(0)
    assert [m.read() for m in csv_members(archive)] == [data for _, data in files]


def test_jobs_another_client_holds_make_the_tap_wait_not_fail(
    fresh_sandbox: SandboxFactory,
) -> None:
    sb = fresh_sandbox(rate_window_seconds=2)
    sb.control(reporting={"pending_seconds": 1.5})
    other = {"dataset_id": "call", "attribute_ids": ["call_id"], "start_time": 0, "end_time": 1}
    for _ in range(5):
        response = requests.post(
            f"{sb.url}/export/reporting_data/enqueue",
            json=other,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )
        assert response.status_code == 200
    run = run_tap(reporting_config(sb), streams=["reporting_call"])
    assert set(run.ids("reporting_call", "call_id")) == expected_keys(sb, "call", "call_id")
    assert int(sb.stats()["statuses"]["429"]) >= 1


class CountingReader(io.RawIOBase):
    """A file arriving over the wire: counts what has been read of it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        chunk = self.data[self.position : self.position + min(len(buffer), 8192)]
        buffer[: len(chunk)] = chunk
        self.position += len(chunk)
        return len(chunk)


def test_rows_are_read_while_the_file_is_still_arriving() -> None:
    rows = "".join(f"{n},{1717200000 + n},channel {n % 7}\n" for n in range(200_000))
    payload = gzip.compress(("ID,Started,Brand\n" + rows).encode())
    wire = CountingReader(payload)
    member = next(csv_members(t.cast("t.BinaryIO", wire)))
    assert member.readline() == b"ID,Started,Brand\n"
    assert member.readline() == b"0,1717200000,channel 0\n"
    assert wire.position < len(payload) / 10
