"""The near-duplicate evaluation: perturbations, scoring arithmetic, and the real-data run."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest

from evaluation.neardup.corpus import collapse_exact_duplicates, html_to_text
from evaluation.neardup.documents import EvalDoc
from evaluation.neardup.minhash import datatrove_available
from evaluation.neardup.pairs import Labels, cluster_pairs, score
from evaluation.neardup.perturbations import PERTURBATIONS, perturb
from python_models.canonical import content_hash

MESSAGES = [
    {"role": "user", "content": "I have been feeling anxious about work. It keeps me up at night."},
    {
        "role": "assistant",
        "content": "That sounds exhausting. When did it start? What helps, even a little? "
        "Many people find that writing worries down helps them settle.",
    },
]


@pytest.mark.parametrize("kind", PERTURBATIONS)
def test_perturbations_are_deterministic_near_copies_not_exact_ones(kind):
    first = perturb(MESSAGES, kind, random.Random(1))
    again = perturb(MESSAGES, kind, random.Random(1))
    assert first == again
    assert content_hash(first) != content_hash(MESSAGES)  # exact dedup would not catch it
    assert MESSAGES[0]["content"].startswith("I have been")  # the original is untouched


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hi &amp; welcome.</p><p>It&#39;s ok</p>", "Hi & welcome.\nIt's ok\n"),
        ("a<br/>b &lt;c&gt; &quot;d&quot; &#x27;e&apos;", "a\nb <c> \"d\" 'e'"),
        ("  <b>bold</b>  ", "bold"),
        ("no markup <3", "no markup <3"),
        ("", ""),
    ],
)
def test_html_answers_become_text_through_the_warehouse_macro(html, text):
    # the evaluation runs dbt_project/macros/html_to_text.sql itself: there is no Python twin
    assert html_to_text([html]) == [text]


def test_exact_copies_collapse_before_scoring():
    docs = [
        EvalDoc("a", "g1", "s", "original", MESSAGES),
        EvalDoc("b", "g1", "s", "typos", [dict(m) for m in MESSAGES]),
        EvalDoc("c", "g2", "s", "original", [{"role": "user", "content": "x"}]),
    ]
    corpus = collapse_exact_duplicates(docs)
    assert [d.doc_id for d in corpus.docs] == ["a", "c"]
    assert corpus.collapsed_by_exact_dedup == {"typos": 1}


def test_counted_scores_equal_enumerated_pairs():
    rng = np.random.default_rng(0)
    n = 60
    docs = [
        EvalDoc(
            str(i), f"g{rng.integers(0, 25)}", "s", "typos", MESSAGES, f"k{rng.integers(0, 40)}"
        )
        for i in range(n)
    ]
    labels = Labels.from_docs(docs)
    clusters = rng.integers(0, 20, n)
    result = score(clusters, labels)
    predicted = set(cluster_pairs(clusters).tolist()) - set(labels.ignored.tolist())
    positives = set(labels.positives.tolist())
    tp = len(predicted & positives)
    assert (result.true_positives, result.false_positives) == (tp, len(predicted) - tp)
    assert result.recall == pytest.approx(tp / len(positives))
    pairs = [(i, j) for i, j in combinations(range(n), 2) if clusters[i] == clusters[j]]
    assert len(pairs) == len(cluster_pairs(clusters))


@pytest.mark.realdata
@pytest.mark.model
def test_the_production_method_meets_its_bar_and_beats_tuned_minhash(realdata):
    """Embedding + MinHash LSH candidates, verified: precision >= 0.99 and recall >= 0.95 on
    the labelled corpus (each half too), light edits of long real transcripts found."""
    from evaluation.neardup import run_evaluation

    minhash = datatrove_available()
    result = run_evaluation(["static"], minhash=minhash, root=realdata)
    assert result["corpus"]["positive_pairs"] > 2000
    assert result["corpus"]["by_kind"]["light_edits"] > 100  # ESConv transcripts, edited
    hybrid = result["hybrid"]["calibrated"]
    for part in ("all", "half_a", "half_b"):
        assert hybrid[part]["precision"] >= 0.99 and hybrid[part]["recall"] >= 0.95
    assert hybrid["all"]["recall_by_kind"]["light_edits"] >= 0.95
    embedding_only = result["backends"]["static"]["calibrated"]["all"]
    assert hybrid["all"]["recall"] > embedding_only["recall"]
    if not minhash:
        pytest.skip("datatrove not installed (pip install -e '.[eval]'): MinHash not compared")
    peer = result["minhash"]["datatrove_3gram"]["all"]
    assert hybrid["all"]["recall"] > peer["recall"]
    assert hybrid["all"]["precision"] * hybrid["all"]["recall"] > peer["precision"] * peer["recall"]
