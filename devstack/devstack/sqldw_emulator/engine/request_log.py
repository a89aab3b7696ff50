"""One row of the request log (sys.dm_pdw_exec_requests) the engine keeps for its sessions."""

from __future__ import annotations

import dataclasses
import datetime

__all__ = ["RequestRecord"]


@dataclasses.dataclass(slots=True)
class RequestRecord:
    """One row of sys.dm_pdw_exec_requests."""

    request_id: str
    session_id: str
    status: str
    submit_time: datetime.datetime
    start_time: datetime.datetime
    end_time: datetime.datetime | None
    label: str | None
    error_id: str | None
    command: str
    row_count: int | None = None
    seq: int = 0
