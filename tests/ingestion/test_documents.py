"""Books, papers and timed video transcripts read as documents (ingestion/documents.py)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from ingestion.documents import (
    PARAGRAPH_MAX_WORDS,
    bounded_paragraphs,
    join_segments,
    read_document,
)
from ingestion.lake_reader import read_one_file
from python_models.transcript_passages import segment_document
from sample_lake.document_writers import (
    hyphenated_lines,
    write_epub,
    write_pdf,
    write_scanned_pdf,
)

LONG_WORDS = (
    "psychotherapeutic",
    "understanding",
    "relationships",
    "acknowledgement",
    "counterproductive",
)


def _paragraph(number: int) -> str:
    words = " ".join(LONG_WORDS)
    return (
        f"Paragraph {number} begins with an ordinary sentence about sleep and worry. "
        f"It carries long words that a typesetter breaks: {words}. "
        "Naming a feeling out loud often makes it a little smaller and easier to hold. "
        "We practise this together, slowly, until the body believes it is safe again."
    )


CHAPTERS = [
    ("Chapter 1: Sleep and worry", [_paragraph(n) for n in range(1, 25)]),
    ("Chapter 2: Naming feelings", [_paragraph(n) for n in range(25, 31)]),
]
PARAGRAPHS = sum(len(paragraphs) for _, paragraphs in CHAPTERS)


@pytest.fixture(scope="module")
def book_pdf(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("pdf") / "book.pdf"
    write_pdf(path, "The Quiet Mind", "Dr. Helena Marsh", CHAPTERS)
    return path.read_bytes()


def test_the_sample_pdf_really_hyphenates_and_runs_headers_and_footers(book_pdf) -> None:
    import io

    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(book_pdf)).pages]
    raw = "\n".join(pages)
    assert len(pages) >= 3
    assert re.search(r"[a-z]-\n[a-z]", raw), "no word is hyphenated across lines"
    assert raw.count("The Quiet Mind") >= len(pages) and "Page 2" in raw


def test_a_pdf_loses_headers_footers_page_numbers_and_hyphens(book_pdf) -> None:
    document = read_document(book_pdf, "lake/books/book.pdf")
    assert document is not None and document.error is None
    text = document.record()["text"]
    assert "The Quiet Mind" not in text.split("---")[-1]  # the running header is gone
    assert not re.search(r"\bPage \d+\b", text)
    for word in LONG_WORDS:
        assert text.count(word) == PARAGRAPHS, word  # every break repaired, in every paragraph
    assert not re.search(r"[a-z]- ?[a-z]", text.replace("Dr. Helena", ""))
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["# Chapter 1: Sleep and worry", "# Chapter 2: Naming feelings"]
    assert (document.title, document.speaker) == ("The Quiet Mind", "Dr. Helena Marsh")


def test_pdf_passages_are_the_books_paragraphs_in_its_authors_voice(book_pdf) -> None:
    record = read_document(book_pdf, "lake/books/book.pdf").record()
    segmented = segment_document(record["text"], path="lake/books/book.pdf")
    assert segmented.speaker == "Dr. Helena Marsh"
    assert len(segmented.pairs) >= 4
    assert {pair.heading for pair in segmented.pairs} == {c for c, _ in CHAPTERS}
    replies = " ".join(pair.reply for pair in segmented.pairs)
    for number in range(1, PARAGRAPHS + 1):
        assert f"Paragraph {number} begins" in replies
    lines = [pair.line for pair in segmented.pairs]
    assert len(lines) == len(set(lines))


def test_a_scanned_pdf_is_quarantined_no_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    write_scanned_pdf(path, random.Random(1))
    rows = list(read_one_file(str(path), max_record_bytes=10_000_000, document=True))
    assert [(c, r.source_line, r.raw_record, r.load_error) for c, _, r in rows] == [
        ("document", 1, None, "no_text_layer")
    ]


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n garbage, not a pdf", b"PK\x03\x04 a zip that is not an epub" + b"\0" * 64],
)
def test_a_damaged_book_is_unreadable_document(data: bytes) -> None:
    document = read_document(data, "lake/books/x.pdf")
    assert document is not None and document.error == "unreadable_document"


def test_an_epub_is_its_chapters_in_reading_order(tmp_path: Path) -> None:
    path = tmp_path / "book.epub"
    write_epub(path, "urn:test:1", "The Quiet Mind", "Dr. Helena Marsh", CHAPTERS)
    document = read_document(path.read_bytes(), str(path))
    assert document is not None and document.error is None
    text = document.record()["text"]
    assert text.startswith("---\nspeaker: Dr. Helena Marsh\n---")
    assert text.index("# Chapter 1") < text.index("Paragraph 24 begins") < text.index("# Chapter 2")
    assert text.count("begins with an ordinary sentence") == PARAGRAPHS
    assert "toc" not in text.lower()  # the navigation document is not a chapter


def test_the_sample_books_are_byte_identical_across_runs(tmp_path: Path) -> None:
    for run in ("a", "b"):
        write_pdf(tmp_path / f"{run}.pdf", "T", "A", CHAPTERS)
        write_epub(tmp_path / f"{run}.epub", "urn:x", "T", "A", CHAPTERS)
        write_scanned_pdf(tmp_path / f"{run}_scan.pdf", random.Random(3))
    for suffix in (".pdf", ".epub", "_scan.pdf"):
        a = (tmp_path / f"a{suffix}").read_bytes()
        assert a == (tmp_path / f"b{suffix}").read_bytes(), suffix


def test_hyphenated_lines_keep_every_character() -> None:
    text = " ".join([_paragraph(1)] * 3)
    lines = hyphenated_lines(text, width=40)
    assert all(len(line) <= 40 for line in lines)
    assert any(line.endswith("-") for line in lines)
    rejoined = " ".join(lines).replace("- ", "")
    assert rejoined.split() == text.split()


SEGMENTS = [
    {"start": 0.0, "end": 2.5, "text": "okay so today we talk about"},
    {"start": 2.6, "end": 5.0, "text": "feeling stuck at work"},
    {"start": 5.1, "end": 6.0, "text": "[Music]"},
    {"start": 9.5, "end": 12.0, "text": "here's the first   thing to try"},
    {"start": "00:00:12.10", "end": "00:00:14", "text": "breathe out slowly"},
]


def test_segments_join_into_paragraphs_at_pauses() -> None:
    assert join_segments(SEGMENTS) == (
        "okay so today we talk about feeling stuck at work\n\n"
        "here's the first thing to try breathe out slowly"
    )


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        (
            "video.json",
            json.dumps(
                {"video_id": "v1", "title": "Stuck", "channel": "Sam", "segments": SEGMENTS}
            ),
        ),
        ("segments.json", json.dumps(SEGMENTS)),
        ("sam__segments.jsonl", "".join(json.dumps(s) + "\n" for s in SEGMENTS)),
    ],
)
def test_timed_transcripts_are_one_document_each(tmp_path: Path, name: str, payload: str) -> None:
    path = tmp_path / name
    path.write_text(payload)
    rows = list(read_one_file(str(path), max_record_bytes=100_000, document=True))
    assert len(rows) == 1
    container, _, rec = rows[0]
    assert (container, rec.source_line, rec.load_error) == ("document", 1, None)
    text = json.loads(rec.raw_record)["text"]
    assert "feeling stuck at work\n\nhere's the first thing to try" in text
    assert "[Music]" not in text and '"start"' not in text


def test_the_plain_text_shape_and_a_transcript_without_text() -> None:
    plain = read_document(
        json.dumps({"title": "On grief", "text": "Grief comes in waves."}).encode(), "g.json"
    )
    assert plain.record() == {"text": "# On grief\n\nGrief comes in waves.", "title": "On grief"}
    empty = read_document(json.dumps({"video_id": "v", "segments": []}).encode(), "e.json")
    assert empty.error == "missing_field"


def test_markdown_that_starts_with_a_bracket_stays_text() -> None:
    text = "[00:01] Welcome, everyone.\n\nToday: shame and safety."
    document = read_document(text.encode(), "talks/x.md")
    assert document.record() == {"text": text, "title": "x"}


def test_long_paragraphs_are_bounded_so_passages_start_on_their_own_lines() -> None:
    text = "# Title\n\n" + " ".join(f"Sentence {i} says something short." for i in range(200))
    bounded = bounded_paragraphs(text)
    sizes = [len(block.split()) for block in bounded.split("\n\n")[1:]]
    assert max(sizes) <= PARAGRAPH_MAX_WORDS and sum(sizes) == 1000
    pairs = segment_document(bounded, path="x.json").pairs
    assert len({pair.line for pair in pairs}) == len(pairs) > 1
