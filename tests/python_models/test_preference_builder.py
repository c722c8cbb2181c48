"""Built preference pairs: prompts end at a user turn, chosen is the real reply, rejected shows a
documented failure mode; pairs are never identical (by the same rule as the warehouse's curation);
both replies are scored for empathy (the gate on the scores is SQL: int_preference_pairs_gated)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from python_models.preference_builder import (
    ADVICE_DUMPING,
    BUILT_PAIR_SCHEMA,
    CRISIS_MODES,
    FAILURE_MODES,
    GENERAL_MODES,
    GENERIC_TIPS,
    MESSAGE_TYPE,
    RETRIEVED,
    BuilderConfig,
    ReplyCandidate,
    RetrievalIndex,
    SourceConversation,
    build_pairs,
    built_pairs_table,
    canonical_reply,
    choose_turns,
    curation_reason,
    eligible_turns,
    render_failure,
)


def _conversation(i: int, category: str = "anxiety", edge: bool = False) -> SourceConversation:
    messages = [
        {"role": "system", "content": "You are a counsellor."},
        {"role": "user", "content": f"I have been worried for {i} weeks."},
        {"role": "assistant", "content": f"That sounds hard after {i} weeks. What helps?"},
        {"role": "user", "content": "Nothing really helps."},
        {"role": "assistant", "content": "It makes sense you feel stuck. Can we look at it?"},
    ]
    return SourceConversation(f"conv-{i}", messages, category, edge)


def test_every_failure_mode_is_documented_with_templates():
    assert set(FAILURE_MODES) == {"dismissive", "advice_dumping", "minimizing_crisis", "unsafe"}
    for mode in FAILURE_MODES.values():
        assert mode.description and mode.templates


@pytest.mark.parametrize("mode", sorted(FAILURE_MODES))
def test_failure_replies_are_deterministic_and_vary_with_the_prompt(mode):
    replies = {render_failure(mode, f"conv-{i}", 1) for i in range(40)}
    assert render_failure(mode, "conv-1", 1) == render_failure(mode, "conv-1", 1)
    assert len(replies) > 1


def test_advice_dumping_lists_five_generic_tips_and_asks_nothing():
    reply = render_failure(ADVICE_DUMPING.name, "conv-9", 3)
    assert sum(tip in reply for tip in GENERIC_TIPS) == 5
    assert "?" not in reply


def test_the_prompt_ends_at_a_user_turn_and_chosen_is_the_reply_that_followed():
    conversation = _conversation(4)
    config = BuilderConfig(max_pairs_per_conversation=2)
    pairs = build_pairs(conversation, config=config)
    assert [p.turn_index for p in pairs] == [1, 3]
    for pair in pairs:
        assert pair.prompt_messages == list(conversation.messages[: pair.turn_index + 1])
        assert pair.prompt_messages[-1]["role"] == "user"
        assert pair.chosen == conversation.messages[pair.turn_index + 1]["content"]
        assert pair.origin == f"template:{pair.failure_mode}"
        assert pair.rejected == render_failure(pair.failure_mode, "conv-4", pair.turn_index)


def test_crisis_conversations_get_crisis_failure_modes():
    crisis = {build_pairs(_conversation(i, "crisis"))[0].failure_mode for i in range(60)}
    edge = {build_pairs(_conversation(i, "grief", edge=True))[0].failure_mode for i in range(60)}
    general = {build_pairs(_conversation(i))[0].failure_mode for i in range(60)}
    assert crisis == edge == set(CRISIS_MODES)
    assert general == set(GENERAL_MODES)


def test_turns_are_chosen_by_a_stable_hash():
    messages = _conversation(1).messages
    assert eligible_turns(messages) == [1, 3]
    picks = {tuple(choose_turns(f"c{i}", messages, 1)) for i in range(30)}
    assert picks == {(1,), (3,)}
    assert choose_turns("c1", messages, 1) == choose_turns("c1", messages, 1)


def test_retrieval_takes_a_low_empathy_reply_of_another_conversation_in_the_category():
    pool = [
        ReplyCandidate("conv-1", "anxiety", "Just calm down.", 0.05),
        ReplyCandidate("conv-2", "anxiety", "Whatever, it happens.", 0.10),
        ReplyCandidate("conv-3", "anxiety", "I hear how frightening this is.", 0.90),
        ReplyCandidate("conv-4", "grief", "Get over it.", 0.01),
    ]
    index = RetrievalIndex(pool, pool=2)
    config = BuilderConfig(retrieval_share=1.0)
    for i in range(1, 6):
        (pair,) = build_pairs(_conversation(i), config=config, retrieval=index)
        assert pair.failure_mode == RETRIEVED
        donor = pair.origin.removeprefix("retrieved:")
        assert donor != f"conv-{i}"
        others = [c for c in pool[:3] if c.conversation_id != f"conv-{i}"]
        assert pair.rejected in {c.content for c in others[:2]}  # the two lowest of the others
        assert pair.rejected == next(c.content for c in pool if c.conversation_id == donor)


def test_retrieval_falls_back_to_a_template_when_the_category_has_no_other_reply():
    index = RetrievalIndex([ReplyCandidate("conv-1", "anxiety", "Calm down.", 0.0)])
    (pair,) = build_pairs(
        _conversation(1), config=BuilderConfig(retrieval_share=1.0), retrieval=index
    )
    assert pair.origin.startswith("template:")


def test_a_built_pair_is_never_identical_and_never_empty():
    conversation = _conversation(2)
    messages = [dict(m) for m in conversation.messages]
    for turn in (1, 3):
        messages[turn + 1]["content"] = render_failure("dismissive", "conv-2", turn)
    # whichever failure mode is drawn, a reply equal to its rejected text yields no pair
    same = SourceConversation("conv-2", messages, "anxiety")
    for pair in build_pairs(same, config=BuilderConfig(max_pairs_per_conversation=2)):
        assert canonical_reply(pair.chosen) != canonical_reply(pair.rejected)
        assert pair.chosen.strip() and pair.rejected.strip()
    messages[2]["content"] = messages[4]["content"] = "   "
    empty = SourceConversation("conv-2", messages, "anxiety")
    assert build_pairs(empty, config=BuilderConfig(max_pairs_per_conversation=2)) == []


@pytest.mark.parametrize(
    ("chosen", "rejected", "reason"),
    [
        ("I hear you.", "Get over it.", None),
        ("I hear  you.\n", " I hear you.", "identical_replies"),
        ("Caf\u00e9 time.", "Cafe\u0301 time.", "identical_replies"),
        ("I hear you.", "I HEAR YOU.", None),
        ("", "Get over it.", "empty_chosen"),
        ("I hear you.", " \t", "empty_rejected"),
        (None, "x", "empty_chosen"),
    ],
)
def test_curation_reason_folds_whitespace_and_unicode(chosen, rejected, reason):
    assert curation_reason(chosen, rejected) == reason


PAIRS_YAML = (
    Path(__file__).parents[2]
    / "dbt_project/models/intermediate/preference_pairs/_preference_pairs__models.yml"
)


def test_curation_reason_agrees_with_the_warehouse_rule():
    """The builder never emits a pair the warehouse would filter: the Python twin of
    int_preference_pairs_normalized's filter_reason gives the SQL unit test's expected reasons."""
    spec = yaml.safe_load(PAIRS_YAML.read_text())
    (case,) = [t for t in spec["unit_tests"] if t["model"] == "int_preference_pairs_normalized"]
    (given,) = [g for g in case["given"] if g["input"] == "ref('stg_lake__preference_pairs')"]
    expected = {row["source_line"]: row["filter_reason"] for row in case["expect"]["rows"]}
    assert len(given["rows"]) == len(expected) >= 5
    for row in given["rows"]:
        assert curation_reason(row["chosen"], row["rejected"]) == expected[row["source_line"]]


def _question_empathy(seekers: list[str], replies: list[str]) -> list[float]:
    """A stand-in scorer: a reply that asks something is empathic, one that doesn't is not."""
    assert len(seekers) == len(replies)
    return [0.8 if "?" in reply else 0.2 for reply in replies]


