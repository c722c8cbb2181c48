"""Every scorer over a batch of conversations, each text embedded once.

Turn texts (user and assistant turns) are deduplicated and embedded once per batch (and read
from / written to the embedding cache when one is given); conversation vectors for the category
model are taken as given (the near-duplicate stage's) and only computed when absent. Crisis,
empathy, safety and coherence share the turn vectors; coherence ranks each reply against a
hashed sample of the batch's other distinct turns (`coherence.batch_references`). Safety, bias
and completeness judge the assistant turns with rules (safety also with a small linear model
and the per-turn crisis flags). PII is redacted in the output messages; the scores are computed
on the original text.
"""

from __future__ import annotations

import gc
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence, Set
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from python_models.language import conversation_language, load_model, unsupported_scorers
from python_models.scoring.behaviour import BehaviourScorer, SessionQuality, session_quality
from python_models.scoring.bias import BiasResult, conversation_bias
from python_models.scoring.category import UNCATEGORIZED, CategoryModel
from python_models.scoring.coherence import (
    CoherenceResult,
    Projection,
    RelevanceReferences,
    batch_references,
    clear_of,
    coherence_of_rows,
    load_projection,
    load_references,
)
from python_models.scoring.completeness import CompletenessResult, completeness
from python_models.scoring.crisis import CrisisScorer, combine
from python_models.scoring.empathy import (
    MECHANISMS,
    EmpathyScorer,
    conversation_empathy,
    conversation_intensity,
)
from python_models.scoring.pii import PiiDetector
from python_models.scoring.safety import (
    SafetyResult,
    SafetyScorer,
    conversation_safety,
    needs_crisis_care,
)

Message = Mapping[str, str]

# the results a build caches per conversation (python_models/scoring/versions.py), keyed by the
# conversation's content hash; category (this build's model) is computed on every build
GROUPS = frozenset({"language", "crisis", "empathy", "safety", "bias", "completeness", "pii"})
# ... and the one keyed by the conversation and its batch: coherence is ranked against the
# batch's reference turns, so it is cached by (conversation id, digest of those references)
BATCH_GROUPS = frozenset({"coherence"})
SCORED_GROUPS = GROUPS | BATCH_GROUPS
# what a skipped group's fields hold until the cached values replace them
_NOT_COMPUTED_SAFETY = SafetyResult(1.0, ())
_NOT_COMPUTED_BIAS = BiasResult(0.0, 0, {})
_NOT_COMPUTED_COMPLETENESS = CompletenessResult(0.0, "none", ())
_NOT_COMPUTED_COHERENCE = CoherenceResult(0.0, None, 0.0)


