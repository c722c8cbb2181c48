"""Voice consistency (Cosine Delta to the speaker's leave-one-out centroid)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from python_models.voice_consistency import (
    DIMENSIONS,
    VOICE_SCORE_SCHEMA,
    score_voice_table,
    speaker_consistency,
    style_vector,
    voice_consistency,
)

# Two synthetic voices that differ in style, not topic: one talks in long, comma-heavy "we"
# sentences, the other in short "you" questions.
LECTURER = (
    "When we look at the nervous system, we find that it is shaped by the experiences of our"
    " early years, and that it carries them, often without our knowing, into the present. {x}"
)
COACH = "You feel it? You notice it. What do you need? Can you stay with it? {x} You can."
TOPICS = ("shame", "grief", "sleep", "anger", "trust", "work", "family", "fear")


def _texts(template: str) -> list[str]:
    return [template.format(x=f"This is about {topic}.") for topic in TOPICS]


def test_style_vector_counts_function_words_and_punctuation_per_word():
    vector = style_vector("The cat and the dog, and the bird.")
    assert vector.shape == (DIMENSIONS,)
    assert vector[-1] == pytest.approx(8 / 1 / 100)  # 8 words in one sentence
    assert vector.max() == pytest.approx(3 / 8)  # "the" three times in eight words


def test_a_record_in_its_speakers_voice_scores_higher_than_one_in_another_voice():
    lecturer, coach = _texts(LECTURER), _texts(COACH)
    # the last "lecturer" record is really the coach's: a mis-attributed passage
    texts = lecturer + coach[:-1] + [coach[-1]]
    speakers = ["lecturer"] * len(lecturer) + ["coach"] * (len(coach) - 1) + ["lecturer"]
    scores = voice_consistency(speakers, texts)
    misattributed = scores[-1]
    genuine = scores[: len(lecturer)]
    assert all(s is not None and s > misattributed for s in genuine)
    assert misattributed < 0 < min(genuine)


def test_one_speaker_scored_against_a_reference_of_many_voices_is_consistent():
    texts = _texts(LECTURER)
    reference = _texts(LECTURER) + _texts(COACH)
    scores = voice_consistency(["lecturer"] * len(texts), texts, reference_texts=reference)
    assert all(s is not None and s > 0.5 for s in scores)


def test_speakers_with_too_few_records_or_no_name_get_no_score():
    vectors = np.eye(5)
    scores = speaker_consistency(["a", "a", None, "b", "b"], vectors, min_records=3)
    assert scores == [None] * 5


def test_the_score_leaves_the_record_out_of_its_own_centroid():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    scores = speaker_consistency(["s", "s", "s"], vectors, min_records=3)
    assert scores[0] == 0.0  # its centroid is the other two, orthogonal to it
    assert scores[1] == pytest.approx(np.cos(np.pi / 4), abs=1e-4)


def test_score_voice_table_scores_the_assistant_turns_of_each_record():
    records = pa.table(
        {
            "source_file": ["t.md"] * 9,
            "source_line": list(range(1, 10)),
            "speaker": ["lecturer"] * 8 + ["someone"],
            "messages": [
                [
                    {"role": "user", "content": COACH.format(x="?")},
                    {"role": "assistant", "content": t},
                ]
                for t in _texts(LECTURER)
            ]
            + [[{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]],
        }
    )
    table = score_voice_table(records, _texts(LECTURER) + _texts(COACH))
    assert table.schema == VOICE_SCORE_SCHEMA
    scores = table.column("voice_consistency").to_pylist()
    assert all(score > 0.5 for score in scores[:8])  # the user turns (coach style) are ignored
    assert scores[8] is None  # one record of its speaker: nothing to compare with


def test_score_voice_table_scores_a_speaker_of_two_records_and_leaves_the_verdict_to_sql():
    records = pa.table(
        {
            "source_file": ["t.md", "t.md"],
            "source_line": [1, 2],
            "speaker": ["pair", "pair"],
            "messages": [[{"role": "assistant", "content": t}] for t in _texts(LECTURER)[:2]],
        }
    )
    table = score_voice_table(records, _texts(LECTURER) + _texts(COACH))
    assert table.column_names == ["source_file", "source_line", "speaker", "voice_consistency"]
    assert all(score is not None for score in table.column("voice_consistency").to_pylist())
