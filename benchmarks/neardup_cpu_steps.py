"""CPU seconds per step of the production near-dup pipeline and of SemHash, on the evaluation
corpus, alternating in one process.

    python -m benchmarks.neardup_cpu_steps --rounds 4 --json out.json

Each round runs ``time_production_pipeline`` (``link_conversations``, cold embedding cache) and
then SemHash at its calibrated threshold with the same static model, as
``benchmarks.neardup_vs_semhash`` does. Each step is a function wrapped with a
``time.process_time`` counter (all threads; no profiler, whose per-call cost distorts the
Python-heavy steps). Steps nest: "verify" includes "side evidence (encode)"; "shingle sets"
counts both the signing's and the verification's sides. The first round also pays for the
embedder learning the corpus's words (its memo is shared by both methods), so compare the
later rounds.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import statistics
import time
from pathlib import Path

Counter = collections.Counter  # step -> CPU seconds


def _wrap(counter: Counter, owner, name: str, label: str) -> None:
    """Replace ``owner.name`` with a wrapper that adds its CPU seconds to ``counter[label]``."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            counter[label] += time.process_time() - started

    setattr(owner, name, timed)


def instrument(counter: Counter) -> None:
    import semhash.semhash as semhash_module
    from semhash.datamodels import DeduplicationResult
    from semhash.index import Index

    import python_models.near_duplicates as nd
    from python_models.embeddings.backends import StaticEmbedder
    from python_models.embeddings.cache import EmbeddingCache

    steps = [
        (StaticEmbedder, "encode", "embedding (static model)"),
        (EmbeddingCache, "put_many", "embedding cache write"),
        (nd, "shingle_sets", "shingle sets (signing + sides)"),
        (nd, "minhash_signatures", "MinHash signatures"),
        (nd, "_exact_pairs", "exact embedding candidates"),
        (nd, "lsh_pairs", "LSH candidates"),
        (nd, "verify_pairs", "verify"),
        (nd, "_side_evidence", "side evidence (encode)"),
        (nd, "links_from_pairs", "components + links table"),
        (semhash_module, "group_records_by_key", "semhash: exact grouping"),
        (semhash_module, "featurize", "semhash: embedding"),
        (Index, "from_vectors_and_items", "semhash: index build (usearch)"),
        (Index, "query_threshold", "semhash: threshold search"),
    ]
    # main before session 9 signed through ``sign_texts`` (its shingle sets not counted above)
    steps.append((nd, "sign_texts", "signing (sign_texts, before session 9)"))
    for owner, name, label in steps:
        if hasattr(owner, name):  # older code lacks some: run this file against it too
            _wrap(counter, owner, name, label)
    # a classmethod: wrap its function and keep it a classmethod
    original = DeduplicationResult.__dict__["_from_groups"].__func__

    def from_groups(cls, *args, **kwargs):
        started = time.process_time()
        try:
            return original(cls, *args, **kwargs)
        finally:
            counter["semhash: result"] += time.process_time() - started

    DeduplicationResult._from_groups = classmethod(from_groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--threshold", type=float, default=0.99, help="SemHash's cosine.")
    parser.add_argument("--realdata", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from evaluation.neardup.corpus import build_eval_corpus
    from evaluation.neardup.hybrid import time_production_pipeline
    from evaluation.neardup.semhash_peer import _Encoder, semhash_clusters

    counter: Counter = Counter()
    instrument(counter)
    corpus = build_eval_corpus(args.realdata)
    encoder = _Encoder("static")
    rounds = []
    for i in range(args.rounds):
        load = os.getloadavg()[0]
        counter.clear()
        production = time_production_pipeline(corpus)
        production_steps = dict(counter)
        counter.clear()
        _, semhash_wall, cpu = semhash_clusters(corpus.texts, args.threshold, encoder)
        semhash_steps = dict(counter)
        rounds.append(
            {
                "round": i,
                "load": round(load, 1),
                "production_cpu_s": production["cpu_seconds"],
                "semhash_cpu_s": round(cpu, 3),
                "production_wall_s": production["wall_seconds"],
                "semhash_wall_s": round(semhash_wall, 2),
                "production_steps_cpu_s": {k: round(v, 3) for k, v in production_steps.items()},
                "semhash_steps_cpu_s": {k: round(v, 3) for k, v in semhash_steps.items()},
                "removed": production["removed_as_near_duplicates"],
            }
        )
        print(json.dumps(rounds[-1]), flush=True)
    later = rounds[1:] or rounds
    print("median over rounds", [r["round"] for r in later])
    for key in ("production_steps_cpu_s", "semhash_steps_cpu_s"):
        for step in later[0][key]:
            print(f"  {step:34s} {statistics.median(r[key].get(step, 0.0) for r in later):.3f}")
    for key in ("production_cpu_s", "semhash_cpu_s"):
        print(f"  {key:34s} {statistics.median(r[key] for r in later):.3f}")
    if args.json is not None:
        args.json.write_text(json.dumps(rounds, indent=2))


if __name__ == "__main__":
    main()
