"""Benchmark every scorer over N synthetic conversations; conversations/s per scorer.

    .venv/bin/python -m benchmarks.scoring --conversations 100000

Conversations are generated deterministically: 2-6 alternating turns of 15-120 words drawn from
a fixed pool of counselling-style sentences with random words mixed in (so turns rarely repeat),
some with an email, phone number or name, some with crisis language. The embedder is the default
(static) one; turn vectors are computed once and shared by crisis, empathy and coherence, and
conversation vectors (the near-duplicate stage's in a build) are given, as in the warehouse.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time

SENTENCES = [
    "I have been feeling anxious about work for weeks",
    "my partner and I keep arguing about money",
    "I can't sleep and I feel exhausted all the time",
    "that sounds really hard, how long has this been going on",
    "it makes sense that you feel overwhelmed",
    "what helps you feel calmer when this happens",
    "I feel like nobody understands me",
    "sometimes I think everyone would be better off without me",
    "you can reach me at alex.morgan@example.com",
    "my number is 415-555-0199 if you need it",
    "I talked to Maria about it yesterday",
    "have you thought about speaking with a counselor",
    "I'm sorry you're going through this",
    "I started cutting myself again last month",
]


def synthetic_conversations(n: int, seed: int = 7) -> list[list[dict[str, str]]]:
    from python_models.scoring import lexicons

    rng = random.Random(seed)
    words = sorted(lexicons.common_words())
    conversations = []
    for _ in range(n):
        turns = []
        for t in range(rng.choice([2, 2, 4, 4, 6])):
            parts: list[str] = []
            while sum(len(p.split()) for p in parts) < rng.randint(15, 120):
                parts.append(rng.choice(SENTENCES))
                parts.append(" ".join(rng.choices(words, k=rng.randint(3, 12))))
            turns.append(
                {"role": "user" if t % 2 == 0 else "assistant", "content": ". ".join(parts)}
            )
        conversations.append(turns)
    return conversations


def main() -> None:
    from python_models.embeddings.backends import get_embedder
    from python_models.embeddings.texts import conversation_text
    from python_models.scoring.category import COUNSEL_CHAT_WEIGHTS, CategoryModel
    from python_models.scoring.pipeline import Scorers

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=4096)
    args = parser.parse_args()

    started = time.perf_counter()
    conversations = synthetic_conversations(args.conversations)
    generated = time.perf_counter() - started
    embedder = get_embedder("default")
    scorers = Scorers(
        embedder=embedder, category_model=CategoryModel.load(COUNSEL_CHAT_WEIGHTS)
    ).load_all()  # loaded before the clock starts, as before scorers were loaded lazily
    started = time.perf_counter()
    conversation_vectors = embedder.encode([conversation_text(c) for c in conversations])
    near_dup_embedding = time.perf_counter() - started
    started = time.perf_counter()
    flags = 0
    for start in range(0, len(conversations), args.batch_size):
        chunk = conversations[start : start + args.batch_size]
        results = scorers.score(
            chunk, conversation_embeddings=conversation_vectors[start : start + len(chunk)]
        )
        flags += sum(r.crisis_flag for r in results)
    total = time.perf_counter() - started
    n = len(conversations)
    timings = dict(scorers.timings)
    cpu = dict(scorers.cpu_timings)
    report = {
        "conversations": n,
        "turns": sum(len(c) for c in conversations),
        "generate_s": round(generated, 1),
        "conversation_embedding_s (near-dup stage, not counted below)": round(
            near_dup_embedding, 1
        ),
        "scoring_total_s": round(total, 1),
        "conversations_per_s_all_scorers": round(n / total),
        "scoring_cpu_s": round(sum(cpu.values()), 1),
        "per_step": {
            name: {
                "wall_s": round(seconds, 1),
                "cpu_s": round(cpu[name], 1),
                "conversations_per_wall_s": round(n / max(seconds, 1e-9)),
                "conversations_per_cpu_s": round(n / max(cpu[name], 1e-9)),
            }
            for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1])
        },
        "crisis_flags": flags,
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
