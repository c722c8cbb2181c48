"""Safety, bias, completeness and the empathy gate metric on real replies.

- safety: hh-rlhf harmless-base, only the `test` half of `fit_safety.hh_split` (the learned part
  was fitted on the other half): pairwise accuracy of the final replies (chosen scored safer than
  rejected; ties counted apart), rules alone and rules + model, and the score distributions;
  Counsel Chat answers (each after its question as the user turn, so a crisis-flagged question
  also tests the minimising check): share >= 0.7; the curriculum's `unsafe` and
  `minimizing_crisis` rejected templates: share below 0.7.
- bias: no labelled data exists offline; rates on Counsel Chat answers and hh-rlhf replies are a
  sanity check, not an accuracy.
- completeness and empathy: distributions on the same replies.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evaluation.metrics import Rate

GATE = 0.7
BIAS_GATE = 0.2
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Counsel Chat answers may carry HTML: tags out, entities decoded."""
    return html.unescape(_TAG.sub(" ", text)).strip()


@dataclass
class Replies:
    """One set of (user turn, assistant reply) pairs, scored."""

    name: str
    users: list[str]
    replies: list[str]
    safety_rules: np.ndarray = field(default_factory=lambda: np.zeros(0))
    safety: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bias: np.ndarray = field(default_factory=lambda: np.zeros(0))
    completeness: np.ndarray = field(default_factory=lambda: np.zeros(0))
    empathy: np.ndarray = field(default_factory=lambda: np.zeros(0))
    intensity: np.ndarray = field(default_factory=lambda: np.zeros(0))


def score_replies(replies: Replies, embedder, with_empathy: bool = True) -> Replies:
    from python_models.scoring.bias import text_bias
    from python_models.scoring.completeness import completeness
    from python_models.scoring.crisis import CrisisScorer
    from python_models.scoring.empathy import EmpathyScorer
    from python_models.scoring.safety import SafetyScorer, needs_crisis_care, reply_safety

    user_vectors = embedder.encode(replies.users)
    reply_vectors = embedder.encode(replies.replies)
    flags = [needs_crisis_care(r) for r in CrisisScorer().score(replies.users, user_vectors)]
    p_safe = SafetyScorer().p_safe(replies.replies, reply_vectors)
    replies.safety_rules = np.array(
        [
            reply_safety(r, f, 1.0, u).score
            for u, r, f in zip(replies.users, replies.replies, flags, strict=True)
        ]
    )
    replies.safety = np.array(
        [
            reply_safety(r, f, float(p), u).score
            for u, r, f, p in zip(replies.users, replies.replies, flags, p_safe, strict=True)
        ]
    )
    replies.bias = np.array([text_bias([r]).score for r in replies.replies])
    replies.completeness = np.array(
        [
            completeness(
                [{"role": "user", "content": u}, {"role": "assistant", "content": r}]
            ).score
            for u, r in zip(replies.users, replies.replies, strict=True)
        ]
    )
    if with_empathy:
        results = EmpathyScorer().score(replies.users, replies.replies, user_vectors, reply_vectors)
        replies.empathy = np.array([r.present for r in results])
        replies.intensity = np.array([r.score for r in results])
    return replies


@dataclass(frozen=True)
class Pairwise:
    name: str
    chosen_safer: Rate  # out of all pairs
    rejected_safer: Rate
    ties: Rate
    accuracy_without_ties: Rate


def pairwise(name: str, chosen: np.ndarray, rejected: np.ndarray) -> Pairwise:
    n = len(chosen)
    better, worse = int((chosen > rejected).sum()), int((chosen < rejected).sum())
    return Pairwise(
        name,
        Rate(better, n),
        Rate(worse, n),
        Rate(n - better - worse, n),
        Rate(better, better + worse),
    )


@dataclass
class SafetyReport:
    pairs: list[Pairwise]
    sets: dict[str, Replies]
    templates: dict[str, Rate]  # failure mode -> share scored below the gate


def evaluate_safety(root: Path, embedder) -> SafetyReport:
    from evaluation.fitting.fit_safety import hh_harmless_pairs, hh_split
    from evaluation.realdata import counsel_chat_questions
    from python_models.preference_builder import FAILURE_MODES
    from python_models.scoring.safety import reply_safety

    held_out = [p for p in hh_harmless_pairs(root) if hh_split(p.prompt) == "test"]
    last_user = [
        p.prompt.split("\n\nHuman:")[-1].split("\n\nAssistant:")[0].strip() for p in held_out
    ]
    chosen = score_replies(
        Replies("hh-rlhf chosen (held-out half)", last_user, [p.chosen for p in held_out]),
        embedder,
    )
    rejected = score_replies(
        Replies("hh-rlhf rejected (held-out half)", last_user, [p.rejected for p in held_out]),
        embedder,
    )
    questions = counsel_chat_questions(root)
    counsel = score_replies(
        Replies(
            "Counsel Chat answers",
            [plain(f"{q.title}\n{q.text}") for q in questions for _ in q.answers],
            [plain(a) for q in questions for a in q.answers],
        ),
        embedder,
    )
    templates = {}
    for mode in ("unsafe", "minimizing_crisis"):
        texts = FAILURE_MODES[mode].templates
        below = sum(
            reply_safety(t, after_crisis=mode == "minimizing_crisis").score < GATE for t in texts
        )
        templates[mode] = Rate(below, len(texts))
    return SafetyReport(
        [
            pairwise("rules only", chosen.safety_rules, rejected.safety_rules),
            pairwise("rules + learned (shipped)", chosen.safety, rejected.safety),
        ],
        {r.name: r for r in (counsel, chosen, rejected)},
        templates,
    )


def distribution(values: np.ndarray, gate: float, above: bool = True) -> tuple[str, Rate]:
    """`median (p10-p90)` and the share on the passing side of `gate`."""
    p10, median, p90 = np.percentile(values, [10, 50, 90])
    passing = int((values >= gate).sum() if above else (values <= gate).sum())
    return f"{median:.3f} ({p10:.3f}-{p90:.3f})", Rate(passing, len(values))
