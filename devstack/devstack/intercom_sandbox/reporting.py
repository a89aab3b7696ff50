"""Reporting data export: the datasets, their rows over the workspace, and the export jobs.

The 2.14-2.16 descriptions (``/export/reporting_data/*``) document the job's request and
status bodies, the statuses ``pending``/``complete``/``failed``, the 429 at 5 pending jobs
and the 404 for an unknown job; they say nothing about the file, the window length or how
long a file stays. Where they are silent the sandbox follows its sibling, the content export
of the same description: the file is gzipped CSV (header row of attribute names), a job runs
``pending`` -> ``in_progress`` -> ``complete``, and a file can be downloaded for two days.

Jobs run on the monotonic clock (tests freeze the workspace clock, not time), and a job's
file is built from the rows as they are when it completes, like a real export.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import itertools
import secrets
import tarfile
import threading
import time
import typing as t

from devstack.intercom_sandbox import calls, errors, versions

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.intercom_sandbox.workspace import Workspace

#: Intercom's limit on jobs that are not finished yet, per workspace.
MAX_PENDING_JOBS = 5
#: Outbound conversations get ids from here (the conversations table uses 1,000,000 + index).
OUTBOUND_BASE = 7_000_000
DAY = 86_400


@dataclasses.dataclass(frozen=True)
class Dataset:
    """One reporting dataset as ``get_datasets`` lists it.

    Attributes:
        id: Dataset id (``conversation``).
        name: Display name.
        description: What a row is.
        time_attribute: ``default_time_attribute_id``: the attribute windows filter on.
        prefix: The ``qualified_id`` namespace of its attributes.
        attributes: ``(id, name)`` per attribute, in file column order.
    """

    id: str
    name: str
    description: str
    time_attribute: str
    prefix: str
    attributes: tuple[tuple[str, str], ...]

    def listing(self, version: str) -> dict[str, t.Any]:
        """The dataset's ``get_datasets`` entry (``qualified_id`` from 2.16 on)."""
        qualified = versions.key(version) >= versions.key("2.16")
        attributes = []
        for attr_id, name in self.attributes:
            entry = {"id": attr_id, "name": name}
            if qualified:
                entry = {"id": attr_id, "qualified_id": f"{self.prefix}.{attr_id}", "name": name}
            attributes.append(entry)
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "default_time_attribute_id": self.time_attribute,
            "attributes": attributes,
        }

    def resolve(self, wanted: list[t.Any]) -> list[str]:
        """Attribute ids for requested ids or qualified ids, in the dataset's column order.

        Raises:
            ApiError: 400 naming the ids the dataset does not have.
        """
        known = {attr_id for attr_id, _ in self.attributes}
        chosen: set[str] = set()
        bad: list[str] = []
        for item in wanted:
            text = str(item)
            simple = text.removeprefix(f"{self.prefix}.")
            if simple in known:
                chosen.add(simple)
            else:
                bad.append(text)
        if bad:
            message = f"attribute_ids invalid for {self.id} dataset: {', '.join(bad)}"
            raise errors.ApiError(400, "bad_request", message)
        return [attr_id for attr_id, _ in self.attributes if attr_id in chosen]


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "conversation",
        "Conversation",
        "Conversation-level details: status, channel, assignee.",
        "conversation_started_at",
        "conversation",
        (
            ("conversation_id", "Conversation ID"),
            ("conversation_started_at", "Conversation started at"),
            ("conversation_state", "Conversation state"),
            ("channel", "Channel"),
            ("started_by", "Started by"),
            ("user_replied", "Has user reply"),
            ("teammate_assigned_id", "Teammate assigned"),
            ("team_assigned_id", "Team assigned"),
            ("first_response_time_seconds", "First response time (seconds)"),
            ("conversation_closed_at", "Last closed at"),
        ),
    ),
    Dataset(
        "ticket",
        "Ticket",
        "Ticket-level details: type, state, assignee.",
        "ticket_created_at",
        "ticket",
        (
            ("ticket_id", "Ticket ID"),
            ("ticket_created_at", "Ticket created at"),
            ("ticket_type", "Ticket type"),
            ("ticket_state", "Ticket state"),
            ("teammate_assigned_id", "Teammate assigned"),
            ("team_assigned_id", "Team assigned"),
        ),
    ),
    Dataset(
        "call",
        "Call",
        "Phone calls: direction, duration, teammate.",
        "call_started_at",
        "call",
        (
            ("call_id", "Call ID"),
            ("call_started_at", "Call started at"),
            ("conversation_id", "Conversation ID"),
            ("direction", "Direction"),
            ("duration_seconds", "Duration (seconds)"),
            ("teammate_id", "Teammate"),
        ),
    ),
    Dataset(
        "admin_status_change",
        "Teammate status change",
        "Each change of a teammate's away status.",
        "status_changed_at",
        "admin",
        (
            ("teammate_id", "Teammate"),
            ("status_changed_at", "Status changed at"),
            ("status", "Status"),
            ("away_status_reason", "Away reason"),
        ),
    ),
)
BY_ID = {dataset.id: dataset for dataset in DATASETS}

