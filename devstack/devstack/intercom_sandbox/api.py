"""The request object handlers receive and helpers shared by the endpoint modules."""

from __future__ import annotations

import dataclasses
import math
import typing as t
import urllib.parse

from devstack.intercom_sandbox import errors, search, versions

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox.config import SandboxConfig
    from devstack.intercom_sandbox.limits import ScrollManager
    from devstack.intercom_sandbox.reporting import ReportingJobs
    from devstack.intercom_sandbox.workspace import Workspace

Body = dict[str, t.Any]


@dataclasses.dataclass
class App:
    """What handlers work on: the workspace and the stateful pieces of the API."""

    config: SandboxConfig
    workspace: Workspace
    searcher: search.Searcher
    scroll: ScrollManager
    reporting: ReportingJobs


@dataclasses.dataclass(frozen=True)
class Download:
    """A handler's binary answer (an export file, a call transcript) instead of a JSON body."""

    payload: bytes
    content_type: str
    #: Headers sent with it (``Content-Disposition``).
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Request:
    """One API request, parsed.

    Attributes:
        method: HTTP method.
        path: Path without the query string.
        params: Query parameters (first value of each).
        body: Parsed JSON body (empty dict when none).
        version: The resolved API version.
        base_url: Scheme, host and port the client used (for ``pages.next`` links).
        args: Path parameters matched by the route.
        headers: Request headers, names in lower case.
    """

    method: str
    path: str
    params: dict[str, str]
    body: dict[str, t.Any]
    version: str
    base_url: str
    args: dict[str, str] = dataclasses.field(default_factory=dict)
    headers: dict[str, str] = dataclasses.field(default_factory=dict)

    def shape(self, schema: str, record: Body) -> Body:
        """Trim a record to this request's API version."""
        return versions.shape(schema, record, self.version)

    def flag(self, name: str) -> bool:
        """A boolean query parameter."""
        return self.params.get(name, "").lower() in ("true", "1")


def page_number(req: Request, default_per_page: int, maximum: int = 150) -> tuple[int, int]:
    """``page`` and ``per_page`` from the query string (or JSON body).

    Raises:
        ApiError: 400 for a bad value.
    """
    source = {**req.body, **req.params}
    per_page = search.check_per_page(source.get("per_page"), default_per_page, maximum)
    raw_page = source.get("page", 1)
    try:
        page = int(raw_page)
    except (TypeError, ValueError):
        raise errors.invalid("page must be an integer", field="page") from None
    if page < 1:
        raise errors.invalid("page must be greater than 0", field="page")
    return page, per_page


def paged(
    req: Request, items: list[Body], page: int, per_page: int, *, link: bool = True
) -> tuple[list[Body], Body]:
    """Slice one page-number page and build its ``pages`` object (``next`` is a URL)."""
    total_pages = math.ceil(len(items) / per_page) if items else 0
    chosen = items[(page - 1) * per_page : page * per_page]
    pages: Body = {"type": "pages", "page": page, "per_page": per_page, "total_pages": total_pages}
    if link:
        next_url = None
        if page < total_pages:
            query = {**req.params, "page": str(page + 1), "per_page": str(per_page)}
            next_url = f"{req.base_url}{req.path}?{urllib.parse.urlencode(query)}"
        pages["next"] = next_url
    return chosen, pages
