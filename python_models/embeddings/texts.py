"""The text that gets embedded: a conversation's text, its user and assistant sides, a hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from python_models.canonical import fold_whitespace


def conversation_text(messages: Iterable[Mapping[str, str]]) -> str:
    """The text embedded for a conversation: user and assistant contents, one per line.

    Role names are left out (a relabelled copy is the same conversation) and so are system
    prompts (shared boilerplate that says nothing about the dialogue). Whitespace is folded as
    in the content hash, so this is a function of the conversation id: the cache may key on it.
    """
    return "\n".join(fold_whitespace(m["content"]) for m in messages if m.get("role") != "system")


def side_texts(messages: Iterable[Mapping[str, str]]) -> tuple[str, str]:
    """The user turns and the assistant turns of a conversation, each one per line, folded."""
    messages = list(messages)
    return tuple(  # type: ignore[return-value]
        "\n".join(fold_whitespace(m["content"]) for m in messages if m.get("role") == role)
        for role in ("user", "assistant")
    )


def text_hash(text: str) -> str:
    """SHA-256 hex of a text: a cache key for texts that have no conversation id."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
