"""PII detection measured on presidio-synth (Microsoft presidio-research, MIT) and on counselling
sentences written for evaluation (`evaluation/data/pii_counselling_sentences.jsonl`).

presidio-synth is split by template: templates with `template_id % 3 == 0` were read while
writing the rules (dev); the others are held out (test) and are what the docs report. All 17
gold types are scored. Per type: *typed recall* (a predicted span of the mapped kind overlaps the
gold span), *redacted* (any placeholder overlaps it: what matters for privacy), *full span* (every
non-blank character of the gold span lies under a placeholder), and precision (a predicted span
is correct when it overlaps a gold span whose type maps to its kind; *any-type* precision counts a
prediction correct when it overlaps any gold PII span). Gold types the redactor does not target
(TITLE, NRP) have no mapped kind: only their "redacted" rate is shown.

The counselling set's leak rate is the share of gold identifying items left with any character
unredacted; its over-redaction counts the placeholders that touch no gold item, and the traps
(generic institutions, pronouns, common words) that were redacted.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from evaluation.metrics import Rate
from evaluation.realdata import PII_COUNSELLING_SET as COUNSELLING_SET
from evaluation.realdata import PiiExample, is_dev_template  # noqa: F401 - the split lives in realdata; report.py and tests import it here
from python_models.scoring.pii import PiiDetector

GOLD_TO_KIND: dict[str, str | None] = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "ADDRESS",
    "GPE": "LOCATION",
    "ORGANIZATION": "ORGANIZATION",
    "CREDIT_CARD": "CREDIT_CARD",
    "DATE_TIME": "DATE",
    "TITLE": None,
    "PHONE_NUMBER": "PHONE",
    "AGE": "AGE",
    "NRP": None,
    "EMAIL_ADDRESS": "EMAIL",
    "ZIP_CODE": "LOCATION",
    "DOMAIN_NAME": "URL",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "US_DRIVER_LICENSE": "DRIVER_LICENSE",
}
"""Each of presidio's 17 gold types and the placeholder kind that should cover it."""
KIND_ALIASES = {"DATE_OF_BIRTH": "DATE"}
"""A date of birth is a date for presidio's DATE_TIME."""
ADDRESS_FAMILY = {"ADDRESS", "LOCATION"}
"""presidio splits an address into STREET_ADDRESS, GPE (its town, its country) and ZIP_CODE
spans; the redactor puts one [ADDRESS] over the street and what follows it, and [LOCATION] over
a town or postcode on its own: for these three gold types either kind counts as typed."""


def _accepts(gold_type: str, kind: str) -> bool:
    """The predicted kind is the one this gold type should get."""
    target = GOLD_TO_KIND.get(gold_type)
    if target in ADDRESS_FAMILY:
        return kind in ADDRESS_FAMILY
    return target == kind


STRUCTURED_GOAL = 0.99
GOALS = {
    "EMAIL_ADDRESS": STRUCTURED_GOAL,
    "PHONE_NUMBER": STRUCTURED_GOAL,
    "US_SSN": STRUCTURED_GOAL,
    "CREDIT_CARD": STRUCTURED_GOAL,
    "IP_ADDRESS": STRUCTURED_GOAL,
    "IBAN_CODE": STRUCTURED_GOAL,
    "PERSON": 0.95,
    "ORGANIZATION": 0.85,
    "GPE": 0.85,
}
"""Typed-recall goals from issue 14 (STREET_ADDRESS's goal, 0.90, is on the full span)."""
ADDRESS_FULL_SPAN_GOAL = 0.90
PRECISION_GOAL = 0.90
LEAK_GOAL = 0.05


