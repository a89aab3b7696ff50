"""TDS 7.4 front end of the SQL DW emulator: framing, login, requests, token encoding.

Speaks only the wire protocol; reaches the engine through an api.Engine session.
"""

from __future__ import annotations
