"""Long sessions to overlapping windows: a conversation longer than the model context becomes
overlapping windows with a documented stride, each starting with the session's opening context
(docs/curriculum.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from python_models.words import Message, count_words, cut_words

TRUNCATION_MARK = " [...]"


@dataclass(frozen=True, slots=True)
class WindowConfig:
    """Window budget and overlap, in words (``max_words`` 3,000 ~ a 4,096-token context)."""

    max_words: int = 3000
    overlap_words: int = 600
    opening_max_words: int = 600  # the opening context is cut to this if it is longer

    def __post_init__(self) -> None:
        if not 0 <= self.overlap_words < self.max_words - self.opening_max_words:
            raise ValueError("overlap_words must be below max_words - opening_max_words")


@dataclass(frozen=True, slots=True)
class Window:
    """One window of a conversation: the opening context, then a run of later turns."""

    index: int  # 0-based
    count: int  # windows of this conversation
    messages: list[Message]
    opening_turns: int  # how many leading messages are the repeated opening context
    body_start: int  # index of the window's first non-opening message in the conversation
    body_end: int  # one past its last


def opening_length(messages: Sequence[Message]) -> int:
    """The opening context: the messages through the first assistant reply to a user turn
    (leading system messages and a therapist's greeting included)."""
    seen_user = False
    for position, message in enumerate(messages):
        if message["role"] == "user":
            seen_user = True
        elif message["role"] == "assistant" and seen_user:
            return position + 1
    return len(messages)


def _fit(message: Message, limit: int) -> Message:
    """The message cut to ``limit`` words, the ``[...]`` mark counted as one."""
    if count_words(message["content"]) <= limit:
        return message
    kept = cut_words(message["content"], max(1, limit - 1))
    return {"role": message["role"], "content": kept + TRUNCATION_MARK}


def window_conversation(
    messages: Sequence[Message], config: WindowConfig | None = None
) -> list[Window]:
    """Split a conversation longer than ``max_words`` into overlapping windows.

    Every window repeats the opening context (everything through the first reply to a user
    turn; cut to ``opening_max_words`` when longer), then takes whole later turns while it stays
    within ``max_words``, ending on an assistant turn unless it is the last window. The next
    window starts at the earliest user turn of the previous window whose turns up to that
    window's end hold at most ``overlap_words`` words: so consecutive windows overlap by at most
    ``overlap_words`` words of whole exchanges, and the stride is the window body minus that
    overlap. A single turn longer than the space left is cut and marked ``[...]``. A
    conversation within ``max_words`` is one window.
    """
    config = config or WindowConfig()
    messages = [dict(m) for m in messages]
    words = [count_words(m["content"]) for m in messages]
    if sum(words) <= config.max_words:
        return [Window(0, 1, messages, 0, 0, len(messages))]

    n_open = opening_length(messages)
    opening = messages[:n_open]
    while sum(count_words(m["content"]) for m in opening) > config.opening_max_words:
        longest = max(range(n_open), key=lambda i: count_words(opening[i]["content"]))
        share = config.opening_max_words // n_open
        opening[longest] = _fit(opening[longest], max(1, share))
    budget = config.max_words - sum(count_words(m["content"]) for m in opening)

    n = len(messages)
    spans: list[tuple[int, int]] = []
    start = n_open
    while start < n:
        end, used = start, 0
        while end < n and used + words[end] <= budget:
            used += words[end]
            end += 1
        if end == start:  # one turn bigger than the whole budget
            end = start + 1
        if end < n:
            back = end
            while back - 1 > start and messages[back - 1]["role"] != "assistant":
                back -= 1
            if messages[back - 1]["role"] == "assistant":
                end = back
        spans.append((start, end))
        if end >= n:
            break
        following = end
        for candidate in range(start + 1, end):
            tail = sum(words[candidate:end])
            if messages[candidate]["role"] == "user" and tail <= config.overlap_words:
                following = candidate
                break
        start = following

    windows = []
    for index, (start, end) in enumerate(spans):
        body = [_fit(m, budget) for m in messages[start:end]]
        windows.append(Window(index, len(spans), opening + body, len(opening), start, end))
    return windows
