"""The canonical form and content hash of a conversation, as the warehouse computes them in SQL.

Kept in Python so anyone can reproduce a `conversation_id` outside DuckDB (see
docs/dataset_contract.md); a test holds the two equal on every exported conversation.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping

# RE2's [\s\p{Z}] : ASCII whitespace (no \v) plus the Unicode space, line and paragraph separators
_WHITESPACE_RUN = re.compile(r"[\t\n\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# trim_whitespace: the edge class adds the zero-width characters (ZWSP, ZWNJ, ZWJ, WJ, BOM, MVS)
_EDGE_CLASS = r"[\s\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff\u180e]+"
_EDGE_WHITESPACE = re.compile(rf"^{_EDGE_CLASS}|{_EDGE_CLASS}$")
# strip_control_characters: terminal escape sequences, then C0 (but tab, LF, CR), DEL and C1
_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def fold_whitespace(text: str) -> str:
    """Every whitespace run becomes one space; leading and trailing spaces go."""
    return _WHITESPACE_RUN.sub(" ", text).strip(" ")


def normalize_content(text: str) -> str:
    """Stored content: NFC, control characters removed, edge whitespace of every kind trimmed."""
    text = _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))
    return unicodedata.normalize("NFC", _EDGE_WHITESPACE.sub("", text))


def canonical_text(messages: Iterable[Mapping[str, str]]) -> str:
    return "\x1e".join(
        m["role"] + "\x1f" + fold_whitespace(normalize_content(m["content"])) for m in messages
    )


def content_hash(messages: Iterable[Mapping[str, str]]) -> str:
    """The conversation_id of a conversation whose roles are already canonical."""
    return hashlib.sha256(canonical_text(messages).encode("utf-8")).hexdigest()
