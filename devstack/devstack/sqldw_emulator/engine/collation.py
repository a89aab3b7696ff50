"""T-SQL collation names: which ones SQL Server knows, and the DuckDB collation each runs as.

Pure.
"""

from __future__ import annotations

import re

from devstack.sqldw_emulator.engine import errors

#: Windows collation designators (sys.fn_helpcollations(), SQL Server 2019), without versions.
_DESIGNATORS = frozenset(
    name.lower()
    for name in [
        "Albanian",
        "Arabic",
        "Assamese",
        "Azeri_Cyrillic",
        "Azeri_Latin",
        "Bashkir",
        "Bengali",
        "Bosnian_Cyrillic",
        "Bosnian_Latin",
        "Breton",
        "Chinese_Hong_Kong_Stroke",
        "Chinese_PRC",
        "Chinese_PRC_Stroke",
        "Chinese_Simplified_Pinyin",
        "Chinese_Simplified_Stroke_Order",
        "Chinese_Taiwan_Bopomofo",
        "Chinese_Taiwan_Stroke",
        "Chinese_Traditional_Bopomofo",
        "Chinese_Traditional_Pinyin",
        "Chinese_Traditional_Stroke_Count",
        "Chinese_Traditional_Stroke_Order_Chinese_Taiwan",
        "Corsican",
        "Croatian",
        "Cyrillic_General",
        "Czech",
        "Danish_Greenlandic",
        "Danish_Norwegian",
        "Dari",
        "Divehi",
        "Estonian",
        "Finnish_Swedish",
        "French",
        "Frisian",
        "Georgian_Modern_Sort",
        "German_PhoneBook",
        "Greek",
        "Hebrew",
        "Hindi",
        "Hungarian",
        "Hungarian_Technical",
        "Icelandic",
        "Indic_General",
        "Japanese",
        "Japanese_Bushu_Kakusu",
        "Japanese_Unicode",
        "Japanese_XJIS",
        "Kazakh",
        "Khmer",
        "Korean",
        "Korean_Wansung",
        "Lao",
        "Latin1_General",
        "Latvian",
        "Lithuanian",
        "Macedonian_FYROM",
        "Maltese",
        "Maori",
        "Mapudungan",
        "Modern_Spanish",
        "Mohawk",
        "Nepali",
        "Norwegian",
        "Pashto",
        "Persian",
        "Polish",
        "Romanian",
        "Romansh",
        "Sami_Norway",
        "Sami_Sweden_Finland",
        "Serbian_Cyrillic",
        "Serbian_Latin",
        "Slovak",
        "Slovenian",
        "Syriac",
        "Tamazight",
        "Tatar",
        "Thai",
        "Tibetan",
        "Traditional_Spanish",
        "Turkish",
        "Turkmen",
        "Uighur",
        "Ukrainian",
        "Upper_Sorbian",
        "Urdu",
        "Uzbek_Latin",
        "Vietnamese",
        "Welsh",
        "Yakut",
    ]
)
_WINDOWS = re.compile(
    r"(?P<designator>[a-z0-9_]+?)(?:_(?:90|100|140))?"
    r"_(?:bin2?|c[is]_a[is](?:_ks)?(?:_ws)?(?:_vss)?(?:_sc)?(?:_utf8)?|bin2_utf8)",
)
# SQL Server legacy collations, e.g. SQL_Latin1_General_CP1_CI_AS, SQL_Latin1_General_CP850_BIN2.
_LEGACY = re.compile(
    r"sql_[a-z0-9_]+?_(?:pref_)?cp\d+_(?:c[is]_a[is]|bin2?)",
)


def is_known(name: str) -> bool:
    """Whether SQL Server accepts ``name`` after COLLATE.

    Args:
        name: The collation name as written (case-insensitive).

    Returns:
        True for DATABASE_DEFAULT, Windows collations and SQL_ collations.
    """
    lowered = name.strip("[]").lower()
    if lowered == "database_default":
        return True
    if _LEGACY.fullmatch(lowered):
        return True
    match = _WINDOWS.fullmatch(lowered)
    return bool(match and match.group("designator") in _DESIGNATORS)


def check(name: str) -> None:
    """Refuse a collation SQL Server does not know.

    Args:
        name: The collation name.

    Raises:
        SQLError: 448 "Invalid collation".
    """
    if not is_known(name):
        raise errors.error(448, f"Invalid collation '{name}'.")


#: The database default collation (SERVERPROPERTY('Collation'), sys.columns.collation_name).
DATABASE_DEFAULT = "SQL_Latin1_General_CP1_CI_AS"
_SENSITIVITY = re.compile(r"_c(?P<case>[is])_a(?P<accent>[is])(?:_|$)")


def duck_collation(name: str | None) -> str:
    """The DuckDB collation that runs a T-SQL collation.

    Args:
        name: A collation name SQL Server knows (see :func:`is_known`); None or
            ``DATABASE_DEFAULT`` stands for the database collation.

    Returns:
        ``binary``, ``nocase``, ``noaccent`` or ``nocase.noaccent``.
    """
    lowered = (name or DATABASE_DEFAULT).strip("[]").lower()
    if lowered == "database_default":
        lowered = DATABASE_DEFAULT.lower()
    match = _SENSITIVITY.search(lowered)
    if match is None:  # *_BIN, *_BIN2, *_BIN2_UTF8
        return "binary"
    parts = []
    if match.group("case") == "i":
        parts.append("nocase")
    if match.group("accent") == "i":
        parts.append("noaccent")
    # Case- and accent-sensitive collations sort linguistically in SQL Server; code-point
    # order is the closest DuckDB has.
    return ".".join(parts) or "binary"


def column_clause(name: str | None) -> str:
    """The ``COLLATE`` clause of a DuckDB character column declared with ``name``."""
    duck = duck_collation(name)
    return "" if duck == "binary" else f" COLLATE {duck}"
