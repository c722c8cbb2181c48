"""The text macros' cheaper forms (issue 20, session 9) against the forms they replaced, on an
in-memory DuckDB: the same result on every code point and on random strings built from the
characters each macro treats specially. No dbt process: the macro files are plain Jinja."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import jinja2
import pytest

MACROS = Path(__file__).parents[2] / "dbt_project" / "macros"

# the forms before session 9, verbatim
OLD_FOLD = (
    "trim(case when regexp_matches(c, '[\\t\\n\\v\\f\\r\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
    "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]|  ') then regexp_replace(c, '[\\s\\p{Z}]+', "
    "' ', 'g') else c end)"
)
TRIM_CLASS = "[\\s\\p{Z}\\x{200b}-\\x{200d}\\x{2060}\\x{feff}\\x{180e}]"
OLD_TRIM = (
    f"case when regexp_matches(left(c, 1) || right(c, 1), '{TRIM_CLASS}') then "
    f"regexp_replace(c, '^{TRIM_CLASS}+|{TRIM_CLASS}+$', '', 'g') else c end"
)

# every character the macros handle, some that look like them (\v, NEL, ZWSP for fold), an
# escape sequence's parts, a combining accent (NFC), text
ALPHABET = [
    "a", "b", "é", "\U0001f600", " ", "\t", "\n", "\r", "\f", "\v", "\x85", "\xa0", "\u1680",
    "\u180e", "\u2000", "\u2003", "\u200a", "\u200b", "\u200d", "\u2028", "\u2029", "\u202f",
    "\u205f", "\u2060", "\u3000", "\ufeff", "\x1e", "\x1f", "\x01", "\x1b", "[", "m", "\x7f",
    "\x9f", "\u0301", "e",
]  # fmt: skip


# every Unicode scalar value: DuckDB's chr() refuses a surrogate (filtered before chr is called)
CODE_POINTS = (
    "(select i::int as i from range(1, 1114112) r(i) where i < 55296 or i > 57343 offset 0)"
)


def macro(name: str, expr: str) -> str:
    source = (MACROS / f"{name}.sql").read_text(encoding="utf-8")
    return getattr(jinja2.Environment().from_string(source).module, name)(expr)


@pytest.fixture(scope="module")
def texts():
    rnd = random.Random(20)
    strings = [
        "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 9))) for _ in range(50_000)
    ]
    con = duckdb.connect()
    con.execute("create table t (c varchar)")
    con.execute("insert into t select unnest(?)", [[*strings, None, ""]])
    con.execute(f"insert into t select chr(i) from {CODE_POINTS}")
    # each code point alone and between two letters, one space and two spaces
    con.execute(
        "insert into t select 'a' || c || 'b' from t where length(c) = 1"
        " union all select ' ' || c || '  ' from t where length(c) = 1"
    )
    yield con
    con.close()


@pytest.mark.parametrize(
    ("name", "old"), [("fold_whitespace", OLD_FOLD), ("trim_whitespace", OLD_TRIM)]
)
def test_the_cheaper_macro_returns_what_the_old_form_returned(texts, name, old):
    new = macro(name, "c")
    differing = texts.execute(
        f"select count(*), count(*) filter (where ({new}) is distinct from ({old})) from t"
    ).fetchone()
    assert differing[0] > 1_000_000
    assert differing[1] == 0


def test_the_fold_replace_lists_every_whitespace_character_but_the_space():
    # the replace's second alternative spells out [\s\p{Z}] minus ' ' code point by code point
    pattern = macro("fold_whitespace", "c").split("regexp_replace(")[1].split("'")[1]
    single = pattern.split("|", 1)[1]
    con = duckdb.connect()
    found = {}
    for label, regex in (("class", "[\\s\\p{Z}]"), ("listed", single)):
        found[label] = con.execute(
            f"select list(i order by i) from {CODE_POINTS}"
            f" where regexp_full_match(chr(i), '{regex}')"
        ).fetchone()[0]
    assert 32 in found["class"] and 32 not in found["listed"]
    assert found["listed"] == [i for i in found["class"] if i != 32]


CONTROL_CHECK = "regexp_matches(c, '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]')"
FOLD_CHECK = (
    "regexp_matches(c, '[\\t\\n\\v\\f\\r\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
    "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]|  ')"
)


def test_needs_text_cleaning_is_the_control_check_or_the_fold_check(texts):
    needs = macro("needs_text_cleaning", "c")
    row = texts.execute(
        "select count(*) filter (where c is not null),"
        f" count(*) filter (where ({needs}) is distinct from ({CONTROL_CHECK} or {FOLD_CHECK}))"
        f" , count(*) filter (where {needs}) from t"
    ).fetchone()
    assert row[0] > 1_000_000 and row[2] > 1000
    assert row[1] == 0


def test_a_text_needing_no_cleaning_has_nothing_to_fold_once_normalized(texts):
    # what the guard skips: the fold check on the text as normalize_messages leaves it
    needs = macro("needs_text_cleaning", "c")
    strip = macro("strip_control_characters", "c")
    normalized = f"nfc_normalize({macro('trim_whitespace', 's')})"
    unguarded_strip = texts.execute(
        f"select count(*) filter (where not ({needs}) and ({strip}) is distinct from c) from t"
    ).fetchone()[0]
    assert unguarded_strip == 0
    row = texts.execute(
        f"select count(*), count(*) filter (where {FOLD_CHECK.replace('(c,', '(n,')})"
        f" from (select {normalized} as n from"
        f" (select c as s from t where not ({needs})))"
    ).fetchone()
    assert row[0] > 1_000_000
    assert row[1] == 0


def random_json(rnd: random.Random, depth: int = 0) -> object:
    kinds = ["str", "int", "neg", "float", "big", "true", "false", "null"]
    kinds += ["list", "dict"] if depth < 3 else []
    kind = rnd.choice(kinds)
    if kind == "list":
        return [random_json(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    if kind == "dict":
        return {f"k{i}": random_json(rnd, depth + 1) for i in range(rnd.randint(0, 3))}
    return {
        "str": rnd.choice(["", "a", ' "q" ', "[x]", "{y}", "null", "true", "1", "\u00e9\n"]),
        "int": rnd.randint(0, 10**6),
        "neg": -rnd.randint(1, 10**6),
        "float": rnd.random() * 100,
        "big": 2**64 + rnd.randint(0, 10),
        "true": True,
        "false": False,
        "null": None,
    }[kind]


def test_json_value_type_is_json_type_on_values_duckdb_wrote():
    # documents as a lake holds them (spaces, newlines around every token), each with one member
    # `v` of a random type; json_extract's output and the elements of a ::json[] cast, typed
    # both ways
    rnd = random.Random(9)
    docs = []
    for _ in range(3000):
        separators = rnd.choice([(",", ":"), (", ", ": "), (" ,\n ", " :\t")])
        doc = json.dumps(
            {"v": random_json(rnd)}, separators=separators, indent=rnd.choice([None, 2])
        )
        docs.append(doc)
    con = duckdb.connect()
    con.execute("create table d as select unnest(?) as doc", [docs])
    typed = macro("json_value_type", "x")
    row = con.execute(
        f"""
        with values_written as (
            select json_extract(doc, '$.v') as x from d
            union all
            select unnest(json_extract(doc, '$.v')::json[]) as x from d
            where json_type(doc, '$.v') = 'ARRAY'
            union all
            select json_extract(doc, '$.missing') as x from d
        )
        select count(*), count(distinct json_type(x)),
            count(*) filter (where ({typed}) is distinct from json_type(x))
        from values_written
        """
    ).fetchone()
    assert row[0] > 6000 and row[1] >= 7  # every type: VARCHAR ... OBJECT, three kinds of number
    assert row[2] == 0
