"""PII detection and redaction in two source trees, in one process: speed alternated, outputs equal.

    # the inputs of benchmarks/scoring_compare.py (`inputs`: synthetic.parquet, lake.parquet)
    git archive <base> | tar -x -C /tmp/base
    .venv/bin/python -m benchmarks.pii_compare ab --base /tmp/base --inputs /tmp/scoring-inputs
    .venv/bin/python -m benchmarks.pii_compare same --base /tmp/base --inputs /tmp/scoring-inputs

Both trees' `python_models` are imported into this process (the first copy is set aside under
its own module objects before the second is imported), so A and B run on the same interpreter,
heap and inputs. `ab` times `PiiDetector.redact_messages` over every conversation of each input
file with one memo per file (as `Scorers.score` redacts a batch: each distinct text once), with
`time.process_time`, A/B then B/A per round; each run gets a fresh detector and cleared module
caches, warmed on 50 other synthetic conversations. `same` compares every span (start, end,
kind) and redaction of both trees on the inputs' messages, the written counselling sentences,
presidio-synth (every template, dev and held out), the other public sets in ../shared/realdata
(the first 4,000 distinct texts of each) and recombined fragments of all of them; it reads no
labels and scores nothing.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

PREFIX = "python_models"


def _load(tree: Path) -> tuple[ModuleType, ModuleType]:
    """`pii` and `pii_entities` imported from `tree`, then set aside (their functions keep
    their own module globals), so that the next tree can be imported under the same names."""
    for name in [m for m in sys.modules if m == PREFIX or m.startswith(PREFIX + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(tree))
    try:
        pii = importlib.import_module("python_models.scoring.pii")
        entities = importlib.import_module("python_models.scoring.pii_entities")
    finally:
        sys.path.remove(str(tree))
    if not Path(pii.__file__).resolve().is_relative_to(tree):
        raise SystemExit(f"imported {pii.__file__}, not from {tree}")
    return pii, entities


def _trees(base: str) -> dict[str, tuple[ModuleType, ModuleType]]:
    here = Path(__file__).resolve().parent.parent
    trees = {"A": _load(Path(base).resolve()), "B": _load(here)}
    sys.path.insert(0, str(here))
    return trees


def _conversations(inputs: str) -> dict[str, list[list[dict[str, str]]]]:
    import pyarrow.parquet as pq

    return {
        path.stem: pq.read_table(path).column("messages").to_pylist()
        for path in sorted(Path(inputs).glob("*.parquet"))
    }


def _fresh(modules: tuple[ModuleType, ModuleType], warm: list) -> object:
    pii, entities = modules
    for name in ("_found_before", "_shape", "_previous_word_feature", "_next_word_feature"):
        cached = getattr(entities, name, None)
        if cached is not None:
            cached.cache_clear()
    detector = pii.PiiDetector()
    for conversation in warm:
        detector.redact_messages(conversation, {})
    return detector


def _ab(args: argparse.Namespace) -> None:
    trees = _trees(args.base)
    from benchmarks.scoring import synthetic_conversations

    warm = synthetic_conversations(50, seed=99)
    data = _conversations(args.inputs)
    cpu: dict[tuple[str, str], list[float]] = {}
    outputs: dict[tuple[str, str], list] = {}
    for round_number in range(1, args.rounds + 1):
        for side in ("A", "B") if round_number % 2 else ("B", "A"):
            for name, conversations in data.items():
                detector = _fresh(trees[side], warm)
                gc.collect()
                memo: dict = {}
                started = time.process_time()
                redacted = [detector.redact_messages(c, memo) for c in conversations]
                seconds = time.process_time() - started
                cpu.setdefault((side, name), []).append(seconds)
                outputs.setdefault((side, name), redacted)
                print(
                    json.dumps(
                        {
                            "round": round_number,
                            "side": side,
                            "input": name,
                            "load": os.getloadavg()[0],
                            "cpu_s": round(seconds, 3),
                            "conversations_per_cpu_s": round(len(conversations) / seconds),
                        }
                    ),
                    flush=True,
                )
    for name, conversations in data.items():
        a, b = sum(cpu[("A", name)]), sum(cpu[("B", name)])
        n = len(conversations) * args.rounds
        same = outputs[("A", name)] == outputs[("B", name)]
        print(
            f"{name}: A {n / a:,.0f} conversations/CPU-s, B {n / b:,.0f}, B/A {a / b:.2f}; "
            f"redactions and counts equal: {same}"
        )


def _texts(inputs: str) -> dict[str, list[str]]:
    """Every text `same` compares, by source (distinct within a source)."""
    from evaluation import realdata

    sources: dict[str, list[str]] = {}
    for name, conversations in _conversations(inputs).items():
        sources[name] = [m.get("content") or "" for c in conversations for m in c]
    lines = realdata.PII_COUNSELLING_SET.read_text("utf-8").splitlines()
    sources["counselling_set"] = [json.loads(line)["text"] for line in lines if line.strip()]
    try:
        root = realdata.realdata_root()
    except realdata.RealDataMissing:
        root = None
    if root is not None:
        examples = realdata.presidio_examples(root)
        sources["presidio_dev"] = [
            e.text for e in examples if realdata.is_dev_template(e.template_id)
        ]
        sources["presidio_held_out"] = [
            e.text for e in examples if not realdata.is_dev_template(e.template_id)
        ]
        rows = realdata.counsel_chat_rows(root)
        sources["counsel_chat"] = [r["questionText"] for r in rows] + [
            r["answerText"] for r in rows
        ]
        sources["epitome"] = [p.response for p in realdata.epitome_pairs(root)] + [
            p.seeker for p in realdata.epitome_pairs(root)
        ]
        sources["dreaddit"] = [t for x in realdata.dreaddit_posts(root, "test") for t in x.texts]
        sources["sdcnl"] = [t for x in realdata.sdcnl_posts(root, "testing") for t in x.texts]
        sources["cssrs"] = [t for u in realdata.cssrs_users(root) for t in u.texts]
        sources["hh_rlhf"] = [t for x in realdata.hh_harmless_prompts(root) for t in x.texts]
        sources["esconv"] = [t for d in realdata.esconv_dialogues(root) for _, t in d.turns]
    inputs_named = set(_conversations(inputs))
    sources = {
        k: list(dict.fromkeys(t for t in v if t))[: None if k in inputs_named else 4000]
        for k, v in sources.items()
    }
    rng = random.Random(14)
    pieces = [p for texts in sources.values() for t in texts for p in t.split(". ") if p.strip()]
    glue = [". ", ", ", "\n", " and ", ": ", " the ", " from ", " at the ", " my sister ", " 12 "]
    recombined = []
    for _ in range(6000):
        parts = [rng.choice(pieces) for _ in range(rng.randint(1, 5))]
        parts = [p.lower() if rng.random() < 0.15 else p for p in parts]
        recombined.append("".join(p + rng.choice(glue) for p in parts)[:3000])
    sources["recombined"] = list(dict.fromkeys(recombined))
    return sources


def _same(args: argparse.Namespace) -> None:
    trees = _trees(args.base)
    sources = _texts(args.inputs)
    detectors = {side: modules[0].PiiDetector() for side, modules in trees.items()}
    cpu: Counter[str] = Counter()
    differing_total = 0
    for name, texts in sources.items():
        found: dict[str, list] = {}
        for side, detector in detectors.items():
            started = time.process_time()
            found[side] = [
                ([(s.start, s.end, s.kind) for s in detector.detect(t)], detector.redact(t))
                for t in texts
            ]
            cpu[side] += time.process_time() - started
        differing = sum(a != b for a, b in zip(found["A"], found["B"], strict=True))
        differing_total += differing
        redacted = sum(bool(spans) for spans, _ in found["A"])
        print(f"{name}: {len(texts)} texts, {redacted} with PII, {differing} differing")
    total = sum(map(len, sources.values()))
    print(f"all: {total} texts, {differing_total} differing; CPU-s {dict(cpu)}")
    if differing_total:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ab = sub.add_parser("ab", help="speed: A/B/B/A in one process, outputs compared")
    ab.add_argument("--base", required=True)
    ab.add_argument("--inputs", required=True)
    ab.add_argument("--rounds", type=int, default=4)
    same = sub.add_parser("same", help="identity: every span and redaction, both trees")
    same.add_argument("--base", required=True)
    same.add_argument("--inputs", required=True)
    args = parser.parse_args()
    {"ab": _ab, "same": _same}[args.command](args)


if __name__ == "__main__":
    main()
