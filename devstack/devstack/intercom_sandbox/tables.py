"""Compact, lazily materialised tables for the large entities (contacts, companies, ...).

Only timestamps and a few counts are stored per row (plain ``list[int]``); the rest of a record
is rebuilt on demand from a per-row random generator, so a workspace of hundreds of thousands
of rows starts in a second or two and costs little memory.
"""

from __future__ import annotations

import dataclasses
import random
import typing as t

if t.TYPE_CHECKING:
    import datetime as dt


@dataclasses.dataclass
class Table:
    """One entity's rows, addressed by index (ids encode the index).

    Attributes:
        kind: Entity name (``contact``, ``company``, ``conversation``, ``ticket``).
        created: ``created_at`` per row.
        updated: ``updated_at`` per row (mutations move it).
        generated_updated: The ``updated_at`` the generator gave (parts are spread up to it).
        parts: Generated part count per row (conversations, tickets).
        extra_parts: Parts added by mutations, per row: (created_at, author admin index).
        overrides: Field values set by mutations, per row.
        deleted: Deletion time per deleted row (merged contacts count as deleted).
        merged: For a contact merged away: (the row it was merged into, when).
    """

    kind: str
    created: list[int] = dataclasses.field(default_factory=list)
    updated: list[int] = dataclasses.field(default_factory=list)
    generated_updated: list[int] = dataclasses.field(default_factory=list)
    parts: list[int] = dataclasses.field(default_factory=list)
    extra_parts: dict[int, list[tuple[int, int]]] = dataclasses.field(default_factory=dict)
    overrides: dict[int, dict[str, t.Any]] = dataclasses.field(default_factory=dict)
    deleted: dict[int, int] = dataclasses.field(default_factory=dict)
    merged: dict[int, tuple[int, int]] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.created)

    def live(self, index: int) -> bool:
        """Whether the row exists and is not deleted."""
        return 0 <= index < len(self.created) and index not in self.deleted

    def part_count(self, index: int) -> int:
        """All parts of a row: generated plus added."""
        return self.parts[index] + len(self.extra_parts.get(index, ()))


def spread_timestamps(
    rng: random.Random, count: int, start: int, end: int, tz: dt.tzinfo
) -> tuple[list[int], list[int]]:
    """Creation and update times for ``count`` rows between ``start`` and ``end``.

    Creation times grow with the index (ids follow creation order); update times fall between
    creation and ``end``, skewed towards recent days. One row in 25 is moved to an exact local
    midnight and one in 25 to the second before one, so day-boundary rules are exercised.
    """
    import datetime

    created: list[int] = []
    updated: list[int] = []
    span = max(1, end - start)
    step = max(1, span // max(1, count))
    n = max(1, count)
    rand = rng.random  # the C method: this loop runs for every row of a large workspace
    last_created, last_updated = end - 2, end - 1
    for i in range(count):
        c = start + (span * i) // n + int(rand() * step)
        if c > last_created:
            c = last_created
        r = rand()
        u = c + int((last_updated - c) * (1.0 - r * r * r))
        if u > last_updated:
            u = last_updated
        created.append(c)
        updated.append(u)
    for i in range(0, count, 25):
        for offset, delta in ((0, 0), (1, -1)):
            j = i + offset + 3
            if j >= count:
                continue
            local = datetime.datetime.fromtimestamp(updated[j], tz)
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            value = int(midnight.timestamp()) + delta
            if created[j] <= value < end:
                updated[j] = value
    return created, updated


class RowRng:
    """A seeded generator with cheap draws (record building runs per row served).

    ``random.Random.choice``/``randrange``/``sample`` cost several Python calls each; these
    use one C-level ``random()`` per draw.
    """

    __slots__ = ("random",)

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed).random  # noqa: S311 - reproducible data, not security

    def pick(self, options: t.Sequence[t.Any]) -> t.Any:
        """One of ``options``."""
        return options[int(self.random() * len(options))]

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high)."""
        return low + int(self.random() * (high - low))

    def sample(self, n: int, k: int) -> list[int]:
        """``k`` distinct integers of [0, n), sorted."""
        k = min(k, n)
        chosen: set[int] = set()
        while len(chosen) < k:
            chosen.add(int(self.random() * n))
        return sorted(chosen)


def row_rng(seed: int, kind: int, index: int) -> RowRng:
    """The generator that rebuilds one row's fields, stable across runs."""
    return RowRng(seed * 1_000_003 + kind * 7_919_993 + index * 31)
