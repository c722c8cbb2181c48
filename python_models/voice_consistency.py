"""Voice consistency: how much a voice record sounds like the rest of its speaker's records.

Stage 4 teaches a voice, so a record that does not sound like its speaker (a mis-attributed
passage, an interviewer's question left in a talk, boilerplate) should not train it. The score
is Cosine Delta (Smith & Aldridge 2011; Evert et al. 2017, the best of the Delta family for
authorship): each record becomes a vector of relative frequencies of function words and
punctuation, every feature is z-scored against a reference of many voices, and a record's score
is the cosine between its vector and the centroid of the *other* records of the same speaker
(leave-one-out, so a record does not vouch for itself). Function words carry style and not
topic, which is what "the same voice" means here; sentence embeddings (python_models/
embeddings/) would mostly measure the topic. ``speaker_consistency`` takes any vectors, so
an embedding centroid can be swapped in.

Scores lie in [-1, 1]; a speaker with fewer than ``min_records`` records gets None (nothing to
compare with). Whether a score fails the voice gate is SQL: int_voice_conversations_gated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

FUNCTION_WORDS = (
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "even", "every",
    "for", "from", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if",
    "in", "into", "is", "it", "its", "just", "like", "may", "me", "might", "more", "most", "much",
    "must", "my", "no", "not", "now", "of", "often", "on", "one", "only", "or", "other", "our",
    "out", "over", "really", "she", "should", "so", "some", "something", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too",
    "up", "us", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
    "why", "will", "with", "would", "yet", "you", "your",
)  # fmt: skip
PUNCTUATION = (",", ".", "?", "!", ";", ":", "-", '"', "(")
_TOKEN = re.compile(r"[a-z']+|[,.?!;:\-\"(]")
_INDEX = {word: i for i, word in enumerate(FUNCTION_WORDS + PUNCTUATION)}
DIMENSIONS = len(_INDEX) + 1  # + mean sentence length


def style_vector(text: str) -> np.ndarray:
    """Relative frequencies of function words and punctuation marks, and sentence length."""
    tokens = _TOKEN.findall(text.lower().replace("\u2019", "'"))
    vector = np.zeros(DIMENSIONS, dtype=np.float64)
    words = 0
    for token in tokens:
        if token[0].isalpha() or token[0] == "'":
            words += 1
        if (index := _INDEX.get(token)) is not None:
            vector[index] += 1
    if words:
        vector[:-1] /= words
    sentences = max(1, sum(text.count(mark) for mark in ".?!"))
    vector[-1] = words / sentences / 100  # words per sentence, scaled near the others
    return vector


def style_vectors(texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, DIMENSIONS))
    return np.vstack([style_vector(text) for text in texts])


def zscore(vectors: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Each feature centred and scaled by the reference rows' mean and deviation.

    The reference must hold many voices: z-scored against one speaker's own records, every
    record would point away from the others' centroid.
    """
    reference = vectors if reference is None else reference
    if len(vectors) == 0 or len(reference) == 0:
        return vectors
    spread = reference.std(axis=0)
    spread[spread == 0] = 1.0
    return (vectors - reference.mean(axis=0)) / spread


def speaker_consistency(
    speakers: Sequence[str | None], vectors: np.ndarray, *, min_records: int = 2
) -> list[float | None]:
    """Cosine of each row to the mean of the other rows of its speaker, or None.

    None when the speaker is unknown or has fewer than ``min_records`` rows.
    """
    scores: list[float | None] = [None] * len(speakers)
    groups: dict[str, list[int]] = {}
    for row, speaker in enumerate(speakers):
        if speaker:
            groups.setdefault(speaker, []).append(row)
    for rows in groups.values():
        if len(rows) < min_records:
            continue
        block = vectors[rows]
        total = block.sum(axis=0)
        for position, row in enumerate(rows):
            centroid = (total - block[position]) / (len(rows) - 1)
            norm = np.linalg.norm(block[position]) * np.linalg.norm(centroid)
            scores[row] = round(float(block[position] @ centroid / norm), 4) if norm else 0.0
    return scores


def voice_consistency(
    speakers: Sequence[str | None],
    texts: Sequence[str],
    *,
    reference_texts: Sequence[str] | None = None,
    min_records: int = 2,
) -> list[float | None]:
    """Cosine Delta of each text to its speaker's other texts.

    Features are z-scored against ``reference_texts`` (many voices: the warehouse passes a
    sample of replies from every stage), or against ``texts`` themselves when not given.
    """
    return consistency_of_vectors(
        speakers, style_vectors(texts), reference_texts, min_records=min_records
    )


def consistency_of_vectors(
    speakers: Sequence[str | None],
    vectors: np.ndarray,
    reference_texts: Sequence[str] | None,
    *,
    min_records: int = 2,
) -> list[float | None]:
    """``voice_consistency`` from the texts' style vectors: the parts that compare a record
    with others (the reference's z-scores, the speaker's centroid)."""
    reference = style_vectors(reference_texts) if reference_texts else None
    return speaker_consistency(speakers, zscore(vectors, reference), min_records=min_records)


VOICE_SCORE_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("speaker", pa.string()),
        ("voice_consistency", pa.float32()),
    ]
)


def _assistant_text(messages: Sequence[dict[str, str]] | None) -> str:
    return "\n".join(m["content"] or "" for m in messages or [] if m["role"] == "assistant")


def score_voice_table(
    records: pa.Table,
    reference_texts: Sequence[str],
    *,
    engine: str = "local",
    batch_rows: int = 4096,
    workers: int = 0,
) -> pa.Table:
    """Voice consistency of records (``source_file``, ``source_line``, ``speaker``,
    ``messages``): the record's assistant turns against its speaker's other records (None for a
    speaker's only record). The gate (an outlier among them? enough records to judge?) is SQL:
    int_voice_conversations_gated.

    With ``engine`` "ray" each record's style vector (the per-record work) is computed by Ray
    Data (``VoiceStyleStage``, batches of ``batch_rows`` on at most ``workers`` workers); what
    compares records with each other (the reference's z-scores, each speaker's centroid) stays
    here, over every record, so the scores are the same on both engines."""
    speakers = records.column("speaker").to_pylist()
    if engine == "ray" and records.num_rows:
        from python_models.ray_stages import (
            run_stage,
            split_vectors,
            table_batches,
            vector_schema,
        )

        styled = run_stage(
            VoiceStyleStage,
            table_batches(records.select(["messages"]), batch_rows),
            vector_schema(DIMENSIONS, np.float64),
            name="voice",
            workers=workers,
        )
        vectors = split_vectors(styled)[1]
    else:
        vectors = VoiceStyleStage.vectors(records.column("messages").to_pylist())
    scores = consistency_of_vectors(speakers, vectors, list(reference_texts) or None)
    return pa.table(
        {
            "source_file": records.column("source_file"),
            "source_line": records.column("source_line"),
            "speaker": speakers,
            "voice_consistency": scores,
        },
        schema=VOICE_SCORE_SCHEMA,
    )


class VoiceStyleStage:
    """The style vectors of records (column ``messages``: their assistant turns), on a Ray worker
    or in this process; nothing to load, one record at a time."""

    @staticmethod
    def vectors(messages: Sequence[Sequence[dict[str, str]] | None]) -> np.ndarray:
        return style_vectors([_assistant_text(m) for m in messages])

    def __call__(self, table: pa.Table) -> pa.Table:
        from python_models.ray_stages import vector_table

        return vector_table(self.vectors(table.column("messages").to_pylist()), np.float64)
