"""Transcripts to voice dialogues: passage segmentation, utterance reassembly, session windows.

One test per documented rule (docs/curriculum.md); each fails when its rule breaks.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest

from python_models.transcripts import (
    RULE_FIRST_SENTENCE,
    RULE_HEADING,
    RULE_HEADING_CONTINUED,
    RULE_RHETORICAL_QUESTION,
    TRUNCATION_MARK,
    PassageConfig,
    Utterance,
    WindowConfig,
    count_words,
    opening_length,
    parse_timestamp,
    reassemble_sessions,
    segment_document,
    speaker_from_path,
    window_conversation,
)

ROLE_ALIASES = {
    "user": "user",
    "client": "user",
    "patient": "user",
    "assistant": "assistant",
    "therapist": "assistant",
    "counselor": "assistant",
    "system": "system",
}


def _sentences(n: int, word: str = "calm", length: int = 10) -> str:
    return " ".join(f"{' '.join([word] * (length - 1))} end." for _ in range(n))


TALK = f"""---
speaker: Dr. Ana Reyes
title: Shame and complex trauma
---
# Shame and complex trauma

[00:00:05] Welcome. Today we look at **shame** and how it grows. {_sentences(5, "shame")}

## Why does shame last so long?

{_sentences(4, "stay")}

## The inner critic

{_sentences(3, "critic")}

