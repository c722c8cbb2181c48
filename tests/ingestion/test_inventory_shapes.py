"""The coverage report names each object's shape by content and counts conversations."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ingestion.inventory import build_inventory
from ingestion.record_shapes import content_shape

MESSAGES = [{"role": "usr", "content": "hi"}, {"role": "sys", "content": "hello"}]
PAIRS = [{"system": "s", "input": "i", "output": "o"}]


@pytest.fixture(scope="module")
def shapes(sample_lake) -> dict[str, dict[str, int]]:
    lake, _ = sample_lake
    by_dataset: dict[str, dict[str, int]] = {}
    for obj in build_inventory(str(lake)).objects:
        counts = by_dataset.setdefault(obj.dataset or "(unregistered)", {})
        counts[obj.shape] = counts.get(obj.shape, 0) + 1
    return by_dataset


def test_the_sample_lake_shapes_are_named_by_content(shapes, sample_lake) -> None:
    _, summary = sample_lake
    files = {name: len(ds.files) for name, ds in summary.datasets.items()}
    # every fourth numbered file is an object holding the list; the cut-off file is a list too
    holders = (files["dialogue_files"] - 1) // 4
    assert shapes["dialogue_files"] == {
        "message_list": files["dialogue_files"] - holders,
        "conversations": holders,
    }
    assert shapes["turn_pair_dialogues"] == {"turn_pairs": 1}
    assert shapes["turn_pair_files"] == {"turn_pair_list": files["turn_pair_files"]}
    assert set(shapes["psychology_books"]) == {"pdf", "epub"}
    plain = files["video_transcripts"] // 3  # every third episode is {"title", "text"}
    assert shapes["video_transcripts"] == {
        "timed_transcript": files["video_transcripts"] - plain,
        "records": plain,
    }
    assert shapes["priority_curated_dialogues"] == {"conversations": 3, "empty": 1}
    assert shapes["session_utterances"] == {"text": 2}  # CSV
    assert shapes["clinical_reasoning_cot"] == {"parquet": 1}


@pytest.mark.parametrize(
    ("data", "shape"),
    [
        (json.dumps(MESSAGES, indent=2).encode(), "message_list"),
        (json.dumps(PAIRS).encode(), "turn_pair_list"),
        (json.dumps({"conversation": PAIRS}).encode() + b"\n", "turn_pairs"),
        (json.dumps({"id": 1, "dialog": MESSAGES}, indent=2).encode(), "conversations"),
        (json.dumps({"video_id": "v", "segments": []}).encode(), "timed_transcript"),
        (json.dumps([{"start": 0, "end": 1, "text": "hi"}]).encode(), "timed_transcript"),
        (b'{"start": 0.0, "end": 1.2, "text": "hi"}\n', "timed_transcript"),
        (b'{"id": 1, "text": "hi"}\n', "records"),
        (b"%PDF-1.7\n", "pdf"),
        (b"question,answer\nq,a\n", "text"),
        (b"", "empty"),
        (json.dumps(MESSAGES).encode("utf-16"), "message_list"),
        # a big array cut off by the sample: its first element decides
        (b'[\n  {"role": "Client", "content": "x"},\n  {"role": "Couns', "message_list"),
    ],
)
def test_content_shape(data: bytes, shape: str) -> None:
    assert content_shape(data) == shape


def test_unregistered_message_list_files_count_one_conversation_each(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "a.json").write_text(json.dumps(MESSAGES * 5, indent=2))
    (lake / "b.json.gz").write_bytes(gzip.compress(json.dumps(PAIRS * 3).encode(), mtime=0))
    (lake / "c.json").write_text(json.dumps([{"x": 1}, {"x": 2}]))
    registry = tmp_path / "registry.csv"
    registry.write_text("dataset,path_glob,format,field_map,source_family\n")
    inventory = build_inventory(str(lake), registry_csv=registry)
    objects = {obj.relpath: obj for obj in inventory.objects}
    assert (objects["a.json"].records, objects["a.json"].method) == (1, "one_conversation")
    assert (objects["b.json.gz"].records, objects["b.json.gz"].shape) == (1, "turn_pair_list")
    assert (objects["c.json"].records, objects["c.json"].shape) == (2, "records")
