"""Perturbations: the near-copies a lake really holds (typos, relabels, truncation, ...)."""

from __future__ import annotations

import random
import re

from evaluation.neardup.documents import Message

PERTURBATIONS = (
    "typos",
    "role_relabel",
    "whitespace",
    "truncation",
    "sentence_reorder",
    "greeting",
    "typos_and_greeting",
)
# long real multi-turn transcripts (ESConv windows) get these: the held-out check's edits
LONG_TRANSCRIPT_PERTURBATIONS = ("light_edits",)


_GREETINGS_USER = ("Hi,", "Hello there.", "Hey, hope you're well.", "Hi everyone,", "Good evening.")
_GREETINGS_ASSISTANT = (
    "Hi, thank you for reaching out.",
    "Hello, and thanks for your question.",
    "Thank you for sharing this with me.",
    "Hi there, I'm glad you wrote in.",
)
_SIGN_OFFS = ("Take care.", "Best wishes.", "Warmly, your counselor.", "I hope this helps.")
_SPEAKER_TAGS = (("Client", "Therapist"), ("Patient", "Counselor"), ("Seeker", "Listener"))
_WORD = re.compile(r"[A-Za-z]{4,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    match rng.randrange(4):
        case 0:  # swap
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        case 1:  # drop
            return word[:i] + word[i + 1 :]
        case 2:  # double
            return word[:i] + word[i] + word[i:]
        case _:  # neighbour key
            return word[:i] + rng.choice("etaoinshr") + word[i + 1 :]


def add_typos(text: str, rng: random.Random, rate: float = 0.05) -> str:
    """About one word in twenty of four letters or more gets a typo."""
    return _WORD.sub(lambda m: _typo(m.group(0), rng) if rng.random() < rate else m.group(0), text)


def damage_whitespace(text: str, rng: random.Random) -> str:
    """Whitespace damage that folding does not undo: glued sentences and split words."""
    text = re.sub(
        r"([.!?,]) (?=[A-Za-z])", lambda m: m.group(1) if rng.random() < 0.5 else m.group(0), text
    )
    return _WORD.sub(
        lambda m: m.group(0)[:2] + " " + m.group(0)[2:] if rng.random() < 0.03 else m.group(0), text
    )


def reorder_sentences(text: str, rng: random.Random) -> str:
    sentences = _SENTENCE_END.split(text)
    if len(sentences) < 3:
        return " ".join(reversed(sentences)) if len(sentences) == 2 else text
    i = rng.randrange(len(sentences) - 1)
    sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    if len(sentences) >= 6:  # and a second swap further on
        j = rng.randrange(len(sentences) - 1)
        sentences[j], sentences[j + 1] = sentences[j + 1], sentences[j]
    return " ".join(sentences)


def truncate(messages: list[Message], rng: random.Random) -> list[Message]:
    """Cut the last message to 60-85% of its words (a copy that was cut off)."""
    out = [dict(m) for m in messages]
    words = out[-1]["content"].split(" ")
    keep = max(1, int(len(words) * rng.uniform(0.6, 0.85)))
    out[-1]["content"] = " ".join(words[:keep])
    return out


def perturb(messages: list[Message], kind: str, rng: random.Random) -> list[Message]:
    out = [dict(m) for m in messages]
    longest = max(range(len(out)), key=lambda i: len(out[i]["content"]))
    match kind:
        case "typos":
            for m in out:
                m["content"] = add_typos(m["content"], rng)
        case "role_relabel":
            user_tag, assistant_tag = rng.choice(_SPEAKER_TAGS)
            for m in out:
                tag = user_tag if m["role"] == "user" else assistant_tag
                m["content"] = f"{tag}: {m['content']}"
            out.insert(0, {"role": "system", "content": "Transcript of a counselling exchange."})
        case "whitespace":
            for m in out:
                m["content"] = damage_whitespace(m["content"], rng)
        case "truncation":
            out = truncate(out, rng)
        case "sentence_reorder":
            out[longest]["content"] = reorder_sentences(out[longest]["content"], rng)
        case "greeting":
            _greet(out, rng)
        case "typos_and_greeting":
            for m in out:
                m["content"] = add_typos(m["content"], rng, rate=0.03)
            _greet(out, rng)
        case "light_edits":
            light_edits(out, rng)
        case _:
            raise ValueError(kind)
    return out


def _greet(messages: list[Message], rng: random.Random) -> None:
    first_user = next(m for m in messages if m["role"] == "user")
    first_user["content"] = f"{rng.choice(_GREETINGS_USER)} {first_user['content']}"
    last = messages[-1]
    last["content"] = (
        f"{rng.choice(_GREETINGS_ASSISTANT)} {last['content']} {rng.choice(_SIGN_OFFS)}"
    )


def light_edits(messages: list[Message], rng: random.Random) -> None:
    """What a re-upload of a long transcript does to it: a greeting pasted in front of the first
    turn, one turn lowercased, a few typos (one word in 40), doubled spaces."""
    first_user = next(m for m in messages if m["role"] == "user")
    first_user["content"] = f"{rng.choice(_GREETINGS_USER)} {first_user['content']}"
    lowered = rng.randrange(len(messages))
    messages[lowered]["content"] = messages[lowered]["content"].lower()
    for m in messages:
        m["content"] = add_typos(m["content"], rng, rate=0.025)
        m["content"] = re.sub(
            r" (?=\w)", lambda _: "  " if rng.random() < 0.05 else " ", m["content"]
        )
