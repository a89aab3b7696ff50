"""Per-session caches of the work that depends only on a statement's text.

Pure: bounded dictionaries of split batches and placeholder templates, never values.
"""

from __future__ import annotations

import dataclasses
import typing as t

from devstack.sqldw_emulator.engine.binding import Bound, bind

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import SQLType
    from devstack.sqldw_emulator.engine.binding import VariableSource
    from devstack.sqldw_emulator.engine.lexer import Token

K = t.TypeVar("K")
V = t.TypeVar("V")


class BoundedCache(t.Generic[K, V]):
    """A dict that forgets its oldest entry beyond ``size`` entries (texts rarely vary much).

    Args:
        size: The most entries kept.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        """The cached value, or None."""
        return self._data.get(key)

    def put(self, key: K, value: V) -> V:
        """Store ``value`` (evicting the oldest entry when full) and return it."""
        if key not in self._data and len(self._data) >= self._size:
            del self._data[next(iter(self._data))]
        self._data[key] = value
        return value

    def __len__(self) -> int:
        return len(self._data)


@dataclasses.dataclass(frozen=True, slots=True)
class BindTemplate:
    """What :func:`binding.bind` makes of a statement, minus the variable values.

    Attributes:
        text: The rewritten text with ``?`` placeholders.
        names: The variables behind the placeholders, in order.
        label: The ``OPTION (LABEL = ...)`` value, if any.
    """

    text: str
    names: tuple[str, ...]
    label: str | None

    def bind(self, source: VariableSource) -> Bound:
        """The bound statement for the variables' current values.

        Raises:
            SQLError: 137 for an undeclared variable.
        """
        values: list[t.Any] = []
        value_types: list[SQLType | None] = []
        for name in self.names:
            sql_type, value = source.lookup_variable(name)
            values.append(value)
            value_types.append(sql_type)
        return Bound(self.text, values, value_types, self.label)


class _NameRecorder:
    """A variable source that records which variables a statement reads."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.system = False

    def lookup_variable(self, name: str) -> tuple[SQLType | None, t.Any]:
        self.names.append(name)
        return None, None

    def system_variable(self, name: str) -> t.Any:
        # @@ROWCOUNT and friends are pasted in as literals: the text changes per execution.
        self.system = True
        return None


def bind_template(tokens: list[Token]) -> BindTemplate | None:
    """The reusable part of ``bind(tokens, ...)``; None when the text depends on ``@@`` values."""
    recorder = _NameRecorder()
    bound = bind(tokens, recorder)
    if recorder.system:
        return None
    return BindTemplate(bound.text, tuple(recorder.names), bound.label)