@dataclass
class PiiReport:
    split: str
    records: int
    typed_recall: dict[str, Rate]
    redacted: dict[str, Rate]
    full_span: dict[str, Rate]
    precision: dict[str, Rate]
    overall_precision: Rate
    any_type_precision: Rate


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _covered(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Every non-blank character of text[start:end] lies under one of the spans."""
    return all(
        any(s <= i < e for s, e in spans) for i in range(start, end) if not text[i].isspace()
    )


def evaluate_pii(examples: list[PiiExample], detector: PiiDetector, split: str) -> PiiReport:
    typed: Counter[str] = Counter()
    redacted: Counter[str] = Counter()
    full: Counter[str] = Counter()
    gold_total: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    any_correct = 0
    predicted_total: Counter[str] = Counter()
    for example in examples:
        predicted = [
            (p.start, p.end, KIND_ALIASES.get(p.kind, p.kind))
            for p in detector.detect(example.text)
        ]
        all_spans = [(s, e) for s, e, _ in predicted]
        for start, end, gold_type in example.spans:
            gold_total[gold_type] += 1
            kind = GOLD_TO_KIND.get(gold_type)
            if kind and any(
                _accepts(gold_type, k) and _overlaps((start, end), (s, e)) for s, e, k in predicted
            ):
                typed[gold_type] += 1
            if any(_overlaps((start, end), span) for span in all_spans):
                redacted[gold_type] += 1
            if _covered(example.text, start, end, all_spans):
                full[gold_type] += 1
        for start, end, kind in predicted:
            predicted_total[kind] += 1
            touching = [t for s, e, t in example.spans if _overlaps((start, end), (s, e))]
            any_correct += bool(touching)
            if any(_accepts(t, kind) for t in touching):
                correct[kind] += 1
    return PiiReport(
        split=split,
        records=len(examples),
        typed_recall={
            t: Rate(typed[t], gold_total[t]) for t in sorted(gold_total) if GOLD_TO_KIND.get(t)
        },
        redacted={t: Rate(redacted[t], gold_total[t]) for t in sorted(gold_total)},
        full_span={t: Rate(full[t], gold_total[t]) for t in sorted(gold_total)},
        precision={k: Rate(correct[k], predicted_total[k]) for k in sorted(predicted_total)},
        overall_precision=Rate(sum(correct.values()), sum(predicted_total.values())),
        any_type_precision=Rate(any_correct, sum(predicted_total.values())),
    )


@dataclass(frozen=True)
class CounsellingSentence:
    text: str
    items: tuple[tuple[str, str], ...]
    traps: tuple[str, ...]
    split: str
    language: str


def counselling_sentences(path: Path = COUNSELLING_SET) -> list[CounsellingSentence]:
    """The written set; even lines are dev (read while writing rules), odd lines are test."""
    sentences = []
    for index, line in enumerate(path.read_text("utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        for item, _ in row["items"]:
            if item not in row["text"]:
                raise ValueError(f"line {index + 1}: gold item not in its sentence")
        text = row["text"]
        language = "zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "other"
        sentences.append(
            CounsellingSentence(
                text=text,
                items=tuple((item, kind) for item, kind in row["items"]),
                traps=tuple(row.get("traps", ())),
                split="dev" if index % 2 == 0 else "test",
                language=language,
            )
        )
    return sentences


@dataclass
class LeakReport:
    split: str
    sentences: int
    leak: Rate
    leak_by_kind: dict[str, Rate]
    typed: Rate
    false_placeholders: int
    traps_redacted: Rate


def evaluate_counselling(
    sentences: list[CounsellingSentence], detector: PiiDetector, split: str
) -> LeakReport:
    leaked: Counter[str] = Counter()
    present: Counter[str] = Counter()
    typed = 0
    false_placeholders = 0
    traps = trapped = 0
    for sentence in sentences:
        predicted = detector.detect(sentence.text)
        spans = [(p.start, p.end) for p in predicted]
        gold_spans = []
        for item, kind in sentence.items:
            start = sentence.text.index(item)
            end = start + len(item)
            gold_spans.append((start, end))
            present[kind] += 1
            if not _covered(sentence.text, start, end, spans):
                leaked[kind] += 1
            if any(
                _overlaps((start, end), (p.start, p.end))
                and KIND_ALIASES.get(p.kind, p.kind) == KIND_ALIASES.get(kind, kind)
                for p in predicted
            ):
                typed += 1
        false_placeholders += sum(
            1 for span in spans if not any(_overlaps(span, gold) for gold in gold_spans)
        )
        for trap in sentence.traps:
            start = sentence.text.index(trap)
            traps += 1
            trapped += any(_overlaps((start, start + len(trap)), span) for span in spans)
    total = sum(present.values())
    return LeakReport(
        split=split,
        sentences=len(sentences),
        leak=Rate(sum(leaked.values()), total),
        leak_by_kind={k: Rate(leaked[k], present[k]) for k in sorted(present)},
        typed=Rate(typed, total),
        false_placeholders=false_placeholders,
        traps_redacted=Rate(trapped, traps),
    )
