# ruff: noqa: E501 -- the templates are prose; wrapping sentences mid-string would hurt review.
"""Sample-lake datasets for stage 4 (voice): markdown talks and one-utterance-per-row sessions.

``write_voice_datasets(lake)`` is called by ``sample_lake.generator.generate_lake``. It writes

- ``trauma_talks`` (format ``transcript``): talks on complex trauma by two speakers with
  distinct styles, one markdown document per file; one speaker named in front matter, the other
  by the file name (``<speaker>__<title>.md``). Headings (some of them questions), rhetorical
  questions and plain paragraphs, caption timestamps and markdown emphasis.
- ``session_utterances`` (format ``utterances``): CSV rows ``session, start_time, speaker_name,
  utterance`` (renamed through the registry's field_map), short sessions interleaved and partly
  out of time order in the file, consecutive rows of one speaker, and one long session that needs
  several windows. Planted faults: an empty utterance (``empty_content``), a timestamp that does
  not parse (``invalid_timestamp``), a row without a session id (``missing_field``) and a session
  with a speaker no map knows (``unknown_role``, every row of it).

The summary stays exact: the passages and windows each dataset becomes are counted with the
library the warehouse runs (``python_models.transcript_passages``,
``python_models.session_windows``, default limits), and booked as
``derived_records`` (passages or windows beyond the first of a document or session) and
``merged_into_session`` (rows folded into a session beyond its first).

Each dataset ends with about its share of ``records`` (``DATASET_WEIGHTS``) in good records:
talks are written until their passages reach it; the long session's windows plus one window per
short session make it up.

No accidental duplicates: every passage carries a unique detail tuple and every session its own
details (no exact duplicate), and records stay apart in embedding space (no near-duplicate at the
calibrated threshold): each talk section and each short session is about one of the 13 sample topics, taken
in turn, and each session block names its own two events (a wedding, an eviction notice...),
while sentences every session shares are kept out, since they pull long texts together.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from python_models.session_windows import window_conversation
from python_models.transcript_passages import segment_document
from sample_lake.content.templates import FAMILY_TOPIC, TOPICS
from sample_lake.lake import PLANTED_SLACK, FilePlan, Lake

TALKS_DATASET = "trauma_talks"
SESSIONS_DATASET = "session_utterances"
LONG_SESSION_ROWS = 520  # ~45 words a row: about eight 3,000-word windows
SESSIONS_HEADER = ("session", "start_time", "speaker_name", "utterance")
# The registry's field_map for session_utterances carries this speaker map.
SPEAKER_ROLES = {
    "Dr. Imani Okafor": "therapist",
    "Dr. Lucas Byrne": "therapist",
    "Jamie": "client",
    "Robin": "client",
    "Sasha": "client",
}

# ---- talks -------------------------------------------------------------------------------

_REFLECTIVE = {  # Ana Reyes: long, comma-rich sentences in the first person plural
    "name": "Ana Reyes",
    "slug": "ana_reyes",
    "sentences": (
        "When we grow up in a home that is not safe, we learn, long before we have words for it, that our own needs are a kind of danger.",
        "And so we adapt, quietly and cleverly, in ways that kept us alive then and that often keep us stuck now.",
        "What I want us to notice, gently, is that these adaptations were never a character flaw; they were intelligence under pressure.",
        "Many of us carry this as a feeling in the body, a tightness in the chest or a sinking in the stomach, before we carry it as a thought.",
        "If we can meet that feeling with a little curiosity, rather than with the old contempt, something in the nervous system begins to soften.",
        "Healing, as I understand it, is not the erasing of what happened, but the slow widening of the space in which we can feel it and stay present.",
        "We do this in relationship, with people who are steady enough, and kind enough, to let us be as we are.",
        "It takes time, often years, and that is not a sign that we are failing; it is a sign of how deep the learning went.",
        "In my own work I have found that the smallest moments of safety, repeated, matter more than any single breakthrough.",
        "So when we notice the old pattern returning, we might pause, breathe, and remind ourselves that we are no longer that small child.",
    ),
    "details": (
        "I think of a client I'll call {name}, {age} years old and living in {place}, who told me after {weeks} weeks of our work that she had finally slept through the night.",
        "Someone I'll call {name}, who was {age} when we met in {place}, once said that it took {weeks} weeks before the silence in our sessions stopped feeling dangerous.",
        "A woman I'll call {name}, {age}, from {place}, described the first {weeks} weeks of therapy as learning a new language with her whole body.",
    ),
    "questions": (
        "Why does the body keep reacting, years after the danger has passed?",
        "What does it actually mean to feel safe with another person?",
        "How do we begin to trust a feeling that once betrayed us?",
        "Where does the inner critic come from, and what is it trying to protect?",
    ),
    "headings": (
        "Understanding {phrase}",
        "Why does {phrase} feel so permanent?",
        "{phrase} and the nervous system",
        "What does recovery from {phrase} look like?",
        "Safety, relationship and {phrase}",
    ),
    "titles": (
        "Complex trauma and the body",
        "Shame, safety and slow healing",
        "Learning to feel safe again",
    ),
}
_DIRECT = {  # Tomás Lindqvist: short sentences, second person, questions
    "name": "Tomás Lindqvist",
    "slug": "tomas_lindqvist",
    "sentences": (
        "You are not broken.",
        "You learned to survive. That's it.",
        "Notice your breath right now. Is it high in your chest?",
        "Drop your shoulders. Slow the exhale.",
        "Your body is not the enemy. It's the messenger.",
        "You don't have to fix it today.",
        "Name the feeling. Just name it.",
        "Small steps count. Every one of them.",
        "Flashbacks pass. You can ride them out.",
        "You get to set the pace here.",
    ),
    "details": (
        "Take {name}. {age} years old, in {place}. After {weeks} weeks of practice, the panic got smaller.",
        "I met {name} in {place}. {age}. It took {weeks} weeks. Then the nightmares eased.",
        "{name}, {age}, from {place}, did this for {weeks} weeks. You can too.",
    ),
    "questions": (
        "So what do you do when a flashback hits?",
        "Why do you freeze when you're scared?",
        "What if the feeling is too big?",
        "How do you calm a body that won't listen?",
    ),
    "headings": (
        "Working with {phrase}",
        "What helps with {phrase}?",
        "Five steps for {phrase}",
        "Your body and {phrase}",
        "A plan for {phrase}",
    ),
    "titles": (
        "Flashbacks and grounding",
        "Working with the freeze response",
        "Everyday tools for trauma recovery",
    ),
}


def _topics() -> tuple[Any, ...]:
    """The sample lake's topics (not crisis): each section and session block is about one."""
    return (*TOPICS, FAMILY_TOPIC)


