"""Records from templates: unique details, one seeded ``Content`` per dataset, and the JSON
shapes (ChatML, ShareGPT), near-copies and byte-level disguises the families plant."""

from __future__ import annotations

import html
import json
import math
import random
import unicodedata
from collections.abc import Sequence
from typing import Any

from sample_lake.content import phrases
from sample_lake.content.templates import (
    ALL_TOPICS,
    ASSISTANT_ROLES,
    CRISIS_TOPIC,
    GENERIC_FOLLOWUPS,
    GENERIC_REPLIES,
    INTROS,
    NAMES,
    PLACES,
    SYSTEM_PROMPTS,
    TOPICS,
    USER_ROLES,
    Topic,
)

_WEEKS = 60  # 2..61 weeks
_AGES = 60  # 18..77 years
_DETAIL_CAPACITY = len(NAMES) * len(PLACES) * _WEEKS * _AGES  # 7,200,000 unique tuples
_DETAIL_MULTIPLIER = 2_654_435_761 % _DETAIL_CAPACITY  # coprime with the capacity: a bijection


class UniqueDetails:
    """Hands out detail slots that never repeat: an affine shuffle of a counter over all tuples."""

    def __init__(self, seed: int) -> None:
        assert math.gcd(_DETAIL_MULTIPLIER, _DETAIL_CAPACITY) == 1
        self._next = 0
        self._offset = random.Random(f"details:{seed}").randrange(_DETAIL_CAPACITY)

    def take(self) -> dict[str, Any]:
        if self._next >= _DETAIL_CAPACITY:
            raise ValueError(f"the sample lake holds at most {_DETAIL_CAPACITY:,} unique records")
        p = (self._next * _DETAIL_MULTIPLIER + self._offset) % _DETAIL_CAPACITY
        self._next += 1
        p, name = divmod(p, len(NAMES))
        p, place = divmod(p, len(PLACES))
        age, weeks = divmod(p, _WEEKS)
        return {
            "name": NAMES[name],
            "place": PLACES[place],
            "weeks": weeks + 2,
            "age": age + 18,
        }

    def take_non_ascii(self) -> dict[str, Any]:
        """Next slots whose name or place has an accent, so an NFD copy differs byte-wise."""
        while True:
            slots = self.take()
            if not (slots["name"].isascii() and slots["place"].isascii()):
                return slots


def html_answer(text: str, rng: random.Random) -> str:
    """Render an answer the way Counsel Chat stores it: paragraphs, <br> and HTML entities."""
    sentences = [html.escape(s, quote=True).replace("&#x27;", "&#39;") for s in text.split(". ")]
    body = ".&nbsp; ".join(sentences) if rng.random() < 0.3 else ". ".join(sentences)
    if rng.random() < 0.5:
        head, _, tail = body.partition("? ")
        return f"<p>{head}?</p><p>{tail}</p>" if tail else f"<p>{head}</p>"
    return f"<p>{body}</p><br>"


Message = tuple[str, str]  # (canonical role, content)


