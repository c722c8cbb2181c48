"""Documents (format ``transcript``) as text: talks, books and papers, timed video transcripts.

A document file is one record ``{"text", "title"}`` whatever it holds; the text is markdown
that ``python_models.transcript_passages`` cuts into passages, with the title and speaker in
front matter where the file names them. What a file is comes from its bytes, never its name:

- PDF (``%PDF-``): text per page with pypdf; running headers and footers (lines repeated at
  the top or bottom of most pages, digits aside) and page numbers removed; words hyphenated
  across lines joined; chapters from the outline (or ``Chapter N`` lines) become headings.
  A PDF without a text layer (a scan) is ``no_text_layer``: nothing here does OCR.
- EPUB (a zip whose first entry is ``mimetype`` = ``application/epub+zip``): the spine's
  documents in reading order with ebooklib, HTML headings as markdown headings, paragraphs
  as paragraphs.
- JSON or JSONL transcripts: ``{"video_id", "title", "segments": [{"start", "end", "text"}]}``,
  a bare list of segments, one segment per JSONL line, or ``{"title", "text"}``; segments are
  joined into paragraphs, a new one at a pause of ``PAUSE_SECONDS`` or more. JSON in no such
  shape is read as text, like any other file.
- anything else: UTF-8 (or UTF-16 with its BOM) text or markdown, as it is.

A file that cannot be read as what it claims is ``unreadable_document``; no content is logged.
"""

from __future__ import annotations

import io
import json
import re
import statistics
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ingestion.containers import utf8_without_bom

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
EPUB_MIMETYPE = b"application/epub+zip"
# A pause this long (seconds) between two timed segments starts a new paragraph.
PAUSE_SECONDS = 2.0
# A line repeated at the top or bottom of at least this share of pages is a running header/footer.
RUNNING_LINE_SHARE = 0.5
# A line shorter than this share of the median line that ends a sentence ends its paragraph.
SHORT_LINE_SHARE = 0.8
EDGE_LINES = 2  # lines at each end of a page that may be a header, footer or page number

_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE
)
_CHAPTER_LINE = re.compile(r"^(?:chapter|part)\s+(?:\d{1,3}|[ivxlc]{1,6})\b.{0,80}$", re.I)
_HYPHEN_END = re.compile(r"[A-Za-z\u00c0-\u024f]-$")
_SENTENCE_END = re.compile(r"[.!?:;\"'\u201d\u2019)]$")
_NOISE_SEGMENT = re.compile(r"^[\[(][^\])]{0,30}[\])]$")  # [Music], (applause)
_WHITESPACE = re.compile(r"\s+")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')\]\u201d\u2019]*\s+")
# A longer paragraph is cut at sentence ends (or, without any, every this many words): each
# passage then starts on a line of its own, the line that names it (python_models/voice_dialogues).
PARAGRAPH_MAX_WORDS = 150


@dataclass(frozen=True, slots=True)
class Document:
    """A document's text (markdown) and names, or why it has none."""

    text: str = ""
    title: str | None = None
    speaker: str | None = None
    error: str | None = None
    plain: bool = False  # a text or markdown file, kept as it is

    def record(self) -> dict[str, str | None]:
        """The raw record: the text with front matter naming the title and speaker, if known."""
        text = self.text if self.plain else bounded_paragraphs(self.text)
        meta = [f"{key}: {value}" for key, value in (("speaker", self.speaker),) if value]
        if meta and not text.lstrip().startswith("---"):
            text = "\n".join(["---", *meta, "---", "", text])
        return {"text": text, "title": self.title}


def read_document(data: bytes, uri: str) -> Document | None:
    """The document a file holds (``None``: an empty file, no record)."""
    stem = PurePosixPath(uri).name.split(".")[0]
    if data.lstrip()[:5] == PDF_MAGIC:
        return pdf_document(data, stem)
    if data[:4] == ZIP_MAGIC:
        return epub_document(data, stem)
    data = utf8_without_bom(data)
    if not data.strip():
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Document(error="invalid_utf8")
    if text.lstrip()[:1] in ("{", "["):
        timed = json_transcript(text, stem)
        if timed is not None:
            return timed
    return Document(text=text, title=stem, plain=True)


def _cut_paragraph(paragraph: str, max_words: int) -> list[str]:
    """A paragraph as pieces of at most ``max_words`` words, cut at sentence ends when it has
    any (a sentence longer than the bound is cut by words)."""
    pieces: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_BREAK.split(paragraph):
        words = sentence.split()
        while len(words) > max_words:
            if current:
                pieces.append(" ".join(current))
                current = []
            pieces.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if current and len(current) + len(words) > max_words:
            pieces.append(" ".join(current))
            current = []
        current += words
    if current:
        pieces.append(" ".join(current))
    return pieces