@dataclass
class ConversationScores:
    crisis_score: float | None  # None: the conversation's language is not supported
    crisis_flag: bool | None
    crisis_evidence: str | None
    crisis_turns: list[dict[str, Any]]  # per user turn: score, flag, evidence
    empathy_score: float | None  # counselling quality (MITI-scaled behaviour mix): the gate metric
    empathy_present: float | None  # mean p(reply shows >= 1 EPITOME mechanism)
    empathy_intensity: float | None  # mean expected level / 2 over mechanisms and replies
    empathy_levels: dict[str, float | None]  # mean level 0-2 over assistant turns
    empathy_turns: list[dict[str, int]]
    counselling: SessionQuality | None  # behaviour shares and MITI-style summary
    behaviour_turns: list[dict[str, Any]]  # per assistant turn: top behaviour, question kind
    safety_score: float | None  # 1 = safe; the least safe assistant turn
    safety_evidence: list[str]  # rule kinds that fired (safety.KINDS)
    bias_score: float | None  # 0 = none; scaled share of biased assistant sentences
    bias_evidence: dict[str, int]  # rule kind -> sentences
    completeness_score: float
    completeness_kind: str  # "think", "turn" or "none"
    completeness_failed: list[str]
    coherence_score: float | None
    coherence_structure: float | None
    coherence_relevance: float | None
    category: str | None
    category_confidence: float | None
    category_source: str  # "source" (came with the record), "predicted" or "none"
    pii_counts: dict[str, int]
    redacted_messages: list[dict[str, str]]
    language: str | None = None  # ISO 639-1 of the conversation (python_models/language.py)
    unsupported: list[str] = field(default_factory=list)  # scorers nulled for its language

    def drop_unsupported(self) -> None:
        """Null every score of a scorer that does not support this conversation's language:
        a number it computed on such text looks valid and is not."""
        for name in self.unsupported:
            if name == "crisis":
                self.crisis_score = self.crisis_flag = self.crisis_evidence = None
                self.crisis_turns = []
            elif name == "empathy":  # the EPITOME mechanisms and the counselling behaviours
                self.empathy_score = self.empathy_present = self.empathy_intensity = None
                self.empathy_levels = dict.fromkeys(self.empathy_levels)
                self.empathy_turns = []
                self.counselling, self.behaviour_turns = None, []
            elif name == "safety":
                self.safety_score, self.safety_evidence = None, []
            elif name == "bias":
                self.bias_score, self.bias_evidence = None, {}
            elif name == "coherence":
                self.coherence_score = self.coherence_structure = None
                self.coherence_relevance = None
            elif name == "category" and self.category_source == "predicted":
                self.category, self.category_confidence = UNCATEGORIZED, None
                self.category_source = "none"

    def as_metadata(self, embedding_model: str) -> dict[str, Any]:
        """The `metadata.scores` object `pixel-data score` writes; a scorer that does not
        support the conversation's language is `{"score": null, "unsupported_language": ...}`."""
        scores = self._scores(embedding_model)
        for name in self.unsupported:
            scores[name] = {"score": None, "unsupported_language": self.language}
        return scores

    def _scores(self, embedding_model: str) -> dict[str, Any]:
        return {
            "crisis": {
                "score": self.crisis_score,
                "flag": self.crisis_flag,
                "evidence": self.crisis_evidence,
                "user_turns": self.crisis_turns,
            },
            "empathy": {
                **self.empathy_levels,
                "score": self.empathy_score,
                "present": self.empathy_present,
                "intensity": self.empathy_intensity,
                "assistant_turns": self.empathy_turns,
            },
            "counselling": {
                "quality": self.empathy_score,
                "components": None if self.counselling is None else self.counselling.components,
                "summary": None if self.counselling is None else self.counselling.summary,
                "shares": None if self.counselling is None else self.counselling.shares,
                "assistant_turns": self.behaviour_turns,
            },
            "safety": {"score": self.safety_score, "evidence": self.safety_evidence},
            "bias": {"score": self.bias_score, "evidence": self.bias_evidence},
            "completeness": {
                "score": self.completeness_score,
                "kind": self.completeness_kind,
                "failed": self.completeness_failed,
            },
            "coherence": {
                "score": self.coherence_score,
                "structure": self.coherence_structure,
                "relevance": self.coherence_relevance,
            },
            "category": {
                "label": self.category,
                "confidence": self.category_confidence,
                "source": self.category_source,
            },
            "pii": self.pii_counts,
            "embedding_model": embedding_model,
        }


