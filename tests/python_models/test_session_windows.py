"""Long sessions to overlapping windows (python_models/session_windows.py).

One test per documented rule (docs/curriculum.md); each fails when its rule breaks.
"""

from __future__ import annotations

import itertools

import pytest

from python_models.session_windows import (
    TRUNCATION_MARK,
    WindowConfig,
    opening_length,
    window_conversation,
)
from python_models.words import count_words


def _long_session(exchanges: int, user_words: int = 60, reply_words: int = 90) -> list[dict]:
    messages = [
        {"role": "system", "content": "You are a counsellor."},
        {"role": "user", "content": " ".join(["open"] * 50)},
        {"role": "assistant", "content": " ".join(["welcome"] * 50)},
    ]
    for i in range(exchanges):
        messages.append({"role": "user", "content": " ".join([f"u{i}"] * user_words)})
        messages.append({"role": "assistant", "content": " ".join([f"a{i}"] * reply_words)})
    return messages


CONFIG = WindowConfig(max_words=1000, overlap_words=200, opening_max_words=200)


def _words(messages) -> int:
    return sum(count_words(m["content"]) for m in messages)


def test_a_session_within_the_budget_is_one_window():
    messages = _long_session(3)
    (window,) = window_conversation(messages, CONFIG)
    assert (window.index, window.count, window.messages) == (0, 1, messages)


@pytest.mark.parametrize("exchanges", [8, 30, 77])
def test_windows_fit_keep_the_opening_cover_every_turn_and_overlap_within_the_stride(exchanges):
    messages = _long_session(exchanges)
    windows = window_conversation(messages, CONFIG)
    opening = messages[: opening_length(messages)]
    assert len(windows) > 1
    assert [w.index for w in windows] == list(range(len(windows)))
    assert {w.count for w in windows} == {len(windows)}
    covered = set()
    for window in windows:
        assert _words(window.messages) <= CONFIG.max_words
        assert window.messages[: len(opening)] == opening
        assert window.messages[len(opening)]["role"] == "user"
        assert window.messages[-1]["role"] == "assistant"
        assert window.messages[len(opening) :] == messages[window.body_start : window.body_end]
        covered.update(range(window.body_start, window.body_end))
    assert covered == set(range(len(opening), len(messages)))
    for before, after in itertools.pairwise(windows):
        assert before.body_start < after.body_start <= before.body_end
        overlap = messages[after.body_start : before.body_end]
        assert 0 < _words(overlap) <= CONFIG.overlap_words


def test_zero_overlap_windows_tile_the_session():
    config = WindowConfig(max_words=1000, overlap_words=0, opening_max_words=200)
    windows = window_conversation(_long_session(20), config)
    for before, after in itertools.pairwise(windows):
        assert after.body_start == before.body_end


def test_an_oversized_turn_and_opening_are_cut_and_marked():
    messages = _long_session(6)
    messages[1]["content"] = " ".join(["opening"] * 900)
    messages[9]["content"] = " ".join(["huge"] * 5000)
    windows = window_conversation(messages, CONFIG)
    assert all(_words(w.messages) <= CONFIG.max_words for w in windows)
    assert all(w.messages[1]["content"].endswith(TRUNCATION_MARK) for w in windows)
    assert any("huge" in m["content"] and m["content"].endswith(TRUNCATION_MARK)
               for w in windows for m in w.messages)  # fmt: skip


def test_windows_are_deterministic():
    messages = _long_session(40)
    assert window_conversation(messages, CONFIG) == window_conversation(messages, CONFIG)


def test_the_window_config_refuses_an_overlap_that_stalls():
    with pytest.raises(ValueError):
        WindowConfig(max_words=1000, overlap_words=900, opening_max_words=200)
