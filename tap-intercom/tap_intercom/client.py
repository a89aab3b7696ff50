"""Base stream classes: paging through the walker and the transport, incremental windows."""

from __future__ import annotations

import typing as t

from singer_sdk import RESTStream, SchemaDirectory, StreamSchema
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.streams.rest import PageContext
from typing_extensions import override

from tap_intercom import schemas
from tap_intercom.bookmarks import BookmarkError
from tap_intercom.custom_attributes import with_custom_attributes
from tap_intercom.errors import IntercomError, IntercomScopeError
from tap_intercom.fitting import SchemaFitting
from tap_intercom.pagination import (
    IntercomPaginator,
    Page,
    PageToken,
    decode,
    is_url,
    list_page,
    next_token,
    walk_pages,
)
from tap_intercom.run_metrics import RequestTimer
from tap_intercom.scroll import ScrollIncompleteError
from tap_intercom.sdk_adapter import AdaptedStream
from tap_intercom.timestamps import TimestampPlan
from tap_intercom.windows import Deduplicator, SyncWindow, iso_utc, to_epoch, window_for

if t.TYPE_CHECKING:
    from collections.abc import Hashable, Iterable

    import requests
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context, Record
    from singer_sdk.streams.rest import HTTPRequest

    from tap_intercom.run_context import RunContext

SCHEMAS_DIR = SchemaDirectory(schemas)


class IntercomSchema(StreamSchema):
    """``<stream>.json``, with typed ``custom_attributes`` for streams that declare a model.

    With ``timestamp_format: iso`` its Unix-second properties are ISO 8601 ``date-time``
    strings (see :mod:`tap_intercom.timestamps`).
    """

    @override
    def get_stream_schema(self, stream: t.Any, stream_class: t.Any) -> dict[str, t.Any]:
        """The stream's schema (cached per stream instance).

        Args:
            stream: The stream instance.
            stream_class: The stream class.

        Returns:
            The JSON Schema.
        """
        cached = getattr(stream, "_typed_schema", None)
        if cached is not None:
            return t.cast("dict[str, t.Any]", cached)
        base = super().get_stream_schema(stream, stream_class)
        model = getattr(stream, "custom_attributes_model", None)
        if model:
            typed = stream.run.attribute_types.of(model)
            if typed:
                base = with_custom_attributes(base, typed, stream.custom_attributes_field)
        plan = TimestampPlan.of(base)
        stream._timestamp_plan = plan
        if stream.run.settings.timestamps_iso:
            base = plan.schema(base, iso=True)
        stream._typed_schema = base
        return base


#: Failures the tap ends a run on with one line on stderr (``TapIntercom.invoke``).
ONE_LINE_ERRORS = (IntercomError, ScrollIncompleteError, BookmarkError)


