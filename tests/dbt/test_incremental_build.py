"""Incremental builds (docs/incremental.md): a rebuild computes only what is new, a full refresh
recomputes everything, and both export the same bytes; an unchanged lake rebuilt from the cache
exports what its cold build did (same lake and seed, same export)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from exports import export_warehouse
from sample_lake import generate_lake
from tests.conftest import run_cli

SCORING_GROUPS = ("bias", "completeness", "crisis", "empathy", "language", "pii", "safety")


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def cache_counts(output: str) -> dict[str, tuple[int, int]]:
    """(computed, reused) per cached result, from the build log's `result cache:` lines."""
    counts = {
        name: (int(computed), int(reused))
        for name, computed, reused in re.findall(r"(\w+) computed (\d+) reused (\d+)", output)
    }
    assert set(SCORING_GROUPS) <= set(counts), output[-3000:]
    return counts


def index_counts(output: str) -> tuple[str, int, int]:
    match = re.search(
        r"near-dup index: (\w+)[^;]*; (\d+) conversations reused, (\d+) searched", output
    )
    assert match, output[-3000:]
    return match.group(1), int(match.group(2)), int(match.group(3))


def scored_ids(warehouse: Path) -> set[str]:
    return {
        row[0] for row in query(warehouse, "select conversation_id from int_conversations_split")
    }


def build(lake: Path, warehouse: Path, env: dict[str, str], *extra: str) -> str:
    result = run_cli("build", "--lake", str(lake), "--warehouse", str(warehouse), *extra, env=env)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    return result.stdout


def export_files(warehouse: Path, out: Path) -> dict[str, bytes]:
    export_warehouse(warehouse, out, max_records_per_shard=500)
    files = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.pop("created_at")
    # the QA report says when its warehouse was built: the one thing two builds may not share
    built_at = json.loads(files["qa_report.json"])["built_at"]
    assert built_at
    files = {name: data.replace(built_at.encode(), b"<built_at>") for name, data in files.items()}
    return {**files, "manifest.json": json.dumps(manifest, sort_keys=True).encode()}


def shard_hashes(warehouse: Path, out: Path) -> tuple[str, list[tuple[str, str]]]:
    """Export ``warehouse``: its content hash and (path, sha256) of every shard."""
    manifest = export_warehouse(warehouse, out, max_records_per_shard=500)
    files = json.loads((out / "manifest.json").read_text())["files"]
    assert files and manifest.content_sha256
    return manifest.content_sha256, [(f["path"], f["sha256"]) for f in files]


def edited_copy(messages: list[dict]) -> list[dict]:
    """A light edit: a greeting pasted in front of the first turn, one doubled space."""
    copy = [{"role": m["role"], "content": m["content"]} for m in messages]
    copy[0]["content"] = "Hi there! " + copy[0]["content"].replace(" ", "  ", 1)
    return copy


@pytest.mark.slow
def test_a_rebuild_computes_only_what_is_new_and_exports_what_a_full_refresh_does(tmp_path):
    lake = tmp_path / "lake"
    generate_lake(lake, records=300, seed=11)
    # dbt's target folder of its own: other tests' dbt runs do not replace its saved parse
    env = {
        "PIXEL_EMBEDDING_CACHE": str(tmp_path / "cache" / "embeddings"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
    }

    # a cold build computes every kept conversation's results, and parses the whole project
    first = tmp_path / "first.duckdb"
    output = build(lake, first, env)
    assert "Unable to do partial parsing" in output
    kept = scored_ids(first)
    counts = cache_counts(output)
    assert {counts[g] for g in SCORING_GROUPS} == {(len(kept), 0)}
    assert index_counts(output)[0] == "full"

    # (the manifests' content hash and every shard's sha256, as `pixel-data verify` reads them)
    first_shards = shard_hashes(first, tmp_path / "export-first")

    # unchanged, rebuilt into the same warehouse as a user does: dbt reads its saved parse back
    # (the vars and the profile are the same), nothing is computed, nothing is searched, and
    # the same lake and seed give the same export as the cold build, byte for byte
    output = build(lake, first, env)
    assert "Unable to do partial parsing" not in output
    counts = cache_counts(output)
    assert {counts[g] for g in SCORING_GROUPS} == {(0, len(kept))}
    assert counts["pair_redaction"][0] == 0 and counts["pair_empathy"][0] == 0
    assert counts["category_model"] == (0, 1)
    ((linked,),) = query(first, "select count(*) from int_conversations_embedding_texts")
    assert index_counts(output) == ("incremental", linked, 0)
    assert shard_hashes(first, tmp_path / "export-unchanged") == first_shards

    # a new file: new conversations and a lightly edited copy of an old long one
    ((original_id, original),) = query(
        first,
        "select conversation_id, messages from conversations where num_turns >= 6 "
        "and not is_training_edge_case order by conversation_id limit 1",
    )
    worries = (
        (
            "I am moving to a new city next month and know nobody there.",
            "Starting over alone sounds daunting. What would help you feel less isolated?",
        ),
        (
            "My brother and I fought over the car and now he will not speak to me.",
            "That silence must hurt. What do you wish he understood?",
        ),
        (
            "I failed my driving test twice and feel like an idiot.",
            "Failing twice is discouraging, and it says nothing about your worth.",
        ),
        (
            "Our dog died last winter and I still cry when I see her bowl.",
            "Grief for a pet is real grief. Tell me about her.",
        ),
        (
            "I started night shifts and my sleep is wrecked.",
            "Shift work is hard on the body. How many hours are you managing?",
        ),
    )
    new = [
        [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
        for user, reply in worries
    ]
    (lake / "curated" / "priority_new.jsonl").write_text(
        "".join(json.dumps({"messages": m}) + "\n" for m in [*new, edited_copy(original)])
    )
    third = tmp_path / "third.duckdb"
    output = build(lake, third, env)
    added = scored_ids(third) - kept
    assert len(added) in (5, 6)  # 6 when the copy replaced its original (a better tier)
    counts = cache_counts(output)
    assert {counts[g][0] for g in SCORING_GROUPS} == {len(added)}
    # only the new conversations are searched; one the voice gate now drops leaves the index
    texts = "select conversation_id from int_conversations_embedding_texts"
    before, after = {r[0] for r in query(first, texts)}, {r[0] for r in query(third, texts)}
    assert len(before) == linked and len(after - before) >= 5
    assert index_counts(output) == ("incremental", len(before & after), len(after - before))
    ((copy_cluster, original_cluster),) = query(
        third,
        f"""
        select copy.cluster_id, original.cluster_id
        from int_conversations_clustered as copy
        inner join int_conversations_deduped as deduped using (conversation_id)
        cross join int_conversations_clustered as original
        where deduped.source_file like '%priority_new.jsonl' and deduped.source_line = 6
            and original.conversation_id = '{original_id}'
        """,
    )
    assert copy_cluster == original_cluster  # the old conversation's near-copy was found

    # a full refresh recomputes everything and exports the same bytes
    refreshed = tmp_path / "refreshed.duckdb"
    output = build(lake, refreshed, env, "--full-refresh")
    counts = cache_counts(output)
    assert {counts[g] for g in SCORING_GROUPS} == {(len(scored_ids(refreshed)), 0)}
    assert index_counts(output)[0] == "full"
    assert export_files(third, tmp_path / "export-incremental") == export_files(
        refreshed, tmp_path / "export-refreshed"
    )
    shutil.rmtree(tmp_path / "cache")
