"""A document of the labelled near-duplicate corpus: messages and their ground-truth group."""

from __future__ import annotations

from dataclasses import dataclass

from python_models.embeddings.texts import conversation_text

REAL_PAIR_KINDS = ("counsel_chat_html", "epitome_cross_file")

Message = dict[str, str]


@dataclass
class EvalDoc:
    doc_id: str
    group: str  # ground truth: same group = near-duplicates
    source: str  # counsel_chat, epitome, hh_rlhf
    kind: str  # original, a REAL_PAIR_KINDS value, or a PERTURBATIONS value
    messages: list[Message]
    ambiguity_key: str | None = None  # same key, different group: not scored

    @property
    def text(self) -> str:
        return conversation_text(self.messages)