def bounded_paragraphs(text: str, max_words: int = PARAGRAPH_MAX_WORDS) -> str:
    """Markdown whose paragraphs (blank-line separated, headings aside) are all within
    ``max_words`` words, so no two passages start on one line."""
    blocks: list[str] = []
    for block in text.split("\n\n"):
        if block.lstrip().startswith(("#", "---")) or len(block.split()) <= max_words:
            blocks.append(block)
        else:
            blocks.extend(_cut_paragraph(" ".join(block.split()), max_words))
    return "\n\n".join(blocks)


# ---- timed transcripts -------------------------------------------------------------------


def _json_values(text: str) -> Any:
    """The file as one JSON value, or its JSONL lines as a list; ``None`` when neither."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError:
        return None


def _clean(text: Any) -> str:
    return _WHITESPACE.sub(" ", text).strip() if isinstance(text, str) else ""


def _seconds(value: Any) -> float | None:
    """A segment time: seconds as a number, or ``HH:MM:SS(.mmm)`` / ``MM:SS``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        parts = value.strip().replace(",", ".").split(":")
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            return None
        total = 0.0
        for number in numbers:
            total = total * 60 + number
        return total
    return None


def join_segments(segments: list[Any]) -> str:
    """Timed segments as paragraphs: texts joined by spaces, a blank line at every long pause."""
    paragraphs: list[list[str]] = [[]]
    previous_end: float | None = None
    for segment in segments:
        if not isinstance(segment, dict):
            continue
        text = _clean(segment.get("text"))
        if not text or _NOISE_SEGMENT.match(text):
            continue
        start = _seconds(segment.get("start"))
        if previous_end is not None and start is not None and start - previous_end >= PAUSE_SECONDS:
            paragraphs.append([])
        paragraphs[-1].append(text)
        end = _seconds(segment.get("end"))
        previous_end = end if end is not None else start
    return "\n\n".join(" ".join(words) for words in paragraphs if words)


def _talk_text(talk: dict[str, Any]) -> str:
    if isinstance(talk.get("segments"), list):
        return join_segments(talk["segments"])
    return _clean(talk.get("text")) if isinstance(talk.get("text"), str) else ""


def _speaker(talk: dict[str, Any]) -> str | None:
    for key in ("speaker", "author", "channel"):
        if isinstance(talk.get(key), str) and talk[key].strip():
            return talk[key].strip()
    return None


def json_transcript(text: str, stem: str) -> Document | None:
    """A JSON/JSONL transcript as a document; ``None`` when the file is not JSON in one of the
    transcript shapes (then it is read as the text it is)."""
    value = _json_values(text)
    if isinstance(value, dict) and (
        isinstance(value.get("segments"), list) or isinstance(value.get("text"), str)
    ):
        title = _clean(value.get("title")) or stem
        body = _talk_text(value)
        if not body:
            return Document(title=title, error="missing_field")
        return Document(text=f"# {title}\n\n{body}", title=title, speaker=_speaker(value))
    if (
        isinstance(value, list)
        and value
        and all(isinstance(item, dict) for item in value)
        and "text" in value[0]
    ):
        body = join_segments(value)  # a bare list (or JSONL) of segments: one talk
        if not body:
            return Document(title=stem, error="missing_field")
        return Document(text=body, title=stem)
    return None


# ---- PDF -------------------------------------------------------------------------------


def _shape(line: str) -> str:
    """A line with its digits masked: running headers differ only in the page number."""
    return re.sub(r"\d+", "#", line.strip().lower())


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of the lines at the top or bottom of at least ``RUNNING_LINE_SHARE`` of pages."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_shape(line) for line in (*lines[:EDGE_LINES], *lines[-EDGE_LINES:])})
    return {shape for shape, n in counts.items() if n >= max(2, RUNNING_LINE_SHARE * len(pages))}


def _strip_page_furniture(lines: list[str], running: set[str]) -> list[str]:
    """A page's lines without running headers/footers and page numbers at its ends."""
    lines = list(lines)
    for _ in range(EDGE_LINES):
        if lines and (_shape(lines[0]) in running or _PAGE_NUMBER.match(lines[0].strip())):
            lines.pop(0)
        if lines and (_shape(lines[-1]) in running or _PAGE_NUMBER.match(lines[-1].strip())):
            lines.pop()
    return lines


