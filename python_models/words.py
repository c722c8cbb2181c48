"""Word counts: the budget unit of the voice stage (passages and session windows).

Word counts stand in for tokens (English BPE runs at about 1.3 tokens per word).
"""

from __future__ import annotations

import re

Message = dict[str, str]

_WORD = re.compile(r"\S+")


def count_words(text: str) -> int:
    """Whitespace-separated words: the budget unit of every rule here."""
    return len(_WORD.findall(text))


def cut_words(text: str, limit: int) -> str:
    """The first ``limit`` words of ``text`` (whitespace inside them kept as it was)."""
    matches = list(_WORD.finditer(text))
    if len(matches) <= limit:
        return text
    return text[: matches[limit - 1].end()]
