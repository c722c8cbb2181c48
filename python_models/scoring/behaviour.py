"""Counselling behaviours per assistant turn, and a session's counselling quality from their mix.

Per reply (given the user turn before it), one multinomial linear model over TF-IDF n-grams of
the reply and the [reply, reply * seeker] embedding block gives a probability for each ESConv
helping strategy (`BEHAVIOURS`): question, restatement/paraphrase, reflection of feelings,
self-disclosure, affirmation/reassurance, suggestion, information, other. Two rules refine it:
`question_kind` (open or closed, from how the question sentence starts) and
`asks_permission` (the reply asks before advising: "would it help if...", "can I suggest...").

The session score (`counselling_quality`, the warehouse's `empathy_score`) follows the MITI
summary scores (Moyers et al., MITI 4.2.1; MITI 3.1.1 for % open questions and % MI-adherent):
each component is mapped so that 0.5 is the manual's "fair" (basic competence) threshold and 1.0
its "good" (proficiency) threshold, and the quality is their mean. A gate at 0.5 therefore says
"on average at MITI basic competence". Formula and reasons: docs/scoring.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from python_models.scoring.caseless import CaselessSearch
from python_models.scoring.empathy import gathered_pair_features, pair_features
from python_models.scoring.linear import LinearTextModel

BEHAVIOURS = (
    "question",
    "restatement",
    "reflection_of_feelings",
    "self_disclosure",
    "affirmation",
    "suggestion",
    "information",
    "other",
)
WEIGHTS_DIR = Path(__file__).parent / "weights"
WEIGHTS_FILE = "behaviour_esconv.npz"

# MITI thresholds (fair = basic competence, good = proficiency)
MITI = {
    "reflection_to_question": (1.0, 2.0),  # MITI 4.2.1: R:Q 1:1 fair, 2:1 good
    "complex_reflections": (0.40, 0.50),  # MITI 4.2.1: % complex reflections
    "open_questions": (0.50, 0.70),  # MITI 3.1.1: % open questions
    "mi_adherent": (0.90, 1.00),  # MITI 3.1.1: % MI-adherent of adherent + non-adherent
}
MIN_EXPECTED = 0.5  # a ratio whose denominator is below this expected count is undefined

_OPEN_START = re.compile(
    r"^(?:so\s+|and\s+|but\s+|ok(?:ay)?,?\s+|well,?\s+)?"
    r"(?:what|why|which|where|who|when|in what way|tell me|describe|help me understand|"
    r"how(?!\s+(?:much|many|long|often|old|far)\b)|could you (?:tell|describe|say|share|explain)|"
    r"can you (?:tell|describe|say|share|explain)|would you (?:tell|describe|say|share|explain))\b",
    re.IGNORECASE,
)
_OPEN_NO_MARK = re.compile(
    r"\b(?:tell me (?:more|about)|say more about|help me understand|i'?m curious about)\b",
    re.IGNORECASE,
)
_PERMISSION = re.compile(
    r"\b(?:would it (?:be )?(?:ok|okay|alright|helpful|help) (?:if|to)|"
    r"(?:can|could|may) i (?:suggest|offer|share|tell you|give you)|"
    r"would you (?:like|want) (?:me to|some|to hear|to try|to talk about)|"
    r"(?:are|would) you (?:open|interested) (?:to|in)|if you(?:'d| would)? like,? i|"
    r"do you mind if i)\b",
    re.IGNORECASE,
)
_OPEN_START_MATCH = CaselessSearch(_OPEN_START).match  # the same answers, faster (caseless.py)
_OPEN_NO_MARK_SEARCH = CaselessSearch(_OPEN_NO_MARK)
_PERMISSION_SEARCH = CaselessSearch(_PERMISSION)
_SENTENCE = re.compile(r"[^.?!\n]*[?]|[^.?!\n]+[.!\n]?")
_TWO_WORD_CHARACTERS = re.compile(r"[^\W_][\W_]*[^\W_]")


def _is_open(utterance: str) -> bool:
    """An open question: a question sentence that starts open, or "tell me more about..."."""
    if utterance.endswith("?") and _OPEN_START_MATCH(utterance):
        return True
    return _OPEN_NO_MARK_SEARCH(utterance)


def question_kind(text: str) -> str | None:
    """ "open" when a question sentence starts the way open questions do, "closed" for any other
    question, None when the reply asks nothing."""
    return _kind(utterances(text))


def _kind(pieces: list[str], opens: list[bool] | None = None) -> str | None:
    """`opens[i]`: `_is_open(pieces[i])` when the caller has it."""
    if any(opens if opens is not None else map(_is_open, pieces)):
        return "open"
    return "closed" if any(piece.endswith("?") for piece in pieces) else None


def asks_permission(text: str) -> bool:
    """The reply asks before advising or informing (MITI: persuade *with* permission)."""
    return _PERMISSION_SEARCH(text)


def utterances(text: str) -> list[str]:
    """The reply's sentences (MITI codes utterances, so one reply can reflect and then ask)."""
    pieces = [p.strip() for p in _SENTENCE.findall(text) if _TWO_WORD_CHARACTERS.search(p)]
    return pieces or [text.strip()]


