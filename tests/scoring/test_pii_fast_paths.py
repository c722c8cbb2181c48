"""PII detection's fast paths give the reference code's answers (issue 14/15: speed, outputs
identical): the name finder's shortcut for capitalised words that can only be words, its
per-word memos, the span model's remembered predictions and summed rows, the trigger pass's bit
masks, and the RE2 gates in front of rarely matching scans. Each is compared with the code it
stands in for on realistic and random text; a divergence fails here."""

from __future__ import annotations

import json
import random
import re
from functools import reduce
from operator import add

import pytest

from evaluation.realdata import PII_COUNSELLING_SET
from python_models.scoring import lexicons
from python_models.scoring.caseless import AnyPrefilter, re2_superset
from python_models.scoring.pii import (
    CN_MOBILE_PATTERN,
    RARE_DIGIT_PATTERNS,
    STRUCTURED_TRIGGERS,
    UNIT_PATTERNS,
    PiiDetector,
)
from python_models.scoring.pii_entities import (
    CAP_RUN_RE,
    CUE_GATES,
    ENTITY_TRIGGERS,
    LOWER_NAME_CUE_GATE,
    LOWER_NAME_CUE_RE,
    SKIP_RUNS,
    Triggers,
)
from python_models.scoring.pii_span_model import NONE, SpanModel

CUES = [
    "Apt 4", "Suite 210", "PO Box 1234", "Unit 7", "+86 138 1234 5678",
    "my sister", "my husband", "works at", "I work at the", "moved to", "the", "corner of",
    "is a band", "'s mom", "and I", "Dear", "Thanks,", "my name is", "born", "DOB:", "call me",
    "a refund from", "my account at", "Signed,", "email from", "from Leeds to", "in", "at the",
    "Dr.", "my son", "zip code", "apt", "P.O. Box", "my snap is", "NHS number", "SSN",
]  # fmt: skip
NUMBERS = [
    "12", "3", "415-555-0199", "+44 20 7946 0958", "90210", "SW1A 1AA", "1990-05-03",
    "March 3, 1990", "123-45-6789", "4111 1111 1111 1111", "192.168.0.1", "23F", "NY 10001",
    "IL 62704-1234", "221B", "12 Oak Street", "3911 fourth avenue", "6th Avenue", "10pm",
    "GB82 WEST 1234 5698 7654 32", "110101199003074477", "943 476 5919", "2024", "16 years old",
    "Hauptstraße 5", "Calle de Alcalá 127", "fe80::1", "13812345678", "Apt. 4B",
]  # fmt: skip
OTHER = ["José", "São Paulo", "\u2019s", "Inès", "Müller", "Zürich", "\u201cok\u201d", "\u00a0"]
BEFORE_WORD = [
    "", ". ", "\n", "the ", "the corner of ", "works at ", "I work at the ", "in ", ": ",
    # cues across a line break: the word then opens a sentence and the cue still reads it
    "in\n", "moved to\n", "works at\n", "the\n", "my sister:\n", "Signed,\n", "email from\n",
    "a refund from\n", "corner of\n",
]  # fmt: skip
AFTER_WORD = [
    "", " 10115", ", NY 10001", " 62704-1234", " is a band", " is a company", " team", " and I",
    "'s mom", " said", " Street", " of the", ".", ", ", " 12", "\n",
]  # fmt: skip
PUNCTUATION = [". ", ", ", "\n", "! ", "? ", ": ", "; ", " - ", " (", ") ", "\n\n", " > "]


def _words(rng: random.Random) -> list[str]:
    """Capitalised words of every kind the name finder judges differently."""
    common = sorted(lexicons.common_words())
    first = sorted(lexicons.first_names())
    last = sorted(lexicons.surnames())
    places = sorted(p for p in lexicons.places() if " " not in p)
    both = sorted(set(common) & set(last))  # "Part", "Small": words that are also surnames
    pools = [common, first, last, places, both, ["School", "University", "Inc", "Bank"]]
    return [rng.choice(rng.choice(pools)).title() for _ in range(600)]


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = _words(rng)
    lower = sorted(lexicons.common_words())
    written = [
        json.loads(line)["text"] for line in PII_COUNSELLING_SET.read_text("utf-8").splitlines()
    ]
    pieces = [words, CUES, NUMBERS, OTHER]
    texts = []
    for _ in range(count):
        parts: list[str] = []
        for _ in range(rng.randint(1, 14)):
            kind = rng.random()
            if kind < 0.15:
                parts.append(rng.choice(written))
            elif kind < 0.3:  # a capitalised word with what `_rule` reads around it
                word = rng.choice(words)
                parts.append(rng.choice(BEFORE_WORD) + word + rng.choice(AFTER_WORD))
            elif kind < 0.5:
                parts.append(" ".join(rng.choices(lower, k=rng.randint(1, 4))))
            else:
                parts.append(rng.choice(rng.choice(pieces)))
            parts.append(rng.choice(PUNCTUATION) if rng.random() < 0.3 else " ")
        text = "".join(parts).strip()
        if rng.random() < 0.1:
            text = text.lower()
        elif rng.random() < 0.05:
            text = text.upper()
        texts.append(text)
    return texts


