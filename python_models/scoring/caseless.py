"""A faster `search` for the scorers' big case-insensitive rule alternations.

CPython's regex engine is about three times slower with IGNORECASE than without on these
alternations (hundreds of branches behind a word boundary, scanned once per reply as a
prefilter). For ASCII text, an ASCII pattern whose literals are all lowercase finds a match
with IGNORECASE exactly when the same pattern without the flag finds one in the lowercased
text: lowercasing ASCII changes only A-Z, keeps every position, and changes no character's
class (``\\w``, ``\\s``, ``\\d``, word boundaries). Text with any other character takes the
original pattern (Unicode case folding has cases lowercasing does not reproduce: the long s,
the Kelvin sign).

`AutomatonPrefilter` adds a second shortcut in front of the regex: the pattern, with its
lookarounds removed, compiled by RE2 (google-re2), a linear-time automaton that scans all the
branches at once, about twenty times faster than CPython's engine here. Removing lookarounds
only lets more text match, and on ASCII text RE2's ``\\b``, ``\\w``, ``\\d`` and ``.`` agree
with Python's, so no RE2 match means no Python match; a text RE2 does match is still decided
by the original regex. Anything where the two engines could disagree (non-ASCII text, the
whitespace only Python's ``\\s`` knows, anchors, ``{,n}``) skips the shortcut.
"""

from __future__ import annotations

import re

import re2

_ESCAPE = re.compile(r"\\.", re.DOTALL)


_PYTHON_ONLY_SPACE = re.compile("[\x0b\x1c-\x1f]")
"""ASCII characters Python's ``\\s`` matches and RE2's does not."""


def without_lookarounds(source: str) -> str:
    """`source` with every lookahead and lookbehind group left out (a pattern that matches
    wherever `source` does, and maybe more)."""
    out: list[str] = []
    i = 0
    while i < len(source):
        if source.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            i = _group_end(source, i)
        elif source[i] == "\\":
            out.append(source[i : i + 2])
            i += 2
        elif source[i] == "[":
            end = _class_end(source, i)
            out.append(source[i:end])
            i = end
        else:
            out.append(source[i])
            i += 1
    return "".join(out)


def _class_end(source: str, start: int) -> int:
    """The index after the character class opening at `start`."""
    i = start + 1
    if source[i : i + 1] == "^":
        i += 1
    if source[i : i + 1] == "]":  # a leading "]" is a literal
        i += 1
    while source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


def _group_end(source: str, start: int) -> int:
    """The index after the group opening at `start`."""
    depth, i = 0, start
    while True:
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(source, i)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


class AutomatonPrefilter:
    """False only when the case-sensitive `pattern` cannot match `text` (see the module);
    True whenever it may, or when this pattern or text is one RE2 cannot answer for."""

    MIN_PATTERN = 1_000
    """Shorter patterns (characters) are scanned by Python's engine alone: on them RE2's call
    costs more than it saves (behaviour's few-branch rules on one-sentence utterances)."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        source = without_lookarounds(pattern.pattern)
        self.automaton = None
        if len(source) < self.MIN_PATTERN:
            return
        differ = re.search(r"[$^]|\\[AZ]|\{,|\[\[:", source.replace("[^", "["))
        if pattern.flags & ~re.UNICODE or differ:
            # folding, DOTALL, VERBOSE, anchors, "{,n}" and "[[:alpha:]]" differ between them
            return
        try:
            self.automaton = re2.compile(source.encode())  # scans bytes: ASCII text only
        except re2.error:
            return

    def __call__(self, text: str) -> bool:
        if self.automaton is None or not text.isascii() or _PYTHON_ONLY_SPACE.search(text):
            return True
        return self.automaton.search(text.encode()) is not None


class CaselessSearch:
    """``pattern.search(text) is not None`` for an IGNORECASE ``pattern`` (see the module)."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        if not pattern.flags & re.IGNORECASE:
            raise ValueError("the pattern is not case-insensitive: search it directly")
        source = pattern.pattern
        literals = _ESCAPE.sub("", source)
        if not source.isascii() or any("A" <= char <= "Z" for char in literals):
            raise ValueError("the pattern must be ASCII with lowercase literals only")
        self.pattern = pattern
        self.lowercase = re.compile(source, pattern.flags & ~re.IGNORECASE)
        self.prefilter = AutomatonPrefilter(self.lowercase)

    def __call__(self, text: str) -> bool:
        if text.isascii():
            lower = text.lower()
            return self.prefilter(lower) and self.lowercase.search(lower) is not None
        return self.pattern.search(text) is not None

    def match(self, text: str) -> bool:
        """``pattern.match(text) is not None``, by the same argument."""
        if text.isascii():
            return self.lowercase.match(text.lower()) is not None
        return self.pattern.match(text) is not None
