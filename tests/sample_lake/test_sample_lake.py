"""The sample lake is deterministic, laid out per the source registry, and its summary is true.

The summary is what the warehouse's row-accounting tests compare against, so these tests re-derive
it from the files with an independent scanner: records counted the way the warehouse counts them,
each record classified with the warehouse's reason codes, exact duplicates found by canonical
content and resolved by tier, then file, then record number.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from pypdf import PdfReader

from ingestion.lake import glob_matches
from pixel_config.settings import dbt_var
from sample_lake import LakeSummary, generate_lake
from sample_lake.lake import DATASET_WEIGHTS, MIN_RECORDS_PER_DATASET
from sample_lake.summary import FAULT_REASONS

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "dbt_project" / "seeds"
MAX_RECORD_BYTES = int(dbt_var("max_record_bytes"))
BOM = b"\xef\xbb\xbf"

# The contract with the warehouse tests: fixed faults and losing duplicates, whatever the scale.
EXPECTED_FAULTS: dict[str, dict[str, int]] = {
    "priority_curated_dialogues": {
        "invalid_utf8": 1,
        "malformed_json": 1,
        "truncated_record": 1,
        "not_an_object": 2,
        "missing_messages": 1,
        "empty_conversation": 1,
        "missing_role": 1,
        "unknown_role": 1,
        "empty_content": 2,
        "no_assistant_turn": 1,
    },
    "professional_sessions": {"missing_messages": 1, "unknown_role": 1},
    "community_sharegpt": {"not_an_object": 1, "empty_conversation": 1, "no_assistant_turn": 1},
    "empathy_context_response": {"malformed_csv_row": 1},
    "psych_instructions": {"missing_field": 1, "truncated_record": 1},
    "counsel_qa": {"missing_field": 1, "malformed_csv_row": 1},
    "clinical_reasoning_cot": {},
    "voice_persona_dialogues": {"empty_conversation": 1, "empty_content": 1},
    "crisis_edge_roleplay": {"missing_role": 1},
    "reddit_safety_preferences": {"missing_field": 1},
    "harmless_hh_preferences": {"missing_field": 1},
    "heldout_family_dialogues": {"record_too_large": 1, "malformed_json": 1},
    "trauma_talks": {},
    "session_utterances": {
        "empty_content": 1,
        "invalid_timestamp": 1,
        "missing_field": 1,
        "unknown_role": 6,
    },
    "dialogue_files": {"malformed_json": 1},
    "turn_pair_dialogues": {"empty_conversation": 1, "empty_content": 1},
    "turn_pair_files": {},
    "wide_feature_responses": {},
    "psychology_books": {"no_text_layer": 1},
    "video_transcripts": {},
}
EXPECTED_DUPLICATES = {
    "priority_curated_dialogues": 2,
    "community_sharegpt": 5,
    "reddit_safety_preferences": 1,
}
# Fields a record of each non-conversation format must carry, non-empty.
REQUIRED_FIELDS = {
    "instruction": ("instruction", "output"),
    "cot": ("question", "reasoning", "answer"),
}
PREFERENCE_FIELDS = {
    "reddit_safety_preferences": ("prompt", "chosen", "rejected"),
    "harmless_hh_preferences": ("chosen", "rejected"),
}


# --------------------------------------------------------------------------------------------
# Registry and globs
# --------------------------------------------------------------------------------------------


def load_registry() -> dict[str, dict[str, Any]]:
    with (SEEDS / "source_registry.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["tier"] = int(row["tier"])
        row["field_map"] = json.loads(row["field_map"]) if row["field_map"] else {}
    return {row["dataset"]: row for row in rows}


def load_role_aliases() -> dict[str, str]:
    with (SEEDS / "role_aliases.csv").open(newline="") as f:
        return {row["role_alias"]: row["canonical_role"] for row in csv.DictReader(f)}


REGISTRY = load_registry()
ROLE_ALIASES = load_role_aliases()


def matching_datasets(relpath: str) -> list[str]:
    return [name for name, row in REGISTRY.items() if glob_matches(row["path_glob"], relpath)]


# --------------------------------------------------------------------------------------------
# An independent scan of the lake
# --------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Canonical text: NFC, whitespace runs folded to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def is_blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def jsonl_records(data: bytes) -> list[tuple[bytes, bool]]:
    """Non-blank lines, each with whether it is an unterminated last line."""
    data = data.removeprefix(BOM)
    lines = data.split(b"\n")
    unterminated = not data.endswith(b"\n")
    return [
        (line, unterminated and i == len(lines) - 1) for i, line in enumerate(lines) if line.strip()
    ]


def parse_line(line: bytes, unterminated_last: bool) -> tuple[str | None, Any]:
    if len(line) > MAX_RECORD_BYTES:
        return "record_too_large", None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8", None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        return ("truncated_record" if unterminated_last else "malformed_json"), None
    if not isinstance(obj, dict):
        return "not_an_object", None
    return None, obj


def read_document_file(path: Path) -> list[tuple[str | None, Any]]:
    """A document file as one record: text, or a PDF's text layer (none: ``no_text_layer``)."""
    data = path.read_bytes()
    if data.startswith(b"%PDF-"):
        pages = PdfReader(path).pages
        text = "\n".join(page.extract_text() or "" for page in pages)
        return [(None, {"text": text})] if text.strip() else [("no_text_layer", None)]
    if data.startswith(b"PK"):  # an EPUB: a zip of XHTML chapters
        return [(None, {"text": path.name})]
    text = data.decode("utf-8")
    return [(None, {"text": text})] if text.strip() else []


