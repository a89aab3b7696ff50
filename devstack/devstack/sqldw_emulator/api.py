"""The contract between the TDS front end and the SQL engine: the types both sides share.

Imports nothing of the emulator: tds/ and engine/ meet only here (and in declarations.py).
"""

from __future__ import annotations

import dataclasses
import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Sequence


@dataclasses.dataclass(frozen=True, slots=True)
class SQLType:
    """A T-SQL type as declared, e.g. ``nvarchar(40)``, ``decimal(38,6)``, ``datetime2(7)``.

    Attributes:
        name: Lower-case base type name: ``int``, ``bigint``, ``smallint``, ``tinyint``,
            ``bit``, ``float``, ``real``, ``decimal``, ``numeric``, ``money``, ``char``,
            ``varchar``, ``nchar``, ``nvarchar``, ``binary``, ``varbinary``, ``date``, ``time``,
            ``datetime``, ``datetime2``, ``datetimeoffset``, ``smalldatetime``,
            ``uniqueidentifier``.
        length: Declared length for character and binary types (characters for n-types, bytes
            otherwise); ``-1`` means ``(max)``; ``None`` when not applicable.
        precision: Declared precision for decimal/numeric (and float's mantissa bits).
        scale: Declared scale for decimal/numeric, or fractional-second digits for time,
            datetime2 and datetimeoffset.
    """

    name: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Column:
    """One column of a result set."""

    name: str
    type: SQLType
    nullable: bool = True


@dataclasses.dataclass(slots=True)
class ResultSet:
    """Rows returned by one statement.

    Row values are Python objects matching the column type: ``int``, ``bool`` (bit),
    ``float``, ``decimal.Decimal``, ``str``, ``bytes``, ``datetime.date``, ``datetime.time``,
    ``datetime.datetime`` (naive for datetime2, aware for datetimeoffset), ``uuid.UUID`` or
    ``None``. Values of datetime2/time beyond microsecond precision are carried as
    :class:`Timestamp100ns`.
    """

    columns: list[Column]
    rows: list[tuple[t.Any, ...]]


@dataclasses.dataclass(frozen=True, slots=True)
class Timestamp100ns:
    """A datetime2/time/datetimeoffset value with 100-nanosecond precision.

    Attributes:
        value: The value truncated to microseconds.
        ticks: The remaining 100 ns units (0-9) below the microsecond.
    """

    value: t.Any
    ticks: int


@dataclasses.dataclass(slots=True)
class StatementResult:
    """The outcome of one statement of a batch.

    Attributes:
        result_set: Rows, for statements that return them.
        rowcount: Rows affected (INSERT/UPDATE/DELETE/MERGE/CTAS/COPY), or ``None`` when the
            statement does not report a count (DDL, SET, DECLARE).
        messages: Informational messages (PRINT, warnings) sent as INFO tokens.
    """

    result_set: ResultSet | None = None
    rowcount: int | None = None
    messages: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, slots=True)
class Parameter:
    """A bound parameter of an RPC call (sp_executesql, sp_prepexec, sp_execute).

    Attributes:
        name: Parameter name with its ``@`` (``@P1``).
        type: The declared T-SQL type the driver sent.
        value: The decoded Python value (types as in :class:`ResultSet`).
    """

    name: str
    type: SQLType
    value: t.Any


class SQLError(Exception):
    """An error with SQL Server's number, state and severity, sent as a TDS ERROR token.

    The driver maps the number and state to an SQLSTATE, which is how pyodbc picks the exception
    class (e.g. 2627 -> IntegrityError, 102 -> ProgrammingError).
    """

    def __init__(
        self,
        number: int,
        message: str,
        *,
        state: int = 1,
        severity: int = 16,
        line: int = 1,
    ) -> None:
        super().__init__(message)
        self.number = number
        self.message = message
        self.state = state
        self.severity = severity
        self.line = line

    def __str__(self) -> str:
        return f"Msg {self.number}, Level {self.severity}, State {self.state}: {self.message}"


class ConnectionDropped(Exception):  # noqa: N818 - names the event, as the drivers report it
    """Raised by the engine (fault injection) to make the front end close the socket."""


class Session(t.Protocol):
    """One client connection's state: variables, temp tables, the open transaction."""

    def execute(self, sql: str, params: Sequence[Parameter] = ()) -> t.Iterator[StatementResult]:
        """Execute a batch, yielding one result per statement as it completes.

        Raises:
            SQLError: on the first failing statement; results yielded before it stand.
        """
        ...

    def begin_transaction(self) -> None:
        """Start a transaction (TDS transaction-manager BEGIN_XACT)."""
        ...

    def commit(self) -> None:
        """Commit the open transaction (TM COMMIT_XACT)."""
        ...

    def rollback(self) -> None:
        """Roll back the open transaction (TM ROLLBACK_XACT, or ATTENTION inside one)."""
        ...

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (reported in ENVCHANGE tokens)."""
        ...

    def close(self) -> None:
        """Release the session (rolls back what is open, drops temp tables)."""
        ...


class Engine(t.Protocol):
    """The SQL engine shared by all sessions of one emulator process.

    Attributes:
        utf8_varchar: char/varchar values are UTF-8 under a UTF-8 collation (a Fabric
            Warehouse) rather than code page 1252 text (a dedicated pool).
    """

    utf8_varchar: bool

    def check_login(self, user: str, password: str) -> bool:
        """Whether the SQL login is valid."""
        ...

    def check_access_token(self, token: str) -> str:
        """The login name an Entra ID access token (TDS FEDAUTH) signs in as.

        Raises:
            SQLError: 18456 when the token is refused (bad signature, audience, expired).
        """
        ...

    def open_session(self, user: str, database: str | None) -> Session:
        """Open a session for an authenticated login.

        Raises:
            SQLError: 4060 when the database does not exist.
        """
        ...
