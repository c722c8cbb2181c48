"""Reading configuration values and writing them into SQL: one definition of each.

dbt passes a Python model's config as text (``"true"``, ``"0.9"``, ``"none"``), and Python code
that builds SQL quotes strings and identifiers: both are done here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable

_TRUE = frozenset({"true", "1", "yes", "on"})
_NULL = frozenset({"", "none", "null"})


def flag(value: object) -> bool:
    """A dbt var or config value read as a boolean (``true``/``1``/``yes``/``on``, any case)."""
    return str(value).strip().lower() in _TRUE


def optional_number(value: object) -> float | None:
    """A dbt var or config value read as a number; ``None``, ``"null"`` or blank mean unset."""
    text = "" if value is None else str(value).strip().lower()
    return None if text in _NULL else float(text)


def quote_string(value: str) -> str:
    """A SQL string literal: single quotes, embedded quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """A SQL identifier (column or table name): double quotes, embedded quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def string_list(values: Iterable[str]) -> str:
    """A comma-separated list of SQL string literals for ``in (...)``; ``null`` when empty."""
    return ", ".join(quote_string(value) for value in values) or "null"