{_sentences(3, "voice")}
"""


def test_front_matter_sets_speaker_and_title_and_lines_count_from_the_file():
    doc = segment_document(TALK, path="talks/someone_else__talk.md", speaker="Registry Name")
    assert (doc.speaker, doc.title) == ("Dr. Ana Reyes", "Shame and complex trauma")
    lines = TALK.splitlines()
    for pair in doc.pairs:
        first_words = pair.reply.split()[:1] if pair.rule != RULE_RHETORICAL_QUESTION else []
        if first_words:
            assert first_words[0].strip("*") in lines[pair.line - 1].replace("*", ""), pair


@pytest.mark.parametrize(
    ("text", "path", "registry", "expected"),
    [
        ("---\nspeaker: Front Matter\n---\nHello there.", "a__b.md", "Reg", "Front Matter"),
        ("Hello there.", "pete_walker__b.md", "Registry Speaker", "Registry Speaker"),
        ("Hello there.", "pete_walker__b.md", None, "Pete Walker"),
        ("Hello there.", "plain.md", None, None),
    ],
)
def test_speaker_comes_from_front_matter_then_registry_then_file_name(
    text, path, registry, expected
):
    assert segment_document(text, path=path, speaker=registry).speaker == expected


def test_speaker_from_path_reads_the_part_before_double_underscore():
    assert speaker_from_path("s3://b/talks/bessel_van-der__lecture_01.md.gz") == "Bessel Van Der"


def test_headings_become_prompts_and_question_headings_are_kept_verbatim():
    doc = segment_document(f"# The window of tolerance\n\n{_sentences(5)}")
    (pair,) = doc.pairs
    assert pair.rule == RULE_HEADING
    assert '"The window of tolerance"' in pair.prompt and pair.prompt.endswith("?")
    doc = segment_document(f"## What is a trigger?\n\n{_sentences(5)}")
    assert doc.pairs[0].prompt == "What is a trigger?"


def test_a_rhetorical_question_becomes_the_prompt_and_leaves_the_reply():
    text = f"So why do we freeze when we are scared? {_sentences(4, 'freeze')}"
    (pair,) = segment_document(text).pairs
    assert pair.rule == RULE_RHETORICAL_QUESTION
    assert pair.prompt == "So why do we freeze when we are scared?"
    assert "?" not in pair.reply and pair.reply.startswith("freeze")


def test_a_short_question_is_not_a_prompt():
    (pair,) = segment_document(f"Why? {_sentences(4)}").pairs
    assert pair.rule == RULE_FIRST_SENTENCE


def test_without_heading_or_question_the_prompt_quotes_the_first_sentence():
    text = f"Grief comes in waves that nobody can schedule. {_sentences(4, 'wave')}"
    (pair,) = segment_document(text).pairs
    assert pair.rule == RULE_FIRST_SENTENCE
    assert '"Grief comes in waves that nobody can schedule."' in pair.prompt
    assert pair.reply.startswith("wave")


def test_later_passages_of_a_section_continue_its_heading():
    config = PassageConfig(max_words=60, min_words=20)
    text = "## Boundaries\n\n" + "\n\n".join(_sentences(5, f"w{i}") for i in range(3))
    rules = [p.rule for p in segment_document(text, config=config).pairs]
    assert rules == [RULE_HEADING, RULE_HEADING_CONTINUED, RULE_HEADING_CONTINUED]


@pytest.mark.parametrize("max_words", [40, 80, 300])
def test_no_reply_is_longer_than_the_cap(max_words):
    rng = random.Random(max_words)
    paragraphs = [_sentences(rng.randint(1, 12), f"p{i}") for i in range(20)]
    text = "# Talk\n\n" + "\n\n".join(paragraphs)
    config = PassageConfig(max_words=max_words, min_words=min(40, max_words // 2))
    doc = segment_document(text, config=config)
    assert doc.pairs and all(count_words(p.reply) <= max_words for p in doc.pairs)


def test_paragraphs_merge_up_to_the_cap_and_no_word_is_lost():
    paragraphs = [_sentences(2, f"p{i}") for i in range(9)]  # 20 words each
    text = "# Talk\n\n" + "\n\n".join(paragraphs)
    doc = segment_document(text, config=PassageConfig(max_words=65, min_words=10))
    assert [count_words(p.reply) for p in doc.pairs] == [60, 60, 60]
    replies = " ".join(p.reply for p in doc.pairs).split()
    assert replies == " ".join(paragraphs).split()


def test_an_unpunctuated_caption_dump_is_cut_at_the_cap():
    text = " ".join(["um so the body keeps score"] * 200)  # 1,200 words, no sentence end
    doc = segment_document(text, config=PassageConfig(max_words=100))
    assert len(doc.pairs) == 12
    assert all(count_words(p.reply) <= 100 for p in doc.pairs)


def test_a_paragraph_that_opens_with_a_question_starts_a_new_passage():
    text = f"{_sentences(5, 'intro')}\n\nBut what happens in the body during panic? {_sentences(3)}"
    doc = segment_document(text)
    assert [p.rule for p in doc.pairs] == [RULE_FIRST_SENTENCE, RULE_RHETORICAL_QUESTION]


def test_markdown_and_caption_timestamps_are_removed():
    text = "[00:01:02] We **really** need [safety](https://x.org) and `calm` _first_. " + (
        _sentences(3)
    )
    (pair,) = segment_document(text).pairs
    combined = pair.prompt + pair.reply
    assert not re.search(r"[*`\[\]]|https|00:01", combined)
    assert "We really need safety and calm first." in pair.prompt


def test_a_too_short_passage_is_skipped_with_a_reason():
    doc = segment_document("# Thanks\n\nThank you all.\n\n# Shame\n\n" + _sentences(4))
    assert len(doc.pairs) == 1
    assert doc.skipped == [(3, "too_short")]


def test_segmentation_is_deterministic():
    assert segment_document(TALK) == segment_document(TALK)


# ----- utterances ---------------------------------------------------------------------------


def _rows(spec: list[tuple[str, str, str, str]]) -> list[Utterance]:
    return [Utterance(s, sp, text, ts, line) for line, (s, sp, text, ts) in enumerate(spec, 2)]


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("00:01:05", 65.0),
        ("1:02:03.5", 3723.5),
        ("02:03", 123.0),
        ("12.25", 12.25),
        (7, 7.0),
        ("[00:00:10,5]", 10.5),
        ("2024-03-01T10:00:05Z", 1709287205.0),
        ("", None),
        (None, None),
    ],
)
def test_timestamps_parse(raw, seconds):
    assert parse_timestamp(raw) == seconds


def test_sessions_are_reassembled_in_timestamp_order_not_file_order():
    spec = [("s1", "Therapist", f"t{i}" if i % 2 else f"c{i}", f"00:{i:02d}:00") for i in range(12)]
    spec = [
        (s, "Client" if i % 2 == 0 else sp, text, ts) for i, (s, sp, text, ts) in enumerate(spec)
    ]
    shuffled = spec[:]
    random.Random(3).shuffle(shuffled)
    (session,) = reassemble_sessions(_rows(shuffled), role_aliases=ROLE_ALIASES).sessions
    assert [m["content"] for m in session.messages()] == [text for _, _, text, _ in spec]
    assert [m["role"] for m in session.messages()] == ["user", "assistant"] * 6


def test_equal_timestamps_keep_file_order_and_blank_ones_follow_the_row_before():
    rows = _rows(
        [
            ("s", "Client", "first", "00:00:05"),
            ("s", "Therapist", "second", "00:00:05"),
            ("s", "Therapist", "fourth", "00:00:09"),
            ("s", "Client", "fifth", ""),
            ("s", "Client", "third", "00:00:07"),
        ]
    )
    (session,) = reassemble_sessions(rows, role_aliases=ROLE_ALIASES).sessions
    contents = [m["content"] for m in session.messages()]
    assert contents == ["first", "second", "third", "fourth", "fifth"]
    assert session.first_line == 2


def test_consecutive_turns_of_one_speaker_merge():
    rows = _rows(
        [
            ("s", "Client", "I feel low.", "1"),
            ("s", "Client", "Work is hard.", "2"),
            ("s", "Therapist", "Tell me more.", "3"),
            ("s", "Therapist", "When did it start?", "4"),
        ]
    )
    (session,) = reassemble_sessions(rows, role_aliases=ROLE_ALIASES).sessions
    assert session.messages() == [
        {"role": "user", "content": "I feel low. Work is hard."},
        {"role": "assistant", "content": "Tell me more. When did it start?"},
    ]
    assert session.turns[0].lines == (2, 3)


def test_speaker_names_map_to_roles_through_the_dataset_map_then_aliases():
    rows = _rows(
        [("s", "DR. OKAFOR", "Hello.", "1"), ("s", "Jamie", "Hi.", "2"), ("s", "Jamie", "x", "3")]
    )
    speaker_roles = {"Dr. Okafor": "therapist", "jamie": "client"}
    (session,) = reassemble_sessions(
        rows, role_aliases=ROLE_ALIASES, speaker_roles=speaker_roles
    ).sessions
    assert [m["role"] for m in session.messages()] == ["assistant", "user"]
    assert session.assistant_speakers() == ("DR. OKAFOR",)


def test_an_unknown_speaker_quarantines_the_whole_session():
    rows = _rows([("s", "Client", "Hi.", "1"), ("s", "Narrator", "Later.", "2")])
    result = reassemble_sessions(rows, role_aliases=ROLE_ALIASES)
    (session,) = result.sessions
    assert (session.error, session.lines) == ("unknown_role", (2, 3))


def test_a_session_without_a_reply_is_quarantined():
    rows = _rows([("s", "Client", "Hi.", "1"), ("s", "Client", "Anyone?", "2")])
    (session,) = reassemble_sessions(rows, role_aliases=ROLE_ALIASES).sessions
    assert session.error == "no_assistant_turn"


def test_rows_that_cannot_be_placed_are_quarantined_one_by_one():
    rows = _rows(
        [
            ("s", "Client", "Hi.", "1"),
            ("s", "Therapist", "   ", "2"),
            ("s", "Therapist", "Hello.", "yesterday-ish"),
            ("", "Therapist", "Hello.", "3"),
            ("s", "", "Hello.", "3"),
            ("s", "Therapist", "Welcome.", "4"),
        ]
    )
    result = reassemble_sessions(rows, role_aliases=ROLE_ALIASES)
    assert result.row_errors == {
        3: "empty_content",
        4: "invalid_timestamp",
        5: "missing_field",
        6: "missing_field",
    }
    (session,) = result.sessions
    assert session.lines == (2, 7) and session.error is None


# ----- windows ------------------------------------------------------------------------------


def _long_session(exchanges: int, user_words: int = 60, reply_words: int = 90) -> list[dict]:
    messages = [
        {"role": "system", "content": "You are a counsellor."},
        {"role": "user", "content": " ".join(["open"] * 50)},
        {"role": "assistant", "content": " ".join(["welcome"] * 50)},
    ]
    for i in range(exchanges):
        messages.append({"role": "user", "content": " ".join([f"u{i}"] * user_words)})
        messages.append({"role": "assistant", "content": " ".join([f"a{i}"] * reply_words)})
    return messages


CONFIG = WindowConfig(max_words=1000, overlap_words=200, opening_max_words=200)


def _words(messages) -> int:
    return sum(count_words(m["content"]) for m in messages)


def test_a_session_within_the_budget_is_one_window():
    messages = _long_session(3)
    (window,) = window_conversation(messages, CONFIG)
    assert (window.index, window.count, window.messages) == (0, 1, messages)


@pytest.mark.parametrize("exchanges", [8, 30, 77])
def test_windows_fit_keep_the_opening_cover_every_turn_and_overlap_within_the_stride(exchanges):
    messages = _long_session(exchanges)
    windows = window_conversation(messages, CONFIG)
    opening = messages[: opening_length(messages)]
    assert len(windows) > 1
    assert [w.index for w in windows] == list(range(len(windows)))
    assert {w.count for w in windows} == {len(windows)}
    covered = set()
    for window in windows:
        assert _words(window.messages) <= CONFIG.max_words
        assert window.messages[: len(opening)] == opening
        assert window.messages[len(opening)]["role"] == "user"
        assert window.messages[-1]["role"] == "assistant"
        assert window.messages[len(opening) :] == messages[window.body_start : window.body_end]
        covered.update(range(window.body_start, window.body_end))
    assert covered == set(range(len(opening), len(messages)))
    for before, after in itertools.pairwise(windows):
        assert before.body_start < after.body_start <= before.body_end
        overlap = messages[after.body_start : before.body_end]
        assert 0 < _words(overlap) <= CONFIG.overlap_words


def test_zero_overlap_windows_tile_the_session():
    config = WindowConfig(max_words=1000, overlap_words=0, opening_max_words=200)
    windows = window_conversation(_long_session(20), config)
    for before, after in itertools.pairwise(windows):
        assert after.body_start == before.body_end


def test_an_oversized_turn_and_opening_are_cut_and_marked():
    messages = _long_session(6)
    messages[1]["content"] = " ".join(["opening"] * 900)
    messages[9]["content"] = " ".join(["huge"] * 5000)
    windows = window_conversation(messages, CONFIG)
    assert all(_words(w.messages) <= CONFIG.max_words for w in windows)
    assert all(w.messages[1]["content"].endswith(TRUNCATION_MARK) for w in windows)
    assert any("huge" in m["content"] and m["content"].endswith(TRUNCATION_MARK)
               for w in windows for m in w.messages)  # fmt: skip


def test_windows_are_deterministic():
    messages = _long_session(40)
    assert window_conversation(messages, CONFIG) == window_conversation(messages, CONFIG)


def test_the_window_config_refuses_an_overlap_that_stalls():
    with pytest.raises(ValueError):
        WindowConfig(max_words=1000, overlap_words=900, opening_max_words=200)