@dataclass(frozen=True)
class BehaviourResult:
    probabilities: dict[str, float]  # behaviour -> mean p over the reply's utterances (sums to 1)
    question_kind: str | None  # "open", "closed" or None (no question)
    asks_permission: bool
    utterances: int = 1
    open_questions: float = 0.0  # expected open-question utterances

    @property
    def top(self) -> str:
        return max(self.probabilities, key=self.probabilities.get)

    @property
    def reflection(self) -> float:
        """p(reflection): reflection of feelings or restatement/paraphrase."""
        return self.probabilities["reflection_of_feelings"] + self.probabilities["restatement"]

    def count(self, behaviour: str) -> float:
        """Expected utterances of this behaviour in the reply."""
        return self.probabilities[behaviour] * self.utterances


class BehaviourScorer:
    def __init__(self, model: LinearTextModel | None = None) -> None:
        self.model = model if model is not None else load_behaviour_model()
        self.behaviours = tuple(self.model.metadata["behaviours"])

    @property
    def embedding_model(self) -> str | None:
        """The embedder the weights were fitted with; None when they use no embedding."""
        if not self.model.embedding_dim:
            return None
        return self.model.metadata.get("embedding_model")

    def probabilities(
        self, responses: Sequence[str], seeker_embeddings: np.ndarray, embeddings: np.ndarray
    ) -> np.ndarray:
        """(n, len(BEHAVIOURS)) probabilities of whole texts, columns in `BEHAVIOURS` order."""
        if not responses:
            return np.zeros((0, len(BEHAVIOURS)), dtype=np.float32)
        if not self.model.embedding_dim:
            return self.probabilities_of_texts(responses)
        proba = self.model.predict_proba(
            list(responses), pair_features(seeker_embeddings, embeddings)
        )
        order = [self.behaviours.index(b) for b in BEHAVIOURS]
        return proba[:, order]

    def probabilities_of_texts(self, responses: Sequence[str]) -> np.ndarray:
        """`probabilities` for a model fitted without the embedding block (`embedding_dim` 0)."""
        proba = self.model.predict_proba(list(responses))
        order = [self.behaviours.index(b) for b in BEHAVIOURS]
        return proba[:, order]

    def score(
        self,
        responses: Sequence[str],
        seeker_embeddings: np.ndarray,
        embed: Callable[[list[str]], np.ndarray],
    ) -> list[BehaviourResult]:
        """Per reply: each utterance classified (with the seeker turn), then pooled.

        The answers of `score_reference`, bit for bit, with each distinct reply cut once and
        each distinct utterance embedded, counted for TF-IDF and tested for an open question
        once (a batch's replies share many sentences: "How does that make you feel?"). The
        one step that reads every (utterance, seeker) row stays one product over all of them,
        as before: BLAS's sums depend on the matrix's shape (docs/benchmarks.md, "Scoring
        throughput (issue 15, session 11)")."""
        if not responses:
            return []
        cut: dict[str, list[str]] = {}
        pieces = [
            cut[text] if text in cut else cut.setdefault(text, utterances(text))
            for text in responses
        ]
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        distinct: dict[str, int] = {}
        flat = np.fromiter(
            (distinct.setdefault(u, len(distinct)) for reply in pieces for u in reply),
            dtype=np.intp,
            count=int(lengths.sum()),
        )
        texts = list(distinct)
        owner = np.repeat(np.arange(len(responses)), lengths)
        sparse = self.model.sparse_features(texts)[flat]
        if self.model.embedding_dim:
            dense = gathered_pair_features(seeker_embeddings, owner, embed(texts), flat)
            proba = self.model.predict_proba(texts, dense, sparse)
        else:  # a TF-IDF-only model: the utterances need no embedding pass
            proba = self.model.predict_proba(texts, None, sparse)
        proba = proba[:, [self.behaviours.index(b) for b in BEHAVIOURS]]
        means = segment_means(proba, lengths).tolist()
        questions = proba[:, BEHAVIOURS.index("question")].tolist()
        is_open = [_is_open(text) for text in texts]
        permission: dict[str, bool] = {}
        results, start = [], 0
        for text, reply, mean in zip(responses, pieces, means, strict=True):
            end = start + len(reply)
            opens = [is_open[i] for i in flat[start:end].tolist()]
            open_questions = sum(p for p, o in zip(questions[start:end], opens, strict=True) if o)
            start = end
            if text not in permission:
                permission[text] = asks_permission(text)
            results.append(
                BehaviourResult(
                    probabilities={b: round(p, 4) for b, p in zip(BEHAVIOURS, mean, strict=True)},
                    question_kind=_kind(reply, opens),
                    asks_permission=permission[text],
                    utterances=len(reply),
                    open_questions=round(open_questions, 4),
                )
            )
        return results

    def score_reference(
        self,
        responses: Sequence[str],
        seeker_embeddings: np.ndarray,
        embed: Callable[[list[str]], np.ndarray],
    ) -> list[BehaviourResult]:
        """`score` as it was before issue 15 session 11, every utterance on its own row (tests
        hold the two equal)."""
        pieces = [utterances(text) for text in responses]
        flat = [u for reply in pieces for u in reply]
        owner = np.repeat(np.arange(len(responses)), [len(p) for p in pieces])
        proba = None
        if flat and self.model.embedding_dim:
            proba = self.probabilities(flat, seeker_embeddings[owner], embed(flat))
        elif flat:
            proba = self.probabilities_of_texts(flat)
        results, start = [], 0
        question = BEHAVIOURS.index("question")
        for text, reply in zip(responses, pieces, strict=True):
            rows = proba[start : start + len(reply)]
            start += len(reply)
            opens = [_is_open(utterance) for utterance in reply]
            open_questions = sum(
                float(row[question]) for row, is_open in zip(rows, opens, strict=True) if is_open
            )
            mean = rows.mean(axis=0)
            results.append(
                BehaviourResult(
                    probabilities={
                        b: round(float(p), 4) for b, p in zip(BEHAVIOURS, mean, strict=True)
                    },
                    question_kind=_kind(reply, opens),
                    asks_permission=asks_permission(text),
                    utterances=len(reply),
                    open_questions=round(open_questions, 4),
                )
            )
        return results


