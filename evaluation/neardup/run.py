"""The whole near-duplicate evaluation (``pixel-data eval neardup``) as one JSON-able dict."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evaluation.neardup.backends import embed_eval_corpus, evaluate_backend
from evaluation.neardup.corpus import build_eval_corpus
from evaluation.neardup.hybrid import evaluate_hybrid, time_production_pipeline
from evaluation.neardup.minhash import datatrove_available, minhash_clusters
from evaluation.neardup.pairs import score
from evaluation.neardup.semhash_peer import evaluate_semhash, semhash_available


def run_evaluation(
    backends: Sequence[str] = ("static", "minilm"),
    *,
    minhash: bool = True,
    per_kind: int = 250,
    cache_dir: Path | None = None,
    root: Path | None = None,
) -> dict[str, object]:
    """Everything docs/evaluation.md reports, as one JSON-able dict."""
    corpus = build_eval_corpus(root, per_kind=per_kind)
    labels = corpus.labels()
    result: dict[str, object] = {"corpus": corpus.describe(), "backends": {}, "minhash": {}}
    for backend in backends:
        vectors = embed_eval_corpus(corpus, backend, cache_dir)
        result["backends"][backend] = evaluate_backend(corpus, vectors)
    if "static" in result["backends"]:
        # the production method: embedding + MinHash LSH candidates, every pair verified
        vectors = embed_eval_corpus(corpus, "static", cache_dir)
        result["hybrid"] = evaluate_hybrid(corpus, vectors, "static")
        result["hybrid"]["timing"] = time_production_pipeline(corpus, "static")
        result["semhash"] = (
            evaluate_semhash(corpus, "static")
            if semhash_available()
            else {"skipped": "semhash not installed: pip install -e '.[eval]'"}
        )
    if minhash:
        if not datatrove_available():
            result["minhash"] = {
                "skipped": "datatrove (and spacy) not installed: pip install -e '.[eval]'"
            }
        else:
            for name, kwargs in (
                ("datatrove_default_5gram", {}),
                ("datatrove_3gram", {"n_grams": 3}),
            ):
                run = minhash_clusters(corpus.texts, **kwargs)
                predicted = run.labels
                result["minhash"][name] = {
                    "config": run.config,
                    "all": score(predicted, labels).as_dict(),
                    "half_a": score(predicted, labels, labels.calibration_half).as_dict(),
                    "half_b": score(predicted, labels, ~labels.calibration_half).as_dict(),
                    "wall_seconds": round(run.wall_seconds, 2),
                    "cpu_seconds": round(run.cpu_seconds, 2),
                }
    return result
