"""Crisis detector measured on data it was not fitted on (see fit_crisis.py for what it was).

- C-SSRS Reddit evaluation users (the ~70% not used for the threshold): Ideation, Behavior,
  Attempt = positive (sensitivity); Indicator and Supportive reported separately (flag rate);
- SDCNL testing set: r/SuicideWatch posts (sensitivity) and r/depression posts (flag rate; a
  weak label: many depression posts speak of suicide);
- Dreaddit test (stress posts, specificity), hh-rlhf harmless-base test human turns
  (red-team prompts, specificity). A user / dialogue is flagged when any post / turn is.
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.fitting.fit_crisis import CSSRS_POSITIVE, cssrs_split
from evaluation.metrics import Rate
from evaluation.realdata import (
    LabelledText,
    cssrs_users,
    dreaddit_posts,
    hh_harmless_prompts,
    sdcnl_posts,
)
from python_models.scoring.crisis import CrisisScorer, combine

GOAL_SENSITIVITY = 0.95
GOAL_SPECIFICITY = 0.85


@dataclass(frozen=True)
class CrisisRow:
    dataset: str
    group: str
    measure: str  # "sensitivity", "specificity" or "flag rate"
    rate: Rate
    goal: float | None = None


def flag_units(
    scorer: CrisisScorer, units: list[LabelledText], embedder, rules_only: bool = False
) -> list[bool]:
    texts = [text for unit in units for text in unit.texts]
    vectors = embedder.encode(texts) if embedder is not None else None
    results = scorer.score(texts, vectors)
    flags, cursor = [], 0
    for unit in units:
        combined = combine(results[cursor : cursor + len(unit.texts)])
        flags.append(combined.flag)
        cursor += len(unit.texts)
    return flags


def _rate(flags: list[bool], positive: bool) -> Rate:
    hits = sum(1 for flag in flags if flag == positive)
    return Rate(hits, len(flags))


def evaluate_crisis(root, scorer: CrisisScorer, embedder) -> list[CrisisRow]:
    rows: list[CrisisRow] = []
    cssrs = "C-SSRS Reddit (eval users)"
    users = [u for u in cssrs_users(root) if cssrs_split(u.key) == "evaluation"]
    groups = {
        "Ideation+Behavior+Attempt": [u for u in users if u.label in CSSRS_POSITIVE],
        "Ideation": [u for u in users if u.label == "Ideation"],
        "Behavior": [u for u in users if u.label == "Behavior"],
        "Attempt": [u for u in users if u.label == "Attempt"],
    }
    for name, members in groups.items():
        goal = GOAL_SENSITIVITY if "+" in name else None
        flags = flag_units(scorer, members, embedder)
        rows.append(
            CrisisRow("C-SSRS Reddit (eval users)", name, "sensitivity", _rate(flags, True), goal)
        )
    for label in ("Indicator", "Supportive"):
        flags = flag_units(scorer, [u for u in users if u.label == label], embedder)
        rows.append(CrisisRow(cssrs, label, "flag rate", _rate(flags, True)))
    sdcnl = sdcnl_posts(root, "testing")
    flags = flag_units(scorer, [p for p in sdcnl if p.label == "1"], embedder)
    rows.append(CrisisRow("SDCNL test", "r/SuicideWatch", "sensitivity", _rate(flags, True)))
    flags = flag_units(scorer, [p for p in sdcnl if p.label == "0"], embedder)
    rows.append(CrisisRow("SDCNL test", "r/depression", "flag rate", _rate(flags, True)))
    flags = flag_units(scorer, dreaddit_posts(root, "test"), embedder)
    rows.append(
        CrisisRow(
            "Dreaddit test", "all posts", "specificity", _rate(flags, False), GOAL_SPECIFICITY
        )
    )
    flags = flag_units(scorer, hh_harmless_prompts(root), embedder)
    rows.append(
        CrisisRow("hh-rlhf harmless-base test", "human turns", "specificity", _rate(flags, False))
    )
    return rows
