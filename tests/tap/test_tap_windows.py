"""Pure incremental logic: windows, search bodies, timestamps, de-duplication."""

from __future__ import annotations

import datetime
import decimal
import itertools

import pytest

from tap_intercom.windows import (
    Deduplicator,
    SyncWindow,
    contacts_query,
    exact_query,
    search_body,
    split_window,
    to_epoch,
    window_for,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1_700_000_000, 1_700_000_000, id="int"),
        pytest.param(decimal.Decimal("1700000000.9"), 1_700_000_000, id="decimal"),
        pytest.param("1700000000", 1_700_000_000, id="digits"),
        pytest.param("2023-11-14T22:13:20Z", 1_700_000_000, id="iso-z"),
        pytest.param("2023-11-14T23:13:20+01:00", 1_700_000_000, id="iso-offset"),
        pytest.param("2023-11-14T22:13:20", 1_700_000_000, id="iso-naive-is-utc"),
        pytest.param(None, None, id="none"),
        pytest.param("", None, id="empty"),
        pytest.param("yesterday", None, id="garbage"),
        pytest.param(True, None, id="bool"),
    ],
)
def test_to_epoch(value: object, expected: int | None) -> None:
    assert to_epoch(value) == expected


def test_first_run_starts_at_start_date() -> None:
    assert window_for(bookmark=None, start=100, lookback=50, hi=1_000) == SyncWindow(100, 1_000)


def test_first_run_without_start_date_reads_everything() -> None:
    assert window_for(bookmark=None, start=None, lookback=0, hi=1_000) == SyncWindow(0, 1_000)


def test_bookmark_minus_lookback_is_inclusive() -> None:
    window = window_for(bookmark=500, start=100, lookback=60, hi=1_000)
    assert window == SyncWindow(440, 1_000)
    assert window.contains(440)
    assert window.contains(1_000)
    assert not window.contains(439)
    assert not window.contains(1_001)
    assert not window.contains(None)


def test_start_date_later_than_bookmark_wins() -> None:
    assert window_for(bookmark=500, start=800, lookback=0, hi=1_000).lo == 800


def test_bookmark_at_upper_bound_gives_an_empty_window_only_past_it() -> None:
    assert not window_for(bookmark=1_000, start=None, lookback=0, hi=1_000).empty
    assert window_for(bookmark=1_001, start=None, lookback=0, hi=1_000).empty


def test_contacts_query_matches_the_whole_bookmark_day_and_has_no_upper_bound() -> None:
    query = contacts_query(SyncWindow(1_700_000_000, 1_800_000_000))
    assert query == {
        "operator": "OR",
        "value": [
            {"field": "updated_at", "operator": "=", "value": 1_700_000_000},
            {"field": "updated_at", "operator": ">", "value": 1_700_000_000},
        ],
    }
    operators = {clause["operator"] for clause in query["value"]}
    assert not operators & {"<", ">=", "<="}  # refused or day-dropping on contact dates


def simulate_day_search(query: dict, record_ts: int, tz_offset_hours: int) -> bool:
    """Intercom's contacts semantics: dates compare whole days in the workspace's zone."""
    zone = datetime.timezone(datetime.timedelta(hours=tz_offset_hours))

    def day(ts: int) -> datetime.date:
        return datetime.datetime.fromtimestamp(ts, tz=zone).date()

    def match(clause: dict) -> bool:
        if clause["operator"] == "OR":
            return any(match(c) for c in clause["value"])
        if clause["operator"] == "AND":
            return all(match(c) for c in clause["value"])
        if clause["operator"] == "=":
            return day(record_ts) == day(clause["value"])
        if clause["operator"] == ">":
            return day(record_ts) > day(clause["value"])
        if clause["operator"] == "<":
            return day(record_ts) < day(clause["value"])
        raise AssertionError(clause)

    return match(query)


@pytest.mark.parametrize("tz_offset", [-12, -8, -1, 0, 1, 5, 9, 14])
def test_contacts_query_never_skips_a_record_at_or_after_the_bound(tz_offset: int) -> None:
    lo = 1_700_000_000 + 3_333
    query = contacts_query(SyncWindow(lo, lo + 10 * 86_400))
    for delta in (0, 1, 59, 3_600, 40_000, 86_399, 86_400, 200_000):
        assert simulate_day_search(query, lo + delta, tz_offset), (tz_offset, delta)


def test_bare_greater_than_would_lose_the_rest_of_the_day() -> None:
    lo = 1_700_000_000
    bare = {"field": "updated_at", "operator": ">", "value": lo}
    assert not simulate_day_search(bare, lo + 1, 0)  # the defect the OR clause fixes


def test_exact_query_includes_both_ends_under_either_reading() -> None:
    query = exact_query(SyncWindow(100, 200))
    assert query["operator"] == "AND"
    lower, upper = query["value"]
    assert lower == {"field": "updated_at", "operator": ">", "value": 99}
    assert upper == {"field": "updated_at", "operator": "<", "value": 201}


def test_search_body_sorts_ascending_and_carries_the_cursor() -> None:
    query = {"field": "updated_at", "operator": ">", "value": 1}
    first = search_body(query, None)
    assert first == {
        "query": query,
        "pagination": {"per_page": 150},
        "sort": {"field": "updated_at", "order": "ascending"},
    }
    assert search_body(query, "abc")["pagination"] == {"per_page": 150, "starting_after": "abc"}


def test_split_window_overlaps_by_the_boundary_second() -> None:
    parts = split_window(SyncWindow(0, 100), 30)
    assert parts == [
        SyncWindow(0, 30),
        SyncWindow(30, 60),
        SyncWindow(60, 90),
        SyncWindow(90, 100),
    ]
    assert split_window(SyncWindow(5, 5), 30) == [SyncWindow(5, 5)]
    assert split_window(SyncWindow(6, 5), 30) == []


def test_deduplicator() -> None:
    dedupe = Deduplicator()
    assert dedupe.first_time("a")
    assert dedupe.seen("a")
    assert not dedupe.first_time("a")
    assert not dedupe.seen("b")
    assert dedupe.dropped == 1


@pytest.mark.parametrize("tz_offset", [-12, -8, 0, 5, 13, 14])
def test_contacts_slice_query_covers_its_slice_in_any_time_zone(tz_offset: int) -> None:
    from tap_intercom.sliced import contacts_slice_query

    part = SyncWindow(1_700_000_000 + 777, 1_700_000_000 + 5 * 86_400 + 123)
    query = contacts_slice_query(part)
    for ts in range(part.lo, part.hi + 1, 3_331):
        assert simulate_day_search(query, ts, tz_offset), (tz_offset, ts)
    assert simulate_day_search(query, part.hi, tz_offset)
    # It reads at most a couple of days beyond the slice.
    assert not simulate_day_search(query, part.hi + 3 * 86_400, tz_offset)


def test_slice_bounds_are_disjoint_and_cover_the_window() -> None:
    from tap_intercom.sliced import slice_bounds

    parts = slice_bounds(100, 1_000, 7)
    assert parts[0].lo == 100
    assert parts[-1].hi == 1_000
    for left, right in itertools.pairwise(parts):
        assert right.lo == left.hi + 1
    assert slice_bounds(5, 6, 8) == [SyncWindow(5, 5), SyncWindow(6, 6)]
