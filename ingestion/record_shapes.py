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
