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
from collections.abc import Iterator, Sequence

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


_BACKREFERENCE = re.compile(r"\\([1-9])(?!\d)")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")
_FOLDS_TO_ASCII = frozenset("\u017f\u212a\u0131\u0130")
"""Characters that Python's IGNORECASE matches with an ASCII letter (long s, Kelvin sign,
dotless i, dotted capital I): a case-insensitive pattern holding one is left to Python."""


def _group_sources(source: str) -> list[str]:
    """The source of each capturing group, in number order (group 1 first)."""
    groups: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
        elif char == "[":
            i = _class_end(source, i)
        else:
            if char == "(" and (source[i + 1 : i + 2] != "?" or source.startswith("(?P<", i)):
                end = _group_end(source, i)
                inner = source[i + 1 : end - 1]
                groups.append(inner[inner.index(">") + 1 :] if inner.startswith("?P<") else inner)
            i += 1
    return groups


def _atoms(source: str) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of each atom of a pattern's source, in order: a whole character
    class ("class"), a two-character escape ("escape") or any other character ("char")."""
    i = 0
    while i < len(source):
        if source[i] == "[":
            kind, end = "class", _class_end(source, i)
        elif source[i] == "\\":
            kind, end = "escape", i + 2
        else:
            kind, end = "char", i + 1
        yield kind, i, end
        i = end


def _without_backreferences(source: str) -> str:
    """`source` with each backreference (outside classes) replaced by its group's pattern: a
    pattern that matches wherever `source` does (the group's text is one its pattern matches)."""
    groups = _group_sources(source)
    out: list[str] = []
    for kind, start, end in _atoms(source):
        reference = _BACKREFERENCE.match(source, start) if kind == "escape" else None
        out.append(f"(?:{groups[int(reference.group(1)) - 1]})" if reference else source[start:end])
    return "".join(out)


def _end_anchors(source: str) -> str:
    """Python's `$` (outside classes) as RE2 writes it: the end, or a final line break before
    it. Python's `^` without MULTILINE is the start of the text, as RE2's is."""
    return "".join(
        "(?:\n?\\z)" if kind == "char" and source[start] == "$" else source[start:end]
        for kind, start, end in _atoms(source)
    )


def re2_superset(pattern: re.Pattern[str], lowered: bool = False) -> str | None:
    """An RE2 pattern that, on ASCII text without Python-only blanks, matches wherever
    `pattern` does (lookarounds and backreferences widened as above; IGNORECASE kept as
    RE2's, which agrees with Python's on ASCII letters), or None where the two engines could
    disagree (\\A, \\Z, "{,n}", POSIX classes, other flags, a character that folds to ASCII).
    `lowered`: the pattern is applied to the lowercased text, and the superset to the text
    itself, so it is made case-insensitive (lowercasing ASCII changes only A-Z)."""
    source = pattern.pattern
    caseless = bool(pattern.flags & re.IGNORECASE) or lowered or "(?i" in source
    if pattern.flags & ~(re.UNICODE | re.IGNORECASE):
        return None  # MULTILINE, DOTALL, VERBOSE: anchors and dots differ
    if re.search(r"\\[AZNU]|\{,|\[\[:|\\[0-9]\d", source):
        return None
    written = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), source)
    if caseless and _FOLDS_TO_ASCII.intersection(written):
        return None
    source = _end_anchors(without_lookarounds(_without_backreferences(source)))
    source = _UNICODE_ESCAPE.sub(lambda m: f"\\x{{{m.group(1)}}}", source)
    if source.startswith("(?i)"):
        source = source[4:]
        caseless = True
    elif "(?i)" in source:
        return None  # a global flag further in: Python refuses it, leave it alone
    return f"(?i:{source})" if caseless and (lowered or pattern.flags & re.IGNORECASE) else source


class AnyPrefilter(AutomatonPrefilter):
    """False only when none of `patterns` (applied to the text) nor of `lowered` (applied to
    its lowercase) can match the text: one RE2 scan for several Python scans that usually
    find nothing. True whenever one may, and for text RE2 cannot answer for (non-ASCII, or
    with blanks only Python's ``\\s`` knows), and when any pattern has no RE2 superset."""

    def __init__(
        self, patterns: Sequence[re.Pattern[str]], lowered: Sequence[re.Pattern[str]] = ()
    ) -> None:
        sources = [re2_superset(p) for p in patterns]
        sources += [re2_superset(p, lowered=True) for p in lowered]
        self.automaton = None
        if not sources or any(source is None for source in sources):
            return
        options = re2.Options()
        options.max_mem = 64 << 20
        try:
            self.automaton = re2.compile("|".join(f"(?:{s})" for s in sources).encode(), options)
        except re2.error:
            return