def _topic_sentences(topic: Any, slots: dict[str, Any]) -> list[str]:
    return [
        topic.explanation,
        topic.next_step,
        *topic.replies,
        *(problem.format(**slots) for problem in topic.problems),
    ]


def _paragraph(
    rng: random.Random, voice: dict[str, Any], topic: Any, slots: dict[str, Any], question: bool
) -> str:
    """The speaker's own sentences around sentences about the section's topic, and a detail."""
    sentences = rng.sample(voice["sentences"], rng.randint(2, 3))
    for sentence in rng.sample(_topic_sentences(topic, slots), 2):
        sentences.insert(rng.randrange(len(sentences) + 1), sentence)
    sentences.insert(
        rng.randrange(len(sentences) + 1), rng.choice(voice["details"]).format(**slots)
    )
    if question:
        sentences.insert(0, rng.choice(voice["questions"]).format(phrase=topic.phrase))
    text = " ".join(sentences)
    if rng.random() < 0.3:  # speaker emphasis the markdown renders in bold
        first, _, rest = text.partition(" ")
        text = f"**{first}** {rest}"
    return text


PASSAGES_PER_TALK = 4  # about; sets how many talk files a target needs


@dataclass
class _Talk:
    """One talk file: its header, the sections written so far, and where it goes."""

    voice: dict[str, Any]
    number: int
    title: str
    sections: list[str] = field(default_factory=list)
    minutes: int = 0

    @property
    def front_matter(self) -> bool:
        return self.voice is _REFLECTIVE

    @property
    def path(self) -> str:
        if self.front_matter:
            return f"talks/reyes/talk_{self.number:03d}.md"
        return f"talks/lindqvist/{self.voice['slug']}__talk_{self.number:03d}.md"

    def text(self) -> str:
        lines: list[str] = []
        if self.front_matter:
            name, title = self.voice["name"], f"{self.title} ({self.number})"
            lines += ["---", f"speaker: {name}", f"title: {title}", "---", ""]
        lines += [f"# {self.title}", "", *self.sections]
        return "\n".join(lines)

    def add_section(self, lake: Lake, rng: random.Random, topic: Any) -> None:
        """A section on ``topic``: a heading in the speaker's manner, one to three paragraphs."""
        heading = rng.choice(self.voice["headings"]).format(phrase=topic.phrase)
        lines = [f"## {heading[0].upper()}{heading[1:]}", ""]
        for position in range(rng.randint(1, 3)):
            paragraph = _paragraph(rng, self.voice, topic, lake.details.take(), rng.random() < 0.35)
            if position == 0 and rng.random() < 0.4:  # caption timestamps from the recording
                self.minutes += rng.randint(1, 4)
                paragraph = f"[00:{self.minutes:02d}:{rng.randint(0, 59):02d}] {paragraph}"
            lines += [paragraph, ""]
        self.sections.append("\n".join(lines))


