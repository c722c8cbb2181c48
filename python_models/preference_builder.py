"""Preference pairs (stage 5) built from roleplay and edge-case conversations, and the rules
that curate every pair.

A built pair's prompt is a conversation up to a user turn, ``chosen`` is the real therapeutic
reply that followed it, and ``rejected`` shows one documented failure mode. The rejected reply
is made deterministically, never by a network model: either a template of the failure mode
(picked by a stable hash of the conversation and turn), or retrieval of a low-empathy reply
from another conversation of the same category. Both replies are scored on the empathy scorer;
whether a pair passes (chosen outscores rejected by more than the seed's margin) is decided in
SQL (int_preference_pairs_gated). Rules: docs/curriculum.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from python_models.canonical import fold_whitespace, normalize_content

Message = Mapping[str, str]


def _hash_fraction(*keys: object) -> float:
    """A number in [0, 1) from SHA-256 of the keys: a stable stand-in for a random draw."""
    digest = hashlib.sha256("\x1f".join(str(k) for k in keys).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _pick(options: Sequence[str], *keys: object) -> str:
    return options[int(_hash_fraction(*keys) * len(options))]


# --------------------------------------------------------------------------------------------
# Failure modes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FailureMode:
    name: str
    description: str
    templates: tuple[str, ...]


DISMISSIVE = FailureMode(
    "dismissive",
    "Brushes the feeling aside: no acknowledgement, no curiosity, the problem declared small.",
    (
        "That doesn't sound like a big deal. Try not to dwell on it.",
        "Everyone goes through things like this. You'll get over it.",
        "I think you're overthinking this. Just move on.",
        "Honestly, other people have it much worse than you do.",
        "You're making this into more than it is. Just relax.",
    ),
)
ADVICE_DUMPING = FailureMode(
    "advice_dumping",
    "Skips listening and fires a list of generic instructions at the person.",
    ("Here's what you need to do. {tips} Do all of that and you'll be fine.",),
)
MINIMIZING_CRISIS = FailureMode(
    "minimizing_crisis",
    "Treats signs of crisis as a passing mood: no safety question, no crisis resources.",
    (
        "Everyone feels like that sometimes. You're probably just tired, so get some sleep and"
        " you'll feel better tomorrow.",
        "I'm sure you don't really mean that. Try to think about something more positive.",
        "You have so much to live for, so there's no need to talk like that. Let's change the"
        " subject.",
        "That sounds like a rough day, but it will pass on its own. No need to make a big deal"
        " of it.",
    ),
)
UNSAFE = FailureMode(
    "unsafe",
    "Advice that raises risk: discourages help-seeking, urges secrecy or isolation, endorses"
    " harmful coping. Never method details.",
    (
        "You don't need a therapist or a doctor for this. Keep it to yourself and handle it alone.",
        "If your medication makes you feel strange, just stop taking it. You know your body"
        " better than any doctor.",
        "A few drinks every night will take the edge off. It's the easiest way to get through"
        " this.",
        "Don't tell anyone how you're feeling; people will only think you're weak.",
        "If people upset you, cut everyone off. You're better off completely on your own.",
    ),
)
FAILURE_MODES: dict[str, FailureMode] = {
    m.name: m for m in (DISMISSIVE, ADVICE_DUMPING, MINIMIZING_CRISIS, UNSAFE)
}
RETRIEVED = "low_empathy_retrieval"

GENERIC_TIPS = (
    "Drink more water.",
    "Go for a run every morning.",
    "Make a to-do list.",
    "Stop checking your phone.",
    "Get eight hours of sleep.",
    "Think positive thoughts.",
    "Keep yourself busy.",
    "Try yoga.",
    "Cut out sugar.",
    "Read a self-help book.",
)

# Modes offered per kind of conversation; crisis conversations get the crisis failure modes.
CRISIS_MODES = ("minimizing_crisis", "unsafe", "dismissive")
GENERAL_MODES = ("dismissive", "advice_dumping", "unsafe")


def render_failure(mode: str, *keys: object) -> str:
    """The rejected reply of ``mode`` for a prompt identified by ``keys`` (deterministic)."""
    failure = FAILURE_MODES[mode]
    template = _pick(failure.templates, mode, *keys)
    if mode == ADVICE_DUMPING.name:
        ranked = sorted(GENERIC_TIPS, key=lambda tip: _hash_fraction(tip, *keys))
        return template.format(tips=" ".join(ranked[:5]))
    return template


# --------------------------------------------------------------------------------------------
# Curation rules shared with the warehouse
# --------------------------------------------------------------------------------------------


def canonical_reply(text: str | None) -> str:
    """The form two replies are compared in: NFC, trimmed, whitespace runs folded."""
    return fold_whitespace(normalize_content(text or ""))


def curation_reason(chosen: str | None, rejected: str | None) -> str | None:
    """Why a pair must not be trained on, or None: the SQL gate in the warehouse, in Python."""
    chosen_text, rejected_text = canonical_reply(chosen), canonical_reply(rejected)
    if not chosen_text:
        return "empty_chosen"
    if not rejected_text:
        return "empty_rejected"
    if chosen_text == rejected_text:
        return "identical_replies"
    return None


# --------------------------------------------------------------------------------------------
# Building pairs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuilderConfig:
    max_pairs_per_conversation: int = 1
    retrieval_share: float = 0.25  # share of pairs whose rejected reply is retrieved, if possible
    retrieval_pool: int = 20  # retrieval draws from this many lowest-empathy replies
    crisis_categories: frozenset[str] = frozenset({"crisis", "suicide", "self_harm", "self-harm"})


@dataclass(frozen=True, slots=True)
class SourceConversation:
    conversation_id: str
    messages: Sequence[Message]
    category: str | None
    is_edge_case: bool = False


@dataclass(frozen=True, slots=True)
class ReplyCandidate:
    """An assistant reply that retrieval may offer as a rejected reply, with its empathy."""

    conversation_id: str
    category: str | None
    content: str
    empathy: float


@dataclass(frozen=True, slots=True)
class BuiltPair:
    conversation_id: str
    turn_index: int  # position of the prompt's last (user) message in the conversation
    prompt_messages: list[dict[str, str]]
    chosen: str
    rejected: str
    failure_mode: str  # a FAILURE_MODES name, or RETRIEVED
    origin: str  # "template:<mode>" or "retrieved:<conversation_id>"


def eligible_turns(messages: Sequence[Message]) -> list[int]:
    """User turns answered by an assistant turn: each can be a pair's prompt end."""
    return [
        i
        for i in range(len(messages) - 1)
        if messages[i]["role"] == "user" and messages[i + 1]["role"] == "assistant"
    ]


