"""How a registered dataset's files are cut into records, from its registry row alone.

Most files hold many records (JSONL lines, JSON array elements, CSV rows, Parquet rows). Two
kinds hold one:

- a document dataset (format ``transcript``: a talk, a book, a timed video transcript) is read
  as one document per file (``ingestion.documents``);
- a dataset whose ``field_map`` points its message list (``messages``) or turn list
  (``turns``) at a JSON path that starts with ``$`` is one conversation per file: the file is
  one JSON value (``{"messages": "$"}``: the file is the message list itself;
  ``{"messages": "$.dialog"}``: an object holding it), read whole (``ingestion.json_documents``).
"""

from __future__ import annotations

import json
from typing import Any

DOCUMENT_FORMATS = frozenset({"transcript"})
# The field_map key that names a format's list of messages or turns.
LIST_FIELDS = {"chatml": "messages", "sharegpt": "messages", "turn_pairs": "turns"}


def parse_field_map(field_map: str | dict[str, Any] | None) -> dict[str, Any]:
    """The registry's field_map cell as a dict (empty when blank or not a JSON object)."""
    if isinstance(field_map, dict):
        return field_map
    if not field_map or not str(field_map).strip():
        return {}
    try:
        parsed = json.loads(field_map)
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def is_one_record_per_file(
    record_format: str | None, field_map: str | dict[str, Any] | None
) -> bool:
    """True when the registry row says each file is one conversation (a JSON path from ``$``)."""
    key = LIST_FIELDS.get(record_format or "")
    if key is None:
        return False
    path = parse_field_map(field_map).get(key)
    return isinstance(path, str) and path.strip().startswith("$")


# ---- what a file's content looks like (the inventory reports it) ------------------------

ROLE_KEYS = ("role", "from", "speaker", "sender", "author")
CONTENT_KEYS = ("content", "value", "text", "utterance", "message")
ONE_CONVERSATION_SHAPES = frozenset({"message_list", "turn_pair_list"})


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and any(key in value for key in ROLE_KEYS)
        and any(key in value for key in CONTENT_KEYS)
    )


def _is_turn_pair(value: Any) -> bool:
    return isinstance(value, dict) and "input" in value and "output" in value


def _first_value(text: str) -> Any:
    """The first JSON value of ``text``: a whole small file, a JSONL line, or, when the
    sample ends inside a big array, that array's first element (in a list)."""
    decoder = json.JSONDecoder()
    stripped = text.lstrip()
    try:
        return decoder.raw_decode(stripped)[0]
    except json.JSONDecodeError:
        pass
    if stripped.startswith("["):
        try:
            return [decoder.raw_decode(stripped[1:].lstrip())[0]]
        except json.JSONDecodeError:
            return None
    return None


def content_shape(head: bytes) -> str:
    """What the first bytes of a file (decompressed) hold, by content, never by name.

    ``pdf``, ``epub``, ``parquet``; one conversation per file: ``message_list`` (a list of
    role/content messages) or ``turn_pair_list`` (a list of input/output pairs); records of
    a known kind: ``conversations`` (objects holding a message list), ``turn_pairs``
    (objects holding input/output pairs), ``timed_transcript`` (``segments`` of
    start/end/text, a list or JSONL of such segments); else ``records`` (JSON of another
    shape), ``text``, ``empty`` or ``binary``.
    """
    if head.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:4] == b"PK\x03\x04":
        return "epub" if head[30:58] == b"mimetypeapplication/epub+zip" else "binary"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    if text.lstrip()[:1] not in ("{", "["):
        return "text" if text.strip() else "empty"
    value = _first_value(text)
    if isinstance(value, list) and value:
        first = value[0]
        if _is_message(first):
            return "message_list"
        if _is_turn_pair(first):
            return "turn_pair_list"
        if isinstance(first, dict) and "start" in first and "text" in first:
            return "timed_transcript"
        value = first
    if isinstance(value, dict):
        if isinstance(value.get("segments"), list) or {"start", "text"} <= value.keys():
            return "timed_transcript"
        for member in value.values():
            if isinstance(member, list) and member:
                if _is_message(member[0]):
                    return "conversations"
                if _is_turn_pair(member[0]):
                    return "turn_pairs"
    return "records"
