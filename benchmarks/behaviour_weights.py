"""Counselling-behaviour scorer throughput: two weight files, alternating A/B/A/B, per CPU-second.

    .venv/bin/python -m benchmarks.behaviour_weights --a OLD.npz --b NEW.npz

Replies and their seeker turns are ESConv's train dialogues (../shared/realdata; the held-out
dialogues are not read), repeated to at least --replies. Each round embeds the seeker turns and
scores every reply as `BehaviourScorer.score` does in the pipeline (utterances split, embedded
and classified, then pooled); CPU time is this process's, wall time is printed beside it.
"""

from __future__ import annotations

from benchmarks.alternate import alternate, repeated, weight_arguments


def main() -> None:
    from evaluation.fitting.fit_behaviour import split_replies
    from evaluation.realdata import realdata_root
    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.behaviour import BehaviourScorer
    from python_models.scoring.linear import LinearTextModel

    args = weight_arguments()

    train, _ = split_replies(realdata_root())
    train = repeated(train, args.replies)
    seekers = [r.seeker for r in train]
    replies = [r.reply for r in train]
    embedder = get_embedder("default")
    scorers = {
        "A": BehaviourScorer(LinearTextModel.load(args.a).prepare()),
        "B": BehaviourScorer(LinearTextModel.load(args.b).prepare()),
    }

    def scoring(scorer):
        return lambda: scorer.score(replies, embedder.encode(seekers), embedder.encode)

    runs = {name: scoring(scorer) for name, scorer in scorers.items()}
    alternate(runs, len(replies), args.rounds, "replies")


if __name__ == "__main__":
    main()
