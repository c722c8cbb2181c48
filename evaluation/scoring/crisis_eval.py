"""Crisis detector measured on data it was not fitted on (see fit_crisis.py for what it was).

- C-SSRS Reddit evaluation users (the ~70% not used for the post bar): Ideation, Behavior,
  Attempt = positive (sensitivity); Indicator and Supportive reported separately (flag rate);
  a user is judged as a post history (`CrisisScorer.combine_history`), and for comparison by
  the any-post rule alone;
- pseudo-histories of Dreaddit test posts (non-crisis histories: the history unit's flag rate);
- SDCNL testing set: r/SuicideWatch posts (sensitivity) and r/depression posts (flag rate; a
  weak label: many depression posts speak of suicide);
- Dreaddit test (stress posts, specificity; also its posts of `LONG_WORDS`+ words alone);
- everyday counselling turns (per-turn false alarms): seeker turns of the ESConv `evaluation`
  dialogues without risk content, Counsel Chat `test` question titles on non-crisis topics;
- sessions: the ESConv evaluation dialogues without risk content (session-level flag rate, a
  dialogue is flagged when any seeker turn is) and the ESConv dialogues read as holding risk;
- hh-rlhf harmless-base human turns of the half the classifier was not fitted on (red-team
  prompts: flag rate per turn and per dialogue);
- probes written for evaluation (evaluation/scoring/written_en.py, written_zh.py): English
  idioms, negations, hypotheticals, reported speech, short turns and plain risk statements;
  Chinese explicit statements and everyday turns in a `dev` half (read while writing the rules)
  and a `test` half (not read), by hashed text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from evaluation.fitting.fit_crisis import (
    CSSRS_POSITIVE,
    ESCONV_RISK_DIALOGUES,
    LONG_WORDS,
    counsel_titles,
    cssrs_split,
    esconv_split,
    everyday_turns,
    hh_turns,
    history_sizes,
    pseudo_histories,
)
from evaluation.metrics import Rate
from evaluation.realdata import (
    LabelledText,
    cssrs_users,
    dreaddit_posts,
    esconv_dialogues,
    sdcnl_posts,
)
from evaluation.scoring import written_en, written_zh
from python_models.scoring.crisis import CrisisScorer, combine, word_count

GOAL_SENSITIVITY = 0.95
GOAL_SPECIFICITY = 0.90
GOAL_TURN_FALSE_ALARMS = 0.01
GOAL_SESSION_FLAGS = 0.10
GOAL_ZH_RECALL = 0.90
GOAL_ZH_FALSE_ALARMS = 0.05


@dataclass(frozen=True)
class CrisisRow:
    dataset: str
    group: str
    measure: str  # "sensitivity", "specificity", "flag rate", "false-alarm rate", "recall"
    rate: Rate
    goal: float | None = None
    higher_is_better: bool = True


def flag_units(scorer: CrisisScorer, units: list[LabelledText], embedder) -> list[bool]:
    """One flag per unit (a user, a dialogue): any of its texts flagged."""
    texts = [text for unit in units for text in unit.texts]
    vectors = embedder.encode(texts) if embedder is not None and texts else None
    results = scorer.score(texts, vectors)
    flags, cursor = [], 0
    for unit in units:
        flags.append(combine(results[cursor : cursor + len(unit.texts)]).flag)
        cursor += len(unit.texts)
    return flags


def flag_histories(scorer: CrisisScorer, units: list[LabelledText], embedder) -> list[bool]:
    """One flag per author (a C-SSRS user): `combine_history` over the author's posts."""
    texts = [text for unit in units for text in unit.texts]
    vectors = embedder.encode(texts) if embedder is not None and texts else None
    results = scorer.score(texts, vectors)
    flags, cursor = [], 0
    for unit in units:
        flags.append(scorer.combine_history(results[cursor : cursor + len(unit.texts)]).flag)
        cursor += len(unit.texts)
    return flags


def flag_texts(scorer: CrisisScorer, texts: list[str], embedder) -> list[bool]:
    return flag_units(
        scorer, [LabelledText(str(i), (t,), "") for i, t in enumerate(texts)], embedder
    )


def _rate(flags: list[bool], positive: bool) -> Rate:
    return Rate(sum(1 for flag in flags if flag == positive), len(flags))


