"""The one place that reads dbt config text and quotes SQL (pixel_config.values)."""

from __future__ import annotations

import duckdb
import pytest

from pixel_config.values import flag, optional_number, quote_identifier, quote_string, string_list


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("True", True), (" 1 ", True), ("yes", True), ("on", True), (True, True)],
)
def test_flag_true(text, expected):
    assert flag(text) is expected


@pytest.mark.parametrize("text", ["false", "0", "no", "", None, "off", False, "maybe"])
def test_flag_false(text):
    assert flag(text) is False


@pytest.mark.parametrize(
    ("text", "expected"), [(None, None), ("none", None), ("null", None), (" ", None), ("0.9", 0.9)]
)
def test_optional_number(text, expected):
    assert optional_number(text) == expected


def test_quoting_round_trips_through_duckdb():
    awkward = 'it\'s a "name"; drop table x; --'
    con = duckdb.connect()
    assert con.execute(f"select {quote_string(awkward)}").fetchone()[0] == awkward
    con.execute(f"create table t ({quote_identifier(awkward)} integer)")
    assert (
        con.execute("select column_name from information_schema.columns").fetchone()[0] == awkward
    )
    values = string_list(["a", awkward, "it's"])
    assert con.execute(f"select 'it''s' in ({values})").fetchone()[0]
    assert con.execute(f"select 'a' in ({string_list([])})").fetchone()[0] is None
