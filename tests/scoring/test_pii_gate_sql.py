"""The structured-PII gate's SQL (dbt_project/tests/scoring/assert_no_structured_pii_in_non_edge_
exports.sql) on an in-memory DuckDB: every kind it checks is found when it stands alone in a text,
so the one-pass prefilter in front of the checks lets each of them through."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

GATE = (
    Path(__file__).parents[2]
    / "dbt_project/tests/scoring/assert_no_structured_pii_in_non_edge_exports.sql"
)


def gate_sql() -> str:
    sql = re.sub(r"\{#.*?#\}", "", GATE.read_text(), flags=re.S)
    return sql.replace("{{ ref('conversations') }}", "conversations").replace(
        "{{ ref('preference_pairs') }}", "preference_pairs"
    )


def found(texts: list[str], *, edge_case: bool = False) -> list[tuple[str, str]]:
    con = duckdb.connect()
    con.execute(
        "create table conversations (conversation_id varchar, is_training_edge_case boolean,"
        " messages struct(role varchar, content varchar)[])"
    )
    con.execute(
        "create table preference_pairs (pair_id varchar, is_training_edge_case boolean,"
        " prompt_messages struct(role varchar, content varchar)[], chosen varchar,"
        " rejected varchar)"
    )
    for i, text in enumerate(texts):
        con.execute(
            "insert into conversations values (?, ?, [{'role': 'user', 'content': ?}])",
            [f"c{i}", edge_case, text],
        )
    return sorted(con.execute(gate_sql()).fetchall())


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to maya.ortiz84@example.com", "email"),
        ("write to maya.ortiz@example.com", "email"),
        ("my cell is (303) 555-0142", "phone"),
        ("ring 303.555.0142 tonight", "phone"),
        ("SSN 536-22-8714", "ssn"),
        ("card 4111 1111 1111 1111", "credit_card"),
        ("card 4-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1", "credit_card"),
        ("refund to GB82 WEST 1234 5698 7654 32", "iban"),
        ("refund to NL91ABNA0417164300", "iban"),
        ("my ID 11010519491231002X", "national_id"),
        ("NHS no. 401 023 2137", "national_id"),
        ("NHS number 4010232137", "national_id"),
        ("call 13812345678", "phone"),
        ("call +86 138-1234-5678", "phone"),
    ],
)
def test_each_kind_alone_is_found(text, kind):
    # a number can match two kinds ("401 023 2137" is also US-phone shaped): the kind is among them
    rows = found([text])
    assert kind in {row[2] for row in rows}
    assert {row[:2] for row in rows} == {("conversation", "c0")}


@pytest.mark.parametrize(
    "text",
    [
        "I have felt low for 3 weeks",
        "call 1-800-273-8255 any time",  # a toll-free helpline
        "card 4111 1111 1111 1112",  # fails the Luhn check
        "my ID 110105194912310021",  # wrong check character
        "write to [EMAIL] or call [PHONE]",
    ],
)
def test_what_is_not_personal_is_not_found(text):
    assert found([text]) == []


def test_edge_cases_are_not_checked():
    assert found(["SSN 536-22-8714"], edge_case=True) == []
