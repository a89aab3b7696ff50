"""What differs between a Synapse dedicated SQL pool and a Fabric Warehouse.

Pure: one frozen value per flavor.
"""

from __future__ import annotations

import dataclasses

from target_azure_sqldw.schema.sql_types import MAX, ColumnType


@dataclasses.dataclass(frozen=True)
class Flavor:
    """Capabilities of one warehouse flavor.

    Attributes:
        name: ``synapse`` or ``fabric``.
        table_options: CREATE TABLE takes ``WITH (DISTRIBUTION = ..., <index>)``.
        polybase: External tables (PolyBase) exist.
        string_type: The Unicode-capable character type (``nvarchar``, or Fabric's UTF-8
            ``varchar``).
        max_string_length: The longest non-max length of ``string_type``.
        bytes_per_char: How many declared units one character may need (UTF-8: 4).
        fractional_digits: Fractional-second digits of time, datetime2 and datetimeoffset.
        datetimeoffset: The ``datetimeoffset`` type exists.
        alter_column: ``ALTER TABLE ... ALTER COLUMN`` can change a type in place.
        ddl_in_transaction: DDL may run inside a user transaction.
        rename_object: Tables are renamed with ``RENAME OBJECT`` (Synapse), not ``sp_rename``
            (Fabric; tsql-surface-area). Either way a table can be rebuilt by CTAS and swapped.
        copy_reads_as_caller: Without a key or SAS, COPY INTO reads storage with the caller's
            Entra ID identity (no ``CREDENTIAL``) rather than a managed identity.
        binary_collation: The binary collation keys are compared under (Fabric knows only
            its two UTF-8 collations).
        inline_primary_key: CREATE TABLE may declare the ``NOT ENFORCED`` primary key; Fabric
            adds keys only with ``ALTER TABLE ... ADD CONSTRAINT`` (table-constraints).
    """

    name: str
    table_options: bool
    polybase: bool
    string_type: str
    max_string_length: int
    bytes_per_char: int
    fractional_digits: int
    datetimeoffset: bool
    alter_column: bool
    ddl_in_transaction: bool
    rename_object: bool
    copy_reads_as_caller: bool
    binary_collation: str = "Latin1_General_100_BIN2"
    inline_primary_key: bool = True

    def string(self, chars: int | None, *, wide: bool) -> ColumnType:
        """The string type for values of at most ``chars`` characters.

        Args:
            chars: ``maxLength`` from the schema, or None when unbounded.
            wide: Whether ``(max)`` is allowed (heap tables; never for keys).

        Returns:
            ``nvarchar(n)`` / ``varchar(4n)`` when it fits, ``(max)`` when allowed, otherwise
            the longest bounded type (values beyond it meet the ``string_overflow`` policy).
        """
        if chars is not None:
            units = max(1, chars) * self.bytes_per_char
            if units <= self.max_string_length:
                return ColumnType(self.string_type, length=units)
        length = MAX if wide else self.max_string_length
        return ColumnType(self.string_type, length=length)


SYNAPSE = Flavor(
    name="synapse",
    table_options=True,
    polybase=True,
    string_type="nvarchar",
    max_string_length=4000,
    bytes_per_char=1,
    fractional_digits=6,
    datetimeoffset=True,
    alter_column=True,
    ddl_in_transaction=False,
    rename_object=True,
    copy_reads_as_caller=False,
)

FABRIC = Flavor(
    name="fabric",
    table_options=False,
    polybase=False,
    string_type="varchar",
    max_string_length=8000,
    bytes_per_char=4,
    fractional_digits=6,
    datetimeoffset=False,
    alter_column=False,
    ddl_in_transaction=True,
    rename_object=False,
    copy_reads_as_caller=True,
    binary_collation="Latin1_General_100_BIN2_UTF8",
    inline_primary_key=False,
)

FLAVORS = {flavor.name: flavor for flavor in (SYNAPSE, FABRIC)}


def get_flavor(name: str) -> Flavor:
    """Return the flavor called ``name``.

    Args:
        name: ``synapse`` or ``fabric``.

    Returns:
        The flavor.

    Raises:
        ValueError: For any other name.
    """
    try:
        return FLAVORS[name]
    except KeyError:
        msg = f"Unknown flavor {name!r}: choose one of {', '.join(sorted(FLAVORS))}"
        raise ValueError(msg) from None