def _target(lake: Lake, dataset: str) -> int:
    """Good records the dataset should end with (its share of the lake, at least the minimum)."""
    return lake.target(dataset)


def _trauma_talks(lake: Lake) -> None:
    """A fixed number of talk files for the target; sections are added to them in turn until
    their passages reach it (so the files are the same for every seed)."""
    rng = lake.content(TALKS_DATASET).rng
    target = _target(lake, TALKS_DATASET)
    talks = [
        _Talk(voice, number, rng.choice(voice["titles"]))
        for number in range(1, max(2, math.ceil(target / PASSAGES_PER_TALK)) + 1)
        for voice in [_REFLECTIVE if number % 2 else _DIRECT]
    ]
    made = dict.fromkeys(range(len(talks)), 0)
    # sections cycle through the topics, so two sections share a topic only every 13 sections
    topics = _topics()
    turn = 0
    while turn < len(talks) or sum(made.values()) < target:
        index = turn % len(talks)
        talks[index].add_section(lake, rng, topics[turn % len(topics)])
        made[index] = len(segment_document(talks[index].text(), path=talks[index].path).pairs)
        turn += 1
    for talk in talks:
        text = talk.text()
        lake.path(talk.path).write_bytes(text.encode())
        lake.book("transcript", FilePlan(TALKS_DATASET, talk.path, [text]), 1, [])
    assert all(made.values()), "every sample talk yields passages"
    lake.datasets[TALKS_DATASET]["derived"] = sum(made.values()) - len(talks)


# ---- sessions ----------------------------------------------------------------------------

_CLIENT_LINES = (
    "I've been feeling on edge all week, and I couldn't really tell you why.",
    "Work was okay, I guess, but I kept replaying that argument with my sister in my head.",
    "I tried the breathing thing you showed me. It helped a bit on Tuesday.",
    "Honestly I nearly cancelled today. I didn't want to talk about any of it.",
    "When my partner raised their voice I just went completely blank, like last time.",
    "I keep thinking I should be further along by now.",
    "Sleep has been bad again. I wake up around three and my mind starts racing.",
    "I noticed I was being really hard on myself after the meeting.",
    "It's strange, but I felt a bit proud that I said no to extra shifts.",
    "I don't know. Maybe it isn't as bad as I'm making it sound.",
)
_THERAPIST_LINES = (
    "That sounds like a really tiring week. What did the edginess feel like in your body?",
    "It makes sense that the argument keeps coming back; it touched something important. What part stays with you most?",
    "I'm glad the breathing helped a little. What was different about Tuesday?",
    "Thank you for coming even though part of you didn't want to. We can go at whatever pace feels okay.",
    "Going blank is your nervous system protecting you. Can we slow down and look at what happened just before?",
    "There's no schedule for this kind of healing. I wonder whose voice that 'should' sounds like.",
    "Waking at three with racing thoughts is exhausting. What tends to be on your mind then?",
    "You noticed the self-criticism, which is a real step. What would you say to a friend in that meeting?",
    "Saying no to extra shifts sounds like a boundary you've been working towards. How did it feel afterwards?",
    "I hear some doubt there. Your experience matters even if it doesn't look dramatic from the outside.",
)
_DETAIL_LINES = (
    "My friend {name} from {place} checked in on me, which was kind.",
    "I turned {age} last month and it made me think about everything.",
    "It's been about {weeks} weeks since things got like this.",
)
# What a session is about beyond its topic: concrete events, two per session, named in many of
# the client's rows. Topic sentences alone would leave two sessions on one topic near-duplicates.
_EVENTS = (
    "my sister's wedding", "the house move", "the exam results", "the court hearing",
    "the redundancy letter", "the car crash on the ring road", "my dad's heart operation",
    "the miscarriage", "the promotion interview", "the break-in at the allotment",
    "the divorce papers", "the funeral in Cork", "my son's suspension from school",
    "the eviction notice", "the night shift rota", "the trip to Lisbon", "the hospital scan",
    "the dog's surgery", "the argument at Christmas", "the wedding speech", "the new baby",
    "the tax bill", "the driving test", "the choir concert", "the flood in the kitchen",
    "the school reunion", "the job in Leeds", "the fertility clinic", "the custody hearing",
    "the marathon", "the neighbour's complaint", "the GP appointment", "the student loan",
    "the garden shed fire", "the nursing home visit", "the bankruptcy hearing",
    "the football final", "the IVF results", "the visa interview", "the restaurant closing",
)  # fmt: skip
_EVENT_LINES = (
    "It all started around {event}.",
    "Since {event} I haven't been myself.",
    "{event} keeps coming back to me at night.",
    "Nobody mentions {event} anymore, but I think about it daily.",
    "I think {event} is tied up in all of this.",
    "Before {event} I would have handled this fine.",
)

