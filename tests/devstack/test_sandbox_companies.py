"""The companies scroll (one open per workspace, idle expiry, restart on 500) and the list."""

from __future__ import annotations

import time
import typing as t

from tests.devstack.sandbox_helpers import Client, error_code

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


def _drain(sandbox_client: Client) -> list[dict[str, t.Any]]:
    companies: list[dict[str, t.Any]] = []
    first = sandbox_client.get("/companies/scroll")
    assert first.status_code == 200, first.text
    page = first.json()
    while page["data"]:
        companies += page["data"]
        response = sandbox_client.get("/companies/scroll", scroll_param=page["scroll_param"])
        assert response.status_code == 200, response.text
        page = response.json()
    # The empty page ends the scroll; its param is dead.
    dead = sandbox_client.get("/companies/scroll", scroll_param=page["scroll_param"])
    assert dead.status_code == 404
    return companies


def test_a_scroll_returns_every_company_once(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    companies = _drain(sandbox_client)
    ids = [c["id"] for c in companies]
    assert len(ids) == len(set(ids)) == len(intercom_sandbox.workspace.companies)
    assert companies[0]["type"] == "company"
    # Once finished, a new scroll may start at once.
    assert len(_drain(sandbox_client)) == len(ids)


def test_only_one_scroll_per_workspace(sandbox_client: Client) -> None:
    first = sandbox_client.get("/companies/scroll").json()
    again = sandbox_client.get("/companies/scroll")
    assert again.status_code == 400
    assert error_code(again) == "scroll_exists"
    assert again.json()["errors"][0]["message"] == "scroll already exists for this workspace"
    # The open scroll still works.
    assert (
        sandbox_client.get("/companies/scroll", scroll_param=first["scroll_param"]).status_code
        == 200
    )


def test_an_idle_scroll_expires(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    intercom_sandbox.control(scroll_idle_seconds=0.3)
    first = sandbox_client.get("/companies/scroll").json()
    time.sleep(0.5)
    expired = sandbox_client.get("/companies/scroll", scroll_param=first["scroll_param"])
    assert expired.status_code == 404
    assert sandbox_client.get("/companies/scroll").status_code == 200


def test_an_injected_500_means_restart_the_scroll(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    total = len(intercom_sandbox.workspace.companies)
    first = sandbox_client.get("/companies/scroll").json()
    intercom_sandbox.inject("/companies/scroll", status=500)
    failed = sandbox_client.get("/companies/scroll", scroll_param=first["scroll_param"])
    assert failed.status_code == 500
    assert "restart the scroll" in failed.json()["errors"][0]["message"]
    # The old scroll is gone and a new one can start right away, from the beginning.
    assert (
        sandbox_client.get("/companies/scroll", scroll_param=first["scroll_param"]).status_code
        == 404
    )
    assert len(_drain(sandbox_client)) == total
    assert intercom_sandbox.stats()["injected_errors"] == 1


def test_no_companies_is_a_404(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    empty = sandbox_factory(size="tiny", companies=0)
    response = Client(empty).get("/companies/scroll")
    assert response.status_code == 404


def test_companies_list_pages_and_leaves_out_companies_without_users(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    with_users = [ws.company(i) for i in range(len(ws.companies)) if ws.company(i)["user_count"]]
    assert len(with_users) < len(ws.companies)
    seen: list[dict[str, t.Any]] = []
    page = 1
    while True:
        body = sandbox_client.post("/companies/list", page=page, per_page=7).json()
        assert body["type"] == "list"
        assert body["total_count"] == len(with_users)
        assert body["pages"]["page"] == page
        seen += body["data"]
        if body["pages"]["next"] is None:
            break
        page += 1
    assert body["pages"]["total_pages"] == page
    assert {c["id"] for c in seen} == {c["id"] for c in with_users}
    stamps = [c["last_request_at"] for c in seen]
    assert stamps == sorted(stamps, reverse=True)
    assert sandbox_client.post("/companies/list", per_page=151).status_code == 400


def test_company_segments(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    ws = intercom_sandbox.workspace
    company_id = ws.company_id(0)
    body = sandbox_client.get(f"/companies/{company_id}/segments").json()
    assert body["type"] == "list"
    assert (
        body["data"]
        == sandbox_client.get(f"/companies/{company_id}").json()["segments"]["segments"]
    )
    assert body["data"]
    missing = sandbox_client.get("/companies/c00000000000000000000000/segments")
    assert missing.status_code == 404
    assert error_code(missing) == "company_not_found"


def test_an_injected_404_is_an_expired_scroll(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    total = len(intercom_sandbox.workspace.companies)
    first = sandbox_client.get("/companies/scroll").json()
    intercom_sandbox.inject("/companies/scroll", status=404)
    expired = sandbox_client.get("/companies/scroll", scroll_param=first["scroll_param"])
    assert expired.status_code == 404
    # Expired means gone: a new scroll starts at once, with no scroll_exists wait.
    assert len(_drain(sandbox_client)) == total
