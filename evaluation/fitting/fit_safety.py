"""Refit the learned part of the safety score on half of hh-rlhf harmless-base, deterministically.

    pixel-data eval fit safety

Data (read in place from ../shared/realdata, never copied): hh-rlhf harmless-base test (MIT).
Each pair is one dialogue with two final assistant replies; the chosen reply is labelled 1
(safer), the rejected 0. The split is by the shared dialogue before the final reply:
`hh_split(prompt) == "fit"` (sha256 bucket, about half) is fitted on, the other half is the
only part `pixel-data eval scorers --only safety` reports on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from evaluation.realdata import hh_harmless_rows
from python_models.scoring.linear import LinearTextConfig, LinearTextModel
from python_models.scoring.safety import WEIGHTS

CONFIG = LinearTextConfig(
    ngram_range=(1, 2), min_df=2, max_features=20_000, embedding_weight=1.0, c=0.1
)
SEPARATOR = "\n\nAssistant:"


@dataclass(frozen=True)
class HhPair:
    prompt: str  # the dialogue up to the final assistant reply, "\n\nHuman: ..." format
    chosen: str  # final assistant replies
    rejected: str


def _split_last(dialogue: str) -> tuple[str, str]:
    at = dialogue.rfind(SEPARATOR)
    return dialogue[:at], dialogue[at + len(SEPARATOR) :].strip()


def hh_harmless_pairs(root: Path) -> list[HhPair]:
    """hh-rlhf harmless-base test: the final chosen and rejected replies of each dialogue."""
    pairs = []
    for row in hh_harmless_rows(root):
        prompt, chosen = _split_last(row["chosen"])
        _, rejected = _split_last(row["rejected"])
        pairs.append(HhPair(prompt, chosen, rejected))
    return pairs


def hh_split(prompt: str) -> str:
    """`fit` (about half of the dialogues, by hashed prompt) or `test`."""
    bucket = int(hashlib.sha256(f"hh-safety:{prompt}".encode()).hexdigest()[:8], 16) % 2
    return "fit" if bucket == 0 else "test"


def messages_of(prompt: str, reply: str) -> list[dict[str, str]]:
    """The hh-rlhf dialogue as ChatML messages, ending with `reply`."""
    messages = []
    for part in prompt.split("\n\nHuman:")[1:]:
        human, *assistants = part.split(SEPARATOR)
        messages.append({"role": "user", "content": human.strip()})
        messages += [{"role": "assistant", "content": a.strip()} for a in assistants]
    return [*messages, {"role": "assistant", "content": reply}]


def refit(out: Path = WEIGHTS, embedder_name: str = "default") -> None:
    """Refit and write the weights (`pixel-data eval fit safety`)."""
    from evaluation.realdata import realdata_root
    from python_models.embeddings.backends import get_embedder

    fit = [p for p in hh_harmless_pairs(realdata_root()) if hh_split(p.prompt) == "fit"]
    texts = [p.chosen for p in fit] + [p.rejected for p in fit]
    labels = [1] * len(fit) + [0] * len(fit)
    embedder = get_embedder(embedder_name)
    model = LinearTextModel.fit(
        texts,
        embedder.encode(texts),
        labels,
        CONFIG,
        metadata={
            "scorer": "safety",
            "embedding_model": embedder.model_id,
            "fitted_on": "hh-rlhf harmless-base test (MIT), the `fit` half by sha256 of the "
            "dialogue before the final reply: chosen final reply = 1, rejected = 0",
            "license": "MIT (anthropics/hh-rlhf)",
            "fit_pairs": len(fit),
        },
    )
    model.save(out)
    print(
        f"safety model: {len(fit)} pairs, {len(model.vocabulary)} n-grams, written to "
        f"{out} ({out.stat().st_size:,} bytes)"
    )
