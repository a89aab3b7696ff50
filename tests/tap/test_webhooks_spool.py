"""The webhook spool on a real SQLite file: group commit, duplicates, restart and trim."""

from __future__ import annotations

import concurrent.futures
import sqlite3
import typing as t

from tap_intercom.webhooks.spool import Spool, Version

if t.TYPE_CHECKING:
    import pathlib


def test_concurrent_deliveries_are_each_spooled_once(tmp_path: pathlib.Path) -> None:
    spool = Spool(tmp_path)
    # 400 deliveries of 200 distinct ids from 16 threads: every id twice, in any order.
    ids = [f"notif_{k % 200}" for k in range(400)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(
            pool.map(lambda nid: (nid, spool.append(nid, "contact.user.updated", 1, b"{}")), ids)
        )
    new = [nid for nid, was_new in results if was_new]
    assert sorted(new) == sorted(set(ids))
    assert spool.rows == 200
    assert spool.last_seq == 200
    spool.close()
    # All of it is on disk: a second process sees every row.
    with sqlite3.connect(tmp_path / Spool.FILENAME) as db:
        rows = db.execute("SELECT COUNT(*), COUNT(DISTINCT id), MAX(seq) FROM spool").fetchone()
    assert rows == (200, 200, 200)


def test_restart_trims_committed_rows_and_forgets_uncommitted_versions(
    tmp_path: pathlib.Path,
) -> None:
    spool = Spool(tmp_path)
    for k in range(1, 7):
        assert spool.append(f"n{k}", "company.updated", k, b"{}")
    spool.keep(2)  # an unmapped topic: kept whatever the position
    spool.remember(1, "companies", "a", Version(10, None))
    spool.remember(5, "companies", "a", Version(20, None))
    spool.remember(3, "companies", "b", Version(7, None))
    spool.flush_versions()
    spool.close()

    spool = Spool(tmp_path)
    spool.restart_at(4)
    # Only what is above the committed position is replayed, and the versions are those
    # the committed position had seen.
    assert [row.seq for row in spool.read_after(4)] == [5, 6]
    assert spool.version("companies", "a") == Version(10, None)
    assert spool.version("companies", "b") == Version(7, None)
    assert spool.counts() == {"rows": 3, "kept": 1, "last_seq": 6}
    assert not spool.append("n1", "company.updated", 1, b"{}")  # still a known id
    assert spool.append("n7", "company.updated", 7, b"{}")
    assert spool.last_seq == 7
    spool.close()


def test_receiver_answers_503_while_stopping_and_404_elsewhere(tmp_path: pathlib.Path) -> None:
    import threading

    import requests

    from tap_intercom.webhooks.receiver import Receiver
    from tap_intercom.webhooks.signature import sign

    spool = Spool(tmp_path)
    receiver = Receiver(
        ("127.0.0.1", 0), secret="s", spool=spool, busy=lambda: None, spooled=lambda: None
    )
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        body = b'{"id": "n1", "topic": "ping", "created_at": 1}'
        headers = {"X-Hub-Signature": sign(b"s", body)}
        base = receiver.url.rsplit("/intercom", 1)[0]
        assert (
            requests.post(base + "/other", data=body, headers=headers, timeout=5).status_code == 404
        )
        assert requests.get(receiver.url, timeout=5).status_code == 405
        receiver.closing = True
        answer = requests.post(receiver.url, data=body, headers=headers, timeout=5)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "60"
        assert spool.rows == 0
    finally:
        receiver.shutdown()
        thread.join()
        receiver.server_close()
        spool.close()
    assert receiver.counts["refused_closing"] == 1