class Content:
    """Templates filled from one seeded RNG per dataset and one shared unique-detail counter."""

    def __init__(self, rng: random.Random, details: UniqueDetails) -> None:
        self.rng = rng
        self.details = details
        self._followups = {t.label: t.followups + GENERIC_FOLLOWUPS for t in ALL_TOPICS}
        self._replies = {
            t.label: t.replies
            + (GENERIC_REPLIES if t is CRISIS_TOPIC else GENERIC_REPLIES + phrases.TECHNIQUES)
            for t in ALL_TOPICS
        }

    def opener(
        self,
        topic: Topic,
        intros: Sequence[str] = INTROS,
        slots: dict[str, Any] | None = None,
    ) -> str:
        """Who the person is, what is wrong, and zero to two sentences about their life."""
        slots = slots or self.details.take()
        rng = self.rng
        text = f"{rng.choice(intros)} {rng.choice(topic.problems)}".format(**slots)
        feeling = [rng.choice(phrases.FEELINGS)] if rng.random() < 0.7 else []
        extra = [self.context() for _ in range(rng.choice((0, 1, 1, 2)))]
        return " ".join([text, *feeling, *extra])

    def context(self) -> str:
        rng = self.rng
        sentence = rng.choice(phrases.CONTEXT).format(
            job=rng.choice(phrases.JOBS),
            hobby=rng.choice(phrases.HOBBIES),
            person=rng.choice(phrases.PEOPLE),
            time=rng.choice(phrases.TIMES),
        )
        return sentence[0].upper() + sentence[1:]

    def reply(self, core: str, crisis: bool = False) -> str:
        """A counsellor turn: maybe an acknowledgement, the topic's reply, maybe a question."""
        rng = self.rng
        acknowledgements = phrases.CRISIS_ACKNOWLEDGEMENTS if crisis else phrases.ACKNOWLEDGEMENTS
        closings = phrases.CRISIS_CLOSINGS if crisis else phrases.CLOSINGS
        parts = [rng.choice(acknowledgements)] if rng.random() < 0.75 else []
        parts.append(core)
        if rng.random() < 0.6:
            parts.append(rng.choice(phrases.CRISIS_SUPPORT if crisis else phrases.TECHNIQUES))
        if rng.random() < 0.6:
            parts.append(rng.choice(closings))
        return " ".join(parts)

    def followup(self, core: str, crisis: bool = False) -> str:
        """A later user turn: the topic's follow-up, maybe elaborated, maybe with context."""
        rng = self.rng
        parts = [core]
        if rng.random() < 0.6:
            parts.append(rng.choice(phrases.CRISIS_FOLLOWUPS if crisis else phrases.ELABORATIONS))
        if not crisis and rng.random() < 0.3:
            parts.append(self.context())
        return " ".join(parts)

    def conversation(
        self,
        topics: Sequence[Topic] = (),
        *,
        intros: Sequence[str] = INTROS,
        exchanges: tuple[int, int] = (1, 4),
        system_rate: float = 0.0,
        slots: dict[str, Any] | None = None,
    ) -> list[Message]:
        rng = self.rng
        topic = rng.choice(topics or TOPICS)
        followups, replies = self._followups[topic.label], self._replies[topic.label]
        messages: list[Message] = []
        if system_rate and rng.random() < system_rate:
            messages.append(("system", rng.choice(SYSTEM_PROMPTS)))
        crisis = topic is CRISIS_TOPIC
        messages.append(("user", self.opener(topic, intros, slots)))
        messages.append(("assistant", self.reply(rng.choice(topic.replies), crisis)))
        for _ in range(rng.randint(*exchanges) - 1):
            messages.append(("user", self.followup(rng.choice(followups), crisis)))
            messages.append(("assistant", self.reply(rng.choice(replies), crisis)))
        return messages

    def roles(self) -> dict[str, str]:
        """Role names for one record: the drift is per source record, never within one."""
        rng = self.rng
        return {
            "system": "system",
            "user": rng.choice(USER_ROLES),
            "assistant": rng.choice(ASSISTANT_ROLES),
        }


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def chatml(messages: list[Message], roles: dict[str, str], record_id: str) -> dict[str, Any]:
    return {
        "messages": [{"role": roles[r], "content": c} for r, c in messages],
        "id": record_id,
    }


def sharegpt(messages: list[Message]) -> dict[str, Any]:
    names = {"system": "system", "user": "human", "assistant": "gpt"}
    return {"conversations": [{"from": names[r], "value": c} for r, c in messages]}


def near_copy(messages: list[Message], kind: str) -> list[Message]:
    """A near-duplicate of a conversation: a typo, an inserted greeting, or a cut-off ending."""
    out = list(messages)
    if kind == "typo":  # two letters swapped in the longest word of the first two turns
        for i in (0, 1):
            role, text = out[i]
            word = max(text.split(), key=len)
            out[i] = (role, text.replace(word, word[:2] + word[3] + word[2] + word[4:], 1))
    elif kind == "greeting":
        first_user = next(i for i, (role, _) in enumerate(out) if role == "user")
        out[first_user] = ("user", "Hi there, thanks for reading this. " + out[first_user][1])
        out[-1] = (out[-1][0], out[-1][1] + " Take good care of yourself.")
    elif kind == "truncated":  # the last turn cut off at 80% of its words
        words = out[-1][1].split(" ")
        out[-1] = (out[-1][0], " ".join(words[: max(1, len(words) * 4 // 5)]))
    else:
        raise ValueError(kind)
    return out


def disguise(text: str, nfd: bool) -> str:
    """Same canonical text, different bytes: padding, doubled inner spaces, optionally NFD."""
    text = " " + text.replace(" ", "  ", 2).replace(". ", ".\t", 1) + "  "
    return unicodedata.normalize("NFD", text) if nfd else text
