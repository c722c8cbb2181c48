"""Readers for ../shared/realdata: labelled data written by others, read in place, never copied.

One locator (:func:`realdata_root`) and one reader per file; the evaluations (scorers,
near-duplicates) and the fitting scripts shape the rows they need from these.
"""

from __future__ import annotations

import ast
import csv
import gzip
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pixel_config import settings


class RealDataMissing(RuntimeError):
    """../shared/realdata is not there (a fresh clone without the shared folder)."""


def realdata_root() -> Path:
    """`PIXEL_REALDATA` or ../shared/realdata beside the project root."""
    override = os.environ.get("PIXEL_REALDATA")
    root = Path(override) if override else settings.PROJECT_ROOT.parent / "shared" / "realdata"
    if not root.is_dir():
        raise RealDataMissing(f"real labelled data not found at {root} (set PIXEL_REALDATA)")
    return root


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


@dataclass(frozen=True)
class LabelledText:
    key: str
    texts: tuple[str, ...]  # one or more posts (a C-SSRS user has many)
    label: str


def cssrs_users(root: Path) -> list[LabelledText]:
    """C-SSRS Reddit 500: one row per user, `Post` a Python list literal (28 cells truncated)."""
    users = []
    for row in _csv_rows(root / "cssrs-reddit500" / "500_Reddit_users_posts_labels.csv"):
        cell = row["Post"]
        try:
            posts = ast.literal_eval(cell)
        except (ValueError, SyntaxError):
            # truncated at 32,759 chars: split the list body by its separators and keep it all
            posts = cell.strip("[]").split("', '")
        if isinstance(posts, str):
            posts = [posts]
        posts = tuple(str(post).strip(" '\"") for post in posts if str(post).strip(" '\""))
        users.append(LabelledText(row["User"], posts, row["Label"]))
    return users


def sdcnl_posts(root: Path, part: str) -> list[LabelledText]:
    """SDCNL `training` or `testing` set: title + body, label is_suicide (1/0)."""
    rows = _csv_rows(root / "sdcnl" / f"{part}-set.csv")
    return [
        LabelledText(
            f"sdcnl-{part}-{number}",
            (f"{row['title']}\n{row['selftext']}".strip(),),
            row["is_suicide"],
        )
        for number, row in enumerate(rows)
    ]


def dreaddit_posts(root: Path, part: str) -> list[LabelledText]:
    """Dreaddit `train` or `test`: stress label 0/1; none of it is a crisis label."""
    rows = _csv_rows(root / "dreaddit" / f"dreaddit-{part}.csv")
    return [
        LabelledText(f"dreaddit-{part}-{row['id']}", (row["text"],), row["label"]) for row in rows
    ]


