"""The generated workspace: its tables, catalogs, clock, time zone and mutations.

Everything is derived from the seed, so two sandboxes with the same configuration serve the
same records. Mutations (updates, new conversations and parts, deletions) move the affected
rows' timestamps to the workspace clock, which tests set explicitly.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import typing as t
import zoneinfo

from devstack.intercom_sandbox import catalogs, records
from devstack.intercom_sandbox.tables import Table, spread_timestamps

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from devstack.intercom_sandbox.config import SandboxConfig

CONVERSATION_BASE = 1_000_000
TICKET_BASE = 90_000_000
NOTE_BASE = 3_000_000
BIG_PARTS = {"conversation": 520, "ticket": 505}


class Workspace:
    """A seeded Intercom workspace.

    Attributes:
        seed: The generation seed.
        tz: The workspace time zone.
        catalogs: The small collections (admins, tags, ...).
        contacts: Contact rows.
        companies: Company rows.
        conversations: Conversation rows.
        tickets: Ticket rows.
        revision: Bumped by every mutation (search caches key on it).
        lock: Held while reading or mutating rows from several threads.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.seed = config.seed
        self.anchor = config.anchor
        self.tz: dt.tzinfo = zoneinfo.ZoneInfo(config.timezone)
        self._clock: int | None = config.clock
        self.revision = 0
        self.lock = threading.RLock()
        self._memo: dict[str, tuple[int, t.Any]] = {}
        counts = config.counts()
        self._prefix = f"{(config.seed * 2_654_435_761) % (1 << 24):06x}"
        self.catalogs = catalogs.build(
            config.seed, config.anchor, config.history_days, tag_count=max(15, 20)
        )
        start = config.anchor - config.history_days * 86_400
        rng = random.Random(config.seed)  # noqa: S311 - reproducible data, not security
        self.contacts = self._table("contact", rng, counts["contacts"], start)
        self.companies = self._table("company", rng, counts["companies"], start)
        self.conversations = self._table("conversation", rng, counts["conversations"], start)
        self.tickets = self._table("ticket", rng, counts["tickets"], start)
        for table in (self.conversations, self.tickets):
            table.generated_updated = list(table.updated)
            sizes = (1, 2, 3, 4, 6, 9, 14)
            rand = rng.random
            table.parts = [sizes[int(rand() * 7)] for _ in range(len(table))]
            if len(table) > 1:
                table.parts[1] = BIG_PARTS[table.kind]
        # A few conversations were deleted before the sandbox started.
        for index in range(39, len(self.conversations), 40):
            self.conversations.deleted[index] = min(
                config.anchor - 1, self.conversations.updated[index] + 86_400
            )

    def _table(self, kind: str, rng: random.Random, count: int, start: int) -> Table:
        created, updated = spread_timestamps(rng, count, start, self.anchor, self.tz)
        return Table(kind=kind, created=created, updated=updated)

    def memo(self, name: str, compute: t.Callable[[], t.Any]) -> t.Any:
        """A value derived from the rows, recomputed only after a mutation."""
        with self.lock:
            cached = self._memo.get(name)
            if cached is not None and cached[0] == self.revision:
                return cached[1]
            value = compute()
            self._memo[name] = (self.revision, value)
            return value

    # ----------------------------------------------------------------- clock and time zone

    def now(self) -> int:
        """The workspace's current time (the settable clock, else real time)."""
        return self._clock if self._clock is not None else int(time.time())

    def set_clock(self, timestamp: int | None) -> None:
        """Freeze the workspace clock at ``timestamp`` (None: follow real time again)."""
        with self.lock:
            self._clock = None if timestamp is None else int(timestamp)

    def set_timezone(self, name: str) -> None:
        """Change the workspace time zone (contacts search days follow it)."""
        with self.lock:
            self.tz = zoneinfo.ZoneInfo(name)
            self.revision += 1

    def day_bounds(self, timestamp: int) -> tuple[int, int]:
        """[start, end) of the workspace-local calendar day containing ``timestamp``."""
        day = dt.datetime.fromtimestamp(timestamp, self.tz).date()
        start = dt.datetime.combine(day, dt.time(), self.tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.tz)
        return int(start.timestamp()), int(end.timestamp())

    # ----------------------------------------------------------------------------- ids

    def contact_id(self, index: int) -> str:
        """Contact id (24 hex digits, like Intercom's); it encodes the index."""
        return f"c1{self._prefix}{index:016x}"

    def company_id(self, index: int) -> str:
        """Company id (24 hex digits)."""
        return f"c0{self._prefix}{index:016x}"

    def conversation_id(self, index: int) -> str:
        """Conversation id (a numeric string)."""
        return str(CONVERSATION_BASE + index)

    def ticket_id(self, index: int) -> str:
        """Ticket id (a numeric string, distinct from its ``ticket_id`` number)."""
        return str(TICKET_BASE + index)

    def tag_id(self, k: int) -> str:
        """Id of the tag at catalog position ``k``."""
        return str(self.catalogs.tags[k]["id"])

    def tag_name(self, tag_id: str) -> str:
        """A tag's name from its id."""
        return str(self.catalogs.tags[int(tag_id) - catalogs.TAG_BASE]["name"])

    def note_id(self, contact_index: int, k: int) -> str:
        """Id of note ``k`` of a contact."""
        return str(NOTE_BASE + contact_index * 100 + k)

    def _hex_index(self, value: str, marker: str, table: Table) -> int | None:
        if len(value) != 24 or not value.startswith(marker + self._prefix):
            return None
        try:
            index = int(value[8:], 16)
        except ValueError:
            return None
        return index if 0 <= index < len(table) else None

    def contact_index(self, value: str) -> int | None:
        """The row of a contact id, or None."""
        return self._hex_index(value, "c1", self.contacts)

    def company_index(self, value: str) -> int | None:
        """The row of a company id, or None."""
        return self._hex_index(value, "c0", self.companies)

    def conversation_index(self, value: str) -> int | None:
        """The live row of a conversation id, or None (also for deleted ones)."""
        return _numeric_index(value, CONVERSATION_BASE, self.conversations)

    def ticket_index(self, value: str) -> int | None:
        """The live row of a ticket id, or None."""
        return _numeric_index(value, TICKET_BASE, self.tickets)

    # ------------------------------------------------------------------------- records

    def contact(self, index: int) -> dict[str, t.Any]:
        """A contact record."""
        with self.lock:  # a concurrent mutation must not change the row mid-build
            return records.contact(self, index)

    def company(self, index: int) -> dict[str, t.Any]:
        """A company record."""
        with self.lock:  # a concurrent mutation must not change the row mid-build
            return records.company(self, index)

    def conversation(self, index: int, *, with_parts: bool = False) -> dict[str, t.Any]:
        """A conversation record (parts only when ``with_parts``)."""
        with self.lock:  # a concurrent mutation must not change the row mid-build
            return records.conversation(self, index, with_parts=with_parts)

    def ticket(self, index: int, *, with_parts: bool = False) -> dict[str, t.Any]:
        """A ticket record (parts only when ``with_parts``)."""
        with self.lock:  # a concurrent mutation must not change the row mid-build
            return records.ticket(self, index, with_parts=with_parts)

    # ----------------------------------------------------------------------- mutations

    def _pick(self, table: Table, n: int | None, ids: Iterable[str] | None, salt: int) -> list[int]:
        if ids is not None:
            finder = {
                "contact": self.contact_index,
                "company": self.company_index,
                "conversation": self.conversation_index,
                "ticket": self.ticket_index,
            }[table.kind]
            picked = []
            for value in ids:
                index = finder(str(value))
                if index is None:
                    msg = f"no {table.kind} with id {value!r}"
                    raise KeyError(msg)
                picked.append(index)
            return picked
        live = [i for i in range(len(table)) if i not in table.deleted]
        rng = random.Random(self.seed * 31 + salt * 17 + self.revision)  # noqa: S311 - reproducible data, not security
        return sorted(rng.sample(live, min(n or 0, len(live))))

    def _times(self, count: int, at: int | None, day: str | None) -> list[int]:
        """Mutation times: ``at`` for all, spread over a local ``day``, or the clock."""
        if day is not None:
            start, end = self.day_bounds(
                int(
                    dt.datetime.combine(
                        dt.date.fromisoformat(day), dt.time(12), self.tz
                    ).timestamp()
                )
            )
            if count <= 1:
                return [start] * count
            # The first lands on the day's first second and the last on its last second.
            return [start + ((end - 1 - start) * k) // (count - 1) for k in range(count)]
        moment = self.now() if at is None else int(at)
        return [moment] * count

    def update(
        self,
        kind: str,
        *,
        n: int | None = None,
        ids: Iterable[str] | None = None,
        at: int | None = None,
        day: str | None = None,
        fields: dict[str, t.Any] | None = None,
    ) -> list[str]:
        """Update rows of ``kind``: their ``updated_at`` moves to the mutation time.

        Args:
            kind: ``contacts``, ``companies``, ``conversations`` or ``tickets``.
            n: How many rows to pick (deterministically) when ``ids`` is not given.
            ids: The ids to update.
            at: The new ``updated_at`` (default: the workspace clock).
            day: A workspace-local date (YYYY-MM-DD): times are spread over that day,
                from its first to its last second.
            fields: Field values to set as well (dotted ``custom_attributes.x`` allowed).

        Returns:
            The updated ids.
        """
        with self.lock:
            table = self.table(kind)
            picked = self._pick(table, n, ids, salt=1)
            for index, moment in zip(picked, self._times(len(picked), at, day), strict=True):
                table.updated[index] = moment
                if fields:
                    table.overrides.setdefault(index, {}).update(fields)
            self.revision += 1
            return [self.id_of(table, i) for i in picked]

    def add(self, kind: str, n: int, *, at: int | None = None, day: str | None = None) -> list[str]:
        """Create ``n`` new contacts, companies, conversations or tickets at the clock time."""
        with self.lock:
            table = self.table(kind)
            added = []
            for moment in self._times(n, at, day):
                table.created.append(moment)
                table.updated.append(moment)
                if table.kind in ("conversation", "ticket"):
                    table.generated_updated.append(moment)
                    table.parts.append(1)
                added.append(self.id_of(table, len(table) - 1))
            self.revision += 1
            return added

    def add_parts(
        self,
        kind: str,
        *,
        parts: int = 1,
        n: int | None = None,
        ids: Iterable[str] | None = None,
        at: int | None = None,
    ) -> list[str]:
        """Append ``parts`` admin replies to conversations (or tickets); bumps ``updated_at``."""
        with self.lock:
            table = self.table(kind)
            picked = self._pick(table, n, ids, salt=2)
            moment = self.now() if at is None else int(at)
            admins = len(self.catalogs.admins)
            for index in picked:
                extra = table.extra_parts.setdefault(index, [])
                extra.extend((moment, (index + k) % admins) for k in range(parts))
                table.updated[index] = moment
            self.revision += 1
            return [self.id_of(table, i) for i in picked]

    def merge_contacts(
        self,
        *,
        ids: Iterable[str] | None = None,
        into: str | None = None,
        n: int | None = None,
        at: int | None = None,
    ) -> list[str]:
        """Merge contacts into another, as ``POST /contacts/merge`` does.

        The sources leave search and lists, a GET of one answers 410 with a ``Link`` to the
        target, and the target's ``updated_at`` moves to the merge time.

        Returns:
            The merged (source) ids.

        Raises:
            KeyError: for an unknown id.
            ValueError: when a contact would be merged into itself.
        """
        with self.lock:
            table = self.contacts
            sources = self._pick(table, n, ids, salt=4)
            if into is None:
                live = [i for i in range(len(table)) if i not in table.deleted and i not in sources]
                target = live[0]
            else:
                found = self.contact_index(into)
                if found is None:
                    msg = f"no contact with id {into!r}"
                    raise KeyError(msg)
                target = found
            if target in sources:
                msg = "a contact cannot be merged into itself"
                raise ValueError(msg)
            moment = self.now() if at is None else int(at)
            for index in sources:
                table.merged[index] = (target, moment)
                table.deleted[index] = moment
            table.updated[target] = moment
            self.revision += 1
            return [self.contact_id(i) for i in sources]

    def canonical_contact(self, index: int) -> int:
        """Where a merged contact ended up, following up to 3 hops as Intercom does."""
        for _ in range(3):
            if index not in self.contacts.merged:
                break
            index = self.contacts.merged[index][0]
        return index

    def delete_conversations(
        self, *, n: int | None = None, ids: Iterable[str] | None = None, at: int | None = None
    ) -> list[str]:
        """Delete conversations: they leave search and GET and join the deleted list."""
        with self.lock:
            table = self.conversations
            picked = self._pick(table, n, ids, salt=3)
            moment = self.now() if at is None else int(at)
            for index in picked:
                table.deleted[index] = moment
            self.revision += 1
            return [self.id_of(table, i) for i in picked]

    def table(self, kind: str) -> Table:
        """The table for ``contacts``/``contact`` and so on.

        Raises:
            KeyError: for an unknown kind.
        """
        name = kind.rstrip("s").replace("companie", "company")
        tables = {
            "contact": self.contacts,
            "company": self.companies,
            "conversation": self.conversations,
            "ticket": self.tickets,
        }
        if name not in tables:
            msg = f"unknown entity {kind!r}"
            raise KeyError(msg)
        return tables[name]

    def id_of(self, table: Table, index: int) -> str:
        """The API id of a row."""
        return {
            "contact": self.contact_id,
            "company": self.company_id,
            "conversation": self.conversation_id,
            "ticket": self.ticket_id,
        }[table.kind](index)


def _numeric_index(value: str, base: int, table: Table) -> int | None:
    if not value.isdigit():
        return None
    index = int(value) - base
    return index if table.live(index) else None
