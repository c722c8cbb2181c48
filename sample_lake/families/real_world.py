# ruff: noqa: E501 -- the voices are prose; wrapping sentences mid-string would hurt review.
"""Sample-lake datasets in the shapes public counselling datasets and books are published in.

``write_real_world_datasets(lake)`` is called by ``sample_lake.generator.generate_lake``:

- ``dialogue_files`` (chatml, ``{"messages": "$"}``): one conversation per file, pretty-printed;
  most files are the message list itself, some an object holding it (``{"id", "dialog"}``);
  role names as such datasets spell them (Counselor/Client, usr/sys, supporter/seeker,
  Doctor/Patient, Human/AI). Planted: a file cut off mid-value (``malformed_json``).
- ``turn_pair_dialogues`` (turn_pairs): JSONL ``{"conversation": [{"system", "input",
  "output"}, {"input", "output"}, ...]}``, the system text on the first pair or on a later one.
  Planted: an empty list (``empty_conversation``) and a pair without output (``empty_content``).
- ``turn_pair_files`` (turn_pairs, ``{"turns": "$"}``): one conversation per file, the file the
  pair list itself.
- ``wide_feature_responses`` (context_response): a CSV export with 200 numeric TF-IDF columns
  beside the two text columns; nothing is planted (extra columns are no fault).
- ``psychology_books`` (transcript): books as PDF (running header, page-number footer, outline,
  hyphenated line ends) and EPUB; a scanned PDF without text layer (``no_text_layer``).
- ``video_transcripts`` (transcript): ``{"video_id", "title", "segments": [...]}`` JSON, a
  JSONL of timed segments, and the plain ``{"title", "text"}`` one-per-talk shape.

Documents are counted as the warehouse counts them: one input record per file, and the
passages each becomes (read with ``ingestion.documents``, cut with
``python_models.transcript_passages``) booked as ``derived_records`` beyond the first.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

from ingestion.documents import read_document
from python_models.transcript_passages import segment_document
from sample_lake.content.templates import FAMILY_TOPIC, TOPICS
from sample_lake.document_writers import write_epub, write_pdf, write_scanned_pdf
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import Message, dumps

DIALOGUE_FILES = "dialogue_files"
TURN_PAIRS = "turn_pair_dialogues"
TURN_PAIR_FILES = "turn_pair_files"
WIDE_CSV = "wide_feature_responses"
BOOKS = "psychology_books"
VIDEOS = "video_transcripts"
TFIDF_COLUMNS = 200
PASSAGES_PER_BOOK = 4  # about; sets how many books (and videos) a target needs
PASSAGES_PER_VIDEO = 2

# (user name, assistant name) pairs as one-conversation-per-file datasets spell them
DIALOGUE_ROLES = (
    ("Client", "Counselor"),
    ("usr", "sys"),
    ("seeker", "supporter"),
    ("Patient", "Doctor"),
    ("Human", "AI"),
    ("Client", "Therapist"),
)
TURN_PAIR_SYSTEMS = (
    "You are a warm, patient counsellor. Listen first, reflect feelings, and never judge.",
    "You are a supportive mental-health assistant who asks open questions and offers gentle, practical steps.",
)


def _message_list(messages: list[Message], names: tuple[str, str]) -> list[dict[str, str]]:
    role_names = {"user": names[0], "assistant": names[1], "system": "system"}
    return [{"role": role_names[role], "content": text} for role, text in messages]


def _dialogue_files(lake: Lake) -> None:
    content = lake.content(DIALOGUE_FILES)
    count = lake.target(DIALOGUE_FILES)
    for number in range(1, count + 1):
        names = DIALOGUE_ROLES[number % len(DIALOGUE_ROLES)]
        messages = _message_list(content.conversation(exchanges=(2, 5)), names)
        value: Any = messages
        if number % 4 == 0:  # an object holding the list, the list not its first member
            value = {"id": f"dlg-{number:05d}", "topic_tags": ["support"], "dialog": messages}
        path = f"dialogues/one_per_file/dialogue_{number:05d}.json"
        text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
        lake.path(path).write_bytes(text.encode())
        lake.book("chatml", FilePlan(DIALOGUE_FILES, path, [text]), 1, [])
    # a file cut off mid-value: one malformed record, not one per line
    broken = _message_list(content.conversation(exchanges=(2, 2)), DIALOGUE_ROLES[0])
    text = json.dumps(broken, ensure_ascii=False, indent=2)
    path = "dialogues/one_per_file/dialogue_broken.json"
    lake.path(path).write_bytes(text[: len(text) * 2 // 3].encode())
    plan = FilePlan(DIALOGUE_FILES, path, [])
    plan.plant(text, "malformed_json", at=0.0)
    lake.book("chatml", plan, 1, plan.records()[1])


def _pairs(messages: list[Message], rng: random.Random, system: str | None) -> list[dict[str, str]]:
    turns = [m for m in messages if m[0] != "system"]
    pairs = [{"input": turns[i][1], "output": turns[i + 1][1]} for i in range(0, len(turns) - 1, 2)]
    if system:
        where = 0 if rng.random() < 0.7 else rng.randrange(len(pairs))
        pairs[where] = {"system": system, **pairs[where]}
    return pairs


def _turn_pairs(lake: Lake) -> None:
    content = lake.content(TURN_PAIRS)
    rng = content.rng

    def record() -> str:
        pairs = _pairs(content.conversation(exchanges=(2, 4)), rng, rng.choice(TURN_PAIR_SYSTEMS))
        return dumps({"conversation": pairs})

    plan = FilePlan(TURN_PAIRS, "turn_pairs/counselling_turns_001.jsonl", [])
    plan.good = [record() for _ in range(lake.target(TURN_PAIRS))]
    plan.plant(dumps({"conversation": []}), "empty_conversation", at=0.3)
    no_output = json.loads(record())
    no_output["conversation"][-1]["output"] = "  "
    plan.plant(dumps(no_output), "empty_content", at=0.6)
    lake.write_jsonl("turn_pairs", plan)

    files = lake.content(TURN_PAIR_FILES)
    for number in range(1, lake.target(TURN_PAIR_FILES) + 1):
        pairs = _pairs(files.conversation(exchanges=(2, 4)), files.rng, None)
        path = f"turn_pairs/one_per_file/session_{number:04d}.json"
        text = json.dumps(pairs, ensure_ascii=False, indent=1) + "\n"
        lake.path(path).write_bytes(text.encode())
        lake.book("turn_pairs", FilePlan(TURN_PAIR_FILES, path, [text]), 1, [])


def _wide_csv(lake: Lake) -> None:
    content = lake.content(WIDE_CSV)
    rng = content.rng
    header = ("row_id", "Context", "Response", *(f"tfidf_{i:03d}" for i in range(TFIDF_COLUMNS)))
    rows = []
    for number in range(1, lake.target(WIDE_CSV) + 1):
        topic = rng.choice(TOPICS)
        features = [
            f"{rng.random() * 0.4:.6f}" if rng.random() < 0.08 else "0.0"
            for _ in range(TFIDF_COLUMNS)
        ]
        rows.append(
            [
                str(number),
                content.opener(topic),
                content.reply(rng.choice(topic.replies)),
                *features,
            ]
        )
    lake.write_csv(
        "context_response", FilePlan(WIDE_CSV, "features/tfidf_responses.csv", rows), header
    )


# ---- books and videos ---------------------------------------------------------------------

_AUTHOR = {  # a book author's voice: measured, explanatory, third person
    "name": "Dr. Helena Marsh",
    "sentences": (
        "Clinicians have long observed that avoidance brings relief in the moment and a heavier burden over the following months.",
        "The research literature suggests that the quality of the therapeutic alliance predicts outcome at least as well as the choice of technique.",
        "It is worth distinguishing between a thought that occurs and a belief that is held; the first is an event, the second a commitment.",
        "Patients frequently report that naming an emotion accurately reduces its intensity, a finding consistent with studies of affect labelling.",
        "A useful clinical question is not whether a behaviour is rational, but what function it served when it first appeared.",
        "Progress in psychotherapy is rarely linear; plateaus and setbacks are part of the ordinary course of change.",
        "The counsellor's task in these moments is to remain curious rather than corrective, and to slow the conversation down.",
        "Self-compassion, properly understood, is not indulgence but the practice of responding to one's own suffering with care.",
    ),
    "details": (
        "Consider the case of {name}, aged {age}, who lived in {place} and attended weekly sessions for {weeks} weeks before the pattern shifted.",
        "One patient, whom we shall call {name}, was {age} years old and from {place}; after {weeks} weeks she could describe the panic without being swept away by it.",
        "{name}, a {age}-year-old teacher in {place}, kept a mood diary for {weeks} weeks and noticed that the worst evenings followed the longest silences.",
    ),
}
_HOST = {  # a video host's voice: spoken, short, conversational
    "name": "Sam Okoye",
    "slug": "sam_okoye",  # JSONL and plain files name the speaker: <speaker>__<title>.json
    "sentences": (
        "Okay so let's talk about this honestly because I get asked about it every week.",
        "Here's the thing nobody tells you about feeling stuck.",
        "I want you to try something with me right now, just for a minute.",
        "And look, I'm not saying this is easy, I'm saying it's possible.",
        "If this is you, drop a comment, because you are really not alone in it.",
        "So that's the first piece, and the second piece is even simpler.",
        "Be patient with yourself while you practise this, it takes a while.",
        "Let me tell you what helped one of my viewers.",
    ),
    "details": (
        "One viewer, {name}, {age}, from {place}, wrote to me after {weeks} weeks of trying this and said the mornings felt lighter.",
        "{name} messaged me from {place}, {age} years old, and after {weeks} weeks the dread before work had eased off.",
    ),
}


def _voice_paragraph(
    rng: random.Random, voice: dict[str, Any], topic: Any, slots: dict[str, Any]
) -> str:
    sentences = rng.sample(voice["sentences"], 2)
    for sentence in rng.sample([topic.explanation, topic.next_step, *topic.replies], 2):
        sentences.insert(rng.randrange(len(sentences) + 1), sentence)
    sentences.insert(
        rng.randrange(len(sentences) + 1), rng.choice(voice["details"]).format(**slots)
    )
    return " ".join(sentences)


def _passages(lake: Lake, path: str) -> int:
    """Passages the warehouse will cut from a written document (``ingestion.documents``)."""
    document = read_document(lake.path(path).read_bytes(), path)
    assert document is not None and not document.error, path
    return len(segment_document(document.record()["text"], path=path).pairs)


def _capitalized(phrase: str) -> str:
    return phrase[0].upper() + phrase[1:]


def _book(number: int) -> tuple[str, str]:
    """(path, title) of book ``number``: odd ones PDF, even ones EPUB."""
    if number % 2:
        return f"books/marsh_notes_{number:02d}.pdf", f"Notes on Recovery, Volume {number}"
    return f"books/epub/marsh_notes_{number:02d}.epub", f"Notes on Recovery, Volume {number}"


def _write_book(lake: Lake, number: int, chapters: list[tuple[str, list[str]]]) -> str:
    path, title = _book(number)
    if path.endswith(".pdf"):
        write_pdf(lake.path(path), title, _AUTHOR["name"], chapters)
    else:
        identifier = f"urn:sample-lake:book:{number}"
        write_epub(lake.path(path), identifier, title, _AUTHOR["name"], chapters)
    return path


def _books(lake: Lake) -> None:
    """A fixed number of books for the target (the same files for every seed); chapters are
    added to them in turn until their passages reach it."""
    rng = lake.content(BOOKS).rng
    topics = (*TOPICS, FAMILY_TOPIC)
    target = lake.target(BOOKS)
    books: list[list[tuple[str, list[str]]]] = [
        [] for _ in range(max(2, math.ceil(target / PASSAGES_PER_BOOK)))
    ]
    made = [0] * len(books)
    turn = 0
    while turn < 2 * len(books) or sum(made) < target:
        index = turn % len(books)
        topic = topics[turn % len(topics)]
        paragraphs = [
            _voice_paragraph(rng, _AUTHOR, topic, lake.details.take())
            for _ in range(rng.randint(2, 3))
        ]
        chapter = len(books[index]) + 1
        books[index].append((f"Chapter {chapter}: {_capitalized(topic.phrase)}", paragraphs))
        made[index] = _passages(lake, _write_book(lake, index + 1, books[index]))
        turn += 1
    for number in range(1, len(books) + 1):
        lake.book("transcript", FilePlan(BOOKS, _book(number)[0], [number]), 1, [])
    path = "books/scans/scanned_handout.pdf"
    write_scanned_pdf(lake.path(path), rng)
    plan = FilePlan(BOOKS, path, [])
    plan.plant(path, "no_text_layer", at=0.0)
    lake.book("transcript", plan, 1, plan.records()[1])
    lake.datasets[BOOKS]["derived"] = sum(made) - len(books)


def _segments(rng: random.Random, text: str, clock: float) -> tuple[list[dict[str, Any]], float]:
    """A paragraph as caption segments of 6-12 words, 2-4 s each, then a pause."""
    words = text.split()
    segments = []
    while words:
        size = rng.randint(6, 12)
        chunk, words = words[:size], words[size:]
        length = round(rng.uniform(2, 4), 2)
        segments.append(
            {"start": round(clock, 2), "end": round(clock + length, 2), "text": " ".join(chunk)}
        )
        clock += length + 0.2
    return segments, clock + 3.0  # a pause: a new paragraph


def _video_file(
    rng: random.Random, number: int, title: str, paragraphs: list[str]
) -> tuple[str, str]:
    """(path, text) of video ``number`` in one of the three shapes, by its number."""
    slug = _HOST["slug"]
    if number % 3 == 0:  # the plain one-per-talk shape
        path = f"video/plain/{slug}__episode_{number:03d}.json"
        return path, dumps({"title": title, "text": " ".join(paragraphs)}) + "\n"
    segments: list[dict[str, Any]] = []
    clock = 0.0
    for paragraph in paragraphs:
        more, clock = _segments(rng, paragraph, clock)
        segments += more
    if number % 3 == 1:
        path = f"video/timed/episode_{number:03d}.json"
        video = {
            "video_id": f"vid{number:05d}",
            "title": title,
            "channel": _HOST["name"],
            "segments": segments,
        }
        return path, json.dumps(video, ensure_ascii=False, indent=1) + "\n"
    # JSONL: one timed segment a line, the speaker in the file name
    path = f"video/timed/{slug}__episode_{number:03d}.jsonl"
    return path, "".join(dumps(segment) + "\n" for segment in segments)


def _videos(lake: Lake) -> None:
    """A fixed number of videos for the target; paragraphs are added to them in turn until
    their passages reach it."""
    rng = lake.content(VIDEOS).rng
    topics = (*TOPICS, FAMILY_TOPIC)
    target = lake.target(VIDEOS)
    count = max(3, math.ceil(target / PASSAGES_PER_VIDEO))
    videos: list[list[str]] = [[] for _ in range(count)]
    made = [0] * count
    paths = [""] * count
    turn = 0
    while turn < 2 * count or sum(made) < target:
        index = turn % count
        topic = topics[(index * 5) % len(topics)]
        videos[index].append(_voice_paragraph(rng, _HOST, topic, lake.details.take()))
        title = f"{_capitalized(topic.phrase)}: what actually helps (episode {index + 1})"
        paths[index], text = _video_file(rng, index + 1, title, videos[index])
        lake.path(paths[index]).write_bytes(text.encode())
        made[index] = _passages(lake, paths[index])
        turn += 1
    for path in paths:
        lake.book("transcript", FilePlan(VIDEOS, path, [path]), 1, [])
    lake.datasets[VIDEOS]["derived"] = sum(made) - count


def write_real_world_datasets(lake: Lake) -> None:
    """Write every real-world-shape dataset into the lake and book it in its summary."""
    _dialogue_files(lake)
    _turn_pairs(lake)
    _wide_csv(lake)
    _books(lake)
    _videos(lake)
