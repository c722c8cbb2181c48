"""Record-reader benchmark: CPU seconds to read N records per container (JSONL, gzip JSONL, CSV).

    python -m benchmarks.reader --records 60000

Writes one file of each container (chat records; the CSV's answers span two lines, as real
Q&A exports do) into a temporary folder, reads each with ``ingestion.lake_reader.read_one_file``
``--repeat`` times and prints the best CPU time (process time, steadier than wall time on a
shared machine) as JSON. To compare two versions of the reader, run it from each checkout
alternately (``PYTHONPATH=<checkout>``) and record the ratios in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import tempfile
import time
from pathlib import Path

from ingestion.lake_reader import read_one_file

WORDS = [
    "i",
    "feel",
    "anxious",
    "about",
    "work",
    "and",
    "cannot",
    "sleep",
    "at",
    "night",
    "that",
    "sounds",
    "hard",
]


def write_files(folder: Path, records: int, seed: int) -> list[Path]:
    """One JSONL, one gzip JSONL and one CSV file of ``records`` records each."""
    rng = random.Random(seed)

    def text(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    lines = [
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": text(40)},
                    {"role": "assistant", "content": text(60)},
                ]
            }
        )
        for _ in range(records)
    ]
    body = "\n".join(lines) + "\n"
    (folder / "records.jsonl").write_text(body)
    with gzip.open(folder / "records.jsonl.gz", "wt") as handle:
        handle.write(body)
    with (folder / "records.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Context", "Response"])
        for _ in range(records):
            writer.writerow([text(40), text(30) + "\n" + text(20)])
    return [folder / name for name in ("records.jsonl", "records.jsonl.gz", "records.csv")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    figures: dict[str, object] = {"records_per_file": args.records}
    with tempfile.TemporaryDirectory() as folder:
        for path in write_files(Path(folder), args.records, args.seed):
            best = float("inf")
            for _ in range(args.repeat):
                started = time.process_time()
                rows = sum(1 for _ in read_one_file(str(path), max_record_bytes=2_000_000))
                best = min(best, time.process_time() - started)
            figures[path.name] = {"rows": rows, "cpu_s": round(best, 3)}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