def is_one_conversation_per_file(dataset: str) -> bool:
    """A registry field_map that maps the message or turn list to a path from ``$``."""
    fmap = REGISTRY[dataset]["field_map"]
    return any(str(fmap.get(key, "")).startswith("$") for key in ("messages", "turns"))


def read_file(path: Path, fmt: str, dataset: str = "") -> list[tuple[str | None, Any]]:
    """Every record of a file as (reason the reader already knows, object)."""
    name = path.name
    if fmt == "transcript":  # one document per file
        return read_document_file(path)
    if dataset and is_one_conversation_per_file(dataset):  # the whole file is one record
        try:
            return [(None, json.loads(path.read_bytes()))]
        except json.JSONDecodeError:
            return [("malformed_json", None)]
    if name.endswith(".parquet"):
        return [(None, row) for row in pq.read_table(path).to_pylist()]
    data = path.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    if name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        header, body = rows[0], rows[1:]
        return [
            (None, dict(zip(header, row, strict=True)))
            if len(row) == len(header)
            else ("malformed_csv_row", None)
            for row in body
        ]
    if fmt == "sharegpt" and data.lstrip().startswith(b"["):
        return [
            (None, item) if isinstance(item, dict) else ("not_an_object", None)
            for item in json.loads(data)
        ]
    return [parse_line(line, last) for line, last in jsonl_records(data)]


def message_list(obj: Any, messages_key: str) -> Any:
    """The message list a record holds: ``$`` is the record itself, or an object's first list
    of objects."""
    if messages_key == "$":
        if isinstance(obj, list):
            return obj
        lists = (v for v in obj.values() if isinstance(v, list) and v and isinstance(v[0], dict))
        return next(lists, None)
    return obj.get(messages_key.removeprefix("$.")) if isinstance(obj, dict) else None


def check_conversation(
    obj: Any, messages_key: str, role_key: str, content_key: str
) -> tuple[str | None, Any]:
    messages = message_list(obj, messages_key)
    if messages is None:
        return "missing_messages", None
    if not messages:
        return "empty_conversation", None
    turns = []
    for message in messages:
        if message.get(role_key) is None:
            return "missing_role", None
        role = ROLE_ALIASES.get(message[role_key].strip().lower())
        if role is None:
            return "unknown_role", None
        if is_blank(message.get(content_key)):
            return "empty_content", None
        turns.append((role, fold(message[content_key])))
    if "assistant" not in {role for role, _ in turns}:
        return "no_assistant_turn", None
    return None, ("conversation", *turns)