def choose_turns(conversation_id: str, messages: Sequence[Message], limit: int) -> list[int]:
    """Up to ``limit`` eligible turns, picked by a stable hash, in conversation order."""
    turns = eligible_turns(messages)
    ranked = sorted(turns, key=lambda i: _hash_fraction(conversation_id, i, "turn"))
    return sorted(ranked[:limit])


class RetrievalIndex:
    """Assistant replies per category, lowest empathy first, for rejected-reply retrieval."""

    def __init__(self, candidates: Iterable[ReplyCandidate], pool: int = 20) -> None:
        by_category: dict[str | None, list[ReplyCandidate]] = {}
        for candidate in candidates:
            by_category.setdefault(candidate.category, []).append(candidate)
        self.pool = pool
        self.by_category = {
            category: sorted(items, key=lambda c: (c.empathy, c.conversation_id, c.content))
            for category, items in by_category.items()
        }

    def retrieve(self, conversation_id: str, category: str | None, chosen: str, *keys: object):
        """A low-empathy reply from another conversation of the category, or None.

        Draws from the ``pool`` lowest-empathy replies of the category that come from another
        conversation and differ from ``chosen``, by a stable hash, so the pairs of one category
        do not all share one rejected reply.
        """
        chosen_text = canonical_reply(chosen)
        lowest: list[ReplyCandidate] = []
        # the first `pool` in empathy order; stop there (a whole-category scan per retrieval
        # was quadratic: a million-record build spent hours here)
        for candidate in self.by_category.get(category, []):
            if candidate.conversation_id != conversation_id and (
                canonical_reply(candidate.content) != chosen_text
            ):
                lowest.append(candidate)
                if len(lowest) == self.pool:
                    break
        if not lowest:
            return None
        return lowest[int(_hash_fraction(conversation_id, *keys, "retrieve") * len(lowest))]


def build_pairs(
    conversation: SourceConversation,
    *,
    config: BuilderConfig | None = None,
    retrieval: RetrievalIndex | None = None,
) -> list[BuiltPair]:
    """Pairs from one conversation: prompt up to a user turn, the real reply, a failure."""
    config = config or BuilderConfig()
    messages = [{"role": m["role"], "content": m["content"]} for m in conversation.messages]
    category = (conversation.category or "").lower()
    crisis = conversation.is_edge_case or category in config.crisis_categories
    modes = CRISIS_MODES if crisis else GENERAL_MODES
    pairs = []
    for turn in choose_turns(
        conversation.conversation_id, messages, config.max_pairs_per_conversation
    ):
        chosen = messages[turn + 1]["content"]
        key = (conversation.conversation_id, turn)
        retrieved = None
        if retrieval is not None and _hash_fraction(*key, "strategy") < config.retrieval_share:
            retrieved = retrieval.retrieve(
                conversation.conversation_id, conversation.category, chosen, turn
            )
        if retrieved is not None:
            rejected, mode, origin = (
                retrieved.content,
                RETRIEVED,
                f"retrieved:{retrieved.conversation_id}",
            )
        else:
            mode = _pick(modes, *key, "mode")
            rejected, origin = render_failure(mode, *key), f"template:{mode}"
        if curation_reason(chosen, rejected) is not None:
            continue  # an empty real reply, or a template equal to it: never a pair
        pairs.append(
            BuiltPair(
                conversation_id=conversation.conversation_id,
                turn_index=turn,
                prompt_messages=messages[: turn + 1],
                chosen=chosen,
                rejected=rejected,
                failure_mode=mode,
                origin=origin,
            )
        )
    return pairs


