"""Completeness: is the conversation's answer all there? Weighted structural checks, no model.

Two kinds of record:

- chain of thought, where the answering assistant turn keeps its reasoning in a
  `<think>...</think>` block before the answer (the last assistant turn that carries a think tag);
- every other conversation, judged on its last turn.

Each check passes or fails and carries a weight (`THINK_CHECKS`, `TURN_CHECKS`, each summing to
1); the score is the sum of the weights of the checks that pass, in [0, 1]. A conversation with
no assistant turn scores 0. The failed checks are kept so a gate can say why it dropped a row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from python_models.scoring.caseless import CaselessSearch

Message = Mapping[str, str]

THINK_CHECKS: dict[str, float] = {
    "reasoning_present": 0.2,  # a think block with non-empty text in it
    "reasoning_steps": 0.15,  # at least two steps: sentences or lines
    "answer_substantive": 0.25,  # after </think>: at least MIN_ANSWER_WORDS words
    "tags_balanced": 0.15,  # one <think>, one </think>, in that order
    "answer_ends_sentence": 0.15,  # the answer is not cut off mid-sentence
    "no_placeholder": 0.1,  # no "[insert ...]", "lorem ipsum", "TODO", "{{name}}"
}
TURN_CHECKS: dict[str, float] = {
    "ends_with_assistant": 0.4,  # the last turn is the assistant's
    "answer_non_empty": 0.3,  # the last assistant turn has text
    "answer_ends_sentence": 0.2,  # and is not cut off mid-sentence
    "no_placeholder": 0.1,
}
MIN_ANSWER_WORDS = 8
MIN_STEP_WORDS = 3

THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)
PLACEHOLDER = re.compile(
    r"\[(?:insert|your|add|placeholder|todo|tbd|fill|answer|response)\b[^\]]{0,40}\]"
    r"|<(?:placeholder|answer|response|insert[^>]{0,30})>"
    r"|\{\{[^{}]{0,40}\}\}"
    r"|\blorem ipsum\b|\btodo\b|\btbd\b|\bfixme\b"  # any case: IGNORECASE
    r"|\b(?:answer|response|reasoning|text) goes here\b",
    re.IGNORECASE,
)
# the text ends a sentence: terminal punctuation (possibly inside closing quotes or brackets),
# a closed code fence, an emoji, or a list item / table row as the last line
_SENTENCE_END = re.compile(
    r"(?:[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019)\]*_]*"
    r"|```|[\U0001F300-\U0001FAFF\u2600-\u27BF]|:\)|:-\))\s*$"
)
_PLACEHOLDER_SEARCH = CaselessSearch(PLACEHOLDER)  # `PLACEHOLDER.search`, faster (caseless.py)
_CLOSERS = "\"'\u201d\u2019)]*_"
_TERMINAL = ".!?\u2026\u3002\uff01\uff1f"
_LIST_LINE = re.compile(r"(?:^|\n)\s*(?:[-*•]|\d+[.)]|\|)\s*\S[^\n]*$")
_STEP_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w+")


def ends_sentence(text: str) -> bool:
    """True when `text` stops at a sentence end (or a closed list/table/code block)."""
    text = text.strip()
    if not text:
        return False
    return _ends_at_sentence_end(text) or bool("\n" in text and _LIST_LINE.search(text))


def _ends_at_sentence_end(text: str) -> bool:
    """`_SENTENCE_END.search(text)` for a stripped, non-empty text, read from its end instead
    of tried at every position: with no whitespace left at the end, the pattern's `\\s*$`
    matches only there, so one of its branches must be a suffix: a terminal mark followed by
    closing characters only (what is left once they are stripped ends with the mark), a code
    fence, an emoji, or a smiley."""
    if text.endswith(("```", ":)", ":-)")):
        return True
    last = text[-1]
    if "\U0001f300" <= last <= "\U0001faff" or "\u2600" <= last <= "\u27bf":
        return True
    body = text.rstrip(_CLOSERS)
    return bool(body) and body[-1] in _TERMINAL


def reasoning_steps(reasoning: str) -> int:
    """Sentences or lines of the reasoning with at least MIN_STEP_WORDS words."""
    return sum(
        1 for part in _STEP_SPLIT.split(reasoning) if len(_WORD.findall(part)) >= MIN_STEP_WORDS
    )


@dataclass(frozen=True)
class CompletenessResult:
    score: float
    kind: str  # "think" (chain of thought), "turn" (any other conversation) or "none"
    failed: tuple[str, ...]  # the checks that did not pass, in check order


def _result(
    kind: str, checks: Mapping[str, float], passed: Mapping[str, bool]
) -> CompletenessResult:
    score = sum(weight for name, weight in checks.items() if passed[name])
    failed = tuple(name for name in checks if not passed[name])
    return CompletenessResult(round(min(1.0, score), 4), kind, failed)


def think_completeness(text: str) -> CompletenessResult:
    """One assistant turn that carries a think tag: reasoning, then a complete answer."""
    opens, closes = THINK_OPEN.findall(text), THINK_CLOSE.findall(text)
    open_at = THINK_OPEN.search(text)
    close_at = THINK_CLOSE.search(text)
    balanced = (
        len(opens) == len(closes) == 1
        and open_at is not None
        and close_at is not None
        and open_at.start() < close_at.start()
    )
    if close_at is not None:
        start = open_at.end() if open_at is not None and open_at.start() < close_at.start() else 0
        reasoning, answer = text[start : close_at.start()], text[close_at.end() :]
    else:  # never closed: everything after <think> is reasoning, there is no answer
        reasoning, answer = text[open_at.end() :] if open_at else text, ""
    reasoning = THINK_OPEN.sub(" ", reasoning).strip()
    answer = THINK_CLOSE.sub(" ", THINK_OPEN.sub(" ", answer)).strip()
    passed = {
        "reasoning_present": bool(reasoning),
        "reasoning_steps": reasoning_steps(reasoning) >= 2,
        "answer_substantive": len(_WORD.findall(answer)) >= MIN_ANSWER_WORDS,
        "tags_balanced": balanced,
        "answer_ends_sentence": ends_sentence(answer),
        "no_placeholder": not _PLACEHOLDER_SEARCH(text),
    }
    return _result("think", THINK_CHECKS, passed)


def completeness(messages: Sequence[Message]) -> CompletenessResult:
    """The conversation's completeness (see the module docstring for the checks and weights)."""
    assistant = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
    if not assistant:
        return CompletenessResult(0.0, "none", tuple(TURN_CHECKS))
    thinking = [i for i in assistant if "think>" in (messages[i].get("content") or "").lower()]
    if thinking:
        return think_completeness(messages[thinking[-1]].get("content") or "")
    answer = (messages[assistant[-1]].get("content") or "").strip()
    passed = {
        "ends_with_assistant": messages[-1].get("role") == "assistant",
        "answer_non_empty": bool(answer),
        "answer_ends_sentence": ends_sentence(answer),
        "no_placeholder": bool(answer) and not _PLACEHOLDER_SEARCH(answer),
    }
    return _result("turn", TURN_CHECKS, passed)