def check_turn_pairs(obj: Any, turns_key: str) -> tuple[str | None, Any]:
    """A turn-pairs record: each pair a user and an assistant turn, the first system text first."""
    pairs = message_list(obj, turns_key)
    if pairs is None:
        return "missing_messages", None
    if not pairs:
        return "empty_conversation", None
    systems = [p["system"] for p in pairs if not is_blank(p.get("system"))]
    turns = [("system", fold(systems[0]))] if systems else []
    for pair in pairs:
        if is_blank(pair.get("input")) or is_blank(pair.get("output")):
            return "empty_content", None
        turns += [("user", fold(pair["input"])), ("assistant", fold(pair["output"]))]
    return None, ("conversation", *turns)


def _clock_seconds(value: str) -> int | None:
    parts = value.split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    return int(parts[0]) * 3600 + int(parts[1]) * 60 + int(parts[2])


def check_utterance(fmap: dict[str, Any], obj: dict[str, Any]) -> tuple[str | None, Any]:
    """Row-level reasons of a session row; session-level ones come in `session_faults`."""
    if is_blank(obj.get(fmap["session_id"])) or is_blank(obj.get(fmap["speaker"])):
        return "missing_field", None
    if is_blank(obj.get(fmap["text"])):
        return "empty_content", None
    if _clock_seconds(obj[fmap["timestamp"]]) is None:
        return "invalid_timestamp", None
    return None, ("utterance", fold(obj[fmap["text"]]))


def session_faults(
    fmap: dict[str, Any], rows: list[tuple[int, dict[str, Any]]]
) -> tuple[dict[int, str], int]:
    """Rows of sessions with a speaker no map knows (every row: unknown_role), and how many
    good rows were folded into a session beyond its first."""
    speaker_roles = {k.lower(): v for k, v in fmap.get("speaker_roles", {}).items()}
    by_session: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, obj in rows:
        by_session.setdefault(obj[fmap["session_id"]], []).append((number, obj))
    faults: dict[int, str] = {}
    merged = 0
    for members in by_session.values():
        speakers = {obj[fmap["speaker"]].strip().lower() for _, obj in members}
        if any(ROLE_ALIASES.get(speaker_roles.get(sp, sp)) is None for sp in speakers):
            faults.update((number, "unknown_role") for number, _ in members)
        else:
            merged += len(members) - 1
    return faults, merged


def check_record(dataset: str, obj: dict[str, Any]) -> tuple[str | None, Any]:
    """Reason code for a parsed record, or its canonical dedup key."""
    row = REGISTRY[dataset]
    fmt, fmap = row["format"], row["field_map"]
    if fmt == "transcript":  # documents are not deduplicated; their passages are
        return None, ("transcript", fold(obj["text"]))
    if fmt == "utterances":
        return check_utterance(fmap, obj)
    if fmt == "chatml":
        return check_conversation(
            obj,
            fmap.get("messages", "messages"),
            fmap.get("role", "role"),
            fmap.get("content", "content"),
        )
    if fmt == "sharegpt":
        return check_conversation(obj, "conversations", "from", "value")
    if fmt == "turn_pairs":
        return check_turn_pairs(obj, fmap.get("turns", "conversation"))
    if fmt == "preference":
        fields = PREFERENCE_FIELDS[dataset]
    elif fmt == "context_response":
        fields = (fmap["context"], fmap["response"])
    elif fmt == "qa_csv":
        fields = (fmap["question"], fmap["answer"])
    else:
        fields = REQUIRED_FIELDS[fmt]
    if any(is_blank(obj.get(name)) for name in fields):
        return "missing_field", None
    extra = ("input",) if fmt == "instruction" else ()
    return None, (fmt, *(fold(obj.get(name) or "") for name in fields + extra))


