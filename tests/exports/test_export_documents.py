"""The export's documents: the QA report (HTML + JSON, drawn in Chromium) and the dataset card."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib

import duckdb
import pytest

from exports.contract import stages

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def sample_export(built_export, built_warehouse):
    """The session's export of the sample lake (read-only), its manifest and its build."""
    manifest = json.loads((built_export / "manifest.json").read_text())
    return built_export, manifest, built_warehouse


def test_qa_json_has_the_same_figures_as_the_warehouse(sample_export):
    out, manifest, built = sample_export
    figures = json.loads((out / "qa_report.json").read_text())
    planted = built.summary.datasets
    assert figures["totals"]["input_records"] == sum(d.input_records for d in planted.values())
    assert figures["totals"]["exact_duplicates"] == sum(
        d.exact_duplicates for d in planted.values()
    )
    assert figures["export"]["content_sha256"] == manifest["content_sha256"]
    assert tuple(row["stage"] for row in figures["stage_mix"]) == stages()
    assert figures["quarantine_top"] and all(
        ":" in r["example_location"] for r in figures["quarantine_top"]
    )
    assert figures["gates"]["tests"] and all(
        t["status"] == "pass" for t in figures["gates"]["tests"]
    )


def test_qa_html_is_self_contained_and_has_no_record_text(sample_export):
    out, _, built = sample_export
    html = (out / "qa_report.html").read_text()
    assert not re.search(r"<script|<link|https?://(?!www\.w3\.org/2000/svg)", html)
    assert html.count("<svg") >= 3  # funnel, stage mix, categories (+ scores once scored)
    assert "Records in and out per source" in html
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        texts = [
            row[0]
            for row in con.execute(
                "select messages[1].content from conversations order by conversation_id limit 200"
            ).fetchall()
        ]
    assert not [text for text in texts if text in html]


def test_documents_are_allowed_beside_the_manifest(sample_export):
    out, _, _ = sample_export
    result = subprocess.run(
        [".venv/bin/pixel-data", "verify", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (Debian package chromium)")
def test_chromium_draws_the_charts(sample_export, tmp_path):
    out, _, _ = sample_export
    url = (out / "qa_report.html").as_uri()
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, *profile, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert dom.count('class="bar"') > 20  # bars of every chart are in the rendered DOM
    shot = tmp_path / "qa.png"
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            *profile,
            "--window-size=1100,1800",
            f"--screenshot={shot}",
            url,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert _distinct_pixel_bytes(shot.read_bytes()) > 50  # a blank page has a handful


def test_dataset_card_loads_with_hugging_face_datasets_offline(sample_export, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # `datasets` read HF_DATASETS_CACHE when it was imported: pass the cache explicitly, or a
    # cache of an earlier export with the same folder name is loaded instead of this one
    cache_dir = str(sample_export[0].parent / "hf_cache")
    out, manifest, _ = sample_export
    by_split_stage = manifest["counts"]["by_split_stage"]
    for stage in ("foundation", "edge_cases"):
        loaded = datasets.load_dataset(str(out), stage, cache_dir=cache_dir)
        for split, rows in loaded.items():
            assert len(rows) == by_split_stage[split][stage], (stage, split)
        assert "messages" in loaded["train"].column_names
    pairs = datasets.load_dataset(str(out), "preference_pairs", cache_dir=cache_dir)
    assert sum(len(v) for v in pairs.values()) == manifest["quality_summary"]["preference_pairs"]


def test_dataset_card_states_the_edge_case_policy_and_licenses(sample_export):
    out, _, built = sample_export
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "configs:" in card
    assert "Edge-case policy" in card and "bypass every safety filter" in card
    for dataset in built.summary.datasets:
        assert f"| {dataset} |" in card


def _distinct_pixel_bytes(png: bytes) -> int:
    """Distinct byte values in the (filtered) image data: a blank page has only a few."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data = 8, b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        if kind == b"IDAT":
            data += png[position + 8 : position + 8 + length]
        position += 12 + length
    return len(set(zlib.decompress(data)))


os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
