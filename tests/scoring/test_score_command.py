"""`pixel-data score`: every record comes back, scored and redacted; bad lines pass through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytest.importorskip("model2vec", reason="the embedding stack (pip install -e '.[dev]') is needed")

RECORDS = [
    {
        "messages": [
            {"role": "client", "content": "I wrote a note and I want to kill myself tonight."},
            {
                "role": "therapist",
                "content": "I'm so sorry you're in this much pain. Are you safe right now?",
            },
        ],
        "metadata": {"source": "t1"},
    },
    {
        "messages": [
            {"role": "user", "content": "My email is sam.jones@example.com, call 415-555-0199."},
            {"role": "assistant", "content": "Thanks. What would you like to talk about today?"},
        ]
    },
    {"messages": [{"role": "narrator", "content": "?"}]},
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    folder = tmp_path_factory.mktemp("score")
    source = folder / "in.jsonl"
    lines = [json.dumps(r) for r in RECORDS] + ["{not json"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = folder / "out.jsonl"
    result = run_cli("score", "--input", str(source), "--output", str(target), "--category", "none")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_every_line_comes_back_in_order(scored: list[dict]) -> None:
    assert len(scored) == 4
    assert scored[0]["metadata"]["source"] == "t1"


def test_crisis_is_flagged_with_evidence(scored: list[dict]) -> None:
    crisis = scored[0]["metadata"]["scores"]["crisis"]
    assert crisis["flag"] is True and crisis["evidence"] == "plan" and crisis["score"] >= 0.9
    assert crisis["user_turns"] == [{"score": crisis["score"], "flag": True, "evidence": "plan"}]
    assert scored[1]["metadata"]["scores"]["crisis"]["flag"] is False


def test_pii_is_redacted_and_counted(scored: list[dict]) -> None:
    text = scored[1]["messages"][0]["content"]
    assert "sam.jones@example.com" not in text and "555-0199" not in text
    assert "[EMAIL]" in text and "[PHONE]" in text
    assert scored[1]["metadata"]["scores"]["pii"] == {"EMAIL": 1, "PHONE": 1}


def test_scores_have_the_documented_shape(scored: list[dict]) -> None:
    scores = scored[0]["metadata"]["scores"]
    empathy = scores["empathy"]
    assert set(empathy) >= {"emotional_reactions", "interpretations", "explorations", "score"}
    assert 0.0 <= empathy["score"] <= 1.0
    assert 0.0 <= empathy["present"] <= 1.0 and 0.0 <= empathy["intensity"] <= 1.0
    counselling = scores["counselling"]
    assert counselling["quality"] == empathy["score"]  # the gate metric is counselling quality
    assert set(counselling["components"]) == {
        "reflection_to_question",
        "complex_reflections",
        "open_questions",
        "mi_adherent",
    }
    assert sum(counselling["shares"].values()) == pytest.approx(1.0, abs=0.01)
    assert scores["safety"] == {"score": scores["safety"]["score"], "evidence": []}
    assert scores["bias"] == {"score": 0.0, "evidence": {}}
    assert scores["completeness"] == {"score": 1.0, "kind": "turn", "failed": []}
    assert 0.0 <= scores["coherence"]["score"] <= 1.0 and scores["coherence"]["structure"] == 1.0
    assert scores["category"]["label"] == "uncategorized"
    assert scored[0]["messages"][0]["role"] == "user"  # roles canonicalised


def test_unusable_lines_say_why(scored: list[dict]) -> None:
    assert "unknown role" in scored[2]["metadata"]["scores"]["error"]
    assert scored[3]["metadata"]["scores"]["error"] == "malformed_json"
    assert scored[3]["raw"] == "{not json"


def test_realdata_eval_refuses_without_data(tmp_path: Path) -> None:
    result = run_cli("eval", "scorers", "--only", "pii", "--realdata", str(tmp_path / "absent"))
    assert result.returncode == 2
    assert "not found" in result.stderr


def test_every_scored_record_carries_its_language(scored: list[dict]) -> None:
    assert scored[0]["metadata"]["language"] == "en"
    assert scored[1]["metadata"]["language"] == "en"
    assert "unsupported_language" not in json.dumps(scored[0]["metadata"]["scores"])
