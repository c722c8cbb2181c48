"""One conversation per file: a registry field_map path from ``$`` makes each file one record."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ingestion.inventory import build_inventory
from ingestion.lake_reader import LakeFile, read_lake_records, read_one_file
from ingestion.record_shapes import is_one_record_per_file

MESSAGES = [
    {"role": "Client", "content": "I can't sleep since the move."},
    {"role": "Counselor", "content": "That sounds exhausting. What keeps you awake?"},
    {"role": "Client", "content": "Mostly worrying about money."},
]


def records(
    path: Path, *, whole_record: bool = True
) -> list[tuple[str, int, str | None, str | None]]:
    return [
        (container, rec.source_line, rec.raw_record, rec.load_error)
        for container, _, rec in read_one_file(
            str(path), max_record_bytes=100_000, whole_record=whole_record
        )
    ]


@pytest.mark.parametrize(
    ("record_format", "field_map", "expected"),
    [
        ("chatml", '{"messages": "$"}', True),
        ("chatml", '{"messages": "$.dialog", "role": "speaker"}', True),
        ("sharegpt", {"messages": "$"}, True),
        ("turn_pairs", '{"turns": "$"}', True),
        ("turn_pairs", '{"turns": "conversation"}', False),
        ("chatml", '{"messages": "dialog"}', False),
        ("chatml", None, False),
        ("chatml", "not json", False),
        ("context_response", '{"messages": "$"}', False),
        ("transcript", '{"speaker": "$"}', False),
    ],
)
def test_the_registry_row_says_whether_a_file_is_one_conversation(
    record_format, field_map, expected
) -> None:
    assert is_one_record_per_file(record_format, field_map) is expected


def test_a_pretty_printed_message_list_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "dialogue_0001.json"
    path.write_text(json.dumps(MESSAGES, indent=2))
    rows = records(path)
    assert len(rows) == 1
    container, line, raw, error = rows[0]
    assert (container, line, error) == ("json_document", 1, None)
    assert json.loads(raw) == MESSAGES
    # read as records (no `$` in the registry) the same file is one record per array element
    assert len(records(path, whole_record=False)) == len(MESSAGES)


def test_an_object_holding_the_list_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    value = {"id": 7, "tags": ["sleep"], "dialog": MESSAGES}
    path.write_text(json.dumps(value, indent=4))
    ((container, line, raw, error),) = records(path)
    assert (container, line, error) == ("json_document", 1, None) and json.loads(raw) == value
    # the line reader also keeps a pretty-printed object whole (issue 17): one record, not
    # one broken record per line
    ((_, _, line_raw, line_error),) = records(path, whole_record=False)
    assert line_error is None and json.loads(line_raw) == value


def test_gzip_bom_and_utf16_files_are_one_record_too(tmp_path: Path) -> None:
    text = json.dumps(MESSAGES, indent=1, ensure_ascii=False)
    gz = tmp_path / "a.json.gz"
    gz.write_bytes(gzip.compress(text.encode(), mtime=0))
    bom = tmp_path / "b.json"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    utf16 = tmp_path / "c.json"
    utf16.write_bytes(text.encode("utf-16"))
    for path in (gz, bom, utf16):
        ((_, line, raw, error),) = records(path)
        assert (line, error) == (1, None) and json.loads(raw) == MESSAGES, path.name


def test_a_cut_off_file_is_one_malformed_record_not_one_per_line(tmp_path: Path) -> None:
    text = json.dumps(MESSAGES, indent=2)
    path = tmp_path / "broken.json"
    path.write_text(text[: len(text) // 2])
    assert records(path) == [("json_document", 1, None, "malformed_json")]


def test_a_jsonl_file_in_a_one_per_file_dataset_is_read_by_lines(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(MESSAGES) + "\n" for _ in range(3)))
    rows = records(path)
    assert [(row[1], row[3]) for row in rows] == [(1, None), (2, None), (3, None)]


def test_an_empty_file_holds_no_records_and_a_huge_one_is_too_large(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    assert records(empty) == []
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps([{"role": "user", "content": "x" * 200_000}]))
    ((_, line, raw, error),) = records(huge)
    assert (line, raw, error) == (1, None, "record_too_large")


def test_the_batch_reader_passes_the_flag_per_file(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(MESSAGES, indent=2))
    table = read_lake_records(
        [LakeFile("d", str(one), "chatml", whole_record=True), LakeFile("e", str(one), "chatml")],
        max_record_bytes=100_000,
    ).read_all()
    counts = {}
    for dataset in table.column("source_dataset").to_pylist():
        counts[dataset] = counts.get(dataset, 0) + 1
    assert counts == {"d": 1, "e": len(MESSAGES)}


def test_inventory_counts_conversations_not_messages(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    (lake / "dialogues").mkdir(parents=True)
    for number in range(3):
        (lake / "dialogues" / f"{number}.json").write_text(json.dumps(MESSAGES, indent=2))
    registry = tmp_path / "registry.csv"
    registry.write_text(
        "dataset,path_glob,format,field_map,source_family\n"
        'files,dialogues/*.json,chatml,"{""messages"": ""$""}",public\n'
    )
    (lake / "dialogues" / "stream.json").write_text(
        "".join(json.dumps(MESSAGES) + "\n" for _ in range(4))  # JSONL: one conversation a line
    )
    inventory = build_inventory(str(lake), registry_csv=registry)
    (files,) = inventory.datasets
    assert (files.name, files.objects, files.records) == ("files", 4, 3 + 4)
    assert files.records_are_exact
    assert {obj.shape for obj in inventory.objects} == {"message_list"}
