"""The labelled corpus of the near-duplicate evaluation: real conversations and their near-copies.

The corpus (:func:`build_eval_corpus`) is real conversations from ``../shared/realdata`` read in
place, plus generated near-copies, with ground-truth groups:

- Counsel Chat answers in both of its CSV renderings (plain text, and raw HTML turned into text
  the way the warehouse does it), matched on (question title, therapist URL) where that key is
  unique in both files: true near-duplicates that differ in formatting, entities and edits.
- EPITOME posts that recur across its three files, where the emotional-reactions file's copy
  differs from the others' (a few characters inserted): true near-duplicates.
- Perturbed copies of real conversations (Counsel Chat, EPITOME, hh-rlhf harmless-base):
  typos, role relabels with speaker tags in the text, whitespace damage that survives folding,
  truncation, sentence reorder and inserted greetings/sign-offs.
- Hard negatives come with the data: the same Counsel Chat question answered by different
  therapists, the same EPITOME seeker post with different responses, the same topics throughout.

Exact duplicates (same content hash) are collapsed first, as the warehouse does; what is left is
what near-dup detection sees. Pairs whose answers are word-for-word the same under different
questions (a therapist's stock answer) are ambiguous and left out of the scoring.

A method's clusters are scored on pairs: every pair inside a predicted cluster is a predicted
duplicate; precision and recall are over labelled pairs. The threshold is calibrated on half of
the ground-truth groups and reported on the other half.
"""

from __future__ import annotations

import functools
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from evaluation.neardup.documents import EvalDoc, Message
from evaluation.neardup.pairs import Labels
from evaluation.neardup.perturbations import (
    LONG_TRANSCRIPT_PERTURBATIONS,
    PERTURBATIONS,
    perturb,
)
from evaluation.realdata import (
    counsel_chat_html_rows,
    counsel_chat_rows,
    epitome_rows,
    esconv_dialogues,
    hh_harmless_rows,
    realdata_root,
)
from pixel_config import settings
from python_models.canonical import content_hash, fold_whitespace, normalize_content


@dataclass
class EvalCorpus:
    docs: list[EvalDoc]
    collapsed_by_exact_dedup: Counter = field(default_factory=Counter)

    @property
    def texts(self) -> list[str]:
        return [d.text for d in self.docs]

    def describe(self) -> dict[str, object]:
        kinds = Counter(d.kind for d in self.docs)
        return {
            "documents": len(self.docs),
            "groups": len({d.group for d in self.docs}),
            "by_source": dict(sorted(Counter(d.source for d in self.docs).items())),
            "by_kind": dict(sorted(kinds.items())),
            "positive_pairs": len(self.labels().positives),
            "collapsed_by_exact_dedup": dict(sorted(self.collapsed_by_exact_dedup.items())),
        }

    def labels(self) -> Labels:
        return Labels.from_docs(self.docs)


@functools.cache
def _html_to_text_sql() -> str:
    """The warehouse's ``html_to_text`` macro rendered over a column named ``value``."""
    import jinja2

    source = (settings.DBT_PROJECT_DIR / "macros" / "html_to_text.sql").read_text("utf-8")
    return str(jinja2.Environment().from_string(source).module.html_to_text("value"))


def html_to_text(values: Sequence[str]) -> list[str]:
    """Values turned into text the way the warehouse does it: its own macro, run in DuckDB."""
    table = pa.table({"position": pa.array(range(len(values)), pa.int64()), "value": values})
    with duckdb.connect() as con:
        con.register("html_values", table)
        rows = con.execute(
            f"select {_html_to_text_sql()} from html_values order by position"
        ).fetchall()
    return [text for (text,) in rows]


def _turns(user: str, assistant: str) -> list[Message]:
    return [
        {"role": "user", "content": normalize_content(user)},
        {"role": "assistant", "content": normalize_content(assistant)},
    ]


def _qa_user(title: str, question: str, as_text: dict[str, str]) -> str:
    title = as_text[title or ""].strip()
    return (f"{title}\n\n" if title else "") + as_text[question or ""]


def counsel_chat_docs(root: Path) -> list[EvalDoc]:
    """Plain rendering, plus the HTML rendering of answers whose key is unique in both files."""
    plain = counsel_chat_rows(root)
    rendered = counsel_chat_html_rows(root)
    fields = [
        row[name] or "" for row in plain + rendered for name in ("questionTitle", "questionText")
    ]
    unique = sorted({*fields, *(row["answerText"] or "" for row in rendered)})
    as_text = dict(zip(unique, html_to_text(unique), strict=True))
    plain_keys = Counter((r["questionTitle"], r["therapistURL"]) for r in plain)
    html_keys = Counter((r["questionTitle"], r["therapistUrl"]) for r in rendered)
    docs: list[EvalDoc] = []
    group_of_key: dict[tuple[str, str], str] = {}
    for i, row in enumerate(plain):
        if not (row["answerText"] or "").strip() or not (row["questionText"] or "").strip():
            continue
        key = (row["questionTitle"], row["therapistURL"])
        group = f"cc:{i}"
        if plain_keys[key] == 1 and html_keys.get(key) == 1:
            group_of_key[key] = group
        docs.append(
            EvalDoc(
                doc_id=f"cc-plain-{i}",
                group=group,
                source="counsel_chat",
                kind="original",
                messages=_turns(
                    _qa_user(row["questionTitle"], row["questionText"], as_text), row["answerText"]
                ),
                ambiguity_key="answer:" + fold_whitespace(row["answerText"]).lower(),
            )
        )
    for i, row in enumerate(rendered):
        key = (row["questionTitle"], row["therapistUrl"])
        group = group_of_key.get(key)
        if group is None or not (row["answerText"] or "").strip():
            continue  # no unambiguous plain twin: its ground truth is unknown, leave it out
        answer = as_text[row["answerText"]]
        docs.append(
            EvalDoc(
                doc_id=f"cc-html-{i}",
                group=group,
                source="counsel_chat",
                kind="counsel_chat_html",
                messages=_turns(
                    _qa_user(row["questionTitle"], row["questionText"], as_text), answer
                ),
                ambiguity_key="answer:" + fold_whitespace(answer).lower(),
            )
        )
    return docs