@dataclass
class Scan:
    files: dict[str, list[str]] = field(default_factory=dict)
    per_file: Counter[str] = field(default_factory=Counter)
    input_records: Counter[str] = field(default_factory=Counter)
    faults: dict[str, Counter[str]] = field(default_factory=dict)
    fault_locations: set[tuple[str, str, int, str]] = field(default_factory=set)
    duplicates: Counter[str] = field(default_factory=Counter)
    duplicate_locations: set[tuple[str, str, int, str]] = field(default_factory=set)
    merged_into_session: Counter[str] = field(default_factory=Counter)
    unregistered: list[str] = field(default_factory=list)
    # record text stays out of reprs, so a failing test never prints training data
    texts: list[str] = field(default_factory=list, repr=False)


def lake_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def scan_lake(root: Path) -> Scan:
    scan = Scan(faults={name: Counter() for name in REGISTRY})
    keyed: list[tuple[int, str, int, str, Any]] = []
    for relpath in lake_files(root):
        owners = matching_datasets(relpath)
        if not owners:
            scan.unregistered.append(relpath)
            continue
        (dataset,) = owners
        scan.files.setdefault(dataset, []).append(relpath)
        records = read_file(root / relpath, REGISTRY[dataset]["format"], dataset)
        scan.per_file[relpath] = len(records)
        scan.input_records[dataset] += len(records)
        checked = [
            (number, *(check_record(dataset, obj) if reason is None else (reason, None)), obj)
            for number, (reason, obj) in enumerate(records, start=1)
        ]
        session = {}
        if REGISTRY[dataset]["format"] == "utterances":
            good = [(number, obj) for number, reason, _, obj in checked if reason is None]
            session, merged = session_faults(REGISTRY[dataset]["field_map"], good)
            scan.merged_into_session[dataset] += merged
        for number, reason, key, _ in checked:
            reason = reason or session.get(number)
            if reason:
                scan.faults[dataset][reason] += 1
                scan.fault_locations.add((dataset, relpath, number, reason))
            else:
                keyed.append((REGISTRY[dataset]["tier"], relpath, number, dataset, key))
    winners: dict[Any, str] = {}
    for _tier, relpath, number, dataset, key in sorted(keyed, key=lambda k: k[:3]):
        if key in winners:
            scan.duplicates[dataset] += 1
            scan.duplicate_locations.add((dataset, relpath, number, winners[key]))
        elif key[0] == "utterance":
            pass  # rows are not deduplicated; the sessions they become are
        else:
            winners[key] = f"{relpath}#{number}"
        scan.texts.extend(part if isinstance(part, str) else part[1] for part in key[1:])
    return scan


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LakeSummary, Scan]:
    """The demo lake (records=3000, seed=7), its summary and an independent scan of it."""
    root = tmp_path_factory.mktemp("demo") / "lake"
    summary = generate_lake(root, records=3000, seed=7)
    return root, summary, scan_lake(root)


def file_digests(root: Path) -> dict[str, str]:
    return {rel: hashlib.sha256((root / rel).read_bytes()).hexdigest() for rel in lake_files(root)}


# --------------------------------------------------------------------------------------------
# Determinism and layout
# --------------------------------------------------------------------------------------------


def test_same_seed_and_records_give_identical_bytes(demo, tmp_path: Path) -> None:
    root, summary, _ = demo
    again = generate_lake(tmp_path / "lake", records=3000, seed=7)
    assert file_digests(tmp_path / "lake") == file_digests(root)
    assert again.to_dict() == summary.to_dict()


def test_seed_changes_every_content_file(tmp_path: Path) -> None:
    generate_lake(tmp_path / "a", records=300, seed=7)
    generate_lake(tmp_path / "b", records=300, seed=8)
    a, b = file_digests(tmp_path / "a"), file_digests(tmp_path / "b")
    assert a.keys() == b.keys()
    unchanged = {rel for rel in a if a[rel] == b[rel]}
    assert unchanged == {"curated/priority_empty.jsonl", "misc/README.txt"}


def test_registered_files_match_exactly_one_glob_of_their_dataset(demo) -> None:
    root, summary, _ = demo
    registered = [rel for rel in lake_files(root) if rel not in summary.unregistered_files]
    assert registered
    for relpath in registered:
        owners = matching_datasets(relpath)
        assert len(owners) == 1, (relpath, owners)
        assert relpath in summary.datasets[owners[0]].files
    assert sorted(summary.datasets) == sorted(REGISTRY)


