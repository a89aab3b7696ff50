"""The sandbox over real HTTP: auth, rate-limit headers, simple lists, versions, health."""

from __future__ import annotations

import subprocess
import sys
import typing as t

import requests

from tests.devstack.sandbox_helpers import TOKEN, Client, error_code

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


def test_health_needs_no_token(intercom_sandbox: Sandbox) -> None:
    response = requests.get(intercom_sandbox.url + "/_sandbox/health", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_missing_or_wrong_token_is_401_with_intercoms_body(intercom_sandbox: Sandbox) -> None:
    for token in (None, "wrong-token"):
        response = Client(intercom_sandbox, token=token).get("/admins")
        assert response.status_code == 401
        assert error_code(response) == "unauthorized"
        assert response.json()["errors"][0]["message"] == "Access Token Invalid"
        # Intercom sends rate-limit headers only on authenticated responses.
        assert "X-RateLimit-Limit" not in response.headers
    basic = requests.get(
        intercom_sandbox.url + "/admins", headers={"Authorization": f"Basic {TOKEN}"}, timeout=10
    )
    assert basic.status_code == 401


def test_lists_have_the_pinned_shapes(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    admins = sandbox_client.get("/admins").json()
    assert admins["type"] == "admin.list"
    assert {a["type"] for a in admins["admins"]} == {"admin"}
    assert all(isinstance(a["id"], str) for a in admins["admins"])
    assert "role" in admins["admins"][0]  # added in 2.16
    teams = sandbox_client.get("/teams").json()
    assert teams["type"] == "team.list"
    assert all(isinstance(i, int) for team in teams["teams"] for i in team["admin_ids"])
    tags = sandbox_client.get("/tags").json()
    assert tags["type"] == "list"
    assert [t_["name"] for t_ in tags["data"]] == [
        t_["name"] for t_ in intercom_sandbox.workspace.catalogs.tags
    ]
    me = sandbox_client.get("/me").json()
    assert me["type"] == "admin"
    assert me["app"]["timezone"] == "America/Los_Angeles"


def test_every_authenticated_answer_carries_rate_limit_headers(sandbox_client: Client) -> None:
    for path in ("/admins", "/tags", "/conversations/999999999"):
        response = sandbox_client.get(path)
        assert response.headers["X-RateLimit-Limit"] == "1666"
        assert int(response.headers["X-RateLimit-Remaining"]) < 1666
        assert int(response.headers["X-RateLimit-Reset"]) % 10 == 0
    assert sandbox_client.get("/conversations/999999999").status_code == 404


def test_older_version_drops_newer_fields_and_endpoints(intercom_sandbox: Sandbox) -> None:
    old = Client(intercom_sandbox, version="2.14")
    admin = old.get("/admins").json()["admins"][0]
    assert "role" not in admin
    assert "away_status_reason_id" in admin
    deleted = old.get("/conversations/deleted")
    assert deleted.status_code == 400
    assert error_code(deleted) == "intercom_version_invalid"
    assert old.get("/macros").status_code == 400
    # Before 2.16 conversation attributes came from /data_attributes.
    attributes = old.get("/data_attributes", model="conversation").json()["data"]
    assert attributes
    assert {a["model"] for a in attributes} == {"conversation"}
    new = Client(intercom_sandbox, version="2.16")
    refused = new.get("/data_attributes", model="conversation")
    assert refused.status_code == 422
    assert "conversations/attributes" in refused.json()["errors"][0]["message"]
    bogus = Client(intercom_sandbox, version="1.9").get("/admins")
    assert bogus.status_code == 400
    assert error_code(bogus) == "intercom_version_invalid"


def test_unknown_route_is_404(sandbox_client: Client) -> None:
    response = sandbox_client.get("/no/such/thing")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_command_prints_one_ready_line_and_honours_its_flags() -> None:
    command = [
        sys.executable, "-m", "devstack.intercom_sandbox", "--port", "0", "--size", "tiny",
        "--timezone", "Asia/Tokyo", "--rate-limit", "3", "--api-version", "2.14",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        env={"DEVSTACK_INTERCOM_ACCESS_TOKEN": "from-env", "PATH": "/usr/bin:/bin"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "ready at http://127.0.0.1:" in line
        url = line.split("ready at ", 1)[1].split()[0]
        session = requests.Session()
        session.headers["Authorization"] = "Bearer from-env"
        me = session.get(url + "/me", timeout=10)
        assert me.status_code == 200
        assert me.json()["app"]["timezone"] == "Asia/Tokyo"
        assert me.headers["X-RateLimit-Limit"] == "3"
        assert "role" not in me.json()  # the app default version is 2.14
        assert session.get(url + "/conversations/deleted", timeout=10).status_code == 400
        session.close()
    finally:
        process.terminate()
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        process.stdout.close()
    assert code == 0


def test_malformed_requests_get_intercom_errors(intercom_sandbox: Sandbox) -> None:
    import socket

    client = Client(intercom_sandbox, token=TOKEN)
    not_json = client.session.post(
        intercom_sandbox.url + "/contacts/search", data=b"{nope", timeout=10
    )
    assert not_json.status_code == 400
    assert error_code(not_json) == "parameter_invalid"
    with socket.create_connection(("127.0.0.1", intercom_sandbox.port), timeout=10) as raw:
        raw.sendall(b"POST /contacts/search HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n{}")
        answer = raw.recv(65536)
    assert answer.startswith((b"HTTP/1.0 400", b"HTTP/1.1 400"))
