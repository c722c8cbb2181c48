"""Built preference pairs: prompts end at a user turn, chosen is the real reply, rejected shows a
documented failure mode; pairs are never identical; the empathy gate keeps better-chosen pairs."""

from __future__ import annotations

import pyarrow as pa
import pytest

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
    empathy_gate,
    margin_summary,
    quantile,
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


@pytest.mark.parametrize(
    ("chosen", "rejected", "margin", "expected"),
    [
        (0.8, 0.2, 0.0, (True, None)),
        (0.5, 0.5, 0.0, (False, "chosen_not_more_empathic")),
        (0.3, 0.6, 0.0, (False, "chosen_not_more_empathic")),
        (0.6, 0.5, 0.2, (False, "chosen_not_more_empathic")),
        (None, 0.5, 0.0, (False, "empathy_unscored")),
    ],
)
def test_the_empathy_gate_keeps_only_pairs_whose_chosen_reply_outscores(
    chosen, rejected, margin, expected
):
    assert empathy_gate(chosen, rejected, margin) == expected


def test_margin_summary_reports_the_distribution():
    margins = [i / 10 for i in range(-2, 9)]  # -0.2 .. 0.8
    summary = margin_summary(margins)
    assert summary["pairs"] == 11
    assert (summary["min"], summary["median"], summary["max"]) == (-0.2, 0.3, 0.8)
    assert summary["positive_share"] == round(8 / 11, 4)
    assert quantile([0.0, 1.0], 0.25) == 0.25
    assert margin_summary([]) == {"pairs": 0}


def _question_empathy(seekers: list[str], replies: list[str]) -> list[float]:
    """A stand-in scorer: a reply that asks something is empathic, one that doesn't is not."""
    assert len(seekers) == len(replies)
    return [0.8 if "?" in reply else 0.2 for reply in replies]


def test_built_pairs_table_scores_and_gates_every_pair():
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
        assert row["empathy_margin"] == pytest.approx(
            row["chosen_empathy"] - row["rejected_empathy"], abs=1e-4
        )
        assert row["gate_passed"] == (row["empathy_margin"] > 0)
        if not row["gate_passed"]:
            assert row["gate_reason"] == "chosen_not_more_empathic"
    # the template failures never ask; retrieved replies are real ones that do, so they fail
    assert {r["gate_passed"] for r in rows if r["failure_mode"] != RETRIEVED} == {True}
    assert {r["gate_passed"] for r in rows if r["failure_mode"] == RETRIEVED} == {False}


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