def epitome_docs(root: Path) -> list[EvalDoc]:
    """Explorations and interpretations (identical text), and emotional-reactions' variants."""
    docs: list[EvalDoc] = []
    for mechanism, kind in (
        ("explorations", "original"),
        ("interpretations", "original"),
        ("emotional_reactions", "epitome_cross_file"),
    ):
        name = mechanism.replace("_", "-")
        for i, row in enumerate(epitome_rows(root, mechanism)):
            if not row["seeker_post"].strip() or not row["response_post"].strip():
                continue
            docs.append(
                EvalDoc(
                    doc_id=f"ep-{name}-{i}",
                    group=f"ep:{row['sp_id']}:{row['rp_id']}",
                    source="epitome",
                    kind=kind,
                    messages=_turns(row["seeker_post"], row["response_post"]),
                )
            )
    return docs


_HH_TURN = re.compile(r"\n\n(Human|Assistant): ")


def hh_rlhf_docs(root: Path) -> list[EvalDoc]:
    """hh-rlhf harmless-base test, the chosen dialogues (never the rejected twins)."""
    docs: list[EvalDoc] = []
    for i, row in enumerate(hh_harmless_rows(root)):
        parts = _HH_TURN.split(row["chosen"])
        messages = [
            {"role": "user" if who == "Human" else "assistant", "content": text.strip()}
            for who, text in zip(parts[1::2], parts[2::2], strict=True)
            if text.strip()
        ]
        if len(messages) >= 2:
            docs.append(EvalDoc(f"hh-{i}", f"hh:{i}", "hh_rlhf", "original", messages))
    return docs


ESCONV_WINDOW_TURNS = (8, 16)  # the fewest turns a window may have, and the most it takes


def esconv_windows(root: Path) -> list[EvalDoc]:
    """Long real multi-turn transcripts: the first 8-16 turns of each ESConv dialogue."""
    if not (root / "esconv" / "devWithStrategy_short.tsv").exists():
        return []
    fewest, most = ESCONV_WINDOW_TURNS
    docs: list[EvalDoc] = []
    for i, dialogue in enumerate(esconv_dialogues(root)):
        window = [(role, text) for role, text in dialogue.turns if text][:most]
        if len(window) >= fewest:
            messages = [{"role": r, "content": normalize_content(t)} for r, t in window]
            docs.append(EvalDoc(f"esconv-{i}", f"esconv:{i}", "esconv", "original", messages))
    return docs


def build_eval_corpus(
    root: Path | None = None, *, seed: int = 13, per_kind: int = 250
) -> EvalCorpus:
    """Real conversations, their real near-copies and ``per_kind`` perturbed copies per kind."""
    root = root or realdata_root()
    transcripts = esconv_windows(root)
    docs = counsel_chat_docs(root) + epitome_docs(root) + hh_rlhf_docs(root) + transcripts
    rng = random.Random(seed)
    originals = [
        d
        for d in docs
        if d.kind == "original" and d.source != "esconv" and len(d.text.split()) >= 25
    ]
    plan = [(kind, rng.sample(originals, per_kind)) for kind in PERTURBATIONS]
    plan += [(kind, transcripts) for kind in LONG_TRANSCRIPT_PERTURBATIONS]
    for kind, bases in plan:
        for base in bases:
            local = random.Random(f"{seed}:{kind}:{base.doc_id}")
            docs.append(
                EvalDoc(
                    doc_id=f"{base.doc_id}~{kind}",
                    group=base.group,
                    source=base.source,
                    kind=kind,
                    messages=perturb(base.messages, kind, local),
                    ambiguity_key=base.ambiguity_key,
                )
            )
    return collapse_exact_duplicates(docs)


def collapse_exact_duplicates(docs: Sequence[EvalDoc]) -> EvalCorpus:
    """Keep the first copy per content hash, as exact dedup does; count what it removed."""
    seen: set[str] = set()
    kept: list[EvalDoc] = []
    collapsed: Counter = Counter()
    for doc in docs:
        key = content_hash(doc.messages)
        if key in seen:
            collapsed[doc.kind] += 1
            continue
        seen.add(key)
        kept.append(doc)
    return EvalCorpus(kept, collapsed)