def _blas_threads() -> Any:
    """threadpoolctl's controller of the BLAS libraries loaded now (None without threadpoolctl).

    Built per batch (about 1 ms) rather than once: a controller only sees the libraries loaded
    when it was made, and scipy's OpenBLAS may load after numpy's, leaving it unlimited.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def _one_blas_thread() -> AbstractContextManager:
    """BLAS limited to one thread inside the block (see `Scorers.score`)."""
    controller = _blas_threads()
    return nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


@dataclass
class Scorers:
    """Loads each scorer once; `score` runs them all over a batch and times each one."""

    embedder: Any = None  # embeddings.backends.Embedder; None -> get_embedder("default")
    category_model: CategoryModel | None = None
    cache: Any = None  # embeddings.cache.EmbeddingCache for turn vectors, optional
    redact: bool = True
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # wall, s
    cpu_timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # CPU, s

    def __post_init__(self) -> None:
        if self.embedder is None:
            from python_models.embeddings.backends import get_embedder

            self.embedder = get_embedder("default")
        # every scorer is loaded the first time a batch needs it, not here: a rebuild whose
        # conversations are all cached needs none of them (docs/incremental.md). Each is checked
        # against the embedder when it is loaded.

    def _checked(self, name: str, scorer: Any) -> Any:
        """``scorer``, once its weights are known to fit this embedder's vectors."""
        fitted_with = scorer.embedding_model
        if fitted_with is not None and fitted_with != self.embedder.model_id:
            raise ValueError(
                f"the {name} weights were fitted on {fitted_with} embeddings, not "
                f"{self.embedder.model_id}: refit them or use that embedder"
            )
        return scorer

    @cached_property
    def crisis(self) -> CrisisScorer:
        return self._checked("crisis", CrisisScorer())

    @cached_property
    def empathy(self) -> EmpathyScorer:
        return self._checked("empathy", EmpathyScorer())

    @cached_property
    def behaviour(self) -> BehaviourScorer:
        return self._checked("behaviour", BehaviourScorer())

    @cached_property
    def safety(self) -> SafetyScorer:
        return self._checked("safety", SafetyScorer())

    @cached_property
    def pii(self) -> PiiDetector:
        return PiiDetector()

    @cached_property
    def coherence_projection(self) -> Projection:
        return load_projection()

    @cached_property
    def coherence_fallback(self) -> RelevanceReferences:
        return self._checked("coherence", load_references(projection=self.coherence_projection))

    def load_all(self) -> Scorers:
        """Load every scorer now (and check each against the embedder), as a long run would."""
        for name in ("crisis", "empathy", "behaviour", "safety", "pii", "coherence_fallback"):
            getattr(self, name)
        load_model()
        return self

    def _timed(self, name: str, started: float) -> None:
        self.timings[name] += time.perf_counter() - started
        cpu = time.process_time()
        self.cpu_timings[name] += cpu - self._cpu_mark
        self._cpu_mark = cpu

    def _start(self) -> float:
        self._cpu_mark = time.process_time()
        return time.perf_counter()

    def embed_turns(self, texts: list[str]) -> np.ndarray:
        """One vector per distinct text (callers index by position in `texts`)."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        if self.cache is not None:
            from python_models.embeddings.cache import embed_with_cache
            from python_models.embeddings.texts import text_hash

            return embed_with_cache(
                self.embedder, [text_hash(t) for t in texts], texts, cache=self.cache
            )
        return self.embedder.encode(texts)

    def categories(
        self,
        categories: Sequence[str | None],
        languages: Sequence[str | None],
        conversation_embeddings: np.ndarray | None = None,
        conversations: Sequence[Sequence[Message]] | None = None,
    ) -> list[tuple[str, float | None, str]]:
        """Per conversation: (category, confidence, source). The category it came with
        ("source"), else this build's model's prediction from its conversation vector
        ("predicted", confidence rounded to 4 places; embedded from `conversations` when no
        vectors are given), else uncategorized ("none"), as it is too for a prediction on a
        conversation whose language the category model does not support."""
        predicted: dict[int, tuple[str, float]] = {}
        todo = [i for i, c in enumerate(categories) if not c or c == UNCATEGORIZED]
        if self.category_model is not None and todo:
            if conversation_embeddings is None:
                from python_models.embeddings.texts import conversation_text

                assert conversations is not None, "no conversation vectors and no text"
                todo_vectors = self.embedder.encode(
                    [conversation_text(conversations[i]) for i in todo]
                )
            else:
                todo_vectors = conversation_embeddings[todo]
            labels, confidence = self.category_model.predict(todo_vectors)
            predicted = {
                i: (label, float(conf))
                for i, label, conf in zip(todo, labels, confidence, strict=True)
            }
        out: list[tuple[str, float | None, str]] = []
        for row, given in enumerate(categories):
            if given and given != UNCATEGORIZED:
                out.append((given, None, "source"))
            elif row in predicted and "category" not in unsupported_scorers(languages[row]):
                out.append((predicted[row][0], round(predicted[row][1], 4), "predicted"))
            else:
                out.append((UNCATEGORIZED, None, "none"))
        return out

    def score(
        self,
        conversations: Sequence[Sequence[Message]],
        *,
        conversation_embeddings: np.ndarray | None = None,
        categories: Sequence[str | None] | None = None,
        needed: Sequence[Set[str]] | None = None,
        languages: Sequence[str | None] | None = None,
    ) -> list[ConversationScores]:
        """Scores of every conversation. ``needed[i]`` names the SCORED_GROUPS to compute for
        conversation i (default all; the others are left as placeholders for the caller's
        cache to fill) and ``languages[i]`` its language when "language" is not needed.
        Category is always computed (this build's model). A scorer is loaded only when a row
        needs it, and the turns are embedded only when a row needs a group that reads them.

        Python's cyclic garbage collector is paused while a batch is scored: the batch makes
        hundreds of thousands of short-lived dicts and lists (no reference cycles), and the
        collections they set off took 7-8% of the scoring CPU (docs/benchmarks.md, "Scoring
        throughput (issue 15, session 9)"); reference counting still frees them at once. BLAS
        runs on one thread meanwhile: the batch's matrix products are small (a conversation's
        turns against 128 references), a second thread only spins, and the pool already
        gives each core its own process."""
        paused = gc.isenabled()
        gc.disable()
        try:
            with _one_blas_thread():
                return self._score(
                    conversations, conversation_embeddings, categories, needed, languages
                )
        finally:
            if paused:
                gc.enable()

    def _score(
        self,
        conversations: Sequence[Sequence[Message]],
        conversation_embeddings: np.ndarray | None,
        categories: Sequence[str | None] | None,
        needed: Sequence[Set[str]] | None,
        languages: Sequence[str | None] | None,
    ) -> list[ConversationScores]:
        n = len(conversations)
        categories = list(categories) if categories is not None else [None] * n
        needed = [SCORED_GROUPS] * n if needed is None else list(needed)
        embedded = {"crisis", "empathy", "safety", "coherence"}  # the groups that read vectors
        embed = any(not embedded.isdisjoint(want) for want in needed)
        coherent = any("coherence" in want for want in needed)
        given = list(languages) if languages is not None else [None] * n

        # 0. the language of each conversation (a scorer that does not support it is nulled)
        started = self._start()
        languages = [
            conversation_language(messages) if "language" in needed[i] else given[i]
            for i, messages in enumerate(conversations)
        ]
        self._timed("language", started)

        # 1. every distinct user/assistant turn, embedded once
        started = self._start()
        index: dict[str, int] = {}
        for messages in conversations:
            for message in messages:
                if message.get("role") in ("user", "assistant"):
                    index.setdefault(message.get("content") or "", len(index))
        texts = list(index)
        vectors = self.embed_turns(texts) if embed else np.zeros((0, self.embedder.dim), np.float32)
        self._timed("embed_turns", started)

        # 2. crisis on user turns (safety reads the per-turn crisis flags too)
        started = self._start()
        user_texts = texts  # each distinct text is scored once, then reused per turn
        user_rows = sorted(
            {index[m.get("content") or ""] for c in conversations for m in c if m["role"] == "user"}
        )
        crisis_rows = sorted(
            {
                index[m.get("content") or ""]
                for c, want in zip(conversations, needed, strict=True)
                if "crisis" in want or "safety" in want
                for m in c
                if m["role"] == "user"
            }
        )
        crisis_by_row = (
            dict(
                zip(
                    crisis_rows,
                    self.crisis.score([user_texts[r] for r in crisis_rows], vectors[crisis_rows]),
                    strict=True,
                )
            )
            if crisis_rows
            else {}
        )
        self._timed("crisis", started)

        # 3. empathy on (user, assistant) pairs
        started = self._start()
        pair_keys: dict[tuple[int, int], int] = {}
        for messages, want in zip(conversations, needed, strict=True):
            if "empathy" not in want:
                continue
            for i in range(1, len(messages)):
                if messages[i]["role"] == "assistant" and messages[i - 1]["role"] == "user":
                    key = (index[messages[i - 1]["content"]], index[messages[i]["content"]])
                    pair_keys.setdefault(key, len(pair_keys))
        pairs = list(pair_keys)
        empathy_results = (
            self.empathy.score(
                [texts[u] for u, _ in pairs],
                [texts[a] for _, a in pairs],
                vectors[[u for u, _ in pairs]],
                vectors[[a for _, a in pairs]],
            )
            if pairs
            else []
        )
        self._timed("empathy", started)

        # 3a. counselling behaviours on the same pairs
        started = self._start()
        behaviour_results = (
            self.behaviour.score(
                [texts[a] for _, a in pairs], vectors[[u for u, _ in pairs]], self.embed_turns
            )
            if pairs
            else []
        )
        self._timed("behaviour", started)

        # 3b. the learned part of safety, once per distinct assistant text
        started = self._start()
        assistant_rows = sorted(
            {
                index[m.get("content") or ""]
                for c in conversations
                for m in c
                if m["role"] == "assistant"
            }
        )
        safety_rows = sorted(
            {
                index[m.get("content") or ""]
                for c, want in zip(conversations, needed, strict=True)
                if "safety" in want
                for m in c
                if m["role"] == "assistant"
            }
        )
        p_safe = (
            dict(
                zip(
                    (texts[r] for r in safety_rows),
                    self.safety.p_safe([texts[r] for r in safety_rows], vectors[safety_rows]),
                    strict=True,
                )
            )
            if safety_rows
            else {}
        )
        self._timed("safety", started)

        # 4. category for the uncategorized, from conversation vectors
        started = self._start()
        category_of = self.categories(categories, languages, conversation_embeddings, conversations)
        self._timed("category", started)

        # 5. coherence ranks each (user, reply) pair against the batch's other turns, in the
        # projected space: every distinct text projected once per batch by each side's map
        started = self._start()
        if coherent:
            projection = self.coherence_projection
            projected = {
                "user": projection.user_vectors(vectors),
                "assistant": projection.reply_vectors(vectors),
            }
            references = batch_references(
                texts, vectors, user_rows, assistant_rows, self.embedder.model_id, projection
            )
        self._timed("coherence", started)

        # each step below runs over the whole batch and is timed once (a CPU clock read costs
        # microseconds: per conversation and step it was a measurable share of the scoring)
        started = self._start()
        turn_rows = [
            [index.get(m.get("content") or "") for m in messages] for messages in conversations
        ]
        if coherent:  # which turns no batch reference copies, in one product a side
            clear_users = clear_of(projected["user"], references.users)
            clear_replies = clear_of(projected["assistant"], references.replies)
        coherence_results = [
            # the turns are projected already (above); the references were projected alike
            coherence_of_rows(
                messages,
                projected["user"],
                projected["assistant"],
                rows,
                references,
                self.coherence_fallback,
                clear_users,
                clear_replies,
            )
            if "coherence" in want
            else _NOT_COMPUTED_COHERENCE
            for messages, want, rows in zip(conversations, needed, turn_rows, strict=True)
        ]
        self._timed("coherence", started)

        started = self._start()
        combined = []
        for messages, want, rows in zip(conversations, needed, turn_rows, strict=True):
            turns = (
                [crisis_by_row[rows[i]] for i, m in enumerate(messages) if m["role"] == "user"]
                if "crisis" in want or "safety" in want
                else []
            )
            crisis = combine(turns)
            own_keys = (
                [
                    pair_keys[(index[messages[i - 1]["content"]], index[messages[i]["content"]])]
                    for i in range(1, len(messages))
                    if messages[i]["role"] == "assistant" and messages[i - 1]["role"] == "user"
                ]
                if "empathy" in want
                else []
            )
            own = [empathy_results[k] for k in own_keys]
            own_behaviour = [behaviour_results[k] for k in own_keys]
            counselling = session_quality(own_behaviour)
            levels = {
                m: (round(sum(r.levels[m] for r in own) / len(own), 4) if own else None)
                for m in MECHANISMS
            }
            combined.append((turns, crisis, own, own_behaviour, counselling, levels))
        self._timed("combine", started)

        # a group the caller has cached is skipped: its fields stay placeholders
        started = self._start()
        safeties = []
        for messages, want, rows in zip(conversations, needed, turn_rows, strict=True):
            safety = _NOT_COMPUTED_SAFETY
            if "safety" in want:
                flags = [
                    m["role"] == "user" and needs_crisis_care(crisis_by_row[rows[i]])
                    for i, m in enumerate(messages)
                ]
                safety = conversation_safety(messages, flags, p_safe)
            safeties.append(safety)
        self._timed("safety", started)
        started = self._start()
        biases = [
            conversation_bias(messages) if "bias" in want else _NOT_COMPUTED_BIAS
            for messages, want in zip(conversations, needed, strict=True)
        ]
        self._timed("bias", started)
        started = self._start()
        completes = [
            completeness(messages) if "completeness" in want else _NOT_COMPUTED_COMPLETENESS
            for messages, want in zip(conversations, needed, strict=True)
        ]
        self._timed("completeness", started)

        started = self._start()
        redactions: dict = {}  # each distinct text of the batch redacted once
        redacted_all = []
        for messages, want in zip(conversations, needed, strict=True):
            if "pii" not in want:
                redacted, pii_counts = [], Counter()
            elif self.redact:
                redacted, pii_counts = self.pii.redact_messages(messages, redactions)
            else:
                redacted = [
                    {"role": m["role"], "content": m.get("content") or ""} for m in messages
                ]
                pii_counts = Counter()
            redacted_all.append((redacted, pii_counts))
        self._timed("pii", started)

        results = []
        for row in range(n):
            turns, crisis, own, own_behaviour, counselling, levels = combined[row]
            coherence_result, safety, bias = coherence_results[row], safeties[row], biases[row]
            complete = completes[row]
            redacted, pii_counts = redacted_all[row]
            category, confidence, source = category_of[row]
            language = languages[row]
            results.append(
                ConversationScores(
                    crisis_score=crisis.score,
                    crisis_flag=crisis.flag,
                    crisis_evidence=crisis.evidence,
                    crisis_turns=[
                        {"score": t.score, "flag": t.flag, "evidence": t.evidence} for t in turns
                    ],
                    empathy_score=None if counselling is None else counselling.quality,
                    empathy_present=conversation_empathy(own),
                    empathy_intensity=conversation_intensity(own),
                    empathy_levels=levels,
                    empathy_turns=[r.levels for r in own],
                    counselling=counselling,
                    behaviour_turns=[
                        {"behaviour": r.top, "question": r.question_kind} for r in own_behaviour
                    ],
                    safety_score=safety.score,
                    safety_evidence=list(safety.evidence),
                    bias_score=bias.score,
                    bias_evidence=bias.evidence,
                    completeness_score=complete.score,
                    completeness_kind=complete.kind,
                    completeness_failed=list(complete.failed),
                    coherence_score=coherence_result.score,
                    coherence_structure=coherence_result.structure,
                    coherence_relevance=coherence_result.relevance,
                    category=category,
                    category_confidence=confidence,
                    category_source=source,
                    pii_counts=dict(sorted(pii_counts.items())),
                    redacted_messages=redacted,
                    language=language,
                    unsupported=unsupported_scorers(language),
                )
            )
            results[-1].drop_unsupported()
        return results
