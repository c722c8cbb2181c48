"""One JSON value per file: a conversation published as its own file.

Datasets that publish each dialogue as a file (``0001.json`` holding ``[{"role", "content"},
...]`` or ``{"id", "dialog": [...]}``, pretty-printed over many lines) are read whole: the file
is one record at line 1, whatever its top level is (list or object). A file that is not one
JSON value but a JSONL stream (one value per line) is left to the line reader, so a dataset can
mix both; anything else is one ``malformed_json`` record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ingestion.containers import utf8_without_bom


@dataclass(frozen=True, slots=True)
class JsonDocument:
    """What a whole file is: ``record`` (compact JSON text), or ``error``, or ``lines`` (JSONL)."""

    record: str | None = None
    error: str | None = None
    lines: bool = False


def _first_line_parses(text: str) -> bool:
    for line in text.splitlines():
        if line.strip():
            try:
                json.loads(line)
            except json.JSONDecodeError:
                return False
            return True
    return False


def parse_json_document(data: bytes) -> JsonDocument | None:
    """The file's bytes as one record; ``None`` for an empty file (no records)."""
    data = utf8_without_bom(data)
    if not data.strip():
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return JsonDocument(error="invalid_utf8")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        if _first_line_parses(text) and len(text.strip().splitlines()) > 1:
            return JsonDocument(lines=True)
        return JsonDocument(error="malformed_json")
    return JsonDocument(record=json.dumps(value, ensure_ascii=False))
