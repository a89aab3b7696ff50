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
import functools
import gzip
import io
import logging
import tarfile
import threading
import time
import typing as t
import zlib

import urllib3

from tap_intercom.errors import (
    IntercomClientError,
    IntercomError,
    IntercomNotFoundError,
    IntercomScopeError,
)
from tap_intercom.reporting_datasets import DatasetSpec
from tap_intercom.windows import SyncWindow, iso_utc

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

    from tap_intercom.prefetch import Prefetcher
    from tap_intercom.transport import Transport

LOGGER = logging.getLogger("tap-intercom")

#: Intercom's limit on unfinished export jobs per workspace.
MAX_PENDING_JOBS = 5
#: Attempts per window: a failed or expired job, or a broken download, costs one.
MAX_ATTEMPTS = 3
#: A window the API refuses is halved down to this length before the refusal is final.
MIN_SPLIT_SECONDS = 3600
#: Reading a broken download raises one of these (truncated gzip, reset connection, ...).
BROKEN_DOWNLOAD = (EOFError, OSError, zlib.error, tarfile.TarError, urllib3.exceptions.HTTPError)
DONE_STATUSES = {"complete", "completed"}
FAILED_STATUSES = {"failed", "canceled", "cancelled"}


@dataclasses.dataclass(slots=True)
class JobStats:
    """What the jobs of one stream cost (logged when the stream ends).

    Attributes:
        jobs: Jobs enqueued.
        polls: Status requests.
        waited_seconds: Seconds the stream waited for the window it reads next: its job
            enqueued, run by Intercom, polled and its file opened (the export's own time;
            the windows further ahead progress meanwhile).
        retries: Windows read again after a failed or expired job or a broken download.
        splits: Windows halved because the API refused them.
    """

    jobs: int = 0
    polls: int = 0
    waited_seconds: float = 0.0
    retries: int = 0
    splits: int = 0


