"""PII detection measured on presidio-synth (Microsoft presidio-research, MIT).

Split by template: templates with `template_id % 3 == 0` were read while writing the rules (dev);
the others are held out (test) and are what the docs report. A gold span counts as found when a
predicted span of the same kind overlaps it; a predicted span counts as correct when it overlaps
a gold span of its kind. Gold types the redactor does not target (organisations, places, dates,
titles, ...) count only against precision, when something is predicted on them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from evaluation.metrics import Rate
from evaluation.realdata import PiiExample
from python_models.scoring.pii import PiiDetector

GOLD_TO_KIND = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "US_SSN": "SSN",
    "CREDIT_CARD": "CREDIT_CARD",
    "IP_ADDRESS": "IP_ADDRESS",
    "STREET_ADDRESS": "ADDRESS",
    "PERSON": "PERSON",
}
GOALS = {"EMAIL": 0.95, "PHONE": 0.95, "SSN": 0.95, "CREDIT_CARD": 0.95, "PERSON": 0.85}


def is_dev_template(template_id: int) -> bool:
    return template_id % 3 == 0


@dataclass
class PiiReport:
    split: str
    records: int
    recall: dict[str, Rate]
    precision: dict[str, Rate]
    overall_precision: Rate
    chars_redacted: dict[str, Rate]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate_pii(examples: list[PiiExample], detector: PiiDetector, split: str) -> PiiReport:
    found: Counter[str] = Counter()
    gold_total: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    predicted_total: Counter[str] = Counter()
    covered_chars: Counter[str] = Counter()
    gold_chars: Counter[str] = Counter()
    for example in examples:
        predicted = detector.detect(example.text)
        gold = [(s, e, GOLD_TO_KIND.get(t)) for s, e, t in example.spans]
        for start, end, kind in gold:
            if kind is None:
                continue
            gold_total[kind] += 1
            same = [(p.start, p.end) for p in predicted if p.kind == kind]
            if any(_overlaps((start, end), span) for span in same):
                found[kind] += 1
            chars = [i for i in range(start, end) if not example.text[i].isspace()]
            gold_chars[kind] += len(chars)
            covered_chars[kind] += sum(1 for i in chars if any(s <= i < e for s, e in same))
        for span in predicted:
            predicted_total[span.kind] += 1
            if any(
                kind == span.kind and _overlaps((span.start, span.end), (s, e))
                for s, e, kind in gold
            ):
                correct[span.kind] += 1
    kinds = sorted(set(gold_total) | set(predicted_total))
    return PiiReport(
        split=split,
        records=len(examples),
        recall={k: Rate(found[k], gold_total[k]) for k in kinds if gold_total[k]},
        precision={k: Rate(correct[k], predicted_total[k]) for k in kinds if predicted_total[k]},
        overall_precision=Rate(sum(correct.values()), sum(predicted_total.values())),
        chars_redacted={k: Rate(covered_chars[k], gold_chars[k]) for k in kinds if gold_chars[k]},
    )
