"""Where the PII detector goes wrong on presidio-synth's *dev* templates: gold type against
predicted kind, and boundary errors, under a template cross-validation of the span model.

    python -m evaluation.scoring.pii_errors [--folds 3]

The shipped span model is fitted on the dev templates, so scoring them with it says little.
Here the dev templates are cut into folds by template id; for each fold the model is refitted
(the shipped C and margin) without that fold's templates and scores that fold's own records.
The held-out templates (`template_id % 3 != 0`) are never read. Prints counts only (no text):

- confusion: for each gold span, the kind of the prediction that overlaps it most, "missed"
  when none does;
- boundary, for gold spans whose kind was right: exact, gold left partly visible (short),
  prediction running past the gold span onto other words or digits (long; commas and blanks
  between address parts do not count), both, or merged with a gold span of another kind;
- false positives: predicted kind over no gold span at all;
- typed precision: predictions that overlap a gold span of their own kind (as in `pii_eval`).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict

from evaluation.fitting.fit_pii_spans import SEED, _fit, labelled_candidates, templates
from evaluation.realdata import is_dev_template, presidio_examples, realdata_root
from evaluation.scoring.pii_eval import KIND_ALIASES, _accepts, _covered, _overlaps
from python_models.scoring.pii import PiiDetector
from python_models.scoring.pii_entities import EntityFinder
from python_models.scoring.pii_span_model import SpanModel

SHOW = False
"""Print each dev mistyped or missed entity with its context to stderr (dev templates only)."""
ENTITY_GOLD = ("PERSON", "ORGANIZATION", "GPE", "STREET_ADDRESS", "ZIP_CODE")


def _fold_of(template_id: int, folds: int) -> int:
    return random.Random(template_id * 7919 + SEED).randrange(folds)


def cross_validate(folds: int = 3, scheme: str = "template") -> dict[str, Counter]:
    """Counters keyed by table name; see the module docstring.

    `scheme` "template": each fold's presidio templates are left out of the fit; "source":
    the model is fitted without any presidio template (written templates and counselling lines
    only) and scores every dev record once."""
    root = realdata_root()
    shipped = SpanModel.load()
    c, margin = shipped.metadata.get("c", 0.1), shipped.margin
    examples = [e for e in presidio_examples(root) if is_dev_template(e.template_id)]
    chosen = templates(root)
    finder = EntityFinder(span_model=False)
    tables: dict[str, Counter] = defaultdict(Counter)
    if scheme == "source":
        kept = [t for t in chosen if not t.template_id.startswith("presidio-")]
        groups = [(kept, examples)]
    else:
        groups = []
        for fold in range(folds):
            scored = [e for e in examples if _fold_of(e.template_id, folds) == fold]
            left_out = {f"presidio-{e.template_id}" for e in scored}
            groups.append(([t for t in chosen if t.template_id not in left_out], scored))
    for kept, scored in groups:
        x, y = labelled_candidates(finder, kept, SEED)
        model = _fit(x, y, c)
        model.margin = margin
        detector = PiiDetector()
        detector._entities.span_model = model
        for example in scored:
            _tally(example, detector, tables)
    return tables


def typed_recall(tables: dict[str, Counter]) -> dict[str, tuple[int, int]]:
    """(right kind, total) per entity gold type, from the confusion table."""
    found: dict[str, tuple[int, int]] = {}
    for gold_type in ENTITY_GOLD:
        cells = {k: v for (g, k), v in tables["confusion"].items() if g == gold_type}
        right = sum(v for k, v in cells.items() if k != "missed" and _accepts(gold_type, k))
        found[gold_type] = (right, sum(cells.values()))
    return found


def _tally(example, detector: PiiDetector, tables: dict[str, Counter]) -> None:
    text = example.text
    predicted = [(p.start, p.end, KIND_ALIASES.get(p.kind, p.kind)) for p in detector.detect(text)]
    spans = [(s, e) for s, e, _ in predicted]
    gold = example.spans
    for start, end, gold_type in gold:
        touching = [
            (min(end, e) - max(start, s), k, s, e)
            for s, e, k in predicted
            if _overlaps((start, end), (s, e))
        ]
        if not touching:
            tables["confusion"][gold_type, "missed"] += 1
            if SHOW and gold_type in ENTITY_GOLD:
                print(
                    f"{gold_type}->missed: {text[max(0, start - 40) : end + 30]!r}", file=sys.stderr
                )
            continue
        _, kind, s, e = max(touching)
        tables["confusion"][gold_type, kind] += 1
        if SHOW and gold_type in ENTITY_GOLD and not _accepts(gold_type, kind):
            print(f"{gold_type}->{kind}: {text[max(0, start - 40) : end + 30]!r}", file=sys.stderr)
        if gold_type not in ENTITY_GOLD or not _accepts(gold_type, kind):
            continue
        short = not _covered(text, start, end, spans)
        outside = [(i, i + 1) for i in range(s, e) if not (start <= i < end)]
        other_gold = any(
            _overlaps(piece, (gs, ge))
            for piece in outside
            for gs, ge, gt in gold
            if (gs, ge) != (start, end) and not _accepts(gt, kind) and gt in ENTITY_GOLD
        )
        long_ = any(
            text[i].isalnum() and not any(gs <= i < ge for gs, ge, _ in gold) for i, _ in outside
        )
        shape = (
            "merged"
            if other_gold
            else (
                "short+long"
                if short and long_
                else "short"
                if short
                else "long"
                if long_
                else "exact"
            )
        )
        tables["boundary"][gold_type, shape] += 1
    for s, e, kind in predicted:
        right = any(_accepts(gt, kind) and _overlaps((s, e), (gs, ge)) for gs, ge, gt in gold)
        tables["precision"][kind, right] += 1
        if not any(_overlaps((s, e), (gs, ge)) for gs, ge, _ in gold):
            tables["false_positive"][kind] += 1
            if SHOW:
                print(f"none->{kind}: {text[max(0, s - 40) : e + 30]!r}", file=sys.stderr)


def _print(tables: dict[str, Counter]) -> None:
    confusion = tables["confusion"]
    kinds = [*sorted({k for _, k in confusion} - {"missed"}), "missed"]
    golds = sorted({g for g, _ in confusion})
    print("| gold \\ predicted | " + " | ".join(kinds) + " | total |")
    print("|---" * (len(kinds) + 2) + "|")
    for g in golds:
        row = [confusion[g, k] for k in kinds]
        print(f"| {g} | " + " | ".join(str(v) if v else "" for v in row) + f" | {sum(row)} |")
    shapes = ("exact", "short", "long", "short+long", "merged")
    print("\n| gold (kind right) | " + " | ".join(shapes) + " |")
    print("|---" * (len(shapes) + 1) + "|")
    for g in ENTITY_GOLD:
        print(f"| {g} | " + " | ".join(str(tables["boundary"][g, s]) for s in shapes) + " |")
    print("\nfalse positives (over no gold span):", dict(sorted(tables["false_positive"].items())))
    precision = tables["precision"]
    kinds = sorted({k for k, _ in precision})
    right = sum(precision[k, True] for k in kinds)
    said = right + sum(precision[k, False] for k in kinds)
    print(
        "typed precision:",
        {k: f"{precision[k, True]}/{precision[k, True] + precision[k, False]}" for k in kinds},
        f"overall {right}/{said}",
    )
    recall = typed_recall(tables)
    print("typed recall:", {g: f"{r}/{n}" for g, (r, n) in recall.items() if n})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument(
        "--show", action="store_true", help="print dev mistypes and misses to stderr"
    )
    parser.add_argument(
        "--scheme",
        choices=("template", "source"),
        default="template",
        help="template: folds of dev templates; source: fit without any presidio template",
    )
    args = parser.parse_args()
    global SHOW
    SHOW = args.show
    if os.environ.get("PYTHONHASHSEED") != "0":  # Faker's set order, as in the fit
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        command = [sys.executable, "-m", "evaluation.scoring.pii_errors", *sys.argv[1:]]
        raise SystemExit(subprocess.run(command, env=env).returncode)
    _print(cross_validate(args.folds, args.scheme))


if __name__ == "__main__":
    main()
