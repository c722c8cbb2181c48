"""EPITOME empathy scorer throughput: two weight folders, alternating A/B/A/B, per CPU-second.

    .venv/bin/python -m benchmarks.empathy_weights --a OLD_DIR --b python_models/scoring/weights

Replies and seeker posts are EPITOME's train split (../shared/realdata; the held-out posts are not
read), repeated to at least --replies. Each round embeds both turns with the default (static)
embedder and scores all three mechanisms; CPU time is this process's (one core's worth whatever
the machine's load), wall time is printed beside it.
"""

from __future__ import annotations

from benchmarks.alternate import alternate, repeated, weight_arguments


def main() -> None:
    from evaluation.fitting.fit_empathy import split_pairs
    from evaluation.realdata import epitome_pairs, realdata_root
    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.empathy import EmpathyScorer, load_empathy_models

    args = weight_arguments()

    train, _ = split_pairs(epitome_pairs(realdata_root()))
    train = repeated(train, args.replies)
    seekers = [p.seeker for p in train]
    replies = [p.response for p in train]
    embedder = get_embedder("default")
    scorers = {
        "A": EmpathyScorer(load_empathy_models(args.a)),
        "B": EmpathyScorer(load_empathy_models(args.b)),
    }

    def scoring(scorer):
        return lambda: scorer.score(
            seekers, replies, embedder.encode(seekers), embedder.encode(replies)
        )

    runs = {name: scoring(scorer) for name, scorer in scorers.items()}
    alternate(runs, len(replies), args.rounds, "replies")


if __name__ == "__main__":
    main()
