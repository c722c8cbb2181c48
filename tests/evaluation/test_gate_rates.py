"""`pixel-data eval gate-rates`: the empathy gate's pass rates per source under two weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.scoring.gate_rates import (
    Conversation,
    disagreements,
    empathy_thresholds,
    gate_rates,
    resolve_behaviour,
    resolve_weights,
    run,
)

ROOT = Path(__file__).resolve().parents[2]


def _conversation(cid: str, stage: str, source: str, failed: bool | None = None) -> Conversation:
    return Conversation(cid, stage, source, 2, [], failed)


def test_thresholds_come_from_the_seed() -> None:
    thresholds = empathy_thresholds(ROOT / "dbt_project/seeds/quality_thresholds.csv")
    assert set(thresholds) == {"foundation", "reasoning", "voice"}
    assert all(0.0 < value < 1.0 for value in thresholds.values())


def test_rates_count_per_source_and_a_null_score_passes() -> None:
    conversations = [
        _conversation("a", "foundation", "s1"),
        _conversation("b", "foundation", "s1"),
        _conversation("c", "foundation", "s1"),
        _conversation("d", "voice", "s2"),
        _conversation("e", "edge_cases", "s3"),  # no empathy gate in this stage: left out
    ]
    scores = {
        # (empathy_score, empathy_present) per conversation
        "old": [(0.9, 0.9), (0.4, 0.5), (None, None), (0.3, 0.65), (0.0, 0.0)],
        "new": [(0.9, 0.6), (0.6, 0.8), (None, None), (0.5, 0.5), (0.0, 0.0)],
    }
    table = gate_rates(conversations, scores, {"foundation": 0.5, "voice": 0.4})
    assert [(r.stage, r.source, r.conversations) for r in table] == [
        ("foundation", "s1", 3),
        ("voice", "s2", 1),
    ]
    foundation, voice = table
    assert (foundation.gate["old"].successes, foundation.gate["new"].successes) == (2, 3)
    # present is judged at the pre-issue-13 thresholds: 0.7 foundation, 0.6 voice
    assert (foundation.present["old"].successes, foundation.present["new"].successes) == (2, 2)
    assert (voice.gate["old"].successes, voice.present["old"].successes) == (0, 1)
    assert (voice.gate["new"].successes, voice.present["new"].successes) == (1, 0)


def test_disagreements_with_the_warehouse_verdict() -> None:
    conversations = [
        _conversation("a", "foundation", "s", failed=False),
        _conversation("b", "foundation", "s", failed=True),
        _conversation("c", "foundation", "s", failed=None),  # not in the gated table
    ]
    values = [(0.9, None), (0.9, None), (0.1, None)]
    assert disagreements(conversations, values, {"foundation": 0.5}) == (1, 2)


def test_weights_from_a_git_revision(tmp_path: Path) -> None:
    folder = resolve_weights("HEAD", ROOT, tmp_path / "head")
    assert sorted(p.name for p in folder.iterdir()) == [
        "empathy_emotional_reactions.npz",
        "empathy_explorations.npz",
        "empathy_interpretations.npz",
    ]
    with pytest.raises(ValueError, match="git revision"):
        resolve_weights("no-such-revision", ROOT, tmp_path / "bad")


def test_behaviour_weights_from_a_git_revision_or_a_file(tmp_path: Path) -> None:
    path = resolve_behaviour("HEAD", ROOT, tmp_path / "head")
    assert path.name == "behaviour_esconv.npz" and path.stat().st_size > 0
    assert resolve_behaviour(str(path), ROOT, tmp_path / "again") == path
    with pytest.raises(ValueError, match="git revision"):
        resolve_behaviour("no-such-revision", ROOT, tmp_path / "bad")


def test_a_label_names_one_set_of_weights(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="labels used twice"):
        run(tmp_path / "no.duckdb", {"x": "HEAD"}, ROOT, {"x": "HEAD"})