_SESSION_SPEAKERS = (
    ("Dr. Imani Okafor", "Jamie"),
    ("Dr. Lucas Byrne", "Robin"),
    ("Therapist", "Client"),  # plain role labels: the role aliases map them
    ("Dr. Imani Okafor", "Sasha"),
)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _session_rows(
    lake: Lake,
    rng: random.Random,
    session: str,
    speakers: tuple[str, str],
    topics: list[Any],
    rows_per_topic: int,
    generic: bool = True,
    event_pool: tuple[str, ...] = _EVENTS,
    long_form: bool = False,
) -> list[list[str]]:
    """Rows of one session: a block of ``rows_per_topic`` rows for each topic, in order; a
    topic's own lines, two events of ``event_pool`` named by the client, and with ``generic``
    the everyday lines every session has."""
    therapist, client = speakers
    out: list[list[str]] = []
    clock = rng.randint(0, 120)
    speaker = therapist
    for topic in topics:
        slots = lake.details.take()
        client_lines = [*(p.format(**slots) for p in topic.problems), *topic.followups]
        therapist_lines = [*topic.replies, topic.explanation, topic.next_step]
        if long_form:  # the long session words a topic otherwise than the short sessions do
            client_lines = [*topic.followups, *(p.format(**slots) for p in topic.problems[:1])]
            therapist_lines = [topic.explanation, topic.next_step, *topic.replies[:1]]
        elif not generic:
            client_lines = [*(p.format(**slots) for p in topic.problems), *topic.followups[:1]]
            therapist_lines = [*topic.replies]
        if generic:
            client_lines += [*_CLIENT_LINES, *(d.format(**slots) for d in _DETAIL_LINES)]
            therapist_lines += _THERAPIST_LINES
        events = rng.sample(event_pool, 2)
        block: list[list[str]] = []
        while len(block) < rows_per_topic:
            pool = therapist_lines if speaker == therapist else client_lines
            parts = rng.sample(pool, rng.randint(1, 3))
            if speaker == client and rng.random() < 0.6:
                line = rng.choice(_EVENT_LINES).format(event=rng.choice(events))
                parts.insert(rng.randrange(len(parts) + 1), line[0].upper() + line[1:])
            text = " ".join(parts)
            block.append([session, _clock(clock), speaker, text])
            clock += rng.randint(5, 40)
            # a client sometimes goes on over two rows: reassembly merges them
            if speaker == client and rng.random() < 0.2:
                continue
            speaker = client if speaker == therapist else therapist
        out += block
    return out


