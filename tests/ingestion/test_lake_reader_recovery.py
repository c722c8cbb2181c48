"""The reader keeps every complete record of a damaged or oddly shaped file (issue 17, item 4).

Each case once lost records inside the reader: a truncated gzip, an unterminated CSV quote, a
JSONL file whose first line is an array, CR-only line endings, pretty-printed JSON in a .jsonl.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest

from ingestion.lake_reader import read_one_file

MAX = 100_000


def rows(path: Path) -> list[tuple[str, int, str | None, str | None]]:
    """``(container, line, raw record, load error)`` of every row the reader yields."""
    return [
        (container, rec.source_line, rec.raw_record, rec.load_error)
        for container, _, rec in read_one_file(str(path), max_record_bytes=MAX)
    ]


def jsonl(n: int, pad: int = 40) -> bytes:
    return b"".join(b'{"n": %d, "pad": "%s"}\n' % (i, b"x" * pad) for i in range(n))


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.77, 0.95])
def test_a_truncated_gzip_keeps_every_complete_line_and_counts_the_tail(tmp_path, cut):
    payload = jsonl(59, pad=300)
    data = gzip.compress(payload, mtime=0)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: int(len(data) * cut)])
    # how many complete lines the surviving bytes hold (what a perfect reader keeps)
    inflated = zlib.decompressobj(31).decompress(data[: int(len(data) * cut)])
    complete = inflated.count(b"\n")
    found = rows(path)
    kept, tail = found[:-1], found[-1]
    assert [(line, error) for _, line, _, error in kept] == [
        (n, None) for n in range(1, complete + 1)
    ]
    assert [json.loads(raw)["n"] for _, _, raw, _ in kept] == list(range(complete))
    assert tail[1] == complete + 1 and tail[3] == "bad_gzip"
    assert json.loads(tail[2])["damaged_from_byte"] == inflated.rfind(b"\n") + 1


def test_a_corrupt_gzip_middle_keeps_the_lines_before_it(tmp_path):
    data = bytearray(gzip.compress(jsonl(400), mtime=0))
    data[len(data) // 2 : len(data) // 2 + 40] = b"\x00" * 40
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(bytes(data))
    found = rows(path)
    assert found[-1][3] == "bad_gzip"
    assert all(error is None for *_, error in found[:-1]) and len(found) > 50


def test_multi_member_gzip_is_read_whole(tmp_path):
    path = tmp_path / "two.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(3)) + gzip.compress(jsonl(2)))
    assert [error for *_, error in rows(path)] == [None] * 5


def test_an_unterminated_csv_quote_costs_its_own_line_only(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('question,answer\nq1,a1\nq2,"a2 never closed\nq3,a3\nq4,a4\n')
    found = rows(path)
    assert [(line, error) for _, line, _, error in found] == [
        (2, None),
        (3, "malformed_csv_row"),
        (4, None),
        (5, None),
    ]
    assert json.loads(found[3][2]) == {"question": "q4", "answer": "a4"}


def test_a_quote_closed_by_a_later_rows_quote_does_not_swallow_the_rows_between(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('q,a\nq1,"a1 open\nq2,a2\nq3,"a3"\nq4,a4\n')
    found = rows(path)
    assert [(line, error) for _, line, _, error in found] == [
        (2, "malformed_csv_row"),
        (3, None),
        (4, None),
        (5, None),
    ]


@pytest.mark.parametrize("before", [1023, 1024, 2047, 3000, 5120])
def test_a_broken_quote_deep_in_a_long_csv_is_found_at_its_line(tmp_path, before):
    rows_before = "".join(f"q{n},a{n}\n" for n in range(before))
    path = tmp_path / "long.csv"
    path.write_text(f'q,a\n{rows_before}qx,"open\n' + "".join(f"r{n},b{n}\n" for n in range(2500)))
    found = rows(path)
    assert len(found) == before + 1 + 2500
    assert [line for _, line, _, error in found if error] == [before + 2]
    assert [line for _, line, _, _ in found] == list(range(2, before + 2500 + 3))


def test_a_legitimate_multi_line_cell_stays_one_row(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text('q,a\nq1,"line one\nline ""two"", still"\nq2,a2\n')
    found = rows(path)
    assert [(line, error) for _, line, _, error in found] == [(2, None), (4, None)]
    assert json.loads(found[0][2])["a"] == 'line one\nline "two", still'


def test_jsonl_whose_first_line_is_an_array_keeps_its_other_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'[1, 2]\n{"a": 1}\n{"a": 2}\n')
    assert rows(path) == [
        ("jsonl", 1, "[1, 2]", None),  # SQL quarantines it not_an_object
        ("jsonl", 2, '{"a": 1}', None),
        ("jsonl", 3, '{"a": 2}', None),
    ]


def test_a_json_array_file_is_still_one_array(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(b'[\n {"a": 1},\n {"a": 2}\n]\n')
    assert [(c, line) for c, line, _, _ in rows(path)] == [("json_array", 1), ("json_array", 2)]


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_any_line_ending_gives_one_record_per_line(tmp_path, ending):
    path = tmp_path / "cr.jsonl"
    path.write_bytes(ending.join(b'{"n": %d}' % i for i in range(5)) + ending)
    found = rows(path)
    assert [(line, raw, error) for _, line, raw, error in found] == [
        (i + 1, f'{{"n": {i}}}', None) for i in range(5)
    ]


def test_cr_only_rows_appended_to_an_lf_file_are_split(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"n": 0}\n{"n": 1}\r{"n": 2}\r')
    assert [raw for _, _, raw, _ in rows(path)] == ['{"n": 0}', '{"n": 1}', '{"n": 2}']


def test_a_pretty_printed_object_in_a_jsonl_file_is_one_record(tmp_path):
    obj = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    path = tmp_path / "pretty.jsonl"
    path.write_text(json.dumps(obj, indent=2) + "\n" + json.dumps(obj, indent=4) + "\n")
    found = rows(path)
    assert [(c, line, error) for c, line, _, error in found] == [
        ("jsonl", 1, None),
        ("jsonl", 1 + json.dumps(obj, indent=2).count("\n") + 1, None),
    ]
    assert json.loads(found[0][2]) == obj


def test_pretty_printed_objects_then_garbage_count_the_rest_once(tmp_path):
    path = tmp_path / "pretty.jsonl"
    path.write_text('{\n  "a": 1\n}\n{\n  "a": \n')
    assert [(line, error) for _, line, _, error in rows(path)] == [
        (1, None),
        (4, "malformed_json"),
    ]


def test_deeply_nested_json_array_is_one_row_with_a_reason(tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 10_000 + b"]" * 10_000)
    assert [(line, error) for _, line, _, error in rows(path)] == [(0, "nesting_too_deep")]