def segment_means(rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`rows[s : s + n].mean(axis=0)` for each run of `lengths` consecutive rows (each >= 1),
    bit for bit: numpy's mean over the first axis adds row after row in the rows' dtype, then
    divides in float64 (the count is an integer) and casts back; so does this, every run at
    once, one vector addition per position in the longest run."""
    starts = np.cumsum(lengths) - lengths
    sums = rows[starts]
    for position in range(1, int(lengths.max(initial=1))):
        live = np.flatnonzero(lengths > position)
        sums[live] += rows[starts[live] + position]
    return (sums.astype(np.float64) / lengths[:, None]).astype(rows.dtype)


def miti_scale(value: float, fair: float, good: float) -> float:
    """0 at 0, 0.5 at the MITI "fair" threshold, 1 at "good" and above; linear between."""
    if value >= good:
        return 1.0
    if value >= fair:
        return 0.5 + 0.5 * (value - fair) / (good - fair)
    return max(0.0, 0.5 * value / fair)


@dataclass(frozen=True)
class SessionQuality:
    quality: float  # mean of the defined components, in [0, 1]
    components: dict[str, float | None]  # MITI-scaled components; None = undefined here
    summary: dict[str, float | None]  # the raw MITI-style summary values
    shares: dict[str, float]  # expected share of utterances per behaviour


_SUGGESTION, _INFORMATION = BEHAVIOURS.index("suggestion"), BEHAVIOURS.index("information")


def session_quality(results: Sequence[BehaviourResult]) -> SessionQuality | None:
    """MITI-style summary of a session's replies; None when there are none.

    Expected counts (sums of probabilities): R = reflections (feelings + restatement),
    CR = reflections of feelings (the complex kind: they add the unsaid feeling), Q = questions,
    OQ = questions whose sentence is open, MIA = affirmations + advice/information given with
    permission, MINA = advice/information given without asking (MITI's "persuade").
    """
    if not results:
        return None
    n = sum(r.utterances for r in results)
    # `r.count(b)` of every reply and behaviour, once, summed in the same order
    counts = [[r.probabilities[b] * r.utterances for b in BEHAVIOURS] for r in results]
    totals = dict(zip(BEHAVIOURS, map(sum, zip(*counts, strict=True)), strict=True))
    reflections = totals["reflection_of_feelings"] + totals["restatement"]
    questions = totals["question"]
    open_questions = sum(r.open_questions for r in results)
    advice = [c[_SUGGESTION] + c[_INFORMATION] for c in counts]
    adherent = totals["affirmation"] + sum(
        a for a, r in zip(advice, results, strict=True) if r.asks_permission
    )
    non_adherent = sum(a for a, r in zip(advice, results, strict=True) if not r.asks_permission)

    summary: dict[str, float | None] = {
        "reflection_to_question": reflections / questions if questions >= MIN_EXPECTED else None,
        "complex_reflections": (
            totals["reflection_of_feelings"] / reflections if reflections >= MIN_EXPECTED else None
        ),
        "open_questions": open_questions / questions if questions >= MIN_EXPECTED else None,
        "mi_adherent": (
            adherent / (adherent + non_adherent)
            if adherent + non_adherent >= MIN_EXPECTED
            else None
        ),
    }
    components: dict[str, float | None] = {}
    for name, value in summary.items():
        components[name] = None if value is None else miti_scale(value, *MITI[name])
    if components["reflection_to_question"] is None:
        # no questions: reflections alone are proficient, neither is nothing
        components["reflection_to_question"] = 1.0 if reflections >= MIN_EXPECTED else 0.0
    if components["mi_adherent"] is None:
        components["mi_adherent"] = 1.0  # nothing adherent or not: no persuasion to penalise
    defined = [c for c in components.values() if c is not None]
    return SessionQuality(
        quality=round(sum(defined) / len(defined), 4),
        components={k: None if v is None else round(v, 4) for k, v in components.items()},
        summary={k: None if v is None else round(v, 4) for k, v in summary.items()},
        shares={b: round(v / n, 4) for b, v in totals.items()},
    )


def reply_quality(result: BehaviourResult) -> float:
    """p(the reply is an MI-consistent move): a reflection, an open question, or advice/information
    given with permission. ESConv's "Affirmation and Reassurance" is left out: it lumps MITI's
    affirm with reassurance ("you'll get over it"), which MITI does not count as adherent."""
    p = result.probabilities
    value = result.reflection + result.open_questions / result.utterances
    if result.asks_permission:
        value += p["suggestion"] + p["information"]
    return round(min(1.0, value), 4)


def reply_counselling_quality(result: BehaviourResult, empathy_intensity: float) -> float:
    """A reply's counselling quality in [0, 1] (the preference pairs' chosen/rejected score): the
    mean of its MI-consistent behaviour (`reply_quality`, MITI's behaviour counts) and its EPITOME
    empathy intensity (standing in for MITI's global empathy rating)."""
    return round((reply_quality(result) + empathy_intensity) / 2.0, 4)


@cache
def load_behaviour_model(directory: Path = WEIGHTS_DIR) -> LinearTextModel:
    path = directory / WEIGHTS_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"behaviour weights missing at {path}: run pixel-data eval fit behaviour"
        )
    return LinearTextModel.load(path)
