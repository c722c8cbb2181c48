"""Documents (talks, lectures, book chapters) to dialogue pairs in the speaker's voice.

``segment_document``: a plain-text or markdown document becomes passages of at most
``max_words`` words, each turned into a (user question, passage-as-reply) pair. Markdown
headings and rhetorical questions become the question; otherwise a templated question quotes
the passage's first sentence. The rules are written down in docs/curriculum.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from python_models.words import Message, count_words


def stable_choice(options: Sequence[str], *keys: object) -> str:
    """Pick one option from a SHA-256 of the keys: the same input always gets the same pick."""
    digest = hashlib.sha256("\x1f".join(str(k) for k in keys).encode("utf-8")).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]


RULE_RHETORICAL_QUESTION = "rhetorical_question"
RULE_HEADING = "heading"
RULE_HEADING_CONTINUED = "heading_continued"
RULE_FIRST_SENTENCE = "first_sentence"
RULE_TITLE = "title"

# Prompt templates; the one used for a passage is a stable hash of the passage text.
HEADING_TEMPLATES = (
    'Can you talk about "{topic}"?',
    'What should I understand about "{topic}"?',
    'Could you explain "{topic}" to me?',
)
HEADING_CONTINUED_TEMPLATES = (
    'Can you say more about "{topic}"?',
    'What else should I know about "{topic}"?',
)
FIRST_SENTENCE_TEMPLATES = (
    'You said: "{sentence}" What do you mean by that?',
    'Can you unpack this for me: "{sentence}"',
)
TITLE_TEMPLATES = ('Can you go on with "{topic}"?',)


@dataclass(frozen=True, slots=True)
class PassageConfig:
    """Segmentation limits, in words."""

    max_words: int = 300  # cap on a passage (the reply); ~400 tokens
    min_words: int = 40  # a shorter passage is merged with its neighbour in the same section
    min_reply_words: int = 12  # a shorter reply is skipped (reason "too_short")
    question_min_words: int = 4  # a shorter opening question is not used as the prompt
    quote_max_words: int = 40  # a longer first sentence is not quoted in the prompt


@dataclass(frozen=True, slots=True)
class DialoguePair:
    """One passage as a dialogue pair, with where it came from."""

    index: int  # 0-based among the document's emitted pairs
    line: int  # 1-based line of the document where the passage starts
    prompt: str
    reply: str
    rule: str  # which rule made the prompt (RULE_*)
    heading: str | None
    speaker: str | None
    title: str | None

    @property
    def words(self) -> int:
        return count_words(self.reply)

    def messages(self) -> list[Message]:
        return [
            {"role": "user", "content": self.prompt},
            {"role": "assistant", "content": self.reply},
        ]


@dataclass(frozen=True, slots=True)
class SegmentedDocument:
    """What ``segment_document`` made of a document: pairs, and passages it skipped (and why)."""

    title: str | None
    speaker: str | None
    pairs: list[DialoguePair]
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


@dataclass(slots=True)
class _Block:
    kind: str  # "heading" | "paragraph"
    text: str
    line: int


_FRONT_MATTER_FENCE = re.compile(r"^---\s*$")
_FRONT_MATTER_ENTRY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_RULE_LINE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_CODE_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
# a caption timestamp at the start of a line: "[00:12:31]", "(1:05)", "12:31 -"
_TIMESTAMP_PREFIX = re.compile(
    r"^\s*[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?\s*[-\u2013\u2014:]?\s*"
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_BLOCKQUOTE = re.compile(r"^\s*>\s?")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|(?<!\w)_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_INLINE_CODE = re.compile(r"`([^`]*)`")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]\u201d\u2019]*\s+")


def split_front_matter(text: str) -> tuple[dict[str, str], list[str], int]:
    """``---``-fenced ``key: value`` lines at the top: (metadata, body lines, first body line)."""
    lines = text.lstrip("\ufeff").splitlines()
    if lines and _FRONT_MATTER_FENCE.match(lines[0]):
        for end in range(1, len(lines)):
            if _FRONT_MATTER_FENCE.match(lines[end]):
                meta: dict[str, str] = {}
                for entry in lines[1:end]:
                    if match := _FRONT_MATTER_ENTRY.match(entry):
                        meta[match.group(1).lower()] = match.group(2).strip("\"'")
                return meta, lines[end + 1 :], end + 2
    return {}, lines, 1


def clean_inline(line: str) -> str:
    """A line of prose without markdown decoration, caption timestamps or HTML tags."""
    line = _TIMESTAMP_PREFIX.sub("", line)
    line = _BLOCKQUOTE.sub("", line)
    line = _LIST_MARKER.sub("", line)
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _INLINE_CODE.sub(r"\1", line)
    line = _EMPHASIS.sub(r"\2", line)
    line = _HTML_TAG.sub("", line)
    return line.strip()


def _blocks(lines: Sequence[str], first_line: int) -> list[_Block]:
    """Headings and paragraphs (blank-line separated) with the line each starts on."""
    blocks: list[_Block] = []
    paragraph: list[str] = []
    paragraph_line = 0
    in_code = False

    def flush() -> None:
        nonlocal paragraph
        text = " ".join(paragraph).strip()
        if text:
            blocks.append(_Block("paragraph", text, paragraph_line))
        paragraph = []

    for offset, raw in enumerate(lines):
        number = first_line + offset
        if _CODE_FENCE.match(raw):
            flush()
            in_code = not in_code
            continue
        if in_code:
            continue  # code is not speech
        if heading := _ATX_HEADING.match(raw):
            flush()
            text = clean_inline(heading.group(2))
            if text:
                blocks.append(_Block("heading", text, number))
            continue
        if not raw.strip() or _RULE_LINE.match(raw):
            flush()
            continue
        cleaned = clean_inline(raw)
        if not cleaned:
            continue
        if not paragraph:
            paragraph_line = number
        paragraph.append(cleaned)
    flush()
    return blocks


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _is_question(sentence: str, config: PassageConfig) -> bool:
    stripped = sentence.rstrip("\"')]\u201d\u2019")
    return stripped.endswith("?") and count_words(sentence) >= config.question_min_words


@dataclass(slots=True)
class _Unit:
    text: str
    line: int
    opens_with_question: bool = False

    @property
    def words(self) -> int:
        return count_words(self.text)


def _units(paragraph: _Block, config: PassageConfig) -> list[_Unit]:
    """A paragraph, or its sentence groups when it is over the cap (a huge sentence is cut)."""
    sentences = split_sentences(paragraph.text)
    opens = bool(sentences) and _is_question(sentences[0], config)
    if count_words(paragraph.text) <= config.max_words:
        return [_Unit(paragraph.text, paragraph.line, opens)]
    units: list[_Unit] = []
    current: list[str] = []
    words = 0
    for sentence in sentences:
        pieces = [sentence]
        if count_words(sentence) > config.max_words:  # no punctuation (auto captions): cut
            tokens = sentence.split()
            pieces = [
                " ".join(tokens[i : i + config.max_words])
                for i in range(0, len(tokens), config.max_words)
            ]
        for piece in pieces:
            size = count_words(piece)
            if current and words + size > config.max_words:
                units.append(_Unit(" ".join(current), paragraph.line))
                current, words = [], 0
            current.append(piece)
            words += size
    if current:
        units.append(_Unit(" ".join(current), paragraph.line))
    units[0].opens_with_question = opens
    return units


def _passages(paragraphs: list[_Block], config: PassageConfig) -> list[_Unit]:
    """Merge a section's paragraphs into passages of at most ``max_words`` words.

    Paragraphs are added in order while the passage stays within the cap; a paragraph that
    opens with a question starts a new passage once the current one has ``min_words``; a short
    last passage joins the one before it when the two fit under the cap (unless it opens with
    a question).
    """
    passages: list[_Unit] = []
    current: _Unit | None = None
    for paragraph in paragraphs:
        for unit in _units(paragraph, config):
            if current is None:
                current = _Unit(unit.text, unit.line, unit.opens_with_question)
                continue
            fits = current.words + unit.words <= config.max_words
            new_question = unit.opens_with_question and current.words >= config.min_words
            if fits and not new_question:
                current.text = f"{current.text}\n\n{unit.text}"
            else:
                passages.append(current)
                current = _Unit(unit.text, unit.line, unit.opens_with_question)
    if current is not None:
        passages.append(current)
    if (
        len(passages) > 1
        and passages[-1].words < config.min_words
        and not passages[-1].opens_with_question
    ):
        last = passages[-1]
        if passages[-2].words + last.words <= config.max_words:
            passages[-2].text = f"{passages[-2].text}\n\n{last.text}"
            passages.pop()
    return passages


def _strip_first_sentence(text: str, sentence: str) -> str:
    start = text.find(sentence)
    return text[start + len(sentence) :].strip() if start >= 0 else text


def _prompt_and_reply(
    passage: _Unit, heading: str | None, first_in_section: bool, title: str | None,
    config: PassageConfig,
) -> tuple[str, str, str]:  # fmt: skip
    """(prompt, reply, rule) for one passage, by the first rule that applies."""
    text = passage.text
    sentences = split_sentences(text)
    first = sentences[0] if sentences else text
    rest = _strip_first_sentence(text, first)
    if _is_question(first, config) and count_words(rest) >= config.min_reply_words:
        return first, rest, RULE_RHETORICAL_QUESTION
    if heading and first_in_section:
        topic = heading.rstrip(" :.")
        if heading.endswith("?"):
            return heading, text, RULE_HEADING
        return stable_choice(HEADING_TEMPLATES, text).format(topic=topic), text, RULE_HEADING
    if heading:
        template = stable_choice(HEADING_CONTINUED_TEMPLATES, text)
        return template.format(topic=heading.rstrip(" :.?")), text, RULE_HEADING_CONTINUED
    quotable = count_words(first) <= config.quote_max_words
    if quotable and count_words(rest) >= config.min_reply_words:
        template = stable_choice(FIRST_SENTENCE_TEMPLATES, text)
        return template.format(sentence=first), rest, RULE_FIRST_SENTENCE
    topic = title or "your talk"
    return stable_choice(TITLE_TEMPLATES, text).format(topic=topic), text, RULE_TITLE


def speaker_from_path(path: str) -> str | None:
    """``pete_walker__shame_talk.md`` -> ``Pete Walker``: the part before ``__``, if any."""
    stem = PurePosixPath(path).name.split(".")[0]
    if "__" not in stem:
        return None
    name = stem.split("__", 1)[0].replace("_", " ").replace("-", " ").strip()
    return " ".join(word.capitalize() for word in name.split()) or None


def title_from_path(path: str) -> str:
    stem = PurePosixPath(path).name.split(".")[0]
    stem = stem.split("__", 1)[-1]
    return " ".join(stem.replace("_", " ").replace("-", " ").split()).capitalize()


def segment_document(
    text: str,
    *,
    path: str = "",
    speaker: str | None = None,
    title: str | None = None,
    config: PassageConfig | None = None,
) -> SegmentedDocument:
    """Turn a plain-text or markdown document into dialogue pairs in the speaker's voice.

    Speaker: front matter ``speaker``, else ``speaker`` (from the registry), else the file name
    (``<speaker>__<title>.md``). Title: front matter ``title``, else ``title``, else the first
    heading, else the file name.
    """
    config = config or PassageConfig()
    meta, lines, first_line = split_front_matter(text)
    blocks = _blocks(lines, first_line)
    first_heading = next((b.text for b in blocks if b.kind == "heading"), None)
    speaker = meta.get("speaker") or speaker or speaker_from_path(path)
    title = meta.get("title") or title or first_heading or (title_from_path(path) if path else None)

    sections: list[tuple[str | None, list[_Block]]] = [(None, [])]
    for block in blocks:
        if block.kind == "heading":
            sections.append((block.text, []))
        else:
            sections[-1][1].append(block)

    pairs: list[DialoguePair] = []
    skipped: list[tuple[int, str]] = []
    for heading, paragraphs in sections:
        for position, passage in enumerate(_passages(paragraphs, config)):
            prompt, reply, rule = _prompt_and_reply(passage, heading, position == 0, title, config)
            if count_words(reply) < config.min_reply_words:
                skipped.append((passage.line, "too_short"))
                continue
            pairs.append(
                DialoguePair(
                    index=len(pairs),
                    line=passage.line,
                    prompt=prompt,
                    reply=reply,
                    rule=rule,
                    heading=heading,
                    speaker=speaker,
                    title=title,
                )
            )
    return SegmentedDocument(title=title, speaker=speaker, pairs=pairs, skipped=skipped)