def test_unregistered_files_match_no_glob(demo) -> None:
    root, summary, scan = demo
    assert summary.unregistered_files == scan.unregistered
    assert {"misc/notes.jsonl", "misc/README.txt"} <= set(summary.unregistered_files)
    for relpath in summary.unregistered_files:
        assert (root / relpath).is_file()
        assert matching_datasets(relpath) == []


def test_total_bytes_is_the_size_of_every_file(demo) -> None:
    root, summary, _ = demo
    assert summary.total_bytes == sum((root / rel).stat().st_size for rel in lake_files(root))


# --------------------------------------------------------------------------------------------
# The summary agrees with the files
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", sorted(REGISTRY))
def test_summary_counts_match_an_independent_scan(demo, dataset: str) -> None:
    _, summary, scan = demo
    ds = summary.datasets[dataset]
    assert ds.files == scan.files[dataset]
    assert ds.input_records == scan.input_records[dataset]
    assert ds.faults == dict(scan.faults[dataset])
    assert ds.valid_records == ds.input_records - sum(ds.faults.values())
    assert ds.exact_duplicates == scan.duplicates[dataset]
    assert ds.merged_into_session == scan.merged_into_session[dataset]
    # derived records (passages, windows beyond the first) need the segmentation rules; the
    # warehouse test holds them equal to what dbt derives
    assert ds.unique_records == (
        ds.valid_records - ds.exact_duplicates - ds.merged_into_session + ds.derived_records
    )


@pytest.mark.parametrize("dataset", sorted(REGISTRY))
def test_planted_faults_and_duplicates_are_the_fixed_contract(demo, dataset: str) -> None:
    _, summary, _ = demo
    assert summary.datasets[dataset].faults == EXPECTED_FAULTS[dataset]
    assert summary.datasets[dataset].exact_duplicates == EXPECTED_DUPLICATES.get(dataset, 0)


def test_every_reason_code_is_planted(demo) -> None:
    _, summary, _ = demo
    planted = {reason for ds in summary.datasets.values() for reason in ds.faults}
    assert planted == set(FAULT_REASONS)


def test_planted_records_are_where_the_summary_says(demo) -> None:
    _, summary, scan = demo
    faults = {
        (p.dataset, p.path, p.record_number, p.reason)
        for p in summary.planted
        if p.duplicate_of is None
    }
    duplicates = {
        (p.dataset, p.path, p.record_number, p.duplicate_of)
        for p in summary.planted
        if p.duplicate_of is not None
    }
    assert faults == scan.fault_locations
    assert duplicates == scan.duplicate_locations


def test_broken_json_is_broken_for_duckdb_too(demo) -> None:
    """DuckDB's JSON reader is lenient (trailing commas pass), so check with the engine itself."""
    root, summary, _ = demo
    broken = [p for p in summary.planted if p.reason in {"malformed_json", "truncated_record"}]
    assert len(broken) == 5
    with duckdb.connect() as con:
        for planted in broken:
            data = (root / planted.path).read_bytes()
            if is_one_conversation_per_file(planted.dataset):  # the whole file is the record
                line = data
            else:
                line, _ = jsonl_records(data)[planted.record_number - 1]
            valid = con.execute("select json_valid(?)", [line.decode()]).fetchone()
            assert valid == (False,), (planted.path, planted.record_number)


def test_tier_one_originals_win_over_community_copies(demo) -> None:
    _, summary, _ = demo
    copies = [p for p in summary.planted if p.dataset == "community_sharegpt" and p.duplicate_of]
    assert len(copies) == 5
    assert all(p.duplicate_of.startswith("curated/priority_") for p in copies)
    assert {p.path.rsplit("_", 2)[-2] for p in copies} == {"part", "stream"}


def test_good_records_have_every_template_slot_filled(demo) -> None:
    _, _, scan = demo
    assert scan.texts
    slots = r"\{(name|place|weeks|age|phrase|job|hobby|person|time|relative|explanation\w*)\}"
    unfilled = sum(1 for t in scan.texts if re.search(slots, t))
    assert unfilled == 0


