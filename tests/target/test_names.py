"""Identifier quoting and name conformance."""

from __future__ import annotations

import pytest

from target_azure_sqldw.schema import names


@pytest.mark.parametrize(
    ("raw", "quoted"),
    [
        ("id", "[id]"),
        ("a]b", "[a]]b]"),
        ("]]", "[]]]]]"),
        ("[x", "[[x]"),
        ('it\'s "quoted"', '[it\'s "quoted"]'),
        ("test:SpecialChars!in?attributes", "[test:SpecialChars!in?attributes]"),
        ("é 😀", "[é 😀]"),
    ],
)
def test_quote_identifier(raw: str, quoted: str) -> None:
    assert names.quote_identifier(raw) == quoted


def test_quote_refuses_empty_and_long() -> None:
    with pytest.raises(ValueError, match="empty"):
        names.quote_identifier("")
    with pytest.raises(ValueError, match="128"):
        names.quote_identifier("x" * 129)
    assert names.quote_identifier("x" * 128) == "[" + "x" * 128 + "]"


def test_string_literal_doubles_quotes() -> None:
    assert names.string_literal("it's") == "N'it''s'"


def test_conform_keeps_names_and_removes_what_brackets_cannot_carry() -> None:
    assert names.conform_identifier("Name With Spaces") == "Name With Spaces"
    assert names.conform_identifier("tab\there\x00") == "tab_here_"
    assert names.conform_identifier("trailing   ") == "trailing"
    assert names.conform_identifier("") == "_"


def test_long_names_stay_distinct_and_fit() -> None:
    a = names.conform_identifier("x" * 200 + "a")
    b = names.conform_identifier("x" * 200 + "b")
    assert len(a) == len(b) == 128
    assert a != b
    assert names.conform_identifier("x" * 200 + "a") == a  # stable


def test_column_collisions_are_case_insensitive_and_stable() -> None:
    mapping = names.conform_column_names(["Id", "id", "ID", "name", "id__2"])
    assert mapping == {
        "Id": "Id",
        "id": "id__2",
        "ID": "ID__3",
        "name": "name",
        "id__2": "id__2__2",
    }
    assert len({v.casefold() for v in mapping.values()}) == 5
    long_names = ["y" * 130 + "1", "y" * 130 + "2"]
    conformed = names.conform_column_names(long_names)
    assert len(set(conformed.values())) == 2
    assert all(len(v) <= 128 for v in conformed.values())


def test_table_and_schema_for_stream() -> None:
    assert names.table_name_for_stream("contacts") == "contacts"
    assert names.table_name_for_stream("public-users") == "users"
    assert names.schema_name_for_stream("public-users", None) == "dbo"
    assert names.schema_name_for_stream("sales-users", None) == "sales"
    assert names.schema_name_for_stream("contacts", None) == "dbo"
    assert names.schema_name_for_stream("sales-users", "intercom") == "intercom"
    table = names.table_name_for_stream("t" * 300)
    assert len(table) == 112
    assert len(names.staging_table_name(table, "0123456789abcdef")) <= 128
    assert names.staging_table_name("t", "0123456789abcdef") == "t__stg_01234567"
    assert names.external_table_name("t", "0123456789abcdef") == "t__ext_01234567"


def test_blob_safe_segments() -> None:
    assert names.blob_safe("contacts") == "contacts"
    unsafe = names.blob_safe("test:SpecialChars!in?attributes")
    assert unsafe.startswith("test_SpecialChars_in_attributes-")
    assert names.blob_safe("a/b") != names.blob_safe("a_b")
    assert len(names.blob_safe("z" * 300)) == 60
