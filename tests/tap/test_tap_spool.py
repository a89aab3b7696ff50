"""The on-disk collections of a run (pure): the companies scan and the emitted keys."""

from __future__ import annotations

import decimal
import threading

from tap_intercom.spool import CompanySpool, KeySet
from tap_intercom.timestamps import TimestampPlan


def test_company_spool_keeps_first_seen_order_and_the_latest_version() -> None:
    spool = CompanySpool()
    try:
        spool.put("a", 10, {"id": "a", "v": 1, "spend": decimal.Decimal("1.10")})
        spool.put("b", 20, {"id": "b", "v": 1})
        spool.put("c", None, {"id": "c", "v": 1})
        # A restarted scan meets "a" again, changed meanwhile.
        spool.put("a", 30, {"id": "a", "v": 2, "spend": decimal.Decimal("2.25")})
        assert len(spool) == 3
        assert [(c["id"], c["v"]) for c in spool] == [("a", 2), ("b", 1), ("c", 1)]
        assert next(iter(spool))["spend"] == decimal.Decimal("2.25")
        # Selection by window is inclusive and skips companies without updated_at.
        assert [c["id"] for c in spool.select(20, 30)] == ["a", "b"]
        assert [c["id"] for c in spool.select(21, 29)] == []
    finally:
        spool.close()


def test_company_spool_reads_back_more_rows_than_one_fetch() -> None:
    spool = CompanySpool()
    try:
        for index in range(2_345):
            spool.put(f"id{index}", index, {"id": f"id{index}"})
        assert [c["id"] for c in spool.select(0, 10_000)] == [f"id{i}" for i in range(2_345)]
    finally:
        spool.close()


def test_key_set_is_exact_and_thread_safe() -> None:
    keys = KeySet()
    assert keys.add("1")
    assert not keys.add("1")
    assert keys.add(1), "an integer key is not its string"
    assert ("c", "1") not in keys
    assert keys.add(("c", "1"))
    assert ("c", "1") in keys
    added: list[bool] = []

    def worker() -> None:
        added.extend(keys.add(f"k{k}") for k in range(500))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert added.count(True) == 500
    keys.close()


def test_timestamp_plan_follows_objects_arrays_and_alternatives() -> None:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "created_at": {"type": ["integer", "null"]},
            "duration": {"type": ["integer", "null"]},
            "trial": {"type": ["integer", "null"], "description": "Unix timestamp (seconds)"},
            "tags": {
                "type": "object",
                "properties": {
                    "data": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"applied_at": {"type": ["integer"]}},
                        },
                    }
                },
            },
            "source": {
                "anyOf": [{"type": "object", "properties": {"sent_at": {"type": ["integer"]}}}]
            },
        },
    }
    plan = TimestampPlan.of(schema)
    iso = plan.schema(schema, iso=True)
    assert iso["properties"]["created_at"] == {"type": ["string", "null"], "format": "date-time"}
    assert iso["properties"]["duration"] == {"type": ["integer", "null"]}
    assert iso["properties"]["trial"]["format"] == "date-time"
    items = iso["properties"]["tags"]["properties"]["data"]["items"]
    assert items["properties"]["applied_at"] == {"type": ["string"], "format": "date-time"}
    assert iso["properties"]["source"]["anyOf"][0]["properties"]["sent_at"]["format"] == "date-time"
    # The iso form goes back to integers (a catalog discovered with it, run with unix).
    assert plan.schema(iso, iso=False) == plan.schema(schema, iso=False)
    assert plan.schema(iso, iso=False)["properties"]["created_at"] == {"type": ["integer", "null"]}
    record = {
        "id": "1",
        "created_at": 0,
        "duration": 5,
        "trial": None,
        "tags": {"data": [{"applied_at": 1_717_200_000}, None]},
        "source": {"sent_at": "already text"},
    }
    assert plan.convert(record) == {
        "id": "1",
        "created_at": "1970-01-01T00:00:00+00:00",
        "duration": 5,
        "trial": None,
        "tags": {"data": [{"applied_at": "2024-06-01T00:00:00+00:00"}, None]},
        "source": {"sent_at": "already text"},
    }
