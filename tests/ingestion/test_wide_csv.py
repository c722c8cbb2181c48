"""Wide CSV exports: text columns beside hundreds of feature columns are read, nothing dropped."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from ingestion.lake_reader import read_one_file

FEATURES = 200


def test_a_csv_with_200_numeric_columns_gives_one_record_per_row(tmp_path: Path) -> None:
    rng = random.Random(5)
    header = ["", "Context", "Response", *(f"tfidf_{i}" for i in range(FEATURES))]
    rows = [
        [str(i), f"I feel low, day {i}, and tired.", f"Thank you for telling me, {i}."]
        + [f"{rng.random():.6f}" for _ in range(FEATURES)]
        for i in range(50)
    ]
    path = tmp_path / "wide.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    out = list(read_one_file(str(path), max_record_bytes=2_000_000))
    assert len(out) == 50
    assert all(container == "csv" and rec.load_error is None for container, _, rec in out)
    first = json.loads(out[0][2].raw_record)
    assert len(first) == FEATURES + 3
    assert first["Context"] == "I feel low, day 0, and tired."
    assert first["Response"] == "Thank you for telling me, 0."
    assert [rec.source_line for _, _, rec in out] == list(range(2, 52))