def _join_lines(lines: list[str]) -> str:
    """Body lines as markdown paragraphs: hyphenated words repaired; a paragraph ends at a blank
    line, a heading, or a short line that ends a sentence."""
    widths = [len(line) for line in lines if line and not line.startswith("#")]
    full = statistics.median(widths) if widths else 0
    paragraphs: list[str] = []
    current = ""

    def flush() -> None:
        nonlocal current
        if current.strip():
            paragraphs.append(current.strip())
        current = ""

    for line in lines:
        if not line:
            flush()
            continue
        if line.startswith("#"):
            flush()
            paragraphs.append(line)
            continue
        if current and _HYPHEN_END.search(current) and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        if len(line) < SHORT_LINE_SHARE * full and _SENTENCE_END.search(line):
            flush()
    flush()
    return "\n\n".join(paragraphs)


def _outline_headings(reader: Any) -> dict[int, list[tuple[int, str]]]:
    """Page index -> (level, title) of the outline entries that start on it."""
    headings: dict[int, list[tuple[int, str]]] = {}

    def walk(entries: list[Any], level: int) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(entry)
            except Exception:
                continue
            title = _clean(getattr(entry, "title", ""))
            if title and page is not None and page >= 0:
                headings.setdefault(page, []).append((min(level, 6), title))

    try:
        walk(reader.outline, 1)
    except Exception:
        return {}
    return headings


def _mark_headings(lines: list[str], headings: list[tuple[int, str]]) -> list[str]:
    """The page's lines with its outline titles as markdown headings (added when not printed)."""
    out = list(lines)
    for level, title in reversed(headings):
        mark = "#" * level + " " + title
        for i, line in enumerate(out):
            if _clean(line).lower() == title.lower():
                out[i] = mark
                break
        else:
            out.insert(0, mark)
    return out


def pdf_document(data: bytes, stem: str) -> Document:
    """A PDF's text layer as markdown; ``no_text_layer`` when it has none."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                return Document(title=stem, error="unreadable_document")
            pages = [
                [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
                for page in reader.pages
            ]
            outline = _outline_headings(reader)
            meta = reader.metadata or {}
            title = _clean(meta.get("/Title")) or stem
            author = _clean(meta.get("/Author")) or None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError):
        return Document(title=stem, error="unreadable_document")
    if not any(pages):
        return Document(title=stem, error="no_text_layer")
    running = _running_lines(pages)
    body: list[str] = []
    for index, lines in enumerate(pages):
        lines = _strip_page_furniture(lines, running)
        if index in outline:
            lines = _mark_headings(lines, outline[index])
        elif not outline:
            lines = [f"# {line}" if _CHAPTER_LINE.match(line) else line for line in lines]
        body.extend(lines)
    return Document(text=_join_lines(body), title=title, speaker=author)


# ---- EPUB ------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "li", "blockquote", "pre", "dd", "dt", "figcaption"}


def _html_blocks(html: bytes) -> list[str]:
    """An XHTML chapter as markdown blocks: headings and paragraphs in document order."""
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    blocks: list[str] = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            text = _clean(element.text_content())
            if text:
                blocks.append("#" * int(tag[1]) + " " + text)
        elif tag in _BLOCK_TAGS and not any(
            isinstance(a.tag, str) and a.tag.rsplit("}", 1)[-1].lower() in _BLOCK_TAGS
            for a in element.iterancestors()
        ):
            text = _clean(element.text_content().replace("\u00ad", ""))
            if text:
                blocks.append(text)
    return blocks


def epub_document(data: bytes, stem: str) -> Document:
    """An EPUB's chapters in reading order as markdown."""
    import ebooklib
    from ebooklib import epub

    if data[30:58] != b"mimetype" + EPUB_MIMETYPE:
        return Document(title=stem, error="unreadable_document")  # a zip, not an EPUB
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = epub.read_epub(io.BytesIO(data), options={"ignore_ncx": True})
    except (epub.EpubException, zipfile.BadZipFile, KeyError, ValueError, OSError, AttributeError):
        return Document(title=stem, error="unreadable_document")
    blocks: list[str] = []
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
            continue
        if isinstance(item, epub.EpubNav):
            continue
        blocks.extend(_html_blocks(item.get_content()))
    titles = book.get_metadata("DC", "title")
    creators = book.get_metadata("DC", "creator")
    title = _clean(titles[0][0]) if titles else stem
    speaker = _clean(creators[0][0]) if creators else None
    if not blocks:
        return Document(title=title, error="missing_field")
    return Document(text="\n\n".join(blocks), title=title or stem, speaker=speaker or None)
