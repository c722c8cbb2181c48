"""With model scoring off the warehouse still redacts PII (a safety step): `unscored_table`."""

from __future__ import annotations

import pyarrow as pa
import pytest

from python_models.scoring.pii import PiiDetector
from python_models.scoring.warehouse import MESSAGE_TYPE, unscored_table


def batches(rows: int, per_batch: int) -> list[pa.RecordBatch]:
    table = pa.table(
        {
            "conversation_id": [f"c{i:03d}" for i in range(rows)],
            "messages": pa.array(
                [
                    [
                        {"role": "user", "content": f"Mail me at person{i}@example.com please."},
                        {"role": "assistant", "content": "I hear you."},
                    ]
                    for i in range(rows)
                ],
                MESSAGE_TYPE,
            ),
        }
    )
    return table.to_batches(max_chunksize=per_batch)


def test_pii_is_redacted_and_counted_with_every_score_null():
    out = unscored_table(batches(5, 2), PiiDetector())
    assert out.column("conversation_id").to_pylist() == [f"c{i:03d}" for i in range(5)]
    assert out.column("pii_email").to_pylist() == [1] * 5
    assert out.column("pii_total").to_pylist() == [1] * 5
    assert out.column("empathy_score").null_count == 5
    assert out.column("language").to_pylist() == ["en"] * 5  # detected even unscored
    text = str(out.column("redacted_messages").to_pylist())
    assert "example.com" not in text and "[EMAIL]" in text


def test_without_a_detector_the_text_passes_through_uncounted():
    out = unscored_table(batches(3, 2), None)
    assert "person0@example.com" in str(out.column("redacted_messages").to_pylist())
    assert out.column("pii_total").null_count == 3


@pytest.mark.slow  # spawns worker processes
def test_a_pool_of_workers_gives_the_same_table_in_the_same_order():
    one = unscored_table(batches(9, 2), PiiDetector())
    pooled = unscored_table(batches(9, 2), PiiDetector(), workers=2)
    assert pooled.equals(one)
