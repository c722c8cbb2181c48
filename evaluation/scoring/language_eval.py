"""Language identification (python_models/language.py) on turns whose language is known.

English: ESConv turns (seekers and supporters) and Counsel Chat question titles, all real;
Chinese: the turns written for evaluation (evaluation/scoring/written_zh.py). Accuracy is
reported for turns of 5+ words (the goal) and, for information, for shorter ones; a Chinese
turn's words are counted as Han characters / 2.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from evaluation.metrics import Rate
from evaluation.realdata import counsel_chat_questions, esconv_dialogues
from evaluation.scoring import written_zh
from python_models.language import detect_language
from python_models.scoring.crisis import word_count

GOAL_ACCURACY = 0.98
MIN_WORDS = 5


@dataclass(frozen=True)
class LanguageRow:
    dataset: str
    language: str
    words: str  # "5+" or "under 5"
    accuracy: Rate
    goal: float | None


def labelled_turns(root) -> list[tuple[str, str, str]]:
    """(dataset, language, text) for every turn with a known language."""
    out = [("ESConv turns", "en", t) for d in esconv_dialogues(root) for _, t in d.turns if t]
    out += [("Counsel Chat titles", "en", q.title) for q in counsel_chat_questions(root) if q.title]
    out += [("Chinese turns (written)", "zh", t) for _, t in written_zh.POSITIVES]
    out += [("Chinese turns (written)", "zh", t) for t in written_zh.NEGATIVES]
    return out


def evaluate_language(root) -> tuple[list[LanguageRow], float]:
    """Accuracy rows and throughput (turns per second on this machine)."""
    turns = labelled_turns(root)
    started = time.perf_counter()
    predicted = [detect_language(text) for _, _, text in turns]
    per_second = len(turns) / (time.perf_counter() - started)
    rows = []
    keys = dict.fromkeys((dataset, language) for dataset, language, _ in turns)
    for dataset, language in keys:
        for long in (True, False):
            hits = [
                guess == language
                for (d, lang, text), guess in zip(turns, predicted, strict=True)
                if d == dataset and (word_count(text) >= MIN_WORDS) == long
            ]
            if hits:
                rows.append(
                    LanguageRow(
                        dataset,
                        language,
                        f"{MIN_WORDS}+" if long else f"under {MIN_WORDS}",
                        Rate(sum(hits), len(hits)),
                        GOAL_ACCURACY if long else None,
                    )
                )
    long_hits = [
        guess == language
        for (_, language, text), guess in zip(turns, predicted, strict=True)
        if word_count(text) >= MIN_WORDS
    ]
    rows.append(
        LanguageRow(
            "all", "en+zh", f"{MIN_WORDS}+", Rate(sum(long_hits), len(long_hits)), GOAL_ACCURACY
        )
    )
    return rows, per_second
