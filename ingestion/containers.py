"""Which container a lake file is, from its first bytes (never its name): one rule for all.

The record reader (``ingestion.lake_reader``) decides with these functions what it reads, and
the inventory (``ingestion.inventory``) labels and counts objects with the same ones, so the
report says what the build will see:

- gzip (magic ``1f 8b``) is a compression around any other container;
- a file of a document dataset (registry format ``transcript``) is one ``document`` whatever
  it holds;
- Parquet (magic ``PAR1``);
- text: UTF-16 (by its BOM) is decoded to UTF-8 first and a UTF-8 BOM skipped; then the first
  byte that is not whitespace says ``{`` JSONL, ``[`` a JSON array, nothing at all an empty
  file, anything else CSV (the reader reads every other text as CSV rows).
"""

from __future__ import annotations

import zlib

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# How many leading bytes the reader (and so the inventory) looks at to sniff a text container.
SNIFF_BYTES = 64 << 10
_LEADING_WHITESPACE = b" \t\r\n"


def is_gzip(head: bytes) -> bool:
    return head[:2] == GZIP_MAGIC


def is_parquet(head: bytes) -> bool:
    return head[:4] == PARQUET_MAGIC


def is_utf16(head: bytes) -> bool:
    return head.startswith(UTF16_BOMS)


def utf16_to_utf8(data: bytes) -> bytes:
    """UTF-16 text (with its BOM) as UTF-8; undecodable units become U+FFFD."""
    return data.decode("utf-16", errors="replace").encode("utf-8")


def utf8_without_bom(data: bytes) -> bytes:
    """A whole file's bytes as UTF-8: UTF-16 (with its BOM) converted, a UTF-8 BOM dropped."""
    if is_utf16(data):
        data = utf16_to_utf8(data)
    return data.removeprefix(UTF8_BOM)


def text_container(head: bytes) -> str:
    """``jsonl``, ``json_array``, ``csv`` or ``empty`` for the first bytes of UTF-8 text."""
    first = head.removeprefix(UTF8_BOM).lstrip(_LEADING_WHITESPACE)[:1]
    if first == b"{":
        return "jsonl"
    if first == b"[":
        return "json_array"
    if first == b"":
        return "empty"
    return "csv"


def sniff_container(head: bytes, *, document: bool = False) -> str:
    """The container the first bytes of a file say, as the reader will read it.

    ``document`` (a file of a document dataset), ``parquet``, ``jsonl``, ``json_array``, ``csv``
    or ``empty``; inside gzip the same names prefixed ``gzip/`` (``gzip/damaged`` when the first
    bytes do not inflate).
    """
    if is_gzip(head):
        try:
            inner = zlib.decompressobj(31).decompress(head, SNIFF_BYTES)
        except zlib.error:
            return "gzip/damaged"
        return "gzip/" + sniff_container(inner, document=document)
    if document:
        return "document"
    if is_parquet(head):
        return "parquet"
    if is_utf16(head):
        head = utf16_to_utf8(head)
    return text_container(head[:SNIFF_BYTES])
