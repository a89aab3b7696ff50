"""A small real-HTTP client for the Intercom sandbox tests."""

from __future__ import annotations

import typing as t

import requests

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox

TOKEN = "test-token"


class Client:
    """Talks to a running sandbox over HTTP, as a tap would."""

    def __init__(self, sandbox: Sandbox, token: str | None = TOKEN, version: str | None = None):
        self.base = sandbox.url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if version is not None:
            self.session.headers["Intercom-Version"] = version
        self.session.headers["Accept"] = "application/json"

    def get(self, path: str, **params: t.Any) -> requests.Response:
        return self.session.get(self.base + path, params=params or None, timeout=30)

    def post(self, path: str, body: t.Any = None, **params: t.Any) -> requests.Response:
        return self.session.post(self.base + path, json=body, params=params or None, timeout=30)

    def search(
        self, path: str, query: t.Any = None, *, per_page: int = 150, sort: t.Any = None
    ) -> list[dict[str, t.Any]]:
        """Every record of a search, following ``pages.next.starting_after``."""
        key = {"/contacts/search": "data", "/conversations/search": "conversations"}.get(
            path, "tickets"
        )
        out: list[dict[str, t.Any]] = []
        cursor = None
        for _ in range(10_000):
            body: dict[str, t.Any] = {"pagination": {"per_page": per_page}}
            if query is not None:
                body["query"] = query
            if sort is not None:
                body["sort"] = sort
            if cursor:
                body["pagination"]["starting_after"] = cursor
            response = self.post(path, body)
            assert response.status_code == 200, response.text
            page = response.json()
            out.extend(page[key])
            cursor = page["pages"].get("next", {}).get("starting_after")
            if not cursor:
                return out
        raise AssertionError("pagination did not end")

    def close(self) -> None:
        self.session.close()


def error_code(response: requests.Response) -> str:
    """The first Intercom error code of an ``error.list`` body."""
    body = response.json()
    assert body["type"] == "error.list", body
    assert body["request_id"]
    return str(body["errors"][0]["code"])
