"""Metadata functions over the catalog views: OBJECT_ID, OBJECTPROPERTY, COLUMNPROPERTY, ...

Pure builders: they take and return sqlglot trees.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

_VIEWS = "__devstack"
# Object name forms as OBJECT_ID reads them, lower case, brackets and quotes removed.
_KEY = "lower(replace(replace(replace(CAST({} AS VARCHAR), '[', ''), ']', ''), '\"', ''))"

#: OBJECTPROPERTY(id, property) -> a condition or value over sys_objects ``o``.
OBJECT_PROPERTIES = {
    "isusertable": "CAST(o.type = 'U' AS INTEGER)",
    "istable": "CAST(o.type = 'U' AS INTEGER)",
    "isview": "CAST(o.type = 'V' AS INTEGER)",
    "isprimarykey": "CAST(o.type = 'PK' AS INTEGER)",
    "isuniquecnst": "CAST(o.type = 'UQ' AS INTEGER)",
    "isconstraint": "CAST(o.type IN ('PK', 'UQ', 'D') AS INTEGER)",
    "isdefaultcnst": "CAST(o.type = 'D' AS INTEGER)",
    # Keys of a dedicated pool are NONCLUSTERED NOT ENFORCED (synapse-notes.md).
    "cnstisclustkey": "CASE WHEN o.type IN ('PK', 'UQ') THEN 0 END",
    "cnstisnonclustkey": "CASE WHEN o.type IN ('PK', 'UQ') THEN 1 END",
    "ismsshipped": "0",
    "isexternal": "0",
    "ownerid": "1",
    "schemaid": "o.schema_id",
    "isindexed": "CAST(o.type = 'U' AS INTEGER)",
    "tablehasprimarykey": (
        f"CAST(EXISTS (SELECT 1 FROM {_VIEWS}.sys_key_constraints k "
        "WHERE k.parent_object_id = o.object_id AND k.type = 'PK') AS INTEGER)"
    ),
    "tablehasidentity": (
        f"CAST(EXISTS (SELECT 1 FROM {_VIEWS}.sys_identity_columns i "
        "WHERE i.object_id = o.object_id) AS INTEGER)"
    ),
    "tablehasclustindex": f"CAST(EXISTS (SELECT 1 FROM {_VIEWS}.sys_indexes x "
    "WHERE x.object_id = o.object_id AND x.type = 1) AS INTEGER)",
    "hasaftertrigger": "0",
    "hasinsteadoftrigger": "0",
}

#: COLUMNPROPERTY(id, column, property) -> a value over sys_columns ``c``.
COLUMN_PROPERTIES = {
    "allowsnull": "CAST(c.is_nullable AS INTEGER)",
    "isidentity": "CAST(c.is_identity AS INTEGER)",
    "iscomputed": "CAST(c.is_computed AS INTEGER)",
    "columnid": "c.column_id",
    "precision": "CASE WHEN c.precision > 0 THEN c.precision WHEN c.max_length = -1 THEN -1 "
    "WHEN c.system_type_id IN (231, 239) THEN c.max_length // 2 ELSE c.max_length END",
    "scale": "c.scale",
    "charmaxlen": "CASE WHEN c.collation_name IS NULL THEN NULL WHEN c.max_length = -1 THEN -1 "
    "WHEN c.system_type_id IN (231, 239) THEN c.max_length // 2 ELSE c.max_length END",
    "isrowguidcol": "0",
    "isfulltextindexed": "0",
}


def _subquery(sql: str, **parts: exp.Expression) -> exp.Expression:
    """Parse a DuckDB subquery template, substituting sqlglot trees for ``{name}`` holes."""
    placeholders = {name: f"__dw_arg_{name}" for name in parts}
    tree = sqlglot.parse_one(f"({sql.format(**placeholders)})", read="duckdb")
    for name, node in parts.items():
        for column in list(tree.find_all(exp.Column)):
            if column.name == placeholders[name] and not column.table:
                column.replace(node.copy())
    assert isinstance(tree, exp.Expression)
    return tree


def object_id(name: exp.Expression, kind: exp.Expression | None) -> exp.Expression:
    """``OBJECT_ID(name[, kind])`` for a one-, two- or three-part name computed per row."""
    condition = "" if kind is None else " AND (o.type = upper(trim(CAST({kind} AS VARCHAR))))"
    parts: dict[str, exp.Expression] = {"name": name}
    if kind is not None:
        parts["kind"] = kind
    return _subquery(
        f"SELECT o.object_id FROM {_VIEWS}.dw_object_names o "
        f"WHERE o.name_key = {_KEY.format('{name}')}{condition} LIMIT 1",
        **parts,
    )


def _property(
    table: str, alias: str, where: str, properties: dict[str, str], args: dict[str, exp.Expression]
) -> exp.Expression:
    """A property lookup; a property name that is not a literal is chosen per row.

    The arguments sit in one derived row, in the order the call gives them, so the statement's
    ``?`` placeholders keep their order in the generated text.
    """
    prop = args["prop"]
    if isinstance(prop, exp.Literal | exp.National):
        value = properties.get(prop.name.lower())
        if value is None:
            return exp.Null()
        args = {name: arg for name, arg in args.items() if name != "prop"}
    else:
        cases = " ".join(f"WHEN '{name}' THEN {sql}" for name, sql in properties.items())
        value = f"CASE lower(CAST(a.prop AS VARCHAR)) {cases} END"
    columns = ", ".join(f"{{{name}}} AS {name}" for name in args)
    return _subquery(
        f"SELECT {value} FROM (SELECT {columns}) AS a JOIN {_VIEWS}.{table} {alias} ON {where}",
        **args,
    )


def object_property(object_ref: exp.Expression, prop: exp.Expression) -> exp.Expression:
    """``OBJECTPROPERTY(id, property)`` (NULL for an unknown property or object)."""
    return _property(
        "sys_objects",
        "o",
        "o.object_id = a.id",
        OBJECT_PROPERTIES,
        {"id": object_ref, "prop": prop},
    )


def column_property(
    object_ref: exp.Expression, column: exp.Expression, prop: exp.Expression
) -> exp.Expression:
    """``COLUMNPROPERTY(id, column, property)`` (NULL when unknown)."""
    return _property(
        "sys_columns",
        "c",
        "c.object_id = a.id AND lower(c.name) = lower(CAST(a.col AS VARCHAR))",
        COLUMN_PROPERTIES,
        {"id": object_ref, "col": column, "prop": prop},
    )


def schema_id(name: exp.Expression | None) -> exp.Expression:
    """``SCHEMA_ID([name])``: the default schema (dbo, 1) without an argument."""
    if name is None:
        return exp.Literal.number(1)
    return _subquery(
        f"SELECT s.schema_id FROM {_VIEWS}.sys_schemas s "
        "WHERE lower(s.name) = lower(CAST({name} AS VARCHAR))",
        name=name,
    )


def schema_name(schema_ref: exp.Expression) -> exp.Expression:
    """``SCHEMA_NAME(id)``."""
    return _subquery(
        f"SELECT s.name FROM {_VIEWS}.sys_schemas s WHERE s.schema_id = {{id}}", id=schema_ref
    )


def object_name(object_ref: exp.Expression) -> exp.Expression:
    """``OBJECT_NAME(id)``."""
    return _subquery(
        f"SELECT o.name FROM {_VIEWS}.sys_objects o WHERE o.object_id = {{id}}", id=object_ref
    )


def object_schema_name(object_ref: exp.Expression) -> exp.Expression:
    """``OBJECT_SCHEMA_NAME(id)``."""
    return _subquery(
        f"SELECT s.name FROM {_VIEWS}.sys_objects o JOIN {_VIEWS}.sys_schemas s "
        "ON s.schema_id = o.schema_id WHERE o.object_id = {id}",
        id=object_ref,
    )
