"""The PII span model's cost: `redact_messages` with the model off and on, alternating.

.venv/bin/python -m benchmarks.pii_span_model --conversations 3000 --pairs 3
"""

from __future__ import annotations

import argparse
import json
import time

from benchmarks.scoring import synthetic_conversations
from python_models.scoring.pii import PiiDetector


def _rate(detector: PiiDetector, conversations: list[list[dict[str, str]]]) -> float:
    """Conversations per CPU second of one pass."""
    started = time.process_time()
    for messages in conversations:
        detector.redact_messages(messages)
    return len(conversations) / max(time.process_time() - started, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    conversations = synthetic_conversations(args.conversations)
    detector = PiiDetector()
    finder = detector._entities
    if finder is None or finder.span_model is None:
        raise SystemExit("the span model is not loaded: run `pixel-data eval fit pii`")
    model = finder.span_model
    _rate(detector, conversations[:100])  # warm the caches
    pairs = []
    for _ in range(args.pairs):
        finder.span_model = None
        rules = _rate(detector, conversations)
        finder.span_model = model
        with_model = _rate(detector, conversations)
        pairs.append({"rules_only": round(rules), "with_model": round(with_model)})
    print(json.dumps({"conversations": len(conversations), "pairs": pairs}, indent=2))


if __name__ == "__main__":
    main()
