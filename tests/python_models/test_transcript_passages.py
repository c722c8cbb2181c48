"""Documents to dialogue pairs: passage segmentation (python_models/transcript_passages.py).

One test per documented rule (docs/curriculum.md); each fails when its rule breaks.
"""

from __future__ import annotations

import random
import re

import pytest

from python_models.transcript_passages import (
    RULE_FIRST_SENTENCE,
    RULE_HEADING,
    RULE_HEADING_CONTINUED,
    RULE_RHETORICAL_QUESTION,
    PassageConfig,
    segment_document,
    speaker_from_path,
)
from python_models.words import count_words


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