def test_planted_near_duplicates_are_in_the_summary_where_the_rule_says(demo) -> None:
    """Five near-copy pairs; the losing record is the one near-dup detection must remove."""
    _, summary, _ = demo
    pairs = summary.near_duplicates
    assert sorted((p.dataset, p.kept_dataset, p.kind) for p in pairs) == [
        ("community_sharegpt", "priority_curated_dialogues", "greeting"),
        ("heldout_family_dialogues", "priority_curated_dialogues", "greeting"),
        ("priority_curated_dialogues", "crisis_edge_roleplay", "typo"),
        ("priority_curated_dialogues", "priority_curated_dialogues", "typo"),
        ("professional_sessions", "priority_curated_dialogues", "truncated"),
    ]
    for pair in pairs:
        assert pair.path in summary.datasets[pair.dataset].files
        assert pair.kept_path in summary.datasets[pair.kept_dataset].files
    counts = {
        name: ds.near_duplicates for name, ds in summary.datasets.items() if ds.near_duplicates
    }
    assert counts == {
        "community_sharegpt": 1,
        "heldout_family_dialogues": 1,
        "priority_curated_dialogues": 2,
        "professional_sessions": 1,
    }


# --------------------------------------------------------------------------------------------
# Scale
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("records", [100, 1200])
def test_records_scales_good_records_but_not_faults(demo, tmp_path: Path, records: int) -> None:
    _, demo_summary, _ = demo
    summary = generate_lake(tmp_path / "lake", records=records, seed=7)
    scan = scan_lake(tmp_path / "lake")
    unique = sum(ds.unique_records for ds in summary.datasets.values())
    demo_unique = sum(ds.unique_records for ds in demo_summary.datasets.values())
    assert unique < demo_unique
    # every dataset gets at least ~20 good records, so small lakes round up; the planted
    # originals and near-copies (about 20), graphic edge cases and PII records (12) ride on top
    floors = sum(
        max(MIN_RECORDS_PER_DATASET, round(records * weight)) for weight in DATASET_WEIGHTS.values()
    )
    assert records - 10 <= unique <= max(records, floors) + 40
    assert all(ds.unique_records >= 20 for ds in summary.datasets.values())
    for name, ds in summary.datasets.items():
        assert ds.faults == EXPECTED_FAULTS[name]
        assert ds.exact_duplicates == EXPECTED_DUPLICATES.get(name, 0)
        assert ds.input_records == scan.input_records[name]
        assert ds.faults == dict(scan.faults[name])
        assert ds.exact_duplicates == scan.duplicates[name]


def test_demo_lake_holds_about_the_requested_records(demo) -> None:
    _, summary, _ = demo
    unique = sum(ds.unique_records for ds in summary.datasets.values())
    assert 3000 <= unique <= 3030


def test_big_datasets_shard_within_the_file_limit(tmp_path: Path) -> None:
    summary = generate_lake(tmp_path / "lake", records=2000, seed=7, max_records_per_file=100)
    scan = scan_lake(tmp_path / "lake")
    assert max(scan.per_file.values()) <= 100
    assert len(summary.datasets["priority_curated_dialogues"].files) > 4
    assert len(summary.datasets["community_sharegpt"].files) > 2
    for name, ds in summary.datasets.items():
        assert ds.faults == EXPECTED_FAULTS[name] == dict(scan.faults[name])
        assert ds.exact_duplicates == scan.duplicates[name]


# --------------------------------------------------------------------------------------------
# Format quirks the warehouse must survive
# --------------------------------------------------------------------------------------------


def test_jsonl_quirks(demo) -> None:
    root, _, _ = demo
    curated = sorted((root / "curated").glob("priority_*.jsonl"))
    starts_with_bom = [p.name for p in curated if p.read_bytes().startswith(BOM)]
    with_blank_lines = [p.name for p in curated if b"\n\n" in p.read_bytes()]
    assert starts_with_bom == ["priority_001.jsonl"]
    assert with_blank_lines == ["priority_002.jsonl"]
    assert (root / "curated/priority_empty.jsonl").stat().st_size == 0
    lines = (root / "holdout/family_001.jsonl").read_bytes().split(b"\n")
    assert max(len(line) for line in lines) > MAX_RECORD_BYTES


