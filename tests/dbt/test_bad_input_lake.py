"""A lake of every kind of bad input (issue 17), built end to end: each record's outcome.

Every case once lost records, crashed the build or exported what is not text. The build must
pass every gate (row accounting included), and each planted record must end where it should:
kept (with the content it should have) or quarantined with its reason.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from pathlib import Path

import duckdb
import pytest

from tests.conftest import build, run_cli

ESC = "\x1b"


def chatml(user: object, assistant: object = "That sounds hard; tell me more?") -> dict:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    }


def line(record: object) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def good(n: int) -> dict:
    return chatml(f"I keep worrying about exam number {n} and cannot sleep at night.")


# (relative path, line) -> expected outcome: "kept" or a quarantine reason
EXPECTED: dict[tuple[str, int], str] = {}


def plant(lake: Path, relpath: str, data: bytes, outcomes: dict[int, str]) -> None:
    path = lake / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    EXPECTED.update({(relpath, n): outcome for n, outcome in outcomes.items()})


def make_bad_lake(lake: Path) -> dict[str, int]:
    """Write the bad-input lake; returns the complete lines of the truncated gzip."""
    structured = [
        chatml(
            [
                {"type": "text", "text": "I feel anxious"},
                {"type": "image_url", "image_url": {"url": "http://example.com/x.png"}},
                {"type": "text", "text": "every morning."},
            ]
        ),
        chatml(42),
        chatml({"text": "an object"}),
        {
            "messages": [
                {"role": "user", "text": "renamed field"},
                {"role": "assistant", "content": "ok"},
            ]
        },
        chatml("\u200b\u200d\ufeff"),
        chatml(f"{ESC}[31mI feel{ESC}[0m low\x07 today\x00 and tired."),
        good(1),
    ]
    plant(
        lake,
        "edge_cases/structured.jsonl",
        b"".join(line(r) for r in structured),
        {
            1: "kept",
            2: "invalid_content_type",
            3: "invalid_content_type",
            4: "missing_field",
            5: "empty_content",
            6: "kept",
            7: "kept",
        },
    )
    plant(
        lake,
        "curated/priority_first_array.jsonl",
        b"[1, 2]\n" + line(good(2)) + line(good(3)),
        {1: "not_an_object", 2: "kept", 3: "kept"},
    )
    plant(
        lake,
        "curated/priority_cr.jsonl",
        b"".join(line(good(n)).rstrip(b"\n") + b"\r" for n in range(4, 7)),
        {1: "kept", 2: "kept", 3: "kept"},
    )
    plant(
        lake,
        "curated/priority_pretty.jsonl",
        json.dumps(good(7), indent=2).encode() + b"\n",
        {1: "kept"},
    )
    payload = b"".join(line({"dialog": [
        {"speaker": "client", "text": f"Session {n}: I have been feeling overwhelmed at work."},
        {"speaker": "therapist", "text": "What part of work weighs on you most right now?"},
    ]}) for n in range(40))  # fmt: skip
    cut = gzip.compress(payload, mtime=0)
    prefix = cut[: len(cut) * 2 // 3]
    complete = zlib.decompressobj(31).decompress(prefix).count(b"\n")
    plant(
        lake,
        "professional/sessions/cut.jsonl.gz",
        prefix,
        {**{n: "kept" for n in range(1, complete + 1)}, complete + 1: "bad_gzip"},
    )
    plant(
        lake,
        "community/empathy/quote.csv",
        (
            "Context,Response\n"
            "I cannot focus at all lately.,What do you notice when focus slips?\n"
            'My sister stopped calling me.,"That silence must hurt\n'
            "I lost my job last week.,Losing a job shakes everything; how are you coping?\n"
            f"I feel numb{ESC}[1m.,Numbness can be a way of coping\x00; what came before it?\n"
        ).encode(),
        {2: "kept", 3: "malformed_csv_row", 4: "kept", 5: "kept"},
    )
    deep = b'{"messages": ' + b"[" * 5000 + b"]" * 5000 + b"}\n"
    plant(lake, "curated/priority_deep.jsonl", deep + line(good(8)), {2: "kept"})
    plant(
        lake, "community/sharegpt/deep.json", b"[" * 20000 + b"]" * 20000, {0: "nesting_too_deep"}
    )
    # names and links the listing must report, not skip
    undecodable = os.fsencode(lake) + b"/curated/priority_\xff.jsonl"
    with open(undecodable, "wb") as handle:
        handle.write(line(good(9)))
    EXPECTED[("curated/priority_\\xff.jsonl", 0)] = "undecodable_path"
    os.symlink(lake / "nowhere.jsonl", lake / "curated/priority_dangling.jsonl")
    EXPECTED[("curated/priority_dangling.jsonl", 0)] = "dangling_symlink"
    os.symlink(lake / "curated/priority_loop.jsonl", lake / "curated/priority_loop.jsonl")
    EXPECTED[("curated/priority_loop.jsonl", 0)] = "symlink_loop"
    os.symlink(lake / "curated", lake / "linked_folder")
    with open(os.fsencode(lake) + b"/stray_\xfe.txt", "wb") as handle:
        handle.write(b"unregistered")
    return {"gzip_complete_lines": complete}


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory) -> tuple[Path, Path, dict[str, int], str]:
    lake = tmp_path_factory.mktemp("bad") / "lake"
    lake.mkdir()
    facts = make_bad_lake(lake)
    warehouse = tmp_path_factory.mktemp("bad_warehouse") / "w.duckdb"
    result = build(lake, warehouse)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return lake, warehouse, facts, result.stdout + result.stderr


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def relative(lake: Path, uri: str) -> str:
    return uri[len(str(lake.resolve())) + 1 :]


def test_every_planted_record_has_its_outcome(bad_build):
    lake, warehouse, _, _ = bad_build
    quarantined = {
        (relative(lake, f), n): reason
        for f, n, reason in query(
            warehouse, "select source_file, source_line, reason from quarantine"
        )
    }
    read = {
        (relative(lake, f), n)
        for f, n in query(warehouse, "select source_file, source_line from stg_lake__records")
    }
    for key, outcome in sorted(EXPECTED.items()):
        assert key in read, f"{key} was not read at all"
        if outcome == "kept":
            assert key not in quarantined, (key, quarantined.get(key))
        else:
            assert quarantined.get(key) == outcome, key


def test_row_accounting_counts_what_the_files_hold(bad_build):
    _, warehouse, facts, _ = bad_build
    rows = dict(query(warehouse, "select source_dataset, input_records from row_accounting"))
    # the truncated gzip: every complete line, plus its lost tail as one row
    assert rows["professional_sessions"] == facts["gzip_complete_lines"] + 1
    assert rows["empathy_context_response"] == 4  # the broken quote costs one row, not three
    balanced = query(warehouse, "select bool_and(is_balanced) from row_accounting")
    assert balanced == [(True,)]


def test_structured_content_keeps_its_text_and_counts_dropped_parts(bad_build):
    lake, warehouse, _, _ = bad_build
    (messages,) = query(
        warehouse,
        "select messages from int_conversations_normalized "
        f"where source_file = '{lake.resolve()}/edge_cases/structured.jsonl' and source_line = 1",
    )[0]
    assert messages[0]["content"] == "I feel anxious\nevery morning."
    assert query(warehouse, "select dropped_parts from qa_dropped_content_parts") == [(1,)]


def test_control_characters_never_reach_the_content(bad_build):
    _, warehouse, _, _ = bad_build
    contents = [
        m["content"]
        for (messages,) in query(
            warehouse,
            "select messages from int_conversations_normalized where quarantine_reason is null",
        )
        for m in messages
    ]
    assert "I feel low today and tired." in contents
    assert any(c.startswith("I feel numb.") for c in contents)
    assert not any(ch in c for c in contents for ch in (ESC, "\x00", "\x07"))


def test_paths_the_listing_cannot_read_are_listed_with_a_reason(bad_build):
    lake, warehouse, _, _ = bad_build
    problems = {
        (relative(lake, f), error, registered)
        for f, error, registered in query(
            warehouse,
            "select source_file, listing_error, is_registered from lake_files "
            "where listing_error is not null",
        )
    }
    assert problems == {
        ("curated/priority_\\xff.jsonl", "undecodable_path", True),
        ("curated/priority_dangling.jsonl", "dangling_symlink", True),
        ("curated/priority_loop.jsonl", "symlink_loop", True),
        ("linked_folder", "symlinked_directory", False),
        ("stray_\\xfe.txt", "undecodable_path", False),
    }


def test_the_bad_lake_exports_and_the_export_holds_no_control_or_image_data(bad_build, tmp_path):
    _, warehouse, _, _ = bad_build
    out = tmp_path / "out"
    result = run_cli("export", "--out", str(out), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    text = "".join(p.read_text() for p in out.rglob("*.jsonl"))
    assert "image_url" not in text and "example.com" not in text
    assert "\\u001b" not in text and "\\u0000" not in text
