"""The blob stage against a real Azurite: upload, list, read, delete, sweep."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import pathlib
import re
import socket
import threading

import pytest

from devstack.processes import free_port
from target_azure_sqldw.encode.formats import CSV
from target_azure_sqldw.errors import StorageError
from target_azure_sqldw.stage.blob_store import (
    BlobStage,
    batch_folder,
    https_url,
    new_batch_id,
    new_run_id,
    wasbs_location,
)
from target_azure_sqldw.stage.parts import PartWriter


def test_path_scheme_and_azure_names() -> None:
    run = new_run_id(dt.datetime(2026, 11, 28, 15, 0, 0, tzinfo=dt.timezone.utc))
    assert re.fullmatch(r"20261128T150000Z-[0-9a-f]{8}", run)
    batch = new_batch_id()
    assert re.fullmatch(r"[0-9a-f]{32}", batch)
    assert batch_folder("/a/b/", "contacts", run, batch) == f"a/b/contacts/{run}/{batch}"
    assert batch_folder("", "x:y", "r", "b").startswith("x_y-")
    assert wasbs_location("acct", "stage") == "wasbs://stage@acct.blob.core.windows.net"
    assert https_url("acct", "stage", "/p/part-00000.csv.gz") == (
        "https://acct.blob.core.windows.net/stage/p/part-00000.csv.gz"
    )


def test_upload_list_read_and_delete_folder(blob_stage: BlobStage, tmp_path: pathlib.Path) -> None:
    writer = PartWriter(tmp_path, CSV, [True], part_bytes=64)
    for i in range(40):
        writer.write([f"row {i} é😀"])
    parts = writer.close()
    assert len(parts) > 2
    folder = batch_folder("prefix", "contacts", new_run_id(), new_batch_id())
    sizes = [blob_stage.upload(p.path, f"{folder}/{p.path.name}") for p in parts]
    assert sizes == [p.path.stat().st_size for p in parts]
    names = blob_stage.list_names(folder)
    assert names == [f"{folder}/{p.path.name}" for p in parts]
    downloaded = blob_stage.client.download_blob(names[0]).readall()
    assert downloaded == parts[0].path.read_bytes()
    assert gzip.decompress(downloaded).decode().startswith('"row 0 é😀"\n')
    other = batch_folder("prefix", "contacts", new_run_id(), new_batch_id())
    blob_stage.client.upload_blob(f"{other}/keep.txt", b"keep")
    assert blob_stage.delete_folder(folder) == len(parts)
    assert blob_stage.list_names(folder) == []
    assert blob_stage.list_names(other) == [f"{other}/keep.txt"]
    assert blob_stage.read_text(f"{other}/keep.txt") == "keep"


def test_upload_overwrites_on_retry(blob_stage: BlobStage, tmp_path: pathlib.Path) -> None:
    first = tmp_path / "a"
    first.write_bytes(b"first")
    blob_stage.upload(first, "p/x/part-00000.csv.gz")
    first.write_bytes(b"second!")
    blob_stage.upload(first, "p/x/part-00000.csv.gz")
    assert blob_stage.read_text("p/x/part-00000.csv.gz") == "second!"


def test_sweep_deletes_only_old_blobs_under_the_prefix(blob_stage: BlobStage) -> None:
    client = blob_stage.client
    for name in ("stage/s/r1/b/part-00000.txt.gz", "stage/s/r2/b/part-00000.txt.gz", "other/x"):
        client.upload_blob(name, b"x")
    now = dt.datetime.now(dt.timezone.utc)
    assert blob_stage.sweep("stage", dt.timedelta(hours=1), now=now) == []
    later = now + dt.timedelta(hours=2)
    swept = blob_stage.sweep("stage", dt.timedelta(hours=1), now=later)
    assert sorted(swept) == ["stage/s/r1/b/part-00000.txt.gz", "stage/s/r2/b/part-00000.txt.gz"]
    remaining = [b.name for b in client.list_blobs()]
    assert remaining == ["other/x"]


def test_wrong_key_gives_an_error(blob_stage: BlobStage, tmp_path: pathlib.Path) -> None:
    assert blob_stage.endpoint is not None
    stage = BlobStage(
        account=blob_stage.account,
        container=blob_stage.container,
        account_key="d3Jvbmc=" * 8,
        endpoint=blob_stage.endpoint,
    )
    local = tmp_path / "f"
    local.write_bytes(b"x")
    with pytest.raises(StorageError) as info:
        stage.upload(local, "x")
    assert str(info.value) == (
        f"Cannot upload x in container {stage.container!r} of storage account "
        "'devstoreaccount1': HTTP 403 AuthorizationFailure"
    )


def _stage_at(port: int) -> BlobStage:
    # Azurite's documented development key: public, not a secret.
    key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    return BlobStage(
        "devstoreaccount1",
        "stage",
        account_key=key,
        endpoint=f"http://127.0.0.1:{port}/devstoreaccount1",
    )


def test_storage_that_refuses_connections_ends_in_one_line() -> None:
    port = free_port()  # nothing listens on it
    with pytest.raises(StorageError) as caught:
        _stage_at(port).list_names("folder")
    assert str(caught.value) == (
        f"Cannot reach blob storage at http://127.0.0.1:{port}/devstoreaccount1: "
        f"HTTPConnection(host='127.0.0.1', port={port}): Failed to establish a new connection: "
        "[Errno 111] Connection refused"
    )


def test_storage_that_closes_connections_is_tried_three_times_then_named() -> None:
    accepted: list[int] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = int(server.getsockname()[1])

    def drop_every_connection() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _address = server.accept()
                accepted.append(1)
                # Read the request (a listing has no body), then close without answering.
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(65536) or b"\r\n\r\n"
                connection.close()

    thread = threading.Thread(target=drop_every_connection, daemon=True)
    thread.start()
    try:
        with pytest.raises(StorageError) as caught:
            _stage_at(port).list_names("folder")
    finally:
        server.close()
    assert str(caught.value) == (
        f"Cannot reach blob storage at http://127.0.0.1:{port}/devstoreaccount1: "
        "('Connection aborted.', RemoteDisconnected('Remote end closed connection without "
        "response'))"
    )
    # The first request and two retries (the SDK's default: three more, after 15 s and more).
    assert len(accepted) == 3
