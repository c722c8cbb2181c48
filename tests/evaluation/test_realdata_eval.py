"""The scorers on real labelled data: the goals the shipped weights meet must stay met.

Skips (with the reason) when ../shared/realdata is absent. About 30 s on 2 cores.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def embedder():
    pytest.importorskip("model2vec", reason="the embedding stack is needed")
    from python_models.embeddings.backends import get_embedder

    return get_embedder("default")


def test_crisis_meets_its_goals_on_held_out_data(realdata: Path, embedder) -> None:
    from evaluation.scoring.crisis_eval import evaluate_crisis
    from python_models.scoring.crisis import CrisisScorer

    rows = {(r.dataset, r.group): r for r in evaluate_crisis(realdata, CrisisScorer(), embedder)}
    sensitivity = rows[("C-SSRS Reddit (eval users)", "Ideation+Behavior+Attempt")].rate
    specificity = rows[("Dreaddit test", "all posts")].rate
    turns = rows[("ESConv eval dialogues (no risk)", "seeker turns")].rate
    sessions = rows[("ESConv eval dialogues (no risk)", "sessions")].rate
    zh_recall = rows[("Chinese (written), test half", "explicit statements")].rate
    zh_everyday = rows[("Chinese (written), test half", "everyday turns")].rate
    assert specificity.total == 715 and specificity.value >= 0.90
    assert turns.total > 1000 and turns.value <= 0.01
    assert sessions.total > 80 and sessions.value <= 0.10
    assert zh_recall.value >= 0.90 and zh_everyday.value <= 0.05
    # a user is a post history (combine_history); 0.980 shipped (docs/evaluation.md, issue 12)
    assert sensitivity.total == 204 and sensitivity.value >= 0.95
    probes = [r for (dataset, _), r in rows.items() if dataset == "English probes (written)"]
    assert all(r.rate.value == 0.0 for r in probes if r.measure == "false-alarm rate")


def test_pii_structured_kinds_on_held_out_templates(realdata: Path) -> None:
    from evaluation.realdata import presidio_examples
    from evaluation.scoring.pii_eval import evaluate_pii, is_dev_template
    from python_models.scoring.pii import PiiDetector

    held_out = [e for e in presidio_examples(realdata) if not is_dev_template(e.template_id)]
    report = evaluate_pii(held_out, PiiDetector(), "test")
    assert len(report.redacted) == 17  # every presidio gold type is scored
    for gold_type in ("EMAIL_ADDRESS", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS"):
        assert report.typed_recall[gold_type].value >= 0.99, gold_type
    # below the goals (see docs/evaluation.md, issue 14); these guard regressions
    # 57/58 since issue 14b (the one left: eight bare digits, no phone word; goal 0.99 not met)
    assert report.typed_recall["PHONE_NUMBER"].value >= 0.98
    assert report.precision["PHONE"].value >= 0.99
    assert report.typed_recall["PERSON"].value >= 0.86  # 0.879 since issue 14, session 7
    assert report.typed_recall["STREET_ADDRESS"].value >= 0.95  # 0.975 since session 10
    assert report.typed_recall["GPE"].value >= 0.78  # 0.810 since session 10 (0.762 before)
    assert report.typed_recall["ZIP_CODE"].value >= 0.66  # 20/27 since session 10 (12/27 before)
    # issue 14, session 4: one [ADDRESS] per postal address (0.846), firms typed 0.460
    assert report.full_span["STREET_ADDRESS"].value >= 0.90  # 0.924 since session 10 (goal)
    assert report.typed_recall["ORGANIZATION"].value >= 0.50  # 0.518 since session 11
    assert report.overall_precision.value >= 0.83  # 0.845 since session 7: must not fall
    assert report.precision["LOCATION"].value >= 0.80  # 0.835 since session 10 (0.817 before)
    assert report.any_type_precision.value >= 0.90
    assert report.precision["ADDRESS"].value >= 0.87  # 0.895 since session 5 (was 0.856)


def test_empathy_beats_the_tfidf_baseline_on_held_out_posts(realdata: Path, embedder) -> None:
    from evaluation.scoring.empathy_eval import evaluate_empathy

    rows, speed = evaluate_empathy(realdata, embedder)
    for row in rows:
        assert row.macro_f1 > row.baseline_macro_f1 + 0.03, row.mechanism
        assert row.macro_f1 * 100 > row.paper_macro_f1 - 8, row.mechanism
        low, high = row.macro_f1_interval  # bootstrap over seeker posts
        assert 0.0 < low <= row.macro_f1 <= high < 1.0, (row.mechanism, low, high)
    assert speed["responses"] >= 5000