REALISTIC = [
    json.loads(line)["text"] for line in PII_COUNSELLING_SET.read_text("utf-8").splitlines()
]


@pytest.fixture(scope="module")
def detectors() -> tuple[PiiDetector, PiiDetector]:
    """(fast, reference): the shipped configuration with and without its fast paths."""
    reference = PiiDetector()
    reference.reference = True
    return PiiDetector(), reference


def _spans(detector: PiiDetector, text: str) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.kind) for s in detector.detect(text)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_text_is_redacted_as_the_reference_redacts_it(
    detectors: tuple[PiiDetector, PiiDetector], seed: int
) -> None:
    fast, reference = detectors
    texts = _random_texts(400, seed)
    # twice through the fast detector: the second pass reads its memos
    for _ in range(2):
        differing = [t for t in texts if _spans(fast, t) != _spans(reference, t)]
        assert not differing, differing[:3]
    assert sum(bool(_spans(reference, t)) for t in texts) > 200  # the texts hold PII


def test_the_written_counselling_sentences_are_redacted_as_the_reference_redacts_them(
    detectors: tuple[PiiDetector, PiiDetector],
) -> None:
    fast, reference = detectors
    for text in REALISTIC:
        assert fast.redact(text) == reference.redact(text), text


def test_presidio_templates_are_redacted_as_the_reference_redacts_them(
    detectors: tuple[PiiDetector, PiiDetector],
) -> None:
    from evaluation.realdata import RealDataMissing, presidio_examples, realdata_root

    try:
        examples = presidio_examples(realdata_root())
    except RealDataMissing:
        pytest.skip("../shared/realdata is absent: presidio-synth not available")
    fast, reference = detectors
    texts = sorted({example.text for example in examples})
    assert len(texts) > 1000
    differing = [t for t in texts if _spans(fast, t) != _spans(reference, t)]
    assert not differing, differing[:3]


def test_the_word_shortcut_only_skips_runs_the_judge_rejects(
    detectors: tuple[PiiDetector, PiiDetector],
) -> None:
    finder = detectors[1]._entities
    assert finder is not None and finder.reference
    skipped = 0
    for text in _random_texts(600, 7) + REALISTIC:
        fired = finder.triggers(text.lower())
        finder._customer, finder._sign_off = "customer" in fired, "sign_off" in fired
        for match in CAP_RUN_RE.finditer(text):
            if match.group() in SKIP_RUNS:
                continue
            if finder._surely_nothing(text, match.group(), match.start(), match.end()):
                skipped += 1
                judged = finder._judge(text, match.start(), match.end())
                assert judged is None, (text, match.group(), judged)
    assert skipped > 200  # the shortcut is exercised, not vacuous


def _old_scores(model: SpanModel, features: list[str]) -> list[float]:
    """The span model's sums as they were written before: row after row."""
    totals = list(model.intercept)
    for feature in features:
        row = model.weights.get(feature)
        if row is not None:
            totals = [a + b for a, b in zip(totals, row, strict=True)]
    return totals


def test_the_span_models_sums_are_bit_for_bit_those_of_adding_row_by_row() -> None:
    model = SpanModel.load()
    assert model is not None
    names = sorted(model.weights)
    rng = random.Random(5)
    for _ in range(2000):
        features = [*rng.choices(names, k=rng.randint(0, 40)), "absent=feature"]
        rng.shuffle(features)
        assert model.scores(features) == _old_scores(model, features)


def test_a_remembered_prediction_follows_the_margin() -> None:
    model = SpanModel((NONE, "PERSON"), (0.0, 0.0), {"w=mike": (0.0, 1.0)}, 0.5, {})
    assert model.predict(["w=mike"]) == "PERSON"
    model.margin = 2.0
    assert model.predict(["w=mike"]) is None
    assert reduce(add, (0.1, 0.2, 0.3)) == (0.1 + 0.2) + 0.3