def test_sharegpt_has_an_array_and_a_json_file_that_holds_jsonl(demo) -> None:
    root, _, _ = demo
    array = root / "community/sharegpt/sharegpt_part_001.json"
    stream = root / "community/sharegpt/sharegpt_stream_001.json"
    assert isinstance(json.loads(array.read_bytes()), list)
    with pytest.raises(json.JSONDecodeError):
        json.loads(stream.read_bytes())
    assert all(json.loads(line) is not None for line in stream.read_bytes().splitlines())


def test_gzip_is_reproducible_and_professional_schema_drifts(demo) -> None:
    root, _, _ = demo
    first, second = sorted((root / "professional/sessions").glob("*.jsonl.gz"))
    for path in (first, second, root / "safety/hh/hh_001.jsonl.gz"):
        assert path.read_bytes()[4:8] == b"\0\0\0\0"  # gzip MTIME
    old = [json.loads(line) for line in gzip.decompress(first.read_bytes()).splitlines()]
    new = [json.loads(line) for line in gzip.decompress(second.read_bytes()).splitlines()]
    assert all("session_id" in r and "duration_min" not in r for r in old)
    assert all("session_id" not in r and "duration_min" in r for r in new)


def test_parquet_schemas(demo) -> None:
    root, _, _ = demo
    voice = pq.read_schema(root / "voice/persona_001.parquet")
    assert str(voice.field("messages").type) == (
        "list<element: struct<role: string, content: string>>"
    )
    assert str(voice.field("speaker").type) == "string"
    cot = pq.ParquetFile(root / "reasoning/cot_001.parquet")
    assert cot.schema_arrow.names == ["question", "reasoning", "answer"]
    assert cot.metadata.row_group(0).column(0).compression == "ZSTD"


def test_csv_quirks(demo) -> None:
    root, _, _ = demo
    rendered = (root / "qa/counsel_chat_html.csv").read_text()
    plain = (root / "qa/counsel_chat_plain.csv").read_text()
    for marker in ("<p>", "<br>", "&amp;", "&#39;", "&quot;", "&nbsp;"):
        assert marker in rendered
        assert marker not in plain
    with (root / "community/empathy/empathy_001.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Context", "Response"]
    assert any("\n" in cell for row in rows for cell in row)
    assert any("," in cell for row in rows for cell in row)
    with (root / "qa/counsel_chat_plain.csv").open(newline="") as f:
        questions = Counter(row["questionID"] for row in csv.DictReader(f))
    assert max(questions.values()) > 1


def test_instructions_nest_zero_one_and_two_folders_deep(demo) -> None:
    _, summary, _ = demo
    depths = {path.count("/") - 1 for path in summary.datasets["psych_instructions"].files}
    assert depths == {0, 1, 2}


# --------------------------------------------------------------------------------------------
# CLI and guards
# --------------------------------------------------------------------------------------------


def test_cli_writes_the_lake_and_prints_counts_only(demo, tmp_path: Path) -> None:
    """`pixel-data sample-lake` writes what `generate_lake` writes and prints no record text."""
    from typer.testing import CliRunner

    from pixel_data.cli import app

    demo_root, summary, _ = demo
    out = tmp_path / "lake"
    args = ["sample-lake", str(out), "--records", "3000"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert file_digests(out) == file_digests(demo_root)
    printed = result.output.replace(str(out), "")
    allowed = {"Sample", "lake", "at", "datasets", "input", "records"}
    assert set(re.findall(r"[A-Za-z]+", printed)) <= allowed
    assert f"{len(summary.datasets)} datasets" in printed


def test_refuses_to_write_into_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "stale.jsonl").write_text("{}\n")
    with pytest.raises(FileExistsError):
        generate_lake(tmp_path, records=100)
