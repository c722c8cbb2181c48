"""Byte and line streams for the record reader that keep every complete record of a damaged file.

- ``SalvagingGzip``: inflates gzip (every member) and, when the stream is truncated or corrupt,
  ends cleanly after the last complete line instead of raising, remembering where the damage
  is, so the reader keeps every complete line and counts the lost tail as one row.
- ``split_lines``: lines of a binary stream whatever the line ending (LF, CRLF or CR alone).
- ``csv_rows``: CSV rows with their first physical line; a quote that never closes (or closes
  somewhere absurd) costs its own line only, not every row after it.
- ``json_values``: a text holding JSON values one after another, pretty-printed or not (a
  pretty-printed object in a ``.jsonl`` file), as ``(line, value text)``.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

CHUNK_BYTES = 1 << 16
_NEWLINES = (b"\n", b"\r")


@dataclass(frozen=True, slots=True)
class Damage:
    """Where a damaged gzip stream stopped: the tail after the last complete line is lost."""

    line: int  # the line the lost tail starts on (1-based)
    offset: int  # byte offset of the tail in the inflated text
    tail_bytes: int  # inflated bytes of the partial line before the damage

    def as_json(self) -> str:
        """What the tail row's ``raw_record`` holds: where, never any content."""
        return json.dumps({"damaged_from_byte": self.offset, "partial_line_bytes": self.tail_bytes})


class SalvagingGzip(io.RawIOBase):
    """A readable raw stream of the inflated bytes of ``source`` (gzip, any number of members).

    Bytes after the last line ending are held back until the next one arrives; if the gzip
    stream is truncated or corrupt they are dropped, ``damage`` says where, and the stream
    simply ends, so readers see only complete lines. Errors of ``source`` itself (an object
    that changed, a disk error) are raised as they are.
    """

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._inflater = zlib.decompressobj(31)
        self._ready = bytearray()  # complete lines, ready to hand out
        self._partial = bytearray()  # after the last line ending: held back
        self._delivered = 0
        self._lines = 0
        self._cr_lines = 0
        self._done = False
        self.damage: Damage | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._ready and not self._done:
            self._inflate_more()
        size = min(len(buffer), len(self._ready))
        buffer[:size] = self._ready[:size]
        del self._ready[:size]
        return size

    def _inflate_more(self) -> None:
        data = self._source.read(CHUNK_BYTES)
        try:
            if not data:
                if self._inflater.eof and not self._inflater.unused_data:
                    self._finish(damaged=False)
                else:
                    self._finish(damaged=True)  # ends mid-member: truncated
                return
            saved = self._inflater.copy()
            out = self._inflate(data)
        except zlib.error:
            # inflate the chunk again in small pieces to keep what precedes the damage
            self._inflater = saved
            for start in range(0, len(data), 256):
                try:
                    self._take(self._inflate(data[start : start + 256]))
                except zlib.error:
                    break
            self._finish(damaged=True)
            return
        self._take(out)

    def _inflate(self, data: bytes) -> bytes:
        """Inflate ``data``, starting a new member wherever one ends (``zlib.error`` if bad)."""
        out = self._inflater.decompress(data)
        while self._inflater.eof and (rest := self._inflater.unused_data):
            if rest.strip(b"\x00") == b"":  # zero padding after the last member
                self._inflater = zlib.decompressobj(31)
                return out
            self._inflater = zlib.decompressobj(31)
            out += self._inflater.decompress(rest)
        return out

    def _take(self, out: bytes) -> None:
        end = max(out.rfind(b"\n"), out.rfind(b"\r")) + 1
        if end == 0:
            self._partial += out
            return
        complete = bytes(self._partial) + out[:end] if self._partial else out[:end]
        self._partial = bytearray(out[end:])
        self._count(complete)
        self._ready += complete

    def _count(self, complete: bytes) -> None:
        self._delivered += len(complete)
        self._lines += complete.count(b"\n")
        self._cr_lines += complete.count(b"\r")

    def _finish(self, *, damaged: bool) -> None:
        self._done = True
        if not damaged:
            self._count(bytes(self._partial))
            self._ready += self._partial
            self._partial = bytearray()
            return
        lines = self._lines or self._cr_lines  # a file of CR-only line endings counts CRs
        self.damage = Damage(line=lines + 1, offset=self._delivered, tail_bytes=len(self._partial))
        self._partial = bytearray()

    def close(self) -> None:
        self._source.close()
        super().close()