def test_the_trigger_pass_fires_the_groups_a_set_union_fires() -> None:
    groups = dict(STRUCTURED_TRIGGERS) | ENTITY_TRIGGERS
    triggers = Triggers(groups)
    for text in _random_texts(300, 11) + REALISTIC:
        lower = text.lower()
        expected = {g for g, words in groups.items() if any(w in lower for w in words)}
        assert triggers(lower) == expected


GATED = [
    (RARE_DIGIT_PATTERNS, False),
    (UNIT_PATTERNS, False),
    (CN_MOBILE_PATTERN, False),
    (LOWER_NAME_CUE_GATE, True),
    *((gate, False) for gate in CUE_GATES.values()),
]


def test_every_gate_compiled() -> None:
    assert all(gate.automaton is not None for gate, _ in GATED)


@pytest.mark.parametrize("seed", [1, 2])
def test_no_gate_says_no_where_its_pattern_matches(seed: int) -> None:
    """The RE2 supersets: wherever one of the Python patterns matches, its gate says yes."""
    from python_models.scoring import pii, pii_entities

    rare = [
        pii.IPV4_RE,
        pii.IPV6_RE,
        pii.IBAN_RE,
        pii.CN_RIC_RE,
        pii.SSN_RE,
        pii.CARD_RE,
        pii.POSTCODE_RE,
        pii.AGE_SEX_RE,
        pii.ADDRESS_RE,
        pii.ADDRESS_FOREIGN_RE,
        pii.ADDRESS_NUMBERED_RE,
    ]
    checks = [(RARE_DIGIT_PATTERNS, p, False) for p in rare]
    checks += [(RARE_DIGIT_PATTERNS, pii.DATE_RE, True)]
    checks += [(pii.UNIT_PATTERNS, pii.UNIT_RE, False), (pii.UNIT_PATTERNS, pii.PO_BOX_RE, False)]
    checks += [(pii.CN_MOBILE_PATTERN, pii.CN_MOBILE_RE, False)]
    checks += [(LOWER_NAME_CUE_GATE, LOWER_NAME_CUE_RE, False)]
    checks += [(gate, regex, False) for regex, gate in CUE_GATES.items()]
    texts = _random_texts(1500, seed) + REALISTIC
    # cue windows as the name finder cuts them: 48 characters before each capitalised run
    texts += [t[max(0, m.start() - 48) : m.start()] for t in texts for m in CAP_RUN_RE.finditer(t)]
    found = 0
    for text in texts:
        for gate, regex, lowered in checks:
            subject = text.lower() if lowered else text
            gate_subject = text.lower() if gate is LOWER_NAME_CUE_GATE else text
            if regex.search(subject):
                found += 1
                assert gate(gate_subject), (regex.pattern[:60], text)
    assert found > 1000
    assert pii_entities.LOWER_NAME_CUE_RE is LOWER_NAME_CUE_RE


@pytest.mark.parametrize(
    ("pattern", "text", "may"),
    [
        (r"(\d{3})([- ])(\d{2})\2(\d{4})", "ssn 123-45-6789", True),
        (r"(\d{3})([- ])(\d{2})\2(\d{4})", "no number here", False),
        (r"(?i)\bthe\s+$", "I went to THE\n", True),
        (r"(?i)\bthe\s+$", "the day", False),
        (r"(?<![\w.])\d{2}(?![\w])", "a1 b", False),
        (r"[\w'\u2019-]+ street", "o\u2019neil street", True),
    ],
)
def test_a_gate_on_examples(pattern: str, text: str, may: bool) -> None:
    assert AnyPrefilter([re.compile(pattern)])(text) is may


@pytest.mark.parametrize(
    "pattern",
    [
        r"\Aabc",
        r"abc\Z",
        r"a{,3}",
        r"(?m)^abc$",
        r"(?i)\u017fomething",
        "(?i)\u212aelvin",
        r"(?x) a b",
    ],
)
def test_patterns_the_engines_could_read_differently_get_no_gate(pattern: str) -> None:
    compiled = re.compile(pattern)
    assert re2_superset(compiled) is None
    gate = AnyPrefilter([compiled])
    assert gate.automaton is None and gate("anything at all")


def test_text_re2_cannot_answer_for_always_passes() -> None:
    gate = AnyPrefilter([re.compile(r"\d{9}")])
    assert not gate("short 12345")
    assert gate("caf\u00e9 12345")  # non-ASCII: Python's classes are Unicode
    assert gate("short\x0b12345")  # a blank only Python's \s knows
