"""The QA report is a function of the warehouse's rows, not of the order a build wrote them in.

A cold build and a cached rebuild write the same `qa_*` rows in different orders (parallel
aggregation, incremental merges); every list in the report has a total order, so both give the
same `qa_report.json` and `qa_report.html` byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from exports.qa_report import write_qa_report

QUARANTINE = [
    # (source_dataset, reason, records, files, example_location): ties on (records, reason)
    ("alpha", "bad_json", 2, 1, "a.jsonl:3"),
    ("beta", "bad_json", 2, 1, "b.jsonl:9"),
    ("gamma", "bad_json", 2, 1, "c.jsonl:1"),
    ("alpha", "empty_messages", 1, 1, "a.jsonl:7"),
    ("beta", "empty_messages", 1, 1, "b.jsonl:2"),
]
PII = [("email", 3), ("phone", 3), ("person", 1)]
THRESHOLDS = [
    ("voice", "empathy_score", "min", 0.5, "quality", "d1"),
    ("foundation", "safety_score", "min", 0.7, "safety", "d2"),
    ("foundation", "empathy_score", "min", 0.5, "quality", "d3"),
]
GATES = [
    ("not_null_x", "test", "pass", 0, "m1"),
    ("same_name", "unit_test", "pass", 0, "m2"),
    ("same_name", "unit_test", "pass", 0, "m1"),
    ("accepted_values_y", "test", "pass", 0, "m3"),
]


def _warehouse(path: Path, reverse: bool) -> Path:
    def order(rows: list[tuple]) -> list[tuple]:
        return list(reversed(rows)) if reverse else list(rows)

    con = duckdb.connect(str(path))
    con.execute(
        "create table qa_quarantine_summary (source_dataset varchar, reason varchar,"
        " records bigint, files bigint, example_location varchar)"
    )
    con.executemany("insert into qa_quarantine_summary values (?, ?, ?, ?, ?)", order(QUARANTINE))
    con.execute("create table qa_pii_counts (pii_type varchar, replacements bigint)")
    con.executemany("insert into qa_pii_counts values (?, ?)", order(PII))
    con.execute(
        "create table quality_thresholds (stage varchar, metric varchar, comparison varchar,"
        " threshold double, gate_kind varchar, description varchar)"
    )
    con.executemany("insert into quality_thresholds values (?, ?, ?, ?, ?, ?)", order(THRESHOLDS))
    con.execute(
        "create table gate_results (gate varchar, gate_kind varchar, status varchar,"
        " failures bigint, attached_node varchar)"
    )
    con.executemany("insert into gate_results values (?, ?, ?, ?, ?)", order(GATES))
    con.close()
    return path


def test_report_is_the_same_whatever_order_the_rows_were_written_in(tmp_path):
    outputs = []
    for reverse in (False, True):
        name = "reversed" if reverse else "forward"
        warehouse = _warehouse(tmp_path / f"{name}.duckdb", reverse)
        html, json_path = write_qa_report(tmp_path / name, warehouse)
        outputs.append((html.read_bytes(), json_path.read_bytes()))
    assert outputs[0][1] == outputs[1][1]
    assert outputs[0][0] == outputs[1][0]
    figures = json.loads(outputs[0][1])
    # ties broken by source dataset; every other list by its key
    assert [(r["reason"], r["source_dataset"]) for r in figures["quarantine_top"]] == [
        ("bad_json", "alpha"),
        ("bad_json", "beta"),
        ("bad_json", "gamma"),
        ("empty_messages", "alpha"),
        ("empty_messages", "beta"),
    ]
    assert [(r["stage"], r["metric"]) for r in figures["gates"]["thresholds"]] == [
        ("foundation", "empathy_score"),
        ("foundation", "safety_score"),
        ("voice", "empathy_score"),
    ]
    assert [r["gate"] for r in figures["gates"]["tests"]] == [
        "accepted_values_y",
        "not_null_x",
        "same_name",
        "same_name",
    ]