def _messages(rows: list[list[str]]) -> list[dict[str, str]]:
    """A generated session's messages as the warehouse reassembles them, from how it was
    generated: ``_session_rows`` writes a session's rows in time order, the therapist first, and
    consecutive rows of one speaker (a client going on) become one turn, joined by a space."""
    therapist = rows[0][2]
    messages: list[dict[str, str]] = []
    for _, _, speaker, text in rows:
        role = "assistant" if speaker == therapist else "user"
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"] += f" {text.strip()}"
        else:
            messages.append({"role": role, "content": text.strip()})
    return messages


def _session_utterances(lake: Lake) -> None:
    rng = lake.content(SESSIONS_DATASET).rng
    topics = _topics()
    cap = lake.max_per_file - PLANTED_SLACK  # rows a file may hold besides planted ones
    # the long session moves through every topic, a block of rows each; a session never spans
    # files, so with a small file limit it is shorter (and has fewer windows)
    long_topics = rng.sample(topics, len(topics))
    long_rows = _session_rows(
        lake,
        rng,
        "S-LONG-0001",
        ("Dr. Imani Okafor", "Jamie"),
        long_topics,
        max(1, min(LONG_SESSION_ROWS, cap) // len(long_topics)),
        generic=False,
        event_pool=_EVENTS[len(_EVENTS) // 2 :],
        long_form=True,
    )
    long_windows = len(window_conversation(_messages(long_rows)))
    # short sessions (one window each) make up the rest of the dataset's target
    count = max(2, _target(lake, SESSIONS_DATASET) - long_windows)
    sessions = [
        _session_rows(
            lake,
            rng,
            f"S{n:04d}",
            _SESSION_SPEAKERS[n % len(_SESSION_SPEAKERS)],
            [topics[n % len(topics)]],
            rng.randint(8, 24),
            generic=False,
            # other events than the long session's: a window is no near-copy of a short session
            event_pool=_EVENTS[: len(_EVENTS) // 2],
        )
        for n in range(1, count + 1)
    ]
    # sessions fill files in order up to the file limit, never split across files
    groups: list[list[list[list[str]]]] = [[]]
    for session in sessions:
        if groups[-1] and sum(map(len, groups[-1])) + len(session) > cap:
            groups.append([])
        groups[-1].append(session)
    files: list[list[list[str]]] = []
    for group in groups:
        # as a recorder exported them: sessions interleaved, some rows swapped out of order
        rows: list[list[str]] = []
        queues = [list(session) for session in group]
        while any(queues):
            queue = rng.choice([q for q in queues if q])
            rows.append(queue.pop(0))
        for i in range(0, len(rows) - 1, 9):
            rows[i], rows[i + 1] = rows[i + 1], rows[i]
        files.append(rows)
    unknown = _session_rows(
        lake, rng, "S-INTERPRETED", ("Dr. Lucas Byrne", "Robin"), [topics[0]], 6
    )
    unknown[3][2] = "Interpreter"

    first, last = groups[0][0], groups[0][-1]
    for index, rows in enumerate(files):
        suffix = "" if index == 0 else f"_{index + 1:03d}"
        plan = FilePlan(SESSIONS_DATASET, f"sessions/transcripts/clinic_a{suffix}.csv", rows)
        if index == 0:
            plan.plant([first[0][0], _clock(5000), first[1][2], ""], "empty_content", at=0.4)
            late = [last[0][0], "soon after", last[1][2], rng.choice(_CLIENT_LINES)]
            plan.plant(late, "invalid_timestamp", at=0.6)
            orphan = ["", _clock(7000), "Therapist", rng.choice(_THERAPIST_LINES)]
            plan.plant(orphan, "missing_field", at=0.8)
        lake.write_csv("utterances", plan, SESSIONS_HEADER)

    plan = FilePlan(SESSIONS_DATASET, "sessions/transcripts/clinic_b.csv", long_rows)
    for i, row in enumerate(unknown):
        plan.plant(row, "unknown_role", at=(i + 1) / 100)
    lake.write_csv("utterances", plan, SESSIONS_HEADER)

    merged = derived = 0
    for session_rows in (*sessions, long_rows):
        merged += len(session_rows) - 1
        derived += len(window_conversation(_messages(session_rows))) - 1
    lake.datasets[SESSIONS_DATASET]["merged"] = merged
    lake.datasets[SESSIONS_DATASET]["derived"] = derived


def write_voice_datasets(lake: Lake) -> None:
    """Write both stage-4 datasets into the lake and book them in its summary."""
    _trauma_talks(lake)
    _session_utterances(lake)
