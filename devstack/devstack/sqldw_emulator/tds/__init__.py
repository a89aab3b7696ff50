"""TDS 7.4 front end of the SQL DW emulator: framing, login, requests, token encoding.

The package speaks only the wire protocol. It hands SQL text and decoded parameters to an
:class:`devstack.sqldw_emulator.api.Engine` session and encodes what comes back.
"""

from __future__ import annotations
