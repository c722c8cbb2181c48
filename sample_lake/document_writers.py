"""Book writers of the sample lake: PDF (fpdf2) and EPUB (a zip written here), byte-identical on
every run: fixed creation dates and file ids, fixed zip timestamps, no random identifiers.

The PDFs look like a typeset book: a running header (the book's title) and a footer with the page
number on every page, chapters in the outline, and long words hyphenated across line ends, so
the reader has headers, footers, page numbers and hyphenation to undo. A "scanned" PDF holds
only drawn shapes: no text layer.
"""

from __future__ import annotations

import random
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from fpdf import FPDF

FIXED_DATE = datetime(2024, 1, 1, tzinfo=UTC)
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
LINE_CHARS = 86  # characters per typeset line
HYPHENATE_MIN = 9  # a word this long at a line end is split with a hyphen

Chapter = tuple[str, Sequence[str]]  # (chapter title, paragraphs)


def hyphenated_lines(paragraph: str, width: int = LINE_CHARS) -> list[str]:
    """Lines of at most ``width`` characters; a long word that would overflow is split with a
    hyphen (``thera-`` / ``py``) instead of moving whole to the next line."""
    lines: list[str] = []
    current = ""
    for word in paragraph.split():
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
            continue
        room = width - len(current) - 2  # a space and the hyphen
        alpha = word.isalpha()
        if current and alpha and len(word) >= HYPHENATE_MIN and room >= 4 and len(word) - room >= 3:
            lines.append(f"{current} {word[:room]}-")
            current = word[room:]
        else:
            if current:
                lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


class _Book(FPDF):
    """A page with the book's title as running header and ``Page N`` as footer."""

    running_title = ""

    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 6, self.running_title, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, f"Page {self.page_no()}", align="C")


def _latin1(text: str) -> str:
    return text.encode("latin-1", errors="replace").decode("latin-1")


def write_pdf(path: Path, title: str, author: str, chapters: Sequence[Chapter]) -> None:
    """A book as a PDF: one chapter a page run, in the outline, paragraphs typeset with hyphens."""
    pdf = _Book(format="A4")
    pdf.running_title = _latin1(title)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(_latin1(title))
    pdf.set_author(_latin1(author))
    pdf.set_producer("sample-lake")
    pdf.set_auto_page_break(True, margin=20)
    for chapter_title, paragraphs in chapters:
        pdf.add_page()
        pdf.start_section(_latin1(chapter_title), level=0)
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, _latin1(chapter_title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        for paragraph in paragraphs:
            for line in hyphenated_lines(_latin1(paragraph)):
                pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.file_id = lambda: f"<{'0' * 32}><{'0' * 32}>"  # the default id hashes the time
    path.write_bytes(bytes(pdf.output()))


def write_scanned_pdf(path: Path, rng: random.Random, pages: int = 2) -> None:
    """A PDF of drawn shapes only, like a scan: no text layer at all."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_producer("sample-lake")
    for _page in range(pages):
        pdf.add_page()
        for row in range(30):
            width = 120 + rng.randrange(60)
            pdf.rect(20, 25 + row * 8, width, 3, style="F")
    pdf.file_id = lambda: f"<{'0' * 32}><{'0' * 32}>"
    path.write_bytes(bytes(pdf.output()))


def _xhtml(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        f"<title>{escape(title)}</title></head><body>{body}</body></html>\n"
    )


def write_epub(
    path: Path, identifier: str, title: str, author: str, chapters: Sequence[Chapter]
) -> None:
    """A minimal EPUB 3 (mimetype first and stored, container, OPF, nav, one XHTML a chapter)."""
    names = [f"chapter_{i:02d}.xhtml" for i in range(1, len(chapters) + 1)]
    manifest = "".join(
        f'<item id="c{i}" href="{name}" media-type="application/xhtml+xml"/>'
        for i, name in enumerate(names, start=1)
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(1, len(names) + 1))
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="bookid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="bookid">{escape(identifier)}</dc:identifier>'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>"
        '<dc:language>en</dc:language><meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>'
        "</metadata>"
        '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
        f'properties="nav"/>{manifest}</manifest><spine>{spine}</spine></package>\n'
    )
    nav_items = "".join(
        f'<li><a href="{name}">{escape(chapter_title)}</a></li>'
        for name, (chapter_title, _) in zip(names, chapters, strict=True)
    )
    toc = '<nav xmlns:epub="http://www.idpf.org/2007/ops" epub:type="toc">'
    nav = _xhtml(title, f"{toc}<ol>{nav_items}</ol></nav>")
    container = (
        '<?xml version="1.0"?>\n<container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>\n"
    )
    entries = [
        ("mimetype", "application/epub+zip", zipfile.ZIP_STORED),
        ("META-INF/container.xml", container, zipfile.ZIP_DEFLATED),
        ("OEBPS/content.opf", opf, zipfile.ZIP_DEFLATED),
        ("OEBPS/nav.xhtml", nav, zipfile.ZIP_DEFLATED),
    ]
    for name, (chapter_title, paragraphs) in zip(names, chapters, strict=True):
        body = f"<h1>{escape(chapter_title)}</h1>" + "".join(
            f"<p>{escape(p)}</p>" for p in paragraphs
        )
        entries.append((f"OEBPS/{name}", _xhtml(chapter_title, body), zipfile.ZIP_DEFLATED))
    with zipfile.ZipFile(path, "w") as archive:
        for name, text, compression in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