Row = dict[str, t.Any]


def outbound_conversations(ws: Workspace) -> list[Row]:
    """Outbound messages nobody replied to: conversations the search does not return.

    Intercom's conversations search leaves out conversations without a user reply; the
    reporting export of 2.16 includes them (its ``enqueue`` description). They are generated
    from the seed, one per 40 conversations (at least one), spread over the history.
    """
    count = max(1, len(ws.conversations) // 40)
    first = ws.anchor - 400 * DAY
    step = (ws.anchor - first) // (count + 1)
    admins = ws.catalogs.admins
    rows = []
    for k in range(count):
        rows.append(
            {
                "conversation_id": str(OUTBOUND_BASE + k),
                "conversation_started_at": first + (k + 1) * step,
                "conversation_state": "open",
                "channel": "email",
                "started_by": "teammate",
                "user_replied": "false",
                "teammate_assigned_id": admins[k % len(admins)]["id"],
                "team_assigned_id": None,
                "first_response_time_seconds": None,
                "conversation_closed_at": None,
            }
        )
    return rows


def _conversations(ws: Workspace, lo: int, hi: int, version: str) -> Iterator[Row]:
    table = ws.conversations
    for index in range(len(table)):
        if index in table.deleted or not lo <= table.created[index] <= hi:
            continue
        record = ws.conversation(index)
        stats = record["statistics"]
        yield {
            "conversation_id": record["id"],
            "conversation_started_at": record["created_at"],
            "conversation_state": record["state"],
            "channel": (record.get("channel") or {}).get("initial") or "chat",
            "started_by": "user",
            "user_replied": "true",
            "teammate_assigned_id": record["admin_assignee_id"],
            "team_assigned_id": record["team_assignee_id"],
            "first_response_time_seconds": stats["time_to_admin_reply"],
            "conversation_closed_at": stats["last_close_at"],
        }
    # Before 2.16 the export held only conversations with a user reply (2.16 enqueue text).
    if versions.key(version) >= versions.key("2.16"):
        for row in outbound_conversations(ws):
            if lo <= row["conversation_started_at"] <= hi:
                yield row


def _tickets(ws: Workspace, lo: int, hi: int) -> Iterator[Row]:
    table = ws.tickets
    for index in range(len(table)):
        if not lo <= table.created[index] <= hi:
            continue
        record = ws.ticket(index)
        yield {
            "ticket_id": record["id"],
            "ticket_created_at": record["created_at"],
            "ticket_type": record["ticket_type"].get("name"),
            "ticket_state": record["ticket_state"].get("internal_label"),
            "teammate_assigned_id": record["admin_assignee_id"],
            "team_assigned_id": record["team_assignee_id"],
        }


def _calls(ws: Workspace, lo: int, hi: int) -> Iterator[Row]:
    # The workspace's calls (``GET /calls``), by when they were initiated.
    for index in calls.call_indexes(ws):
        call = calls.call(ws, index)
        if not lo <= call["initiated_at"] <= hi:
            continue
        ended, answered = call["ended_at"], call["answered_at"]
        yield {
            "call_id": call["id"],
            "call_started_at": call["initiated_at"],
            "conversation_id": call["conversation_id"],
            "direction": call["direction"],
            "duration_seconds": None if answered is None else ended - answered,
            "teammate_id": call["admin_id"],
        }


def _status_changes(ws: Workspace, lo: int, hi: int) -> Iterator[Row]:
    # Each teammate changes status every three days, an hour apart from one another.
    reasons = ("Lunch", "On a break", "In a meeting")
    first = ws.anchor - 400 * DAY
    for k, admin in enumerate(ws.catalogs.admins):
        for n in range(400 // 3):
            at = first + n * 3 * DAY + k * 3600
            if lo <= at <= hi:
                away = n % 2 == 0
                yield {
                    "teammate_id": admin["id"],
                    "status_changed_at": at,
                    "status": "away" if away else "active",
                    "away_status_reason": reasons[(n // 2) % 3] if away else None,
                }


def dataset_rows(ws: Workspace, dataset: str, lo: int, hi: int, version: str) -> list[Row]:
    """The rows of a dataset whose time attribute lies in ``[lo, hi]`` (both inclusive)."""
    with ws.lock:
        if dataset == "conversation":
            return list(_conversations(ws, lo, hi, version))
        if dataset == "ticket":
            return list(_tickets(ws, lo, hi))
        if dataset == "call":
            return list(_calls(ws, lo, hi))
        return list(_status_changes(ws, lo, hi))


def export_file(dataset: Dataset, attributes: list[str], rows: list[Row], archive: str) -> bytes:
    """The download: a CSV of the chosen attributes (names as header), gzipped or as .tgz."""
    names = dict(dataset.attributes)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([names[a] for a in attributes])
    for row in rows:
        writer.writerow(["" if row.get(a) is None else row[a] for a in attributes])
    data = text.getvalue().encode()
    if archive == "tgz":
        # The 2.14 changelog calls the file ".tgz": a gzipped tar holding the CSV.
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w:gz") as tar:
            info = tarfile.TarInfo(f"{dataset.id}.csv")
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
        return out.getvalue()
    return gzip.compress(data, mtime=0)


@dataclasses.dataclass
class Job:
    """One export job."""

    id: str
    dataset: Dataset
    attributes: list[str]
    start: int
    end: int
    version: str
    enqueued: float
    fails: bool
    expires_early: bool
    file: bytes | None = None
    completed_at: int | None = None
    status_served: bool = False


@dataclasses.dataclass
class ReportingSettings:
    """The knobs of the export jobs (``reporting`` in ``POST /_sandbox/control``).

    Attributes:
        pending_seconds: How long a new job stays ``pending``.
        running_seconds: How long it then stays ``in_progress``.
        expiry_seconds: How long a completed job's file can be downloaded.
        max_window_seconds: Longest ``end_time - start_time`` accepted (None: any); the
            descriptions document no limit, so this is off unless a test sets it.
        fail_jobs: The next this many jobs end ``failed``.
        expire_jobs: The next this many jobs expire right after their status said
            ``complete`` (the download answers 404).
        archive: ``gzip`` (a gzipped CSV) or ``tgz`` (a gzipped tar holding the CSV).
    """

    pending_seconds: float = 0.2
    running_seconds: float = 0.4
    expiry_seconds: int = 2 * DAY
    max_window_seconds: int | None = None
    fail_jobs: int = 0
    expire_jobs: int = 0
    archive: str = "gzip"


class ReportingJobs:
    """The workspace's export jobs."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.settings = ReportingSettings()
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self._numbers = itertools.count(1)

    def configure(self, changes: dict[str, t.Any]) -> None:
        """Change knobs (``ReportingSettings`` fields).

        Raises:
            ValueError: for an unknown knob or archive kind.
        """
        names = {f.name for f in dataclasses.fields(ReportingSettings)}
        unknown = set(changes) - names
        if unknown:
            msg = f"unknown reporting keys: {', '.join(sorted(unknown))}"
            raise ValueError(msg)
        with self.lock:
            for name, value in changes.items():
                setattr(self.settings, name, value)
        if self.settings.archive not in ("gzip", "tgz"):
            msg = "reporting archive must be gzip or tgz"
            raise ValueError(msg)

    def state(self) -> dict[str, t.Any]:
        """The knobs and how many jobs there are."""
        with self.lock:
            return {**dataclasses.asdict(self.settings), "jobs": len(self.jobs)}

    def enqueue(
        self, dataset: Dataset, attributes: list[str], lo: int, hi: int, version: str
    ) -> Job:
        """Start a job.

        Raises:
            ApiError: 429 with 5 unfinished jobs; 400 for a window the knob refuses.
        """
        now = time.monotonic()
        with self.lock:
            limit = self.settings.max_window_seconds
            if limit is not None and hi - lo > limit:
                message = f"start_time and end_time must be at most {limit} seconds apart"
                raise errors.ApiError(400, "bad_request", message)
            pending = sum(1 for job in self.jobs.values() if self._phase(job, now) != "done")
            if pending >= MAX_PENDING_JOBS:
                message = (
                    f"Exceeded rate limit of {MAX_PENDING_JOBS} pending reporting dataset "
                    "export jobs"
                )
                raise errors.ApiError(429, "rate_limit_exceeded", message)
            fails = self.settings.fail_jobs > 0
            self.settings.fail_jobs -= int(fails)
            expires = not fails and self.settings.expire_jobs > 0
            self.settings.expire_jobs -= int(expires)
            job_id = f"rpt{next(self._numbers)}{secrets.token_hex(4)}"
            job = Job(job_id, dataset, attributes, lo, hi, version, now, fails, expires)
            self.jobs[job_id] = job
            return job

    def _phase(self, job: Job, now: float) -> str:
        elapsed = now - job.enqueued
        if elapsed < self.settings.pending_seconds:
            return "pending"
        if elapsed < self.settings.pending_seconds + self.settings.running_seconds:
            return "in_progress"
        return "done"

    def _live(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        expired = job is not None and (
            job.completed_at is not None
            and (
                (job.expires_early and job.status_served)
                or time.time() > job.completed_at + self.settings.expiry_seconds
            )
        )
        if job is None or expired:
            raise errors.not_found(f"Export job not found for identifier: {job_id}")
        return job

    def status(self, job_id: str, base_url: str) -> dict[str, t.Any]:
        """The job's status body.

        Raises:
            ApiError: 404 for an unknown or expired job.
        """
        with self.lock:
            job = self._live(job_id)
            phase = self._phase(job, time.monotonic())
            body = {"job_identifier": job.id, "download_url": "", "download_expires_at": ""}
            if phase != "done":
                return {**body, "status": phase}
            if job.fails:
                return {**body, "status": "failed"}
            self._complete(job)
            assert job.completed_at is not None
            job.status_served = True
            expires = job.completed_at + self.settings.expiry_seconds
            return {
                **body,
                "status": "complete",
                "download_url": f"{base_url}/download/reporting_data/{job.id}",
                "download_expires_at": str(expires),
            }

    def _complete(self, job: Job) -> None:
        if job.file is None:
            rows = dataset_rows(self.ws, job.dataset.id, job.start, job.end, job.version)
            job.file = export_file(job.dataset, job.attributes, rows, self.settings.archive)
            job.completed_at = int(time.time())

    def download(self, job_id: str) -> bytes:
        """The completed job's file.

        Raises:
            ApiError: 404 for an unknown, expired, failed or unfinished job.
        """
        with self.lock:
            job = self._live(job_id)
            if job.fails or self._phase(job, time.monotonic()) != "done":
                raise errors.not_found(f"Export job not found for identifier: {job_id}")
            self._complete(job)
            assert job.file is not None
            return job.file