def split_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of ``stream`` with their endings; a CR alone ends a line too.

    The common case (LF or CRLF) is the stream's own line iteration; a line holding a bare CR
    (a classic Mac file, or CR-only rows appended to an LF file) is split further. A JSON text
    never holds a raw CR, so this never cuts a record.
    """
    head = stream.peek(CHUNK_BYTES) if hasattr(stream, "peek") else b""
    if b"\r" in head and b"\n" not in head:
        yield from _split_cr_chunks(stream)
        return
    for line in stream:
        if b"\r" in line[:-2]:
            yield from _split_cr(line)
        else:
            yield line


def _split_cr(line: bytes) -> Iterator[bytes]:
    parts = line.replace(b"\r\n", b"\n").replace(b"\r", b"\n").splitlines(keepends=True)
    yield from parts


def _split_cr_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of a file whose lines end with CR alone, read in chunks (never one giant line)."""
    pending = b""
    while chunk := stream.read(CHUNK_BYTES):
        pending += chunk
        end = max(pending.rfind(b"\r"), pending.rfind(b"\n")) + 1
        if end == 0:
            continue
        yield from _split_cr(pending[:end])
        pending = pending[end:]
    if pending:
        yield from _split_cr(pending)


class _LineFeed:
    """Physical lines for ``csv.reader``, remembered per row so a bad row can be re-read."""

    def __init__(self, lines: Iterable[str], max_row_chars: int) -> None:
        self._lines = iter(lines)
        self._replay: deque[tuple[int, str]] = deque()
        self._next_number = 1
        self._max_row_chars = max_row_chars
        self.consumed: list[tuple[int, str]] = []
        self.consumed_chars = 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self.consumed_chars > self._max_row_chars:
            raise StopIteration  # a runaway quote: end the row here, it is re-read by lines
        if self._replay:
            number, line = self._replay.popleft()
        else:
            line = next(self._lines)
            number = self._next_number
            self._next_number += 1
        self.consumed.append((number, line))
        self.consumed_chars += len(line)
        return line

    def start_row(self) -> None:
        self.consumed = []
        self.consumed_chars = 0

    def replay(self, lines: list[tuple[int, str]]) -> None:
        self._replay.extendleft(reversed(lines))


@dataclass(slots=True)
class CsvRow:
    """One CSV row: its first physical line, its cells, or ``None`` when malformed."""

    line: int
    cells: list[str] | None
    chars: int


def csv_rows(lines: Iterable[str], *, max_row_chars: int) -> Iterator[CsvRow]:
    """Rows of CSV text (header included) with their first physical line.

    Rows are parsed as ``csv.reader`` always has (lenient about stray quotes). A row spanning
    several lines must also parse strictly; if it does not (a quote opened and never closed,
    or "closed" by the opening quote of a later row), only its first line is malformed and
    reading resumes on the next line, so the rows after it are kept.
    """
    feed = _LineFeed(lines, max_row_chars)
    reader = csv.reader(feed)
    while True:
        feed.start_row()
        try:
            cells = next(reader)
            error = False
        except StopIteration:
            if not feed.consumed:
                return
            cells, error = None, True  # stopped by the runaway bound
        except csv.Error:
            cells, error = None, True
        consumed = feed.consumed
        if not consumed:
            return
        chars = feed.consumed_chars
        if len(consumed) > 1 and (error or not _parses_strictly(consumed)):
            first_line, first_text = consumed[0]
            feed.replay(consumed[1:])
            reader = csv.reader(feed)
            yield CsvRow(first_line, None, len(first_text))
            continue
        if error:
            reader = csv.reader(feed)
        yield CsvRow(consumed[0][0], cells, chars)


def _parses_strictly(consumed: list[tuple[int, str]]) -> bool:
    try:
        rows = list(csv.reader((line for _, line in consumed), strict=True))
    except csv.Error:
        return False
    return len(rows) == 1


def json_values(text: str, first_line: int = 1) -> Iterator[tuple[int, str | None]]:
    """``(line, compact JSON text)`` for each JSON value in ``text``, one after another.

    A value that does not parse ends the walk: ``(its line, None)`` stands for the rest.
    """
    decoder = json.JSONDecoder()
    position, line = 0, first_line
    length = len(text)
    while True:
        start = position
        while position < length and text[position] in " \t\r\n":
            position += 1
        line += text.count("\n", start, position)
        if position >= length:
            return
        try:
            value, end = decoder.raw_decode(text, position)
        except (json.JSONDecodeError, RecursionError):
            yield line, None
            return
        yield line, json.dumps(value, ensure_ascii=False)
        line += text.count("\n", position, end)
        position = end