@dataclasses.dataclass(slots=True)
class _Opened:
    """A window whose job completed: its file's response (None: the job had no data)."""

    window: SyncWindow
    job_id: str
    response: requests.Response | None
    attempt: int
    problems: list[str]


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
    """Runs a stream's export jobs: ``max_jobs`` windows ahead, files read in window order.

    The windows ahead of the one being read are enqueued, polled and their downloads opened
    on the run's pool, so their round trips overlap; the file being read is the only one
    whose rows are taken off the wire.

    Args:
        transport: The run's transport.
        pool: The run's pool (a pool of 1 runs every step inline).
        app_id: The workspace's ``id_code``, sent as the status and download requests'
            ``app_id`` (None: left out).
        max_jobs: Most unfinished jobs at once (Intercom: 5 per workspace).
        poll_seconds: Wait after the enqueue before asking for a job's status; doubles up to
            ``max_poll_seconds``.
        max_poll_seconds: Longest wait between two status requests.
        job_timeout_seconds: How long one job may stay unfinished.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        pool: Prefetcher,
        app_id: str | None,
        max_jobs: int = MAX_PENDING_JOBS,
        poll_seconds: float = 0.25,
        max_poll_seconds: float = 10.0,
        job_timeout_seconds: float = 3600.0,
    ) -> None:
        self.transport = transport
        self.pool = pool
        self.app_id = app_id
        self.max_jobs = max(1, max_jobs)
        self.poll_seconds = poll_seconds
        self.max_poll_seconds = max_poll_seconds
        self.job_timeout_seconds = job_timeout_seconds
        self.stats = JobStats()
        self._lock = threading.Lock()
        self._stop = threading.Event()

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
        ahead: collections.deque[tuple[SyncWindow, tuple[t.Any, ...]]] = collections.deque()
        try:
            while waiting or ahead:
                while waiting and len(ahead) < self.max_jobs:
                    window = waiting.popleft()
                    key = self._key(spec, window)
                    self.pool.submit(key, functools.partial(self._open, spec, window))
                    ahead.append((window, key))
                window, key = ahead.popleft()
                started = time.monotonic()
                opened = self.pool.take(key, functools.partial(self._open, spec, window))
                self._count("waited_seconds", time.monotonic() - started)
                if isinstance(opened, list):
                    # Refused: its halves are read next (inline, as splits are rare).
                    for half in reversed(opened):
                        ahead.appendleft((half, self._key(spec, half)))
                    continue
                yield from self._read(spec, opened)
        finally:
            # Ends the windows still ahead (a failure, or the consumer stopped early): their
            # polls stop, and files opened for nobody are closed.
            self._stop.set()
            for _, key in ahead:
                with contextlib.suppress(Exception):
                    leftover = self.pool.take(key, lambda: None)
                    if isinstance(leftover, _Opened) and leftover.response is not None:
                        leftover.response.close()

    def _key(self, spec: DatasetSpec, window: SyncWindow) -> tuple[t.Any, ...]:
        return ("reporting", id(self), spec.id, window.lo, window.hi)

    def _count(self, name: str, amount: float = 1) -> None:
        with self._lock:
            setattr(self.stats, name, getattr(self.stats, name) + amount)

    def _open(
        self,
        spec: DatasetSpec,
        window: SyncWindow,
        *,
        job_id: str | None = None,
        attempt: int = 1,
        problems: list[str] | None = None,
    ) -> _Opened | list[SyncWindow]:
        """Run a window's job until its file is open, retrying failed and expired jobs.

        With ``job_id``, the job is known to be complete and its file is opened again.

        Returns:
            The opened file, or the window's halves when the API refuses the window.
        """
        problems = [] if problems is None else problems
        downloadable = job_id is not None
        while True:
            if job_id is None:
                job_id = self._enqueue(spec, window, retry=attempt > 1)
                if job_id is None:
                    middle = (window.lo + window.hi) // 2
                    return [SyncWindow(window.lo, middle), SyncWindow(middle, window.hi)]
            if not downloadable:
                status = self._wait(spec, window, job_id)
                if status == "no_data":
                    return _Opened(window, job_id, None, attempt, problems)
                downloadable = status == "complete"
                if not downloadable:
                    problems.append(f"job {status}")
            if downloadable:
                try:
                    return _Opened(window, job_id, self._get_file(job_id), attempt, problems)
                except IntercomNotFoundError:
                    problems.append("file expired")
            attempt = self._next_attempt(spec, window, attempt, problems)
            job_id, downloadable = None, False

    def _next_attempt(
        self, spec: DatasetSpec, window: SyncWindow, attempt: int, problems: list[str]
    ) -> int:
        if attempt >= MAX_ATTEMPTS:
            msg = (
                f"{spec.stream_name}: the export of {_shown(window)} did not complete in "
                f"{MAX_ATTEMPTS} attempts: {'; '.join(problems)}"
            )
            raise IntercomError(msg)
        self._count("retries")
        LOGGER.warning(
            "%s: %s of %s, attempt %d/%d",
            spec.stream_name,
            problems[-1],
            _shown(window),
            attempt + 1,
            MAX_ATTEMPTS,
        )
        return attempt + 1

    def _enqueue(self, spec: DatasetSpec, window: SyncWindow, *, retry: bool) -> str | None:
        """Start a job; None when the API refuses the window and it can be halved."""
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
            if retry or window.hi - window.lo < 2 * MIN_SPLIT_SECONDS:
                raise
            # The descriptions document no window limit; a refused window is halved.
            self._count("splits")
            LOGGER.warning("%s: window %s split in two (%s)", spec.stream_name, _shown(window), exc)
            return None
        self._count("jobs")
        return str(answer["job_identifier"])

    def _params(self, job_id: str) -> dict[str, str]:
        params = {"job_identifier": job_id}
        if self.app_id:
            params["app_id"] = self.app_id
        return params

    def _wait(self, spec: DatasetSpec, window: SyncWindow, job_id: str) -> str:
        """Poll until the job ends: ``complete``, ``failed``, ``expired`` or ``no_data``."""
        wait = self.poll_seconds
        waited = 0.0
        while True:
            if self._stop.wait(wait):
                msg = f"{spec.stream_name}: stopped waiting for the job of {_shown(window)}"
                raise IntercomError(msg)
            waited += wait
            self._count("polls")
            try:
                body = self.transport.request_json(
                    "GET", f"/export/reporting_data/{job_id}", params=self._params(job_id)
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
                    f"{spec.stream_name}: the export job of {_shown(window)} was still "
                    f"{status or 'unfinished'} after {waited:.0f}s"
                )
                raise IntercomError(msg)
            wait = min(wait * 2, self.max_poll_seconds)

    def _get_file(self, job_id: str) -> requests.Response:
        """The download's response, its body not read yet."""
        # The documented path on the run's base URL: the token never goes to another host,
        # whatever download_url says.
        return self.transport.send(
            "GET",
            f"/download/reporting_data/{job_id}",
            params=self._params(job_id),
            headers={"Accept": "application/octet-stream"},
            stream=True,
        )

    def _read(self, spec: DatasetSpec, opened: _Opened) -> Iterator[dict[str, t.Any]]:
        """The rows of an opened file; a broken one is downloaded again (or its job rerun)."""
        while opened.response is not None:
            try:
                yield from self._rows(spec, opened.response)
                return
            except _BrokenDownloadError as exc:
                opened.problems.append(f"download broke ({exc})")
                attempt = self._next_attempt(spec, opened.window, opened.attempt, opened.problems)
                try:
                    again = self._open(
                        spec,
                        opened.window,
                        job_id=opened.job_id,
                        attempt=attempt,
                        problems=opened.problems,
                    )
                except IntercomScopeError as refused:
                    # Part of this window was emitted and its rows are in no order: a 403
                    # now fails the run instead of ending the stream, whose bookmark would
                    # then move past rows of the window not read yet.
                    msg = (
                        f"{spec.stream_name}: refused while {_shown(opened.window)} was half "
                        f"read: {refused}"
                    )
                    raise IntercomError(msg) from refused
                assert isinstance(again, _Opened)  # a retry never splits (it raises)
                opened = again

    @staticmethod
    def _rows(spec: DatasetSpec, response: requests.Response) -> Iterator[dict[str, t.Any]]:
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
    return f"[{iso_utc(window.lo)}, {iso_utc(window.hi)}]"