# --------------------------------------------------------------------------------------------
# Arrow in, Arrow out: what the warehouse's dbt Python model calls
# --------------------------------------------------------------------------------------------

EmpathyFn = Callable[[list[str], list[str]], list[float]]
MESSAGE_TYPE = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
BUILT_PAIR_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("turn_index", pa.int32()),
        ("prompt_messages", MESSAGE_TYPE),
        ("chosen", pa.string()),
        ("rejected", pa.string()),
        ("failure_mode", pa.string()),
        ("pair_origin", pa.string()),
        ("chosen_empathy", pa.float32()),
        ("rejected_empathy", pa.float32()),
    ]
)


def _reply_pool(sources: Sequence[SourceConversation], empathy: EmpathyFn) -> list[ReplyCandidate]:
    """Every assistant reply that answers a user turn, with its empathy given that turn."""
    where, seekers, replies = [], [], []
    for source in sources:
        for turn in eligible_turns(source.messages):
            where.append(source)
            seekers.append(source.messages[turn]["content"])
            replies.append(source.messages[turn + 1]["content"])
    scores = empathy(seekers, replies) if replies else []
    return [
        ReplyCandidate(s.conversation_id, s.category, reply, score)
        for s, reply, score in zip(where, replies, scores, strict=True)
    ]


def built_pairs_table(
    conversations: pa.Table,
    *,
    empathy: EmpathyFn,
    config: BuilderConfig | None = None,
) -> pa.Table:
    """Build and score pairs from conversations (``conversation_id``, ``messages``,
    ``category``, ``is_training_edge_case``); one row per built pair with the empathy of its
    chosen and rejected replies (the gate on them is SQL)."""
    config = config or BuilderConfig()
    sources = [
        SourceConversation(
            row["conversation_id"],
            row["messages"],
            row.get("category"),
            bool(row.get("is_training_edge_case")),
        )
        for row in conversations.to_pylist()
    ]
    retrieval = RetrievalIndex(_reply_pool(sources, empathy), pool=config.retrieval_pool)
    pairs = [
        pair
        for source in sources
        for pair in build_pairs(source, config=config, retrieval=retrieval)
    ]
    seekers = [pair.prompt_messages[-1]["content"] for pair in pairs]
    # chosen and rejected in one call (one job on Ray): rows are scored independently
    replies = [p.chosen for p in pairs] + [p.rejected for p in pairs]
    both = empathy(seekers + seekers, replies) if pairs else []
    chosen, rejected = both[: len(pairs)], both[len(pairs) :]
    columns: dict[str, list[Any]] = {name: [] for name in BUILT_PAIR_SCHEMA.names}
    for pair, chosen_score, rejected_score in zip(pairs, chosen, rejected, strict=True):
        values = {
            "conversation_id": pair.conversation_id,
            "turn_index": pair.turn_index,
            "prompt_messages": pair.prompt_messages,
            "chosen": pair.chosen,
            "rejected": pair.rejected,
            "failure_mode": pair.failure_mode,
            "pair_origin": pair.origin,
            "chosen_empathy": chosen_score,
            "rejected_empathy": rejected_score,
        }
        for name, value in values.items():
            columns[name].append(value)
    return pa.table(columns, schema=BUILT_PAIR_SCHEMA)


# --------------------------------------------------------------------------------------------
# The reply score (var preference_pair_score): in this process, or on Ray (engine `ray`,
# docs/scaling.md)
# --------------------------------------------------------------------------------------------

PAIR_SCORES = ("counselling_quality", "empathy_intensity")


@dataclass(frozen=True)
class ReplyScorer:
    """What scores a reply to its seeker's turn: EPITOME empathy intensity, or counselling
    quality (python_models/scoring/behaviour.py `reply_counselling_quality`: the mean of the
    reply's MI-consistent behaviour and its empathy intensity) when `behaviour` is set."""

    empathy: Any
    embedder: Any
    behaviour: Any | None = None


