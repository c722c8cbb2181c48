"""Byte and line streams for the record reader that keep every complete record of a damaged file.

- ``SalvagingGzip``: inflates gzip (every member) and, when the stream is truncated or corrupt,
  ends cleanly after the last complete line instead of raising, remembering where the damage
  is, so the reader keeps every complete line and counts the lost tail as one row.
- ``split_cr_lines``: lines of a binary stream whatever the line ending (LF, CRLF or CR alone).
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
from itertools import chain, islice
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
        self._ready = memoryview(b"")  # complete lines, ready to hand out
        self._partial = b""  # after the last line ending: held back
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
        self._ready = self._ready[size:]
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
        complete = self._partial + out[:end] if self._partial else out[:end]
        self._partial = out[end:]
        self._count(complete)
        self._ready = memoryview(bytes(self._ready) + complete if self._ready else complete)

    def _count(self, complete: bytes) -> None:
        self._delivered += len(complete)
        lines = complete.count(b"\n")
        self._lines += lines
        if not self._lines:  # only a file of CR-only line endings counts CRs
            self._cr_lines += complete.count(b"\r")

    def _finish(self, *, damaged: bool) -> None:
        self._done = True
        if not damaged:
            self._count(self._partial)
            rest = bytes(self._ready) + self._partial
            self._ready, self._partial = memoryview(rest), b""
            return
        lines = self._lines or self._cr_lines
        self.damage = Damage(line=lines + 1, offset=self._delivered, tail_bytes=len(self._partial))
        self._partial = b""

    def close(self) -> None:
        self._source.close()
        super().close()


def is_cr_only(head: bytes) -> bool:
    """Whether the first bytes of a text end lines with CR alone (a classic Mac file)."""
    return b"\r" in head and b"\n" not in head


def split_cr_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of ``stream`` whatever their endings (LF, CRLF or CR alone), read in chunks so a
    file of CR-only endings is never one giant line. A JSON text never holds a raw CR, so a CR
    never cuts a record."""
    pending = b""
    while chunk := stream.read(CHUNK_BYTES):
        pending += chunk
        end = max(pending.rfind(b"\r"), pending.rfind(b"\n")) + 1
        if end == 0 or (end == len(pending) and pending.endswith(b"\r")):
            end = max(pending.rfind(b"\r", 0, len(pending) - 1), pending.rfind(b"\n")) + 1
            if end == 0:
                continue  # a CR at the very end may be the first half of a CRLF: wait
        yield from _lines_of(pending[:end])
        pending = pending[end:]
    if pending:
        yield from _lines_of(pending)


def _lines_of(data: bytes) -> list[bytes]:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").splitlines(keepends=True)


def csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str] | None, int]]:
    """``(first physical line, cells, chars)`` of each row of CSV text (header included);
    ``cells`` is None for a malformed row, whose ``chars`` say its size (0 for the others).

    Rows are parsed strictly; a single-line row that fails is parsed again leniently, as
    ``csv.reader`` always has (a stray quote is kept as text). A row spanning several lines that
    fails (a quote opened and never closed, or "closed" by the opening quote of a later row)
    costs its first line only: reading resumes on the next line, so the rows after it are kept.
    Lines reach ``csv.reader`` in blocks (C iteration, no Python call per line); the blocks
    since the current row began are kept so its lines can be read again.
    """
    source = iter(lines)
    blocks: deque[tuple[int, list[str]]] = deque()  # (first line number, lines) still needed
    read_up_to = [0]

    def next_blocks() -> Iterator[list[str]]:
        while block := list(islice(source, 1024)):
            blocks.append((read_up_to[0] + 1, block))
            read_up_to[0] += len(block)
            yield block

    def physical(first: int, last: int) -> list[str]:
        """The text of physical lines ``first..last`` from the blocks kept."""
        out: list[str] = []
        for start, block in blocks:
            low, high = max(first, start), min(last, start + len(block) - 1)
            out += block[low - start : high - start + 1]
        return out

    stream = chain.from_iterable(next_blocks())
    reader = csv.reader(stream, strict=True)
    offset = 0  # physical line = offset + reader.line_num
    while True:
        first = offset + reader.line_num + 1
        if len(blocks) > 2:  # blocks wholly before the row being read are never needed again
            while blocks and blocks[0][0] + len(blocks[0][1]) - 1 < first:
                blocks.popleft()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            last = offset + reader.line_num
            text = physical(first, last)
            if last > first:  # several lines: only the first is lost, the others read again
                offset = first
                reader = csv.reader(chain(text[1:], stream), strict=True)
                yield first, None, len(text[0])
                continue
            offset = last
            reader = csv.reader(stream, strict=True)
            lenient = next(csv.reader(text), None)
            yield first, lenient, len(text[0]) if text else 0
            continue
        yield first, cells, 0


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
        try:
            compact = json.dumps(value, ensure_ascii=False)
        except RecursionError:  # parsed, but too deep to re-encode: the value's own text
            compact = text[position:end]
        yield line, compact
        line += text.count("\n", position, end)
        position = end