def hh_harmless_rows(root: Path) -> Iterator[dict[str, str]]:
    """hh-rlhf harmless-base test, one ``{"chosen", "rejected"}`` dialogue pair a row, in order."""
    with gzip.open(root / "hh-rlhf" / "harmless-base-test.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def hh_harmless_prompts(root: Path) -> list[LabelledText]:
    """hh-rlhf harmless-base test: the human turns of each dialogue (red-team prompts)."""
    out = []
    for number, row in enumerate(hh_harmless_rows(root)):
        dialogue = row["chosen"]
        turns = [
            part.split("\n\nAssistant:")[0].strip() for part in dialogue.split("\n\nHuman:")[1:]
        ]
        out.append(LabelledText(f"hh-{number}", tuple(t for t in turns if t), "harmless"))
    return out


@dataclass(frozen=True)
class EpitomePair:
    sp_id: str
    rp_id: str
    seeker: str
    response: str
    levels: dict[str, int]  # mechanism -> 0/1/2
    # mechanism -> the response's rationale spans (the annotators' evidence for a level >= 1)
    rationales: dict[str, tuple[str, ...]] = field(default_factory=dict)


EPITOME_FILES = {
    "emotional_reactions": "emotional-reactions-reddit.csv",
    "interpretations": "interpretations-reddit.csv",
    "explorations": "explorations-reddit.csv",
}


def epitome_rows(root: Path, mechanism: str) -> Iterator[dict[str, str]]:
    """The rows of one EPITOME Reddit file (a key of ``EPITOME_FILES``), in file order."""
    return _csv_rows(root / "epitome" / EPITOME_FILES[mechanism])


def epitome_pairs(root: Path) -> list[EpitomePair]:
    """The three EPITOME Reddit files joined by (sp_id, rp_id); a repeated key keeps its first
    row per file (61 keys repeat, 19 with conflicting labels: first occurrence wins, documented)."""
    by_key: dict[tuple[str, str], dict] = {}
    for mechanism in EPITOME_FILES:
        for row in epitome_rows(root, mechanism):
            key = (row["sp_id"], row["rp_id"])
            entry = by_key.setdefault(
                key,
                {
                    "seeker": row["seeker_post"],
                    "response": row["response_post"],
                    "levels": {},
                    "rationales": {},
                },
            )
            if mechanism not in entry["levels"]:
                entry["levels"][mechanism] = int(row["level"])
                spans = (span.strip() for span in (row.get("rationales") or "").split("|"))
                entry["rationales"][mechanism] = tuple(span for span in spans if span)
    return [
        EpitomePair(
            sp, rp, entry["seeker"], entry["response"], entry["levels"], entry["rationales"]
        )
        for (sp, rp), entry in by_key.items()
        if len(entry["levels"]) == len(EPITOME_FILES)
    ]


@dataclass(frozen=True)
class PiiExample:
    text: str
    spans: tuple[tuple[int, int, str], ...]
    template_id: int


def is_dev_template(template_id: int) -> bool:
    """presidio-synth's dev templates (rules read them, the span model fits them); rest held out."""
    return template_id % 3 == 0


PII_COUNSELLING_SET = Path(__file__).parent / "data" / "pii_counselling_sentences.jsonl"
"""Counselling sentences written for the PII evaluation (ships in the project; even lines dev)."""


def presidio_examples(root: Path) -> list[PiiExample]:
    data = json.loads((root / "presidio-synth" / "synth_dataset_v2.json").read_text("utf-8"))
    return [
        PiiExample(
            item["full_text"],
            tuple(
                (s["start_position"], s["end_position"], s["entity_type"]) for s in item["spans"]
            ),
            int(item["template_id"]),
        )
        for item in data
    ]


@dataclass(frozen=True)
class CounselQuestion:
    question_id: str
    title: str
    text: str
    topic: str
    split: str
    answers: tuple[str, ...]


def counsel_chat_rows(root: Path) -> list[dict[str, str]]:
    """Counsel Chat (MIT), the plain-text rendering: one row per answer."""
    return list(_csv_rows(root / "counsel-chat" / "20200325_counsel_chat.csv"))


def counsel_chat_html_rows(root: Path) -> list[dict[str, str]]:
    """Counsel Chat's other rendering (``counselchat-data.csv``): the answers as raw HTML."""
    return list(_csv_rows(root / "counsel-chat" / "counselchat-data.csv"))


def counsel_chat_questions(root: Path) -> list[CounselQuestion]:
    """Counsel Chat (MIT): one row per question with its topic, its own split and its answers."""
    by_id: dict[str, dict] = {}
    for row in counsel_chat_rows(root):
        entry = by_id.setdefault(
            row["questionID"],
            {
                "title": row["questionTitle"] or "",
                "text": row["questionText"] or "",
                "topic": row["topic"],
                "split": row["split"],
                "answers": [],
            },
        )
        if row["answerText"]:
            entry["answers"].append(row["answerText"])
    return [
        CounselQuestion(qid, e["title"], e["text"], e["topic"], e["split"], tuple(e["answers"]))
        for qid, e in by_id.items()
    ]


@dataclass(frozen=True)
class EsconvDialogue:
    key: str
    turns: tuple[tuple[str, str], ...]  # (role "user" = seeker | "assistant" = supporter, text)
    strategies: tuple[str | None, ...]  # the supporter strategy of each turn (None for seekers)


def esconv_dialogues(root: Path) -> list[EsconvDialogue]:
    """ESConv dev (CC BY-NC 4.0: non-commercial research only), rebuilt into whole dialogues.

    The file holds one line per dialogue prefix (a sliding window of turns joined by ` EOS `,
    each `<float> <speaker> <turn index> [Strategy]? text`); a line whose last turn index does
    not grow starts a new dialogue, and turns are keyed by their index so windows merge.
    """
    dialogues: list[dict[int, tuple[str, str, str | None]]] = []
    previous_last = -1
    path = root / "esconv" / "devWithStrategy_short.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        turns = {}
        for part in line.split(" EOS "):
            fields = part.strip().split(" ", 3)
            if len(fields) < 3 or not fields[2].isdigit():
                continue
            speaker, index = fields[1], int(fields[2])
            text = fields[3] if len(fields) > 3 else ""
            strategy = None
            if speaker == "1" and text.startswith("["):
                strategy, _, text = text[1:].partition("] ")
            role = "user" if speaker == "0" else "assistant"
            turns[index] = (role, text.strip(), strategy)
        if not turns:
            continue
        last = max(turns)
        if last <= previous_last or not dialogues:
            dialogues.append({})
        dialogues[-1].update(turns)
        previous_last = last
    return [
        EsconvDialogue(
            f"esconv-{number}",
            tuple((turns[i][0], turns[i][1]) for i in sorted(turns)),
            tuple(turns[i][2] for i in sorted(turns)),
        )
        for number, turns in enumerate(dialogues)
    ]


ESCONV_STRATEGIES = {
    "Questions": "question",
    "Restatement or Paraphrasing": "restatement",
    "Reflection of feelings": "reflection_of_feelings",
    "Self-disclosure": "self_disclosure",
    "Affirmation and Reassurance": "affirmation",
    "Providing Suggestions": "suggestion",
    "Information": "information",
    "Other": "other",
}
"""ESConv's bracketed strategy names (as written in the file) -> the behaviour names used here."""


@dataclass(frozen=True)
class EsconvTurn:
    dialogue: int  # position of the reconstructed dialogue in the file
    index: int  # turn index within the dialogue
    speaker: str  # "seeker" or "supporter"
    text: str
    strategy: str | None  # supporter turns: a value of ESCONV_STRATEGIES; seeker turns: None


def _esconv_line_turns(line: str) -> dict[int, tuple[str, str]]:
    """One line's turns: index -> (speaker, text with its strategy tag); malformed turns skipped."""
    turns = {}
    for chunk in line.split(" EOS "):
        parts = chunk.strip().split(" ", 3)
        if len(parts) == 4 and parts[1] in ("0", "1") and parts[2].isdigit():
            turns[int(parts[2])] = ("seeker" if parts[1] == "0" else "supporter", parts[3].strip())
    return turns


def esconv_dialogue_turns(root: Path) -> list[list[EsconvTurn]]:
    """ESConv dialogues rebuilt from its one-line-per-prefix file, each turn once.

    Consecutive lines extend one dialogue while their turns agree with the turns already seen
    at the same index and the last index grows; otherwise a new dialogue starts.
    """
    path = root / "esconv" / "devWithStrategy_short.tsv"
    dialogues: list[dict[int, tuple[str, str]]] = []
    current: dict[int, tuple[str, str]] = {}
    last = -1
    for line in path.read_text(encoding="utf-8").splitlines():
        turns = _esconv_line_turns(line)
        if not turns:
            continue
        newest = max(turns)
        continues = newest > last and all(current.get(i, t) == t for i, t in turns.items())
        if not continues and current:
            dialogues.append(current)
            current = {}
        current.update(turns)
        last = newest
    if current:
        dialogues.append(current)
    out = []
    for number, turns in enumerate(dialogues):
        rows = []
        for index in sorted(turns):
            speaker, text = turns[index]
            strategy = None
            if speaker == "supporter" and text.startswith("["):
                tag, _, rest = text[1:].partition("]")
                strategy, text = ESCONV_STRATEGIES.get(tag.strip()), rest.strip()
            rows.append(EsconvTurn(number, index, speaker, text, strategy))
        out.append(rows)
    return out