def reply_scorer(score_name: str = "empathy_intensity") -> ReplyScorer:
    """The scorers behind `score_name` and the embedder they were fitted on (checked to agree)."""
    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.behaviour import BehaviourScorer
    from python_models.scoring.empathy import EmpathyScorer

    if score_name not in PAIR_SCORES:
        raise ValueError(f"preference_pair_score {score_name!r} is not one of {PAIR_SCORES}")
    embedder, empathy = get_embedder("default"), EmpathyScorer()
    behaviour = BehaviourScorer() if score_name == "counselling_quality" else None
    for fitted_on in (empathy.embedding_model, behaviour and behaviour.embedding_model):
        if fitted_on and fitted_on != embedder.model_id:
            raise ValueError(
                f"the scorer weights were fitted on {fitted_on} embeddings, not {embedder.model_id}"
            )
    return ReplyScorer(empathy, embedder, behaviour)


def reply_scores(scorer: ReplyScorer, seekers: list[str], replies: list[str]) -> list[float]:
    """Each reply's score against its seeker's turn (row by row: a row's score does not depend on
    the others)."""
    from python_models.scoring.behaviour import reply_counselling_quality

    seeker_vectors = scorer.embedder.encode(seekers)
    results = scorer.empathy.score(
        seekers, replies, seeker_vectors, scorer.embedder.encode(replies)
    )
    if scorer.behaviour is None:
        return [result.score for result in results]
    behaviours = scorer.behaviour.score(replies, seeker_vectors, scorer.embedder.encode)
    return [reply_counselling_quality(b, e.score) for b, e in zip(behaviours, results, strict=True)]


class PairScoreStage:
    """`reply_scores` of (``seeker``, ``reply``) rows on a Ray worker, the scorers and their
    embedder loaded once per worker process."""

    def __init__(self, score_name: str = "empathy_intensity") -> None:
        self.scorer = reply_scorer(score_name)

    def __call__(self, table: pa.Table) -> pa.Table:
        scores = reply_scores(
            self.scorer, table.column("seeker").to_pylist(), table.column("reply").to_pylist()
        )
        return pa.table({"score": pa.array(scores, pa.float64())})


_POOL_STAGE: PairScoreStage | None = None  # a pool worker's scorers (`reply_scores_in_pool`)


def _init_pair_scorer(score_name: str) -> None:
    global _POOL_STAGE
    _POOL_STAGE = PairScoreStage(score_name)


def _pair_scores_in_worker(seekers: list[str], replies: list[str]) -> list[float]:
    assert _POOL_STAGE is not None, "the pool's initializer builds the scorers"
    return reply_scores(_POOL_STAGE.scorer, seekers, replies)


def reply_scores_in_pool(
    scorer: ReplyScorer,
    seekers: list[str],
    replies: list[str],
    *,
    score_name: str,
    workers: int,
    batch_rows: int = 4096,
    min_rows_per_worker: int = 20_000,
) -> list[float]:
    """`reply_scores` for the local engine: in `workers` spawned processes (each loads the
    scorers once) when there are more than `2 * min_rows_per_worker` rows, as conversation
    scoring does, else here with `scorer`. Rows are scored in batches of `batch_rows`, in order
    (a row's score does not depend on its batch). In a pool the scoring also leaves this
    process's GIL to the model dbt runs beside it (conversation scoring, at 1 M records: in this
    process it took 845 s there, on Ray 90 s; docs/benchmarks.md, "The 1 M-record comparison,
    measured")."""
    if workers <= 1 or len(replies) <= 2 * min_rows_per_worker:
        return reply_scores(scorer, seekers, replies)
    from python_models.spawn_pool import in_spawned_pool

    batches = (
        (seekers[start : start + batch_rows], replies[start : start + batch_rows])
        for start in range(0, len(replies), batch_rows)
    )
    scored = in_spawned_pool(
        _pair_scores_in_worker,
        batches,
        workers=workers,
        initializer=_init_pair_scorer,
        initargs=(score_name,),
    )
    return [score for batch in scored for score in batch]


def reply_scores_on_ray(
    seekers: list[str],
    replies: list[str],
    *,
    score_name: str = "empathy_intensity",
    batch_rows: int = 4096,
    workers: int = 0,
) -> list[float]:
    """`reply_scores` by Ray Data (`PairScoreStage`), in the order of the rows."""
    from python_models.ray_stages import run_stage, table_batches

    if not replies:
        return []
    table = pa.table({"seeker": pa.array(seekers, pa.string()), "reply": replies})
    scored = run_stage(
        PairScoreStage,
        table_batches(table, batch_rows),
        pa.schema([("score", pa.float64())]),
        name="pair_empathy",
        constructor_kwargs={"score_name": score_name},
        workers=workers,
    )
    return scored.column("score").to_pylist()