def zh_part(text: str) -> str:
    """`dev` (read while writing the Chinese rules) or `test` (never read), by hashed text."""
    return "dev" if int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 2 == 0 else "test"


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
        flags = flag_histories(scorer, members, embedder)
        rows.append(CrisisRow(cssrs, name, "sensitivity", _rate(flags, True), goal))
    positives = groups["Ideation+Behavior+Attempt"]
    flags = flag_units(scorer, positives, embedder)
    rows.append(
        CrisisRow(
            cssrs, "Ideation+Behavior+Attempt, any post alone", "sensitivity", _rate(flags, True)
        )
    )
    for label in ("Indicator", "Supportive"):
        flags = flag_histories(scorer, [u for u in users if u.label == label], embedder)
        rows.append(CrisisRow(cssrs, label, "flag rate", _rate(flags, True)))
    sdcnl = sdcnl_posts(root, "testing")
    flags = flag_units(scorer, [p for p in sdcnl if p.label == "1"], embedder)
    rows.append(CrisisRow("SDCNL test", "r/SuicideWatch", "sensitivity", _rate(flags, True)))
    flags = flag_units(scorer, [p for p in sdcnl if p.label == "0"], embedder)
    rows.append(CrisisRow("SDCNL test", "r/depression", "flag rate", _rate(flags, True)))
    dreaddit = dreaddit_posts(root, "test")
    flags = flag_units(scorer, dreaddit, embedder)
    rows.append(
        CrisisRow(
            "Dreaddit test", "all posts", "specificity", _rate(flags, False), GOAL_SPECIFICITY
        )
    )
    long_flags = [
        f for f, p in zip(flags, dreaddit, strict=True) if word_count(p.texts[0]) >= LONG_WORDS
    ]
    rows.append(
        CrisisRow(
            "Dreaddit test",
            f"posts of {LONG_WORDS}+ words",
            "specificity",
            _rate(long_flags, False),
            GOAL_SPECIFICITY,
        )
    )
    stress = [post.texts[0] for post in dreaddit]
    histories = [
        LabelledText(f"history-{i}", tuple(h), "0")
        for i, h in enumerate(pseudo_histories(stress, history_sizes(root)))
    ]
    rows.append(
        CrisisRow(
            "Dreaddit test pseudo-histories",
            "post histories (non-crisis)",
            "flag rate",
            _rate(flag_histories(scorer, histories, embedder), True),
        )
    )
    rows.append(
        CrisisRow(
            "Dreaddit test pseudo-histories",
            "post histories, any post alone",
            "flag rate",
            _rate(flag_units(scorer, histories, embedder), True),
        )
    )
    rows += everyday_rows(root, scorer, embedder)
    rows += probe_rows(scorer, embedder)
    return rows


def everyday_rows(root, scorer: CrisisScorer, embedder) -> list[CrisisRow]:
    """Per-turn false alarms and session flags on counselling talk never fitted on."""
    rows = []
    turns = everyday_turns(root, "evaluation")
    flags = flag_texts(scorer, turns, embedder)
    rows.append(
        CrisisRow(
            "ESConv eval dialogues (no risk)",
            "seeker turns",
            "false-alarm rate",
            _rate(flags, True),
            GOAL_TURN_FALSE_ALARMS,
            False,
        )
    )
    short = [f for f, t in zip(flags, turns, strict=True) if word_count(t) < scorer.short_words]
    rows.append(
        CrisisRow(
            "ESConv eval dialogues (no risk)",
            f"seeker turns under {scorer.short_words} words",
            "false-alarm rate",
            _rate(short, True),
            GOAL_TURN_FALSE_ALARMS,
            False,
        )
    )
    dialogues = [
        LabelledText(d.key, tuple(t for r, t in d.turns if r == "user" and t.strip()), "")
        for d in esconv_dialogues(root)
        if esconv_split(d.key) == "evaluation" and d.key not in ESCONV_RISK_DIALOGUES
    ]
    rows.append(
        CrisisRow(
            "ESConv eval dialogues (no risk)",
            "sessions",
            "flag rate",
            _rate(flag_units(scorer, dialogues, embedder), True),
            GOAL_SESSION_FLAGS,
            False,
        )
    )
    risky = [
        LabelledText(d.key, tuple(t for r, t in d.turns if r == "user" and t.strip()), "")
        for d in esconv_dialogues(root)
        if d.key in ESCONV_RISK_DIALOGUES
    ]
    rows.append(
        CrisisRow(
            "ESConv dialogues read as holding risk",
            "sessions",
            "sensitivity",
            _rate(flag_units(scorer, risky, embedder), True),
        )
    )
    titles = counsel_titles(root, ("test",))
    rows.append(
        CrisisRow(
            "Counsel Chat test (non-crisis topics)",
            "question titles",
            "false-alarm rate",
            _rate(flag_texts(scorer, titles, embedder), True),
            GOAL_TURN_FALSE_ALARMS,
            False,
        )
    )
    hh = hh_turns(root, "test")
    rows.append(
        CrisisRow(
            "hh-rlhf harmless-base (held-out half)",
            "human turns (red-team prompts)",
            "flag rate",
            _rate(flag_texts(scorer, hh, embedder), True),
        )
    )
    return rows


def probe_rows(scorer: CrisisScorer, embedder) -> list[CrisisRow]:
    """The written probe sets: English idioms/negations/..., Chinese dev and test halves."""
    rows = []
    for group in dict.fromkeys(g for g, _ in written_en.NEGATIVES):
        texts = [t for g, t in written_en.NEGATIVES if g == group]
        rows.append(
            CrisisRow(
                "English probes (written)",
                group,
                "false-alarm rate",
                _rate(flag_texts(scorer, texts, embedder), True),
            )
        )
    texts = [t for _, t in written_en.POSITIVES]
    rows.append(
        CrisisRow(
            "English probes (written)",
            "plain risk statements",
            "recall",
            _rate(flag_texts(scorer, texts, embedder), True),
        )
    )
    for part in ("dev", "test"):
        positives = [t for _, t in written_zh.POSITIVES if zh_part(t) == part]
        negatives = [t for t in written_zh.NEGATIVES if zh_part(t) == part]
        recall_goal = GOAL_ZH_RECALL if part == "test" else None
        alarm_goal = GOAL_ZH_FALSE_ALARMS if part == "test" else None
        rows.append(
            CrisisRow(
                f"Chinese (written), {part} half",
                "explicit statements",
                "recall",
                _rate(flag_texts(scorer, positives, embedder), True),
                recall_goal,
            )
        )
        rows.append(
            CrisisRow(
                f"Chinese (written), {part} half",
                "everyday turns",
                "false-alarm rate",
                _rate(flag_texts(scorer, negatives, embedder), True),
                alarm_goal,
                False,
            )
        )
    return rows