def test_built_pairs_table_scores_chosen_and_rejected_of_every_pair():
    conversations = pa.table(
        {
            "conversation_id": [f"conv-{i}" for i in range(30)],
            "messages": [list(_conversation(i).messages) for i in range(30)],
            "category": ["crisis"] * 30,
            "is_training_edge_case": [True] * 30,
        }
    )
    table = built_pairs_table(conversations, empathy=_question_empathy)
    assert table.schema == BUILT_PAIR_SCHEMA
    rows = table.to_pylist()
    assert len(rows) == 30
    for row in rows:
        assert row["prompt_messages"][-1]["role"] == "user"
        assert row["chosen_empathy"] == pytest.approx(0.8)  # the real replies ask
    # the template failures never ask; retrieved replies are real ones that do
    for row in rows:
        asks = row["failure_mode"] == RETRIEVED
        assert row["rejected_empathy"] == pytest.approx(0.8 if asks else 0.2)
    assert any(r["failure_mode"] == RETRIEVED for r in rows)


def test_built_pairs_table_of_nothing_is_empty():
    empty = pa.table(
        {
            "conversation_id": pa.array([], pa.string()),
            "messages": pa.array([], MESSAGE_TYPE),
            "category": pa.array([], pa.string()),
            "is_training_edge_case": pa.array([], pa.bool_()),
        }
    )
    assert built_pairs_table(empty, empathy=_question_empathy).num_rows == 0


def test_the_local_pool_scores_replies_as_one_process_does(monkeypatch):
    from python_models.preference_builder import reply_scorer, reply_scores, reply_scores_in_pool

    seekers = [f"I feel alone since my brother moved away ({i})." for i in range(9)]
    replies = [
        "It sounds like you miss him a lot.",
        "How long ago did he move?",
        "You should join a club.",
    ] * 3
    scorer = reply_scorer("counselling_quality")
    alone = reply_scores(scorer, seekers, replies)
    import concurrent.futures

    from python_models import spawn_pool

    started = []

    class Recorded(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, workers, **kwargs):
            started.append(workers)
            super().__init__(workers, **kwargs)

    monkeypatch.setattr(spawn_pool, "ProcessPoolExecutor", Recorded)
    # small batches over two spawned processes, each loading its own scorers
    pooled = reply_scores_in_pool(
        scorer,
        seekers,
        replies,
        score_name="counselling_quality",
        workers=2,
        batch_rows=2,
        min_rows_per_worker=1,
    )
    assert started == [2]  # the pool did the scoring
    assert pooled == alone and len(set(alone)) > 1

    # below the threshold no pool is started
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(spawn_pool, "ProcessPoolExecutor", no_pool)
    assert reply_scores_in_pool(scorer, seekers, replies, score_name="x", workers=2) == alone