class IntercomStream(SchemaFitting, AdaptedStream, RESTStream[PageToken | None]):
    """An Intercom list endpoint (full table unless a subclass says otherwise)."""

    #: Declared here so the registry can read a class's name (the SDK sets it per instance).
    name: str
    schema: t.ClassVar[StreamSchema] = IntercomSchema(SCHEMAS_DIR)
    primary_keys: t.ClassVar[tuple[str, ...]] = ("id",)
    records_jsonpath = "$.data[*]"

    #: ``per_page`` sent with every request (None: the endpoint's default).
    page_size: t.ClassVar[int | None] = None
    #: Fixed query parameters.
    extra_params: t.ClassVar[dict[str, t.Any]] = {}
    #: The first API version that has this endpoint (None: every supported version).
    min_api_version: t.ClassVar[str | None] = None
    #: The Intercom permission (OAuth scope) the endpoint needs, for error messages.
    permission: t.ClassVar[str] = "read data"
    #: ``contact``/``company``/``conversation``/``ticket``: type custom attributes from that model.
    custom_attributes_model: t.ClassVar[str | None] = None
    #: The property holding them (tickets': ``ticket_attributes``).
    custom_attributes_field: t.ClassVar[str] = "custom_attributes"
    #: Always emit ACTIVATE_VERSION so rows deleted at the source disappear downstream.
    always_activate_version: t.ClassVar[bool] = False
    #: Opt-in streams: the boolean setting that switches the stream on (None: always offered).
    opt_in_setting: t.ClassVar[str | None] = None
    #: Completes "Stream <name> left out: set <setting> to ..." in the discovery log.
    opt_in_note: t.ClassVar[str] = "read it"

    # The SDK logs one METRIC line per request; request_timer logs one per stream instead.
    _LOG_REQUEST_METRICS = False

    _typed_schema: dict[str, t.Any] | None = None
    _request_timer: RequestTimer | None = None
    _timestamp_plan: TimestampPlan | None = None
    _refused = False

    def __init__(self, tap: Tap, run: RunContext, **kwargs: t.Any) -> None:
        """A stream of the run.

        Args:
            tap: The tap (the SDK's owner of the stream: state, catalog, output).
            run: The run context: everything the stream uses from the run.
            kwargs: ``name`` and ``schema`` for streams made at discovery.
        """
        self.run = run
        super().__init__(tap, **kwargs)

    @classmethod
    def instances(cls, tap: Tap, run: RunContext) -> list[IntercomStream]:
        """The streams of this class discovery offers (one; a family may make several).

        Args:
            tap: The tap.
            run: The run context.

        Returns:
            The stream instances.
        """
        return [cls(tap, run)]

    @property
    def timestamp_plan(self) -> TimestampPlan:
        """Where the stream's Unix-second properties are (from the tap's own schema)."""
        if self._timestamp_plan is None:
            _ = self.schema
        assert self._timestamp_plan is not None
        return self._timestamp_plan

    @override
    @property
    def url_base(self) -> str:
        """The API base URL, the transport's (region or ``api_url``)."""
        return self.run.transport.base_url

    @override
    @property
    def emit_activate_version_messages(self) -> bool:
        """ACTIVATE_VERSION for data-attribute streams, else as configured."""
        return self.always_activate_version or super().emit_activate_version_messages

    @override
    def reports_in_one_line(self, exc: BaseException) -> bool:
        """The tap's own failures, which ``TapIntercom.invoke`` reports in one line.

        Args:
            exc: The exception in flight.

        Returns:
            True for them.
        """
        return isinstance(exc, ONE_LINE_ERRORS)

    @override
    def before_record_written(self, record: Record) -> None:
        """Widen the schema first when ``record`` does not fit it (:mod:`tap_intercom.fitting`).

        Args:
            record: The record about to be written.
        """
        self.fit_schema(record)

    def page_token(self, body: t.Any) -> PageToken | None:
        """The token of the page after this one (``pages.next``: a cursor or a URL).

        Args:
            body: The decoded page.

        Returns:
            The token, or None on the last page.
        """
        return next_token(body)

    def stop_paging(self, body: t.Any) -> bool:
        """Whether to stop after this page although there are more (default: never).

        Args:
            body: The decoded page.

        Returns:
            True to stop.
        """
        return False

    @override
    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """The request for one page: a next-page URL as is, else path, params and cursor.

        Only URL, method, params and body are used: headers, auth and timeouts are the
        transport's.

        Args:
            page: The stream context and the next page token.

        Returns:
            The HTTP request.
        """
        request = super().get_http_request(page=page)
        token = page.next_page_token
        if is_url(token):
            request.url, request.params = list_page(request.url, None, token)
            return request
        request.params.update(self.extra_params)
        if self.page_size:
            request.params["per_page"] = self.page_size
        self.apply_cursor(request, token)
        return request

    def apply_cursor(self, request: HTTPRequest, cursor: str | None) -> None:
        """Put a ``starting_after`` cursor into the request (query string by default).

        Args:
            request: The request being built.
            cursor: The cursor, or None on the first page.
        """
        request.url, request.params = list_page(request.url, request.params, cursor)

    @override
    def request_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Pages in order through the page walker and the transport (the SDK's loop unused).

        Each page is requested (and parsed) on a worker thread while the previous one is
        emitted. Parsing a page submits its children's requests (:meth:`on_page`), so the
        pool starts on page N+1's children while page N's are still being emitted.

        Args:
            context: Stream partition or context dictionary.

        Yields:
            Each record.
        """
        transport = self.run.transport
        with self.get_http_request_counter() as counter:
            counter.with_context(context)

            def load(token: PageToken | None) -> Page:
                request = self.get_http_request(
                    page=PageContext(stream_context=context, next_page_token=token)
                )
                response = transport.send(
                    request.method, request.url, params=request.encode_params(), json=request.data
                )
                counter.increment()
                self.request_timer.add(response.elapsed.total_seconds())
                return decode(response), list(self.parse_response(response))

            paginator = IntercomPaginator(stop=self.stop_paging, token_of=self.page_token)
            for _, records in walk_pages(load, paginator, ahead=True, name=f"{self.name}-pages"):
                yield from records

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        """Records of one page (floats as Decimal); calls :meth:`on_page` first.

        Args:
            response: The page.

        Yields:
            Each record.
        """
        records = list(extract_jsonpath(self.records_jsonpath, input=decode(response)))
        self.on_page(records)
        yield from records

    def on_page(self, records: list[dict[str, t.Any]]) -> None:
        """Hook called with each page's records before they are yielded (prefetching).

        Args:
            records: The page's records.
        """

    @property
    def request_timer(self) -> RequestTimer:
        """This stream's HTTP request time, logged as one METRIC line per run."""
        if self._request_timer is None:
            self._request_timer = RequestTimer(self.name, self.path or "")
        return self._request_timer

    @override
    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        """Finalize the bookmark, then log the stream's request time once.

        Args:
            state: State object to promote progress markers with.
        """
        super().finalize_state_progress_markers(state)
        if self._request_timer is not None:
            self._request_timer.finish()
            self._request_timer = None

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Records of the stream; a missing permission ends this stream only.

        Args:
            context: Stream partition or context dictionary.

        Yields:
            Each record.
        """
        if self._refused:
            return
        plan = self.timestamp_plan
        convert = self.run.settings.timestamps_iso and not plan.empty
        try:
            for record in self.read_records(context):
                # After read_records: windows, de-duplication and child contexts work on
                # the API's Unix seconds; only what is emitted is converted.
                yield plan.convert(record) if convert else record
        except IntercomScopeError as exc:
            self._refused = True
            self.run.refusals.refuse(self.name, self.permission, exc)

    def read_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Read the records (subclasses filter or replace the SDK's paging here).

        Args:
            context: Stream partition or context dictionary.

        Returns:
            The records.
        """
        return super().get_records(context)

    def child_streams_to_fetch(self) -> list[t.Any]:
        """Selected child streams whose requests this stream prefetches (``ChildStream``)."""
        return [
            child
            for child in self.child_streams
            if hasattr(child, "prefetch") and (child.selected or child.has_selected_descendents)
        ]

    def prefetch_children(self, records: Iterable[dict[str, t.Any]]) -> None:
        """Start the child requests for ``records`` in the background.

        Args:
            records: Parent records that will be emitted.
        """
        children = self.child_streams_to_fetch()
        if not children or not self.run.pool.enabled:
            return
        for record in records:
            context = self.get_child_context(record, None)
            if context is None:
                continue
            for child in children:
                if not child._refused:
                    child.prefetch(context)


class IncrementalStream(IntercomStream):
    """Incremental on an integer Unix-seconds replication key, within the run's window."""

    replication_key = "updated_at"
    #: The API itself sends the replication key as ISO 8601 text (macros).
    iso_replication_key: t.ClassVar[bool] = False

    _dedupe: Deduplicator | None = None

    @property
    def dedupe(self) -> Deduplicator:
        """Primary keys emitted in this run."""
        if self._dedupe is None:
            self._dedupe = Deduplicator()
        return self._dedupe

    def sync_window(self, context: Context | None) -> SyncWindow:
        """The window this sync reads, from the bookmark in STATE as it was at start.

        Args:
            context: Stream partition or context dictionary.

        Returns:
            The window.
        """
        state = self.get_context_state(context)
        raw = None
        if state.get("replication_key") in (None, self.replication_key):
            raw = state.get("replication_key_value")
        return window_for(
            bookmark=to_epoch(raw),
            start=self.run.settings.start_timestamp,
            lookback=self.run.settings.lookback_seconds,
            hi=self.run.upper_bound,
        )

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> t.Any:
        """The frozen upper bound: no bookmark of this run passes it.

        Args:
            context: Stream partition or context dictionary.

        Returns:
            The bound, in the replication key's type.
        """
        return self.signpost_value(self.run.upper_bound)

    def signpost_value(self, seconds: int) -> t.Any:
        """The bound in the replication key's emitted type (see :meth:`bookmark_form`).

        Args:
            seconds: Unix seconds.

        Returns:
            The value stored in STATE.
        """
        return self.bookmark_form(seconds, iso=self.run.settings.timestamps_iso)

    @classmethod
    def bookmark_form(cls, seconds: int, *, iso: bool) -> t.Any:
        """A bookmark as this run writes it: of the type the replication key is emitted in.

        Args:
            seconds: Unix seconds.
            iso: Whether the run emits timestamps as ISO 8601 text.

        Returns:
            ISO 8601 text, or integer seconds.
        """
        return iso_utc(seconds) if iso or cls.iso_replication_key else seconds

    def key_of(self, record: Record) -> Hashable:
        """The primary key value of a record.

        Args:
            record: A record.

        Returns:
            The key (a tuple for compound keys).
        """
        if len(self.primary_keys) == 1:
            return record.get(self.primary_keys[0])
        return tuple(record.get(k) for k in self.primary_keys)

    def accept(self, record: Record, window: SyncWindow) -> bool:
        """Whether a record falls in the window and was not emitted yet in this run.

        Args:
            record: A record.
            window: The sync window.

        Returns:
            True to emit it.
        """
        if not window.contains(to_epoch(record.get(self.replication_key))):
            return False
        return self.dedupe.first_time(self.key_of(record))

    def accepted_now(self, record: Record, window: SyncWindow) -> bool:
        """Like :meth:`accept` without recording the key (for prefetch decisions).

        Args:
            record: A record.
            window: The sync window.

        Returns:
            True when :meth:`accept` would emit it.
        """
        ts = to_epoch(record.get(self.replication_key))
        return window.contains(ts) and not self.dedupe.seen(self.key_of(record))


__all__ = ["SCHEMAS_DIR", "IncrementalStream", "IntercomSchema", "IntercomStream"]
