"""Reporting data export jobs: enqueue a window, poll it, stream its file into records.

``/export/reporting_data/enqueue`` starts a job for one dataset and ``[start_time, end_time]``;
``/export/reporting_data/{job_identifier}`` says ``pending``, ``in_progress``, ``complete`` or
``failed``; ``/download/reporting_data/{job_identifier}`` (``Accept: application/octet-stream``)
sends the file. Intercom allows 5 unfinished jobs per workspace.

The file is read as it arrives: gunzipped, and when it is a tar (the 2.14 changelog calls the
file ``.tgz``) each CSV member in turn; one CSV row becomes one record while the rest is still
on the wire, so no file is held in memory. Every request goes through the run's
:class:`~tap_intercom.transport.Transport`.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import dataclasses
import gzip
import io
import logging
import tarfile
import time
import typing as t
import zlib

import requests
import urllib3

from tap_intercom.errors import IntercomClientError, IntercomError, IntercomNotFoundError
from tap_intercom.reporting_datasets import DatasetSpec
from tap_intercom.transport import CONNECT_TIMEOUT_SECONDS
from tap_intercom.windows import SyncWindow

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tap_intercom.transport import Transport

LOGGER = logging.getLogger("tap-intercom")

#: Intercom's limit on unfinished export jobs per workspace.
MAX_PENDING_JOBS = 5
#: Attempts per window: a failed or expired job, or a broken download, costs one.
MAX_ATTEMPTS = 3
#: A window the API refuses is halved down to this length before the refusal is final.
MIN_SPLIT_SECONDS = 3600
#: Reading a broken download raises one of these (truncated gzip, reset connection, ...).
BROKEN_DOWNLOAD = (
    EOFError,
    OSError,
    zlib.error,
    tarfile.TarError,
    urllib3.exceptions.HTTPError,
    requests.exceptions.RequestException,
)
DONE_STATUSES = {"complete", "completed"}
FAILED_STATUSES = {"failed", "canceled", "cancelled"}


@dataclasses.dataclass(slots=True)
class JobStats:
    """What the jobs of one stream cost (logged when the stream ends).

    Attributes:
        jobs: Jobs enqueued.
        polls: Status requests.
        waited_seconds: Seconds slept between status requests (the export's own time).
        retries: Windows read again after a failed or expired job or a broken download.
        splits: Windows halved because the API refused them.
    """

    jobs: int = 0
    polls: int = 0
    waited_seconds: float = 0.0
    retries: int = 0
    splits: int = 0


@dataclasses.dataclass(slots=True)
class _Job:
    window: SyncWindow
    identifier: str
    enqueued_at: float
    attempt: int = 1


class _BrokenDownloadError(Exception):
    """The file stopped before its end (the job may still be downloadable)."""


class _Prefixed(io.RawIOBase):
    """A forward-only stream whose first bytes were already read (to sniff the format)."""

    def __init__(self, head: bytes, rest: t.IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def csv_members(raw: t.BinaryIO) -> Iterator[t.BinaryIO]:
    """The CSV streams in a gzipped download: the file itself, or each member of a tar.

    Args:
        raw: The compressed bytes as they arrive.

    Yields:
        One binary stream per CSV.
    """
    unzipped = gzip.GzipFile(fileobj=raw)
    head = unzipped.read(512)
    # A tar header block carries "ustar" at offset 257.
    source = io.BufferedReader(_Prefixed(head, t.cast("t.BinaryIO", unzipped)))
    if head[257:262] != b"ustar":
        yield t.cast("t.BinaryIO", source)
        return
    with tarfile.open(fileobj=source, mode="r|") as tar:
        for member in tar:
            member_file = tar.extractfile(member) if member.isfile() else None
            if member_file is not None:
                # Wrapped: a member of a streamed tar cannot answer seekable() (Python 3.11).
                yield t.cast("t.BinaryIO", io.BufferedReader(_Prefixed(b"", member_file)))


class ExportJobs:
    """Runs a stream's export jobs: up to ``max_jobs`` at once, files read in window order.

    Args:
        transport: The run's transport.
        app_id: The workspace's ``id_code``, sent as the status and download requests'
            ``app_id`` (None: left out).
        max_jobs: Most unfinished jobs at once (Intercom: 5 per workspace).
        poll_seconds: First wait before asking for a job's status; doubles up to
            ``max_poll_seconds``.
        max_poll_seconds: Longest wait between two status requests.
        job_timeout_seconds: How long one job may stay unfinished.
        sleep: Sleeps between polls (injectable for unit tests).
        clock: Monotonic seconds (injectable with ``sleep``).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        app_id: str | None,
        max_jobs: int = MAX_PENDING_JOBS,
        poll_seconds: float = 0.25,
        max_poll_seconds: float = 10.0,
        job_timeout_seconds: float = 3600.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transport = transport
        self.app_id = app_id
        self.max_jobs = max(1, min(max_jobs, MAX_PENDING_JOBS))
        self.poll_seconds = poll_seconds
        self.max_poll_seconds = max_poll_seconds
        self.job_timeout_seconds = job_timeout_seconds
        self.stats = JobStats()
        self._sleep = sleep
        self._clock = clock

    def records(self, spec: DatasetSpec, windows: list[SyncWindow]) -> Iterator[dict[str, t.Any]]:
        """The records of every window, in window order.

        Args:
            spec: The dataset.
            windows: Consecutive windows, ascending.

        Yields:
            Each record; a window whose file breaks is read again from its start.

        Raises:
            IntercomError: A window whose job failed, expired or broke :data:`MAX_ATTEMPTS`
                times, or that the API refuses even at the smallest split.
        """
        waiting = collections.deque(windows)
        running: collections.deque[_Job] = collections.deque()
        while waiting or running:
            while waiting and len(running) < self.max_jobs:
                job = self._enqueue(spec, waiting)
                if job is not None:
                    running.append(job)
            if running:
                yield from self._finish(spec, running.popleft())

    def _enqueue(self, spec: DatasetSpec, waiting: collections.deque[SyncWindow]) -> _Job | None:
        window = waiting.popleft()
        body = {
            "dataset_id": spec.id,
            "attribute_ids": spec.request_ids(),
            "start_time": window.lo,
            "end_time": window.hi,
        }
        try:
            answer = self.transport.request_json(
                "POST", "/export/reporting_data/enqueue", json=body
            )
        except IntercomClientError as exc:
            if window.hi - window.lo < 2 * MIN_SPLIT_SECONDS:
                raise
            # The descriptions document no window limit; a refused window is halved.
            middle = (window.lo + window.hi) // 2
            waiting.appendleft(SyncWindow(middle, window.hi))
            waiting.appendleft(SyncWindow(window.lo, middle))
            self.stats.splits += 1
            LOGGER.warning("%s: window %s split in two (%s)", spec.stream_name, _shown(window), exc)
            return None
        self.stats.jobs += 1
        return _Job(window, str(answer["job_identifier"]), self._clock())

    def _finish(self, spec: DatasetSpec, job: _Job) -> Iterator[dict[str, t.Any]]:
        problems: list[str] = []
        downloadable = False
        while True:
            if not downloadable:
                status = self._wait(spec, job)
                if status == "no_data":
                    return
                downloadable = status == "complete"
                if not downloadable:
                    problems.append(f"job {status}")
            if downloadable:
                try:
                    yield from self._download(spec, job)
                    return
                except IntercomNotFoundError:
                    downloadable = False
                    problems.append("file expired")
                except _BrokenDownloadError as exc:
                    problems.append(f"download broke ({exc})")
            if job.attempt >= MAX_ATTEMPTS:
                msg = (
                    f"{spec.stream_name}: the export of {_shown(job.window)} did not complete "
                    f"in {MAX_ATTEMPTS} attempts: {'; '.join(problems)}"
                )
                raise IntercomError(msg)
            self.stats.retries += 1
            LOGGER.warning(
                "%s: %s of %s, attempt %d/%d",
                spec.stream_name,
                problems[-1],
                _shown(job.window),
                job.attempt + 1,
                MAX_ATTEMPTS,
            )
            job.attempt += 1
            if not downloadable:
                job.identifier = self._enqueue_again(spec, job.window)
                job.enqueued_at = self._clock()

    def _enqueue_again(self, spec: DatasetSpec, window: SyncWindow) -> str:
        waiting = collections.deque([window])
        job = self._enqueue(spec, waiting)
        if job is None:  # refused now although accepted before: read its halves in turn
            msg = f"{spec.stream_name}: the API refused {_shown(window)} on a retry"
            raise IntercomError(msg)
        return job.identifier

    def _params(self, job: _Job) -> dict[str, str]:
        params = {"job_identifier": job.identifier}
        if self.app_id:
            params["app_id"] = self.app_id
        return params

    def _wait(self, spec: DatasetSpec, job: _Job) -> str:
        """Poll until the job ends: ``complete``, ``failed``, ``expired`` or ``no_data``."""
        # The first status request comes poll_seconds after the enqueue: a job that waited
        # behind the one before it in the pipeline is asked about at once.
        wait = max(0.0, job.enqueued_at + self.poll_seconds - self._clock())
        step = self.poll_seconds
        waited = 0.0
        while True:
            if wait:
                self._sleep(wait)
            waited += wait
            self.stats.waited_seconds += wait
            self.stats.polls += 1
            try:
                body = self.transport.request_json(
                    "GET", f"/export/reporting_data/{job.identifier}", params=self._params(job)
                )
            except IntercomNotFoundError:
                return "expired"
            status = str(body.get("status") or "").lower()
            if status in DONE_STATUSES:
                return "complete"
            if status in FAILED_STATUSES:
                return "failed"
            if status == "no_data":
                return "no_data"
            if waited > self.job_timeout_seconds:
                msg = (
                    f"{spec.stream_name}: the export job of {_shown(job.window)} was still "
                    f"{status or 'unfinished'} after {waited:.0f}s"
                )
                raise IntercomError(msg)
            step = min(step * 2, self.max_poll_seconds)
            wait = step

    def _download(self, spec: DatasetSpec, job: _Job) -> Iterator[dict[str, t.Any]]:
        transport = self.transport
        # The documented path on the run's base URL: the token never goes to another host,
        # whatever download_url says.
        url = transport.url(f"/download/reporting_data/{job.identifier}")
        response = transport.execute(
            lambda: transport.session.get(
                url,
                params=self._params(job),
                headers={"Accept": "application/octet-stream"},
                stream=True,
                timeout=(min(CONNECT_TIMEOUT_SECONDS, transport.timeout), transport.timeout),
            ),
            what=f"GET /download/reporting_data/{job.identifier}",
        )
        with contextlib.closing(response):
            try:
                for member in csv_members(t.cast("t.BinaryIO", response.raw)):
                    text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
                    reader = csv.reader(text)
                    header = next(reader, None)
                    if header is None:
                        continue
                    columns = spec.columns(header)
                    for cells in reader:
                        yield spec.record(columns, cells)
            except BROKEN_DOWNLOAD as exc:
                raise _BrokenDownloadError(type(exc).__name__) from exc


def _shown(window: SyncWindow) -> str:
    return f"[{window.lo}, {window.hi}]"
