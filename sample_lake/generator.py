# ruff: noqa: E501 -- the templates are prose; wrapping sentences mid-string would hurt review.
"""Deterministic sample lake: synthetic counselling data in every registered format.

``generate_lake(out_dir, records, seed)`` writes a lake laid out like
``dbt_project/seeds/source_registry.csv`` expects, plants a fixed, small set of faults and exact
duplicates, and returns a ``LakeSummary`` that says what the warehouse must find: per dataset the
input records, the faults by reason code and the exact duplicates that lose. The same ``seed``
and ``records`` give byte-identical files.

Every good record carries a unique detail tuple (a person's name, a place, a duration in weeks
and an age) drawn from a bijective shuffle of a counter, so accidental exact duplicates cannot
happen and the planted ones are the only ones.

The text is synthetic but it is training data about people in distress: the CLI prints counts
only, never record text.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import html
import io
import json
import math
import random
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, Field

from sample_lake.content import phrases
from sample_lake.content.edge_cases import GRAPHIC_EDGE_CASES, PII_PLANTS
from sample_lake.families.transcripts import write_voice_datasets

MAX_RECORDS_PER_FILE = 100_000
MIN_RECORDS_PER_DATASET = 20
# The warehouse quarantines records above 2,000,000 bytes; the planted one is well above it.
OVERSIZED_RECORD_BYTES = 3_000_000
# Planted records per file never exceed this, so a shard stays within max_records_per_file.
_PLANTED_SLACK = 16

FAULT_REASONS = (
    "invalid_utf8",
    "malformed_json",
    "truncated_record",
    "record_too_large",
    "not_an_object",
    "missing_messages",
    "empty_conversation",
    "missing_role",
    "unknown_role",
    "empty_content",
    "no_assistant_turn",
    "missing_field",
    "malformed_csv_row",
    "invalid_timestamp",
)
EXACT_DUPLICATE = "exact_duplicate"


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


class PlantedRecord(BaseModel):
    """One planted fault or losing duplicate copy, where the warehouse should find it.

    ``record_number`` is the 1-based ordinal of the record inside its file as the warehouse
    counts records: non-blank JSONL lines, JSON array elements, CSV data rows, Parquet rows.
    """

    dataset: str
    path: str
    record_number: int
    reason: str
    duplicate_of: str | None = None


class PlantedNearDuplicate(BaseModel):
    """A planted near-copy pair: the record near-dup detection must remove and the one it keeps.

    ``kind`` says how the copy differs (typo, greeting, truncated). Which twin loses follows the
    warehouse's rule: an edge case is kept over a non-edge case, then the better tier, then the
    earlier file and line.
    """

    dataset: str
    path: str
    record_number: int
    kind: str
    kept_dataset: str
    kept_path: str
    kept_record_number: int


class DatasetSummary(BaseModel):
    """What one registered dataset holds: records in, faults by reason, duplicates that lose."""

    dataset: str
    format: str
    files: list[str]
    input_records: int
    valid_records: int
    faults: dict[str, int]
    exact_duplicates: int
    # planted near-duplicates of this dataset that lose to their twin (see LakeSummary)
    near_duplicates: int = 0
    unique_records: int
    # transcripts and sessions (sample_lake/families/transcripts.py): input records that became part
    # of a session beyond its first row, and conversations beyond the first that one document or
    # session became; unique_records = valid - exact_duplicates - merged + derived
    merged_into_session: int = 0
    derived_records: int = 0


class PlantedRecordRef(BaseModel):
    """A named record the warehouse must treat in a known way (sample_lake/content/edge_cases.py):
    a graphic edge case that must be exported, or a conversation whose PII must be redacted."""

    key: str
    dataset: str
    path: str
    record_number: int
    pii_kinds: list[str] = Field(default_factory=list)


class LakeSummary(BaseModel):
    """What ``generate_lake`` wrote; the warehouse's row accounting must agree with it."""

    seed: int
    records: int
    datasets: dict[str, DatasetSummary]
    unregistered_files: list[str]
    total_bytes: int
    planted: list[PlantedRecord] = Field(default_factory=list)
    near_duplicates: list[PlantedNearDuplicate] = Field(default_factory=list)
    graphic_edge_cases: list[PlantedRecordRef] = Field(default_factory=list)
    pii_records: list[PlantedRecordRef] = Field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --------------------------------------------------------------------------------------------
# Content: templates and unique details
# --------------------------------------------------------------------------------------------

_NAMES = (
    "Maya", "Daniel", "Priya", "Tomás", "Zoë", "Kwame", "Aisha", "Liam", "Sofía", "Chen",
    "Noah", "Fatima", "Oliver", "Amara", "Mateo", "Hannah", "Yusuf", "Grace", "Arjun", "Chloé",
    "Ethan", "Leila", "Lucas", "Nadia", "Samuel", "Ingrid", "Kofi", "Mei", "Jonah", "Renée",
    "Diego", "Freya", "Omar", "Rosa", "Tariq", "Elena", "Finn", "Ana", "Marcus", "Inès",
    "Julian", "Keiko", "Luca", "Imani", "Rafael", "Saoirse", "Theo", "Valentina", "Wren", "José",
)  # fmt: skip
_PLACES = (
    "Leeds", "Toronto", "Montréal", "São Paulo", "Zürich", "Málaga", "Austin", "Glasgow",
    "Melbourne", "Nairobi", "Dublin", "Denver", "Cardiff", "Auckland", "Lisbon", "Portland",
    "Manchester", "Vancouver", "Cork", "Bristol", "Halifax", "Perth", "Brighton", "Chicago",
    "Edinburgh", "Ottawa", "Kraków", "Seattle", "Göteborg", "Boston", "Adelaide", "Belfast",
    "Calgary", "Phoenix", "Norwich", "Wellington", "Atlanta", "Sheffield", "Québec", "Bergen",
)  # fmt: skip
_WEEKS = 60  # 2..61 weeks
_AGES = 60  # 18..77 years
_DETAIL_CAPACITY = len(_NAMES) * len(_PLACES) * _WEEKS * _AGES  # 7,200,000 unique tuples
_DETAIL_MULTIPLIER = 2_654_435_761 % _DETAIL_CAPACITY  # coprime with the capacity: a bijection


class _UniqueDetails:
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
        p, name = divmod(p, len(_NAMES))
        p, place = divmod(p, len(_PLACES))
        age, weeks = divmod(p, _WEEKS)
        return {
            "name": _NAMES[name],
            "place": _PLACES[place],
            "weeks": weeks + 2,
            "age": age + 18,
        }

    def take_non_ascii(self) -> dict[str, Any]:
        """Next slots whose name or place has an accent, so an NFD copy differs byte-wise."""
        while True:
            slots = self.take()
            if not (slots["name"].isascii() and slots["place"].isascii()):
                return slots


@dataclass(frozen=True)
class _Topic:
    label: str
    phrase: str
    titles: tuple[str, ...]
    problems: tuple[str, ...]  # each uses {name} and {weeks}
    followups: tuple[str, ...]
    replies: tuple[str, ...]
    explanation: str
    next_step: str


_INTROS = (
    "I'm {age} and I live in {place}.",
    "I'm a {age}-year-old in {place}.",
    "Quick background: {age}, living in {place}.",
    "I'm {age}, from {place}.",
    "I live in {place} and I'm {age} years old.",
)
_SESSION_INTROS = (
    "As I said at intake, I'm {age} and I've been in {place} most of my life.",
    "You know I'm {age} and I commute into {place} every day.",
    "Being {age} and new to {place} is part of it, I think.",
)
_VOICE_INTROS = (
    "Um, so, I'm {age}, I'm in {place}.",
    "Okay, hi. I'm {age} and I'm calling from {place}.",
    "So yeah, {age}, {place}.",
)

_TOPICS: tuple[_Topic, ...] = (
    _Topic(
        label="anxiety",
        phrase="anxiety and constant worry",
        titles=("How do I stop worrying all the time?", "Is it normal to panic this much?"),
        problems=(
            "For the last {weeks} weeks my heart races every time my manager {name} asks to talk.",
            "My friend {name} says I worry too much, and it has taken over the last {weeks} weeks.",
            "I've had panic attacks for {weeks} weeks, the worst one on the bus to see {name}.",
            "Since my flatmate {name} moved out {weeks} weeks ago I keep imagining disasters.",
        ),
        followups=(
            "It's worst at night, when my mind keeps running through everything that could go wrong.",
            "I've started avoiding the supermarket because the queues make me feel trapped.",
            "I tried a breathing app, but it felt silly and didn't help much.",
        ),
        replies=(
            "That sounds exhausting, and it makes sense that your body is on high alert. When the racing starts, what do you notice first: the thoughts or the physical feelings?",
            "Thank you for describing it so clearly. Panic feels terrifying even though it isn't dangerous in itself. Could we look at what tends to happen in the minutes before an attack?",
            "Avoiding things brings quick relief, but over time it can make the fear grow. We could plan one small, manageable step back towards what you've been avoiding.",
            "It's okay that the app didn't click for you. Slow breathing works better once it's practised while calm. Would you like to try a version together for a minute?",
        ),
        explanation="Anxiety is the body's alarm system firing when there is no immediate danger; worry and avoidance keep the alarm sensitive.",
        next_step="Assess the pattern of worry and avoidance, then introduce paced breathing and a graded exposure plan.",
    ),
    _Topic(
        label="depression",
        phrase="low mood and depression",
        titles=("Why do I feel empty all the time?", "I can't enjoy anything anymore"),
        problems=(
            "I've felt flat and empty for {weeks} weeks, and even seeing my brother {name} feels like a chore.",
            "For {weeks} weeks I've barely left bed on weekends; my partner {name} is worried.",
            "Nothing feels worth doing anymore. It's been {weeks} weeks since I last called {name} back.",
            "My doctor {name} asked about my mood and I realised it's been low for {weeks} weeks.",
        ),
        followups=(
            "I used to love cooking, and now I just eat whatever is quickest.",
            "Some mornings it takes an hour to make myself get up and shower.",
            "I feel guilty because nothing is objectively wrong in my life.",
        ),
        replies=(
            "I'm really glad you told me. Feeling empty for that long is heavy, and it isn't a sign of weakness. How have you been sleeping and eating through all this?",
            "Losing interest in things you used to love is one of the common signs of depression. It can help to start with very small activities, even before the motivation arrives.",
            "Guilt often comes along with low mood, and it tends to be harsh and unfair. You don't need a 'good enough reason' to deserve support.",
            "That sounds like a lot to carry on your own. Have you had any thoughts of harming yourself or that life isn't worth living? I ask everyone, because it matters.",
        ),
        explanation="Depression is more than sadness: it flattens interest, energy and sleep, and it often shows up as withdrawal and self-criticism.",
        next_step="Screen for risk, then start behavioural activation with one small, scheduled activity a day.",
    ),
    _Topic(
        label="grief",
        phrase="grief and loss",
        titles=("How long does grief last?", "I can't stop crying since my loss"),
        problems=(
            "My grandmother {name} died {weeks} weeks ago and I still can't believe she's gone.",
            "It's been {weeks} weeks since my best friend {name} passed and everyone expects me to be fine.",
            "I lost my dog, who my son {name} grew up with, {weeks} weeks ago, and I feel silly for grieving this hard.",
            "My dad's funeral was {weeks} weeks ago. My sister {name} handled everything and I feel numb.",
        ),
        followups=(
            "Sometimes I pick up my phone to call them before I remember.",
            "People keep saying they're in a better place, and it makes me angry.",
            "I haven't been able to go into their room since.",
        ),
        replies=(
            "I'm so sorry for your loss. Grief doesn't follow a schedule, and there's nothing silly about how much this hurts. What do you miss most right now?",
            "That reflex to reach for the phone is so common, and it can knock the wind out of you every time. It shows how woven into your life they were.",
            "It's understandable to feel angry when well-meant comments don't match what you're feeling. Your grief is allowed to be messy.",
            "There's no right time to face their room. When you feel ready, some people find it helps to go in with someone they trust, for just a few minutes.",
        ),
        explanation="Grief is the natural response to loss; it comes in waves, and numbness, anger and guilt are all common parts of it.",
        next_step="Normalise the grief response, explore support and rituals, and watch for prolonged grief or risk.",
    ),
    _Topic(
        label="relationships",
        phrase="relationship difficulties",
        titles=("We argue about everything", "Should I stay in my relationship?"),
        problems=(
            "My partner {name} and I have argued almost every day for {weeks} weeks.",
            "I found messages on {name}'s phone {weeks} weeks ago and I don't know whether to stay.",
            "My girlfriend {name} says I shut down during fights, and it's been worse for {weeks} weeks.",
            "{name} and I have been married for years, but for the past {weeks} weeks we feel like flatmates.",
        ),
        followups=(
            "When we argue I either go silent or say things I regret.",
            "I still love them, but I don't know if I trust them anymore.",
            "We haven't really talked, just about logistics and bills.",
        ),
        replies=(
            "That sounds painful and lonely, even with someone beside you. What usually happens in the moment just before an argument starts?",
            "Discovering that can shake your sense of safety in the relationship. It's okay not to know yet what you want to do; we can take it one step at a time.",
            "Going quiet is often a way of protecting yourself when feelings get too big. It might help to agree on a short break and a time to come back to the conversation.",
            "Many couples drift into running a household together and lose the connection. Small moments of curiosity about each other can be a place to start.",
        ),
        explanation="Relationship conflict usually follows repeating cycles; noticing the cycle, rather than blaming each other, makes change possible.",
        next_step="Map the conflict cycle and each partner's needs, and consider couples counselling if both are willing.",
    ),
    _Topic(
        label="trauma",
        phrase="trauma and its after-effects",
        titles=("I keep reliving what happened", "Can trauma affect you years later?"),
        problems=(
            "I was in a car accident {weeks} weeks ago with my colleague {name}, and I keep reliving it.",
            "Since the break-in {weeks} weeks ago I check the locks again and again; my roommate {name} noticed.",
            "Something my ex, {name}, did years ago has been coming back in nightmares for {weeks} weeks.",
            "I was mugged {weeks} weeks ago near where my friend {name} lives and I can't go back there.",
        ),
        followups=(
            "Loud noises make me jump out of my skin now.",
            "I feel like I should be over it by now.",
            "I haven't told anyone the full story.",
        ),
        replies=(
            "What you're describing are very common reactions to a frightening event. Your nervous system is trying to protect you. You're not weak for still feeling it.",
            "Thank you for trusting me with this. You can share as much or as little as you want, at your own pace. What would help you feel a little safer while we talk?",
            "There's no deadline for recovering from something frightening. Being startled easily is part of the body staying on guard, and it can settle with the right support.",
            "Trauma-focused therapies such as EMDR or trauma-focused CBT have good evidence behind them. Would it help to talk about what that kind of support might look like?",
        ),
        explanation="After a traumatic event the mind can stay on high alert; intrusive memories, avoidance and jumpiness are common and treatable.",
        next_step="Establish safety and grounding first, screen for PTSD symptoms, and refer for trauma-focused therapy when indicated.",
    ),
    _Topic(
        label="work-stress",
        phrase="work stress and burnout",
        titles=("I'm burned out at work", "My job is making me miserable"),
        problems=(
            "My manager {name} has doubled my workload and I've been working late for {weeks} weeks.",
            "I haven't had a proper weekend in {weeks} weeks, and my colleague {name} just quit.",
            "I dread Mondays so much that I feel sick; it started {weeks} weeks ago when {name} became my supervisor.",
            "After {weeks} weeks of covering for {name}, I feel completely burned out.",
        ),
        followups=(
            "I'm scared that if I say no they'll think I'm not committed.",
            "Even on my days off I keep checking my email.",
            "I snapped at my family last night and felt awful.",
        ),
        replies=(
            "That's an unsustainable load, and exhaustion is a reasonable response to it. What would a realistic conversation with your manager about priorities look like?",
            "Setting a boundary can feel risky, but it's a normal part of work. Could we practise how you might phrase it?",
            "Always being reachable keeps your stress system switched on. Some people find a fixed time to close the laptop helps their mind switch off too.",
            "Snapping when you're depleted is very human. It might be a sign that you need more recovery time, not that you're a bad person.",
        ),
        explanation="Burnout builds when demands outstrip recovery for a long time; it shows up as exhaustion, cynicism and a sense of ineffectiveness.",
        next_step="Review workload and recovery, rehearse a boundary-setting conversation, and check sleep and mood.",
    ),
    _Topic(
        label="self-esteem",
        phrase="low self-esteem",
        titles=("Why do I hate myself?", "How can I stop comparing myself to others?"),
        problems=(
            "I compare myself to my cousin {name} constantly, and it's been worse for {weeks} weeks.",
            "For {weeks} weeks I've felt like a fraud at my new job, even though {name} says I'm doing well.",
            "I can't accept a compliment; {name} told me I look nice {weeks} weeks ago and I'm still picking it apart.",
            "My inner critic has been loud for {weeks} weeks, ever since {name} criticised my work.",
        ),
        followups=(
            "I keep replaying small mistakes for days.",
            "Social media makes it so much worse.",
            "I don't even know what I like about myself.",
        ),
        replies=(
            "That inner critic sounds relentless. If a friend spoke to themselves that way, what would you want to tell them?",
            "Feeling like a fraud is really common, especially in a new role. The feeling isn't evidence that you don't belong.",
            "Comparisons online are rigged: we see other people's highlights and our own behind-the-scenes. Would it help to notice how you feel after scrolling?",
            "It's okay not to know yet. We could start small, by noticing one thing each day that you handled well, however ordinary.",
        ),
        explanation="Self-esteem is how we judge our own worth; a harsh inner critic and constant comparison can wear it down over time.",
        next_step="Identify the self-critical thoughts, practise self-compassion exercises and gather balancing evidence.",
    ),
    _Topic(
        label="sleep",
        phrase="sleep problems",
        titles=("I can't fall asleep at night", "How do I fix my insomnia?"),
        problems=(
            "I've slept about four hours a night for {weeks} weeks, ever since {name} started night shifts.",
            "I wake at 3am every night and can't get back to sleep; it's been {weeks} weeks and {name} is fed up with my tossing and turning.",
            "For {weeks} weeks I've been scared of going to bed because I know I won't sleep, and {name} says I look exhausted.",
            "I lie awake replaying conversations with {name}; it's been going on for {weeks} weeks.",
        ),
        followups=(
            "I scroll on my phone when I can't sleep.",
            "I drink a lot of coffee to get through the day.",
            "I nap in the afternoon because I'm so tired.",
        ),
        replies=(
            "Poor sleep makes everything harder to cope with. Going to bed dreading it is very common with insomnia. What does your wind-down routine look like?",
            "If you can't sleep, getting up for a while and doing something calm in dim light, then returning when sleepy, can help retrain your brain.",
            "Caffeine can stay in your system for hours, so cutting it after midday is worth a try. Naps can also take the edge off your sleep drive at night.",
            "Racing thoughts at night are common. Some people find it helps to write worries down earlier in the evening, with a plan for when to deal with them.",
        ),
        explanation="Insomnia is often kept going by worry about sleep, irregular schedules and time spent awake in bed.",
        next_step="Keep a sleep diary, set a regular wake time and start stimulus control as part of CBT for insomnia.",
    ),
    _Topic(
        label="parenting",
        phrase="parenting stress",
        titles=("I feel like a bad parent", "My child won't listen to me"),
        problems=(
            "My son {name} has had tantrums every evening for {weeks} weeks and I'm at the end of my rope.",
            "My teenage daughter {name} has barely spoken to me in {weeks} weeks.",
            "Since the new baby arrived {weeks} weeks ago, my eldest, {name}, has been acting out.",
            "I shouted at my kids again today. It's happened a lot in the {weeks} weeks since {name} started school.",
        ),
        followups=(
            "I feel like I'm failing them.",
            "My partner and I disagree on how strict to be.",
            "I don't get a single minute to myself.",
        ),
        replies=(
            "Parenting while exhausted is incredibly hard, and the fact that you're worried shows how much you care. What tends to set the tantrums off?",
            "Teenagers often pull away as part of growing up, and it can still hurt. Low-pressure time together, like a drive or cooking, sometimes opens the door.",
            "It's common for older children to act out when a baby arrives; they're checking they still matter. Even ten minutes of one-to-one time can make a difference.",
            "Shouting when you're stretched thin doesn't make you a bad parent. Repairing afterwards, by saying sorry and reconnecting, teaches children something valuable.",
        ),
        explanation="Parenting stress rises when demands outstrip support; children's behaviour often reflects change and unmet needs rather than defiance.",
        next_step="Explore triggers and routines, build in parent self-care, and introduce consistent, warm limit-setting.",
    ),
    _Topic(
        label="addiction",
        phrase="alcohol and substance use",
        titles=("Am I drinking too much?", "How do I stop relapsing?"),
        problems=(
            "I've been drinking most nights for {weeks} weeks, and my friend {name} said something about it.",
            "I was sober for a while but relapsed {weeks} weeks ago after a fight with {name}.",
            "I keep telling myself I'll cut back on weed, but it's been {weeks} weeks and my sister {name} is worried.",
            "I gamble online when I can't sleep; {weeks} weeks ago I hid a loss from my partner {name}.",
        ),
        followups=(
            "It's the only thing that helps me switch off.",
            "I'm ashamed to tell anyone.",
            "I've tried to stop on my own a few times.",
        ),
        replies=(
            "Thank you for being honest about this; it takes courage. It sounds like drinking has become a way to cope. What do you think it helps you with?",
            "A relapse isn't a failure; it's information about what was hard. What was going on in the days before it happened?",
            "Shame often keeps people stuck, and you deserve support rather than judgement. Would you be open to talking to your GP or a support service?",
            "Trying to stop on your own several times shows real determination. Many people need a few attempts and some extra support along the way.",
        ),
        explanation="Substance use often starts as a way to cope; cravings, tolerance and shame can keep the cycle going.",
        next_step="Assess use and risk without judgement, explore motivation, and offer referral to specialist support.",
    ),
)

_FAMILY_TOPIC = _Topic(
    label="family",
    phrase="family conflict",
    titles=("My family keeps fighting",),
    problems=(
        "My mother and my brother {name} haven't spoken in {weeks} weeks and I'm stuck in the middle.",
        "Since my parents separated {weeks} weeks ago, my little sister {name} cries every night.",
        "My stepdad {name} and I have clashed for {weeks} weeks over house rules.",
        "Family dinners have been tense for {weeks} weeks, ever since my aunt {name} moved in.",
    ),
    followups=(
        "Everyone expects me to keep the peace.",
        "I love them, but home doesn't feel calm anymore.",
        "I don't know whose side I'm supposed to be on.",
    ),
    replies=(
        "Being caught in the middle is exhausting, and it isn't your job to fix everyone. What would it look like to step back a little?",
        "Big family changes unsettle everyone, especially children. Predictable routines and reassurance can help your sister feel safer.",
        "Clashes over rules often hide a deeper question about belonging. Could you and your stepdad talk about what matters to each of you?",
        "It makes sense that home feels tense with so much change. Is there somewhere, or someone, that helps you recharge?",
    ),
    explanation="Family conflict spreads across the whole system; roles like peacekeeper can become a heavy burden.",
    next_step="Map the family relationships, support boundaries and consider family sessions.",
)

_CRISIS_TOPIC = _Topic(
    label="crisis",
    phrase="acute distress",
    titles=(),
    problems=(
        "I keep thinking everyone, especially {name}, would be better off without me. It's been like this for {weeks} weeks and tonight it feels worse.",
        "I've had strong urges to hurt myself again. I'd gone {weeks} weeks without doing it and I'm scared I'm about to lose that.",
        "My partner {name} hit me last night. It's been building for {weeks} weeks and I don't feel safe going home.",
        "I don't want to be alive anymore. I haven't told anyone, not even {name}, and it's been {weeks} weeks of feeling like this.",
        "Someone at home, {name}, has been hurting me for about {weeks} weeks and I'm scared to tell anyone.",
        *phrases.CRISIS_PROBLEMS,
    ),
    followups=(
        "I don't have a plan. I just don't see the point of anything anymore.",
        "I'm at home on my own right now.",
        "I'm scared that if I tell someone they'll think I'm overreacting.",
        "I don't know if I can keep myself safe tonight.",
        "They're asleep now, but I'm frightened about tomorrow.",
        *phrases.CRISIS_FOLLOWUPS,
    ),
    replies=(
        "Thank you for telling me. That took real courage, and I'm glad you reached out tonight. I want to ask you directly, because it matters: are you thinking about ending your life?",
        "What you're feeling is serious and you deserve support right now. Are you safe at this moment? If you are in immediate danger, please call your local emergency number. In the US you can call or text 988, and in the UK and Ireland you can call Samaritans on 116 123, day or night.",
        "It makes sense that you're scared, and none of this is your fault. Your safety matters most. Is there somewhere safe you can go tonight, or someone you trust who could be with you?",
        "I hear how much pain you're in. Urges can feel overwhelming, and they do pass. Could we think together about what has helped you get through them before, and who you could contact right now?",
        "I'm really glad you told me, and you are not overreacting. A domestic abuse helpline can help you make a safety plan, and if you are in danger right now, please call emergency services.",
        "Would you be willing to make a plan with me for the next few hours? That could mean putting distance between you and anything you could use to hurt yourself, staying near other people, and contacting a crisis line if the feelings get stronger.",
        *phrases.CRISIS_REPLIES,
    ),
    explanation="",
    next_step="",
)

_GENERIC_FOLLOWUPS = (
    "I don't really know where to start.",
    "Talking about it already helps a little.",
    "I'm not sure anything will change.",
    "What should I do next?",
)
_GENERIC_REPLIES = (
    "That makes a lot of sense given everything you've described. What feels most pressing for you right now?",
    "It's okay to take this one step at a time. What's one small thing that might make tomorrow a little easier?",
    "I notice how hard you're being on yourself. You're dealing with a lot, and reaching out is a real strength.",
    "Would it help to think about who in your life you could lean on while you work through this?",
    'Be patient & kind with yourself. Change takes time, and setbacks are part of it, not "proof" of failure.',
)
_SYSTEM_PROMPTS = (
    "You are a warm, careful counselling assistant. You are not a substitute for professional care.",
    "You are a supportive listener. Validate feelings, ask open questions and check for safety.",
)
_USER_ROLES = ("user", "user", "user", "user", "human", "client", "patient", "seeker", "speaker")
_ASSISTANT_ROLES = (
    "assistant", "assistant", "assistant", "assistant", "therapist", "counselor", "listener",
    "gpt", "bot",
)  # fmt: skip
_VOICE_PERSONAS = ("calm_guide", "warm_coach", "steady_listener", "gentle_mentor")
_THERAPISTS = (
    "Sarah Jones, LCSW", "Dr. Michael Grant, Psychologist", "Linda Okafor, LMFT",
    "Robert Chen, Licensed Professional Counselor", "Emily Hart, MA, LPC",
    "Dr. Anita Rao, Clinical Psychologist",
)  # fmt: skip
_REJECTED_REPLIES = (
    "Honestly, everyone feels like that sometimes. Just think positive and move on.",
    "You're probably overreacting. Have you tried just not thinking about it?",
    "I don't really know, maybe ask someone else.",
    "Just keep yourself busy and it will go away on its own.",
    "That's not a big deal compared to what other people go through.",
)
_QUESTION_ASKS = (
    "How can I cope with this?",
    "Is this normal, and what can I do?",
    "Where do I even start?",
)
_INSTRUCTION_TEMPLATES = {
    "general": (
        "Write a short, warm reply to {name}, a {age}-year-old in {place} who has been dealing with {phrase} for {weeks} weeks.",
        "Summarise, in plain language, what {phrase} is for {name}, aged {age}, from {place}, who noticed it {weeks} weeks ago.",
    ),
    "psychoeducation": (
        "Explain {phrase} to {name}, a {age}-year-old in {place} who has been struggling for {weeks} weeks.",
        "Give a psychoeducation note about {phrase} for someone aged {age} in {place}; address them as {name} and note the {weeks}-week duration.",
    ),
    "coping": (
        "List three coping skills for {phrase} that {name}, a {age}-year-old in {place}, could try after {weeks} weeks of difficulty.",
        "Suggest a daily coping routine for {name} ({age}, {place}), who has faced {phrase} for {weeks} weeks.",
    ),
}
_COPING_TIPS = (
    "Try slow breathing: in for four, out for six, for two minutes.",
    "Schedule one small, pleasant activity each day, even if you don't feel like it.",
    "Write worries down at a set time and decide which ones you can act on.",
    "Keep a regular wake-up time, even at weekends.",
    "Reach out to one person you trust this week.",
    "Notice self-critical thoughts and ask how you would speak to a friend.",
)
_LONG_FILLER = "I keep writing everything down because I'm scared I'll forget what happened. "


def _html(text: str, rng: random.Random) -> str:
    """Render an answer the way Counsel Chat stores it: paragraphs, <br> and HTML entities."""
    sentences = [html.escape(s, quote=True).replace("&#x27;", "&#39;") for s in text.split(". ")]
    body = ".&nbsp; ".join(sentences) if rng.random() < 0.3 else ". ".join(sentences)
    if rng.random() < 0.5:
        head, _, tail = body.partition("? ")
        return f"<p>{head}?</p><p>{tail}</p>" if tail else f"<p>{head}</p>"
    return f"<p>{body}</p><br>"


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------

Message = tuple[str, str]  # (canonical role, content)


class _Content:
    """Templates filled from one seeded RNG per dataset and one shared unique-detail counter."""

    def __init__(self, rng: random.Random, details: _UniqueDetails) -> None:
        self.rng = rng
        self.details = details
        self._followups = {t.label: t.followups + _GENERIC_FOLLOWUPS for t in _ALL_TOPICS}
        self._replies = {
            t.label: t.replies
            + (_GENERIC_REPLIES if t is _CRISIS_TOPIC else _GENERIC_REPLIES + phrases.TECHNIQUES)
            for t in _ALL_TOPICS
        }

    def opener(
        self,
        topic: _Topic,
        intros: Sequence[str] = _INTROS,
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
        topics: Sequence[_Topic] = (),
        *,
        intros: Sequence[str] = _INTROS,
        exchanges: tuple[int, int] = (1, 4),
        system_rate: float = 0.0,
        slots: dict[str, Any] | None = None,
    ) -> list[Message]:
        rng = self.rng
        topic = rng.choice(topics or _TOPICS)
        followups, replies = self._followups[topic.label], self._replies[topic.label]
        messages: list[Message] = []
        if system_rate and rng.random() < system_rate:
            messages.append(("system", rng.choice(_SYSTEM_PROMPTS)))
        crisis = topic is _CRISIS_TOPIC
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
            "user": rng.choice(_USER_ROLES),
            "assistant": rng.choice(_ASSISTANT_ROLES),
        }


_ALL_TOPICS = (*_TOPICS, _FAMILY_TOPIC, _CRISIS_TOPIC)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _chatml(messages: list[Message], roles: dict[str, str], record_id: str) -> dict[str, Any]:
    return {
        "messages": [{"role": roles[r], "content": c} for r, c in messages],
        "id": record_id,
    }


def _sharegpt(messages: list[Message]) -> dict[str, Any]:
    names = {"system": "system", "user": "human", "assistant": "gpt"}
    return {"conversations": [{"from": names[r], "value": c} for r, c in messages]}


def _near_copy(messages: list[Message], kind: str) -> list[Message]:
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


def _disguise(text: str, nfd: bool) -> str:
    """Same canonical text, different bytes: padding, doubled inner spaces, optionally NFD."""
    text = " " + text.replace(" ", "  ", 2).replace(". ", ".\t", 1) + "  "
    return unicodedata.normalize("NFD", text) if nfd else text


# --------------------------------------------------------------------------------------------
# Files: a plan holds the good records plus planted ones; writers serialise it
# --------------------------------------------------------------------------------------------


@dataclass
class _Planted:
    position: int
    payload: Any
    reason: str | None
    duplicate_of: str | None  # key of the original, resolved to path#record at the end
    key: str | None  # name for this record, so a later copy can point at it


@dataclass
class _FilePlan:
    """One file: good payloads in order, plus records planted before given positions."""

    dataset: str
    path: str
    good: list[Any]
    planted: list[_Planted] = field(default_factory=list)

    def plant(
        self,
        payload: Any,
        reason: str | None = None,
        *,
        at: float = 0.5,
        duplicate_of: str | None = None,
        key: str | None = None,
    ) -> None:
        """Plant a record at a fraction of the file (1.0 = after the last good record)."""
        position = min(len(self.good), int(len(self.good) * at))
        self.planted.append(_Planted(position, payload, reason, duplicate_of, key))

    def records(self) -> tuple[list[Any], list[tuple[int, _Planted]]]:
        """Payloads in file order and the planted ones with their 1-based record numbers."""
        by_position: dict[int, list[_Planted]] = {}
        for item in self.planted:
            by_position.setdefault(item.position, []).append(item)
        merged: list[Any] = []
        notes: list[tuple[int, _Planted]] = []
        for position in range(len(self.good) + 1):
            for item in by_position.get(position, ()):
                merged.append(item.payload)
                notes.append((len(merged), item))
            if position < len(self.good):
                merged.append(self.good[position])
        return merged, notes


@dataclass
class _JsonlOptions:
    bom: bool = False
    blank_lines: bool = False
    final_newline: bool = True
    gzip: bool = False


class _Lake:
    """Writes file plans under the lake root and keeps the books for the summary."""

    def __init__(self, root: Path, seed: int, records: int, max_per_file: int) -> None:
        self.root = root
        self.seed = seed
        self.records = records
        self.max_per_file = max_per_file
        self.details = _UniqueDetails(seed)
        self.datasets: dict[str, dict[str, Any]] = {}
        self.planted: list[tuple[str, str, int, _Planted]] = []
        self.locations: dict[str, str] = {}
        self.unregistered: list[str] = []
        # tier-1 conversations that community_sharegpt copies (key, messages)
        self.originals: list[tuple[str, list[Message]]] = []
        # planted near-duplicates: the conversations other datasets plant (dataset -> key,
        # messages, how to alter them or None for the original itself), and the pairs as
        # (key of the record that loses, key of the record kept, kind)
        self.near_plants: dict[str, list[tuple[str, list[Message], str | None]]] = {}
        self.near_pairs: list[tuple[str, str, str]] = []
        self.key_datasets: dict[str, str] = {}
        # named records: graphic edge cases and PII plants (key -> PII kinds)
        self.graphic_keys: list[str] = []
        self.pii_keys: dict[str, tuple[str, ...]] = {}

    # ---- bookkeeping ---------------------------------------------------------------------

    def content(self, dataset: str) -> _Content:
        return _Content(random.Random(f"{self.seed}:{dataset}"), self.details)

    def shards(self, total: int, min_files: int = 1) -> list[int]:
        """Split a record count into files that stay within max_per_file with planted records."""
        files = max(min_files, math.ceil(total / (self.max_per_file - _PLANTED_SLACK)))
        return [total // files + (i < total % files) for i in range(files)]

    def _path(self, relpath: str) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _book(
        self, fmt: str, plan: _FilePlan, count: int, notes: list[tuple[int, _Planted]]
    ) -> None:
        entry = self.datasets.setdefault(
            plan.dataset, {"format": fmt, "files": [], "input": 0, "faults": Counter(), "dups": 0}
        )
        entry["files"].append(plan.path)
        entry["input"] += count
        for number, item in notes:
            if item.key:
                self.locations[item.key] = f"{plan.path}#{number}"
                self.key_datasets[item.key] = plan.dataset
            if item.reason or item.duplicate_of:
                self.planted.append((plan.dataset, plan.path, number, item))
            if item.reason:
                entry["faults"][item.reason] += 1
            elif item.duplicate_of:
                entry["dups"] += 1

    # ---- writers -------------------------------------------------------------------------

    def write_jsonl(self, fmt: str, plan: _FilePlan, options: _JsonlOptions | None = None) -> None:
        options = options or _JsonlOptions()
        merged, notes = plan.records()
        lines = [p if isinstance(p, bytes) else p.encode() for p in merged]
        if options.blank_lines:
            spaced: list[bytes] = []
            for i, line in enumerate(lines):
                spaced.append(line)
                if i % 7 == 3 and i < len(lines) - 1:
                    spaced.append(b"")
                if i % 13 == 5 and i < len(lines) - 1:
                    spaced.extend((b"", b""))
            lines = spaced
        data = b"\n".join(lines)
        if lines and options.final_newline:
            data += b"\n"
        if options.bom:
            data = b"\xef\xbb\xbf" + data
        path = self._path(plan.path)
        if options.gzip:
            with (
                path.open("wb") as raw,
                gzip.GzipFile(
                    filename=path.name, mode="wb", fileobj=raw, mtime=0, compresslevel=6
                ) as gz,
            ):
                gz.write(data)
        else:
            path.write_bytes(data)
        self._book(fmt, plan, len(merged), notes)

    def write_json_array(self, fmt: str, plan: _FilePlan) -> None:
        merged, notes = plan.records()
        data = "[\n" + ",\n".join(merged) + "\n]\n"
        self._path(plan.path).write_bytes(data.encode())
        self._book(fmt, plan, len(merged), notes)

    def write_csv(self, fmt: str, plan: _FilePlan, header: Sequence[str]) -> None:
        merged, notes = plan.records()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(merged)
        self._path(plan.path).write_bytes(buffer.getvalue().encode())
        self._book(fmt, plan, len(merged), notes)

    def write_parquet(self, fmt: str, plan: _FilePlan, schema: pa.Schema) -> None:
        merged, notes = plan.records()
        table = pa.Table.from_pylist(merged, schema=schema)
        pq.write_table(
            table,
            self._path(plan.path),
            compression="zstd",
            compression_level=3,
            row_group_size=50_000,
            use_dictionary=True,
            write_statistics=True,
            version="2.6",
            data_page_version="1.0",
        )
        self._book(fmt, plan, len(merged), notes)

    def write_unregistered(self, relpath: str, data: bytes) -> None:
        self._path(relpath).write_bytes(data)
        self.unregistered.append(relpath)

    # ---- summary -------------------------------------------------------------------------

    def summary(self) -> LakeSummary:
        datasets = {}
        for name in sorted(self.datasets):
            entry = self.datasets[name]
            faults = dict(sorted(entry["faults"].items()))
            valid = entry["input"] - sum(faults.values())
            datasets[name] = DatasetSummary(
                dataset=name,
                format=entry["format"],
                files=sorted(entry["files"]),
                input_records=entry["input"],
                valid_records=valid,
                faults=faults,
                exact_duplicates=entry["dups"],
                unique_records=valid
                - entry["dups"]
                - entry.get("merged", 0)
                + entry.get("derived", 0),
                merged_into_session=entry.get("merged", 0),
                derived_records=entry.get("derived", 0),
            )
        near_duplicates = []
        for loser, keeper, kind in self.near_pairs:
            path, number = self.locations[loser].rsplit("#", 1)
            kept_path, kept_number = self.locations[keeper].rsplit("#", 1)
            near_duplicates.append(
                PlantedNearDuplicate(
                    dataset=self.key_datasets[loser],
                    path=path,
                    record_number=int(number),
                    kind=kind,
                    kept_dataset=self.key_datasets[keeper],
                    kept_path=kept_path,
                    kept_record_number=int(kept_number),
                )
            )
            datasets[self.key_datasets[loser]].near_duplicates += 1
        planted = [
            PlantedRecord(
                dataset=dataset,
                path=path,
                record_number=number,
                reason=item.reason or EXACT_DUPLICATE,
                duplicate_of=self.locations[item.duplicate_of] if item.duplicate_of else None,
            )
            for dataset, path, number, item in sorted(
                self.planted, key=lambda p: (p[0], p[1], p[2])
            )
        ]
        total_bytes = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())

        def ref(key: str, kinds: Sequence[str] = ()) -> PlantedRecordRef:
            path, number = self.locations[key].rsplit("#", 1)
            return PlantedRecordRef(
                key=key,
                dataset=self.key_datasets[key],
                path=path,
                record_number=int(number),
                pii_kinds=list(kinds),
            )

        return LakeSummary(
            seed=self.seed,
            records=self.records,
            datasets=datasets,
            unregistered_files=sorted(self.unregistered),
            total_bytes=total_bytes,
            planted=planted,
            near_duplicates=sorted(
                near_duplicates, key=lambda p: (p.dataset, p.path, p.record_number)
            ),
            graphic_edge_cases=[ref(key) for key in self.graphic_keys],
            pii_records=[ref(key, kinds) for key, kinds in self.pii_keys.items()],
        )


# --------------------------------------------------------------------------------------------
# Datasets: one function each, in registry order
# --------------------------------------------------------------------------------------------

# Share of the good records per dataset; every dataset gets at least MIN_RECORDS_PER_DATASET.
DATASET_WEIGHTS: dict[str, float] = {
    "priority_curated_dialogues": 0.15,
    "professional_sessions": 0.10,
    "community_sharegpt": 0.12,
    "empathy_context_response": 0.08,
    "psych_instructions": 0.10,
    "counsel_qa": 0.08,
    "clinical_reasoning_cot": 0.08,
    "voice_persona_dialogues": 0.04,
    "crisis_edge_roleplay": 0.05,
    "reddit_safety_preferences": 0.06,
    "harmless_hh_preferences": 0.06,
    "heldout_family_dialogues": 0.06,
    # stage 4 from transcripts (sample_lake/families/transcripts.py): passages, session windows
    "trauma_talks": 0.013,
    "session_utterances": 0.007,
}


def _priority_curated(lake: _Lake, n: int) -> None:
    """Tier 1 chatml: a BOM, blank lines, most chatml faults, a 0-byte file and the originals
    of the duplicates planted here (later file) and in community_sharegpt (tier 3)."""
    dataset = "priority_curated_dialogues"
    content = lake.content(dataset)
    sizes = lake.shards(n, min_files=3)
    counter = iter(range(1, 10**9))

    def record(messages: list[Message], roles: dict[str, str] | None = None) -> str:
        return _dumps(_chatml(messages, roles or content.roles(), f"pc-{next(counter):07d}"))

    plans = [
        _FilePlan(
            dataset,
            f"curated/priority_{i + 1:03d}.jsonl",
            [record(content.conversation(system_rate=0.1)) for _ in range(size)],
        )
        for i, size in enumerate(sizes)
    ]
    first, second, last = plans[0], plans[1], plans[-1]
    originals: list[tuple[str, list[Message]]] = []
    for i in range(7):
        slots = lake.details.take_non_ascii() if i < 2 else None
        messages = content.conversation(exchanges=(2, 3), slots=slots)
        key = f"priority-original-{i}"
        originals.append((key, messages))
        first.plant(record(messages), at=(i + 1) / 9, key=key)

    conv = content.conversation
    bad = record(conv()).encode().replace(b'"content": "', b'"content": "\xff\xfe', 1)
    first.plant(bad, "invalid_utf8", at=0.2)
    first.plant("[1, 2, 3]", "not_an_object", at=0.4)
    first.plant("42", "not_an_object", at=0.6)
    first.plant(_dumps({"id": "pc-missing", "text": conv()[0][1]}), "missing_messages", at=0.8)

    broken = record(conv()).replace('", "content"', '" "content"', 1)
    second.plant(broken, "malformed_json", at=0.2)
    second.plant(_dumps({"messages": [], "id": "pc-empty"}), "empty_conversation", at=0.4)
    unlabelled = _chatml(conv(exchanges=(2, 2)), content.roles(), "pc-no-role")
    del unlabelled["messages"][2]["role"]
    second.plant(_dumps(unlabelled), "missing_role", at=0.6)
    narrated = _chatml(conv(exchanges=(2, 2)), content.roles(), "pc-narrator")
    narrated["messages"].insert(2, {"role": "narrator", "content": "A long pause follows."})
    second.plant(_dumps(narrated), "unknown_role", at=0.8)

    for blank, at in (("", 0.25), ("  \n ", 0.5)):
        empty = _chatml(conv(exchanges=(2, 2)), content.roles(), f"pc-blank-{at}")
        empty["messages"][2]["content"] = blank
        last.plant(_dumps(empty), "empty_content", at=at)
    user_only = [("user", content.opener(_TOPICS[0])), ("user", "Are you still there?")]
    last.plant(record(user_only), "no_assistant_turn", at=0.75)
    for i, (key, messages) in enumerate(originals[5:]):
        drifted = {"system": "system", "user": "client", "assistant": "counselor"}
        last.plant(record(messages, drifted), at=0.3 + 0.3 * i, duplicate_of=key)
    last.plant(record(conv())[:57], "truncated_record", at=1.0)

    # near-duplicates: three originals here with near-copies here and in two other datasets, and
    # near-copies here of an edge case and of a hard-holdout record planted in their datasets
    near = []
    for i in range(3):
        messages = conv(exchanges=(2, 3))
        near.append(messages)
        first.plant(record(messages), at=0.15 + 0.2 * i, key=f"near-original-{i}")
    last.plant(record(_near_copy(near[0], "typo")), at=0.45, key="near-copy-typo")
    lake.near_plants["community_sharegpt"] = [("near-copy-greeting", near[1], "greeting")]
    lake.near_plants["professional_sessions"] = [("near-copy-truncated", near[2], "truncated")]
    crisis = conv((_CRISIS_TOPIC,), exchanges=(2, 3))
    lake.near_plants["crisis_edge_roleplay"] = [("near-original-crisis", crisis, None)]
    last.plant(record(_near_copy(crisis, "typo")), at=0.55, key="near-copy-crisis")
    family = conv((_FAMILY_TOPIC,), exchanges=(2, 3))
    lake.near_plants["heldout_family_dialogues"] = [("near-original-holdout", family, None)]
    second.plant(record(_near_copy(family, "greeting")), at=0.5, key="near-copy-holdout")
    lake.near_pairs += [
        ("near-copy-typo", "near-original-0", "typo"),  # same tier: the earlier file wins
        ("near-copy-greeting", "near-original-1", "greeting"),  # tier 1 over tier 3
        ("near-copy-truncated", "near-original-2", "truncated"),  # tier 1 over tier 2
        ("near-copy-crisis", "near-original-crisis", "typo"),  # an edge case is never removed
        ("near-original-holdout", "near-copy-holdout", "greeting"),  # tier 1 wins, goes to test
    ]

    for plan in plans:
        options = _JsonlOptions(
            bom=plan is first, blank_lines=plan is second, final_newline=plan is not last
        )
        lake.write_jsonl("chatml", plan, options)
    lake.write_jsonl("chatml", _FilePlan(dataset, "curated/priority_empty.jsonl", []))
    lake.originals = originals[:5]


def _professional_sessions(lake: _Lake, n: int) -> None:
    """Tier 2 chatml behind a field_map (dialog/speaker/text), gzipped; later files drift."""
    dataset = "professional_sessions"
    content = lake.content(dataset)
    session = iter(range(1, 10**9))

    def record(messages: list[Message], drift: bool) -> str:
        roles = {"system": "system", "user": "client", "assistant": "therapist"}
        if content.rng.random() < 0.2:
            roles = {"system": "system", "user": "patient", "assistant": "counselor"}
        body: dict[str, Any] = {"dialog": [{"speaker": roles[r], "text": c} for r, c in messages]}
        number = next(session)
        if drift:
            body["duration_min"] = 30 + number % 31
            body["modality"] = content.rng.choice(("video", "in_person", "phone"))
        else:
            body["session_id"] = f"ps-{number:07d}"
        return _dumps(body)

    def session_conversation() -> list[Message]:
        return content.conversation(intros=_INTROS + _SESSION_INTROS, exchanges=(2, 4))

    for i, size in enumerate(lake.shards(n, min_files=2)):
        drift = i > 0
        plan = _FilePlan(
            dataset,
            f"professional/sessions/sessions_{i + 1:03d}.jsonl.gz",
            [record(session_conversation(), drift) for _ in range(size)],
        )
        if i == 0:
            narrated = json.loads(record(session_conversation(), drift))
            narrated["dialog"].insert(1, {"speaker": "narrator", "text": "The client looks away."})
            plan.plant(_dumps(narrated), "unknown_role", at=0.5)
            for key, messages, kind in lake.near_plants.get(dataset, []):
                copy = _near_copy(messages, kind) if kind else messages
                plan.plant(record(copy, drift), at=0.6, key=key)
        if i == 1:
            notes = {"duration_min": 50, "modality": "video", "notes": "Session cancelled."}
            plan.plant(_dumps(notes), "missing_messages", at=0.5)
        lake.write_jsonl("chatml", plan, _JsonlOptions(gzip=True))


def _community_sharegpt(lake: _Lake, n: int) -> None:
    """Tier 3 ShareGPT: JSON array files and .json files that hold JSONL; five conversations
    copy tier-1 ones with human/gpt roles, padded whitespace and NFD accents."""
    dataset = "community_sharegpt"
    content = lake.content(dataset)
    copies = lake.originals

    def record(messages: list[Message]) -> str:
        return _dumps(_sharegpt(messages))

    def copy(i: int) -> str:
        _key, messages = copies[i]
        return record([(r, _disguise(c, nfd=i < 2)) for r, c in messages])

    def conversations(size: int) -> list[str]:
        return [record(content.conversation(system_rate=0.05)) for _ in range(size)]

    for i, size in enumerate(lake.shards(n - n // 2)):
        plan = _FilePlan(dataset, f"community/sharegpt/sharegpt_part_{i + 1:03d}.json", [])
        plan.good = conversations(size)
        if i == 0:
            for j in range(3):
                plan.plant(copy(j), at=(j + 1) / 4, duplicate_of=copies[j][0])
            plan.plant("42", "not_an_object", at=0.6)
        lake.write_json_array("sharegpt", plan)
    for i, size in enumerate(lake.shards(n // 2)):
        plan = _FilePlan(dataset, f"community/sharegpt/sharegpt_stream_{i + 1:03d}.json", [])
        plan.good = conversations(size)
        if i == 0:
            for j in (3, 4):
                plan.plant(copy(j), at=(j - 2) / 3, duplicate_of=copies[j][0])
            plan.plant(_dumps({"conversations": []}), "empty_conversation", at=0.4)
            lonely = [("user", content.opener(_TOPICS[1])), ("user", "Hello?")]
            plan.plant(record(lonely), "no_assistant_turn", at=0.8)
            for key, messages, kind in lake.near_plants.get(dataset, []):
                copy = _near_copy(messages, kind) if kind else messages
                plan.plant(record(copy), at=0.6, key=key)
            for key, (dialogue, kinds) in PII_PLANTS.items():
                plan.plant(record(list(dialogue)), at=0.7, key=key)
                lake.pii_keys[key] = kinds
        lake.write_jsonl("sharegpt", plan)


def _empathy_context_response(lake: _Lake, n: int) -> None:
    """Tier 3 CSV Context,Response with quoted commas and newlines; one row has a third field."""
    dataset = "empathy_context_response"
    content = lake.content(dataset)
    rng = content.rng

    def row() -> list[str]:
        topic = rng.choice(_TOPICS)
        context = content.opener(topic)
        if rng.random() < 0.3:
            context += "\n\n" + rng.choice(topic.followups)
        return [context, content.reply(rng.choice(topic.replies))]

    for i, size in enumerate(lake.shards(n)):
        plan = _FilePlan(dataset, f"community/empathy/empathy_{i + 1:03d}.csv", [])
        plan.good = [row() for _ in range(size)]
        if i == 0:
            plan.plant([*row(), "extra, unquoted column"], "malformed_csv_row", at=0.5)
        lake.write_csv("context_response", plan, ("Context", "Response"))


def _psych_instructions(lake: _Lake, n: int) -> None:
    """Tier 4 instruction JSONL in nested folders (instructions/**/*.jsonl, zero or more levels)."""
    dataset = "psych_instructions"
    content = lake.content(dataset)
    rng = content.rng
    groups = (
        ("general", "instructions"),
        ("psychoeducation", "instructions/psychoeducation"),
        ("coping", "instructions/coping/skills"),
    )

    def record(group: str, drop: str | None = None) -> str:
        topic = rng.choice(_TOPICS)
        slots = {**lake.details.take(), "phrase": topic.phrase}
        instruction = rng.choice(_INSTRUCTION_TEMPLATES[group]).format(**slots)
        tips = " ".join(rng.sample(_COPING_TIPS + phrases.COPING_TIPS_EXTRA, 3))
        body = {
            "instruction": instruction,
            "input": rng.choice(topic.problems).format(**slots) if rng.random() < 0.3 else "",
            "output": f"{topic.explanation} {tips}",
        }
        if drop:
            del body[drop]
        return _dumps(body)

    per_group = [n // 3 + (i < n % 3) for i in range(3)]
    for g, (group, folder) in enumerate(groups):
        sizes = lake.shards(per_group[g])
        for i, size in enumerate(sizes):
            plan = _FilePlan(dataset, f"{folder}/part-{i + 1:03d}.jsonl", [])
            plan.good = [record(group) for _ in range(size)]
            final_newline = True
            if g == 1 and i == 0:
                plan.plant(record(group, drop="output"), "missing_field", at=0.5)
            if g == 2 and i == len(sizes) - 1:
                plan.plant(record(group)[:40], "truncated_record", at=1.0)
                final_newline = False
            lake.write_jsonl("instruction", plan, _JsonlOptions(final_newline=final_newline))


_QA_HEADER = (
    "questionID", "questionTitle", "questionText", "topic", "therapistInfo", "answerText",
    "upvotes",
)  # fmt: skip


def _counsel_qa(lake: _Lake, n: int) -> None:
    """Tier 2 Counsel Chat CSV: 1-4 answers per question; HTML answers in one file, plain in
    the other; one empty answer and one row with an extra field."""
    dataset = "counsel_qa"
    content = lake.content(dataset)
    rng = content.rng
    question_ids = iter(range(1, 10**9))

    def question_rows(rendered: bool, limit: int) -> list[list[Any]]:
        topic = rng.choice(_TOPICS)
        text = f"{content.opener(topic)} {rng.choice(_QUESTION_ASKS)}"
        cores = rng.sample(topic.replies + _GENERIC_REPLIES, min(limit, rng.randint(1, 4)))
        answers = [content.reply(core) for core in cores]
        qid = next(question_ids)
        title = rng.choice(topic.titles)
        return [
            [
                qid,
                title,
                text,
                topic.label,
                rng.choice(_THERAPISTS),
                _html(answer, rng) if rendered else answer,
                rng.randint(0, 12),
            ]
            for answer in answers
        ]

    def rows(rendered: bool, size: int) -> list[list[Any]]:
        out: list[list[Any]] = []
        while len(out) < size:
            out.extend(question_rows(rendered, size - len(out)))
        return out

    for style, rendered, total in (("html", True, n // 2), ("plain", False, n - n // 2)):
        for i, size in enumerate(lake.shards(total)):
            suffix = "" if i == 0 else f"_{i + 1:03d}"
            plan = _FilePlan(dataset, f"qa/counsel_chat_{style}{suffix}.csv", rows(rendered, size))
            if i == 0 and rendered:
                unanswered = question_rows(rendered, 1)[0]
                unanswered[5] = ""
                plan.plant(unanswered, "missing_field", at=0.5)
            if i == 0 and not rendered:
                plan.plant([*question_rows(rendered, 1)[0], "spam"], "malformed_csv_row", at=0.5)
            lake.write_csv("qa_csv", plan, _QA_HEADER)


_COT_SCHEMA = pa.schema(
    [("question", pa.string()), ("reasoning", pa.string()), ("answer", pa.string())]
)


def _clinical_reasoning_cot(lake: _Lake, n: int) -> None:
    """Tier 3 Parquet question/reasoning/answer, zstd."""
    dataset = "clinical_reasoning_cot"
    content = lake.content(dataset)
    rng = content.rng

    def row() -> dict[str, str]:
        topic = rng.choice(_TOPICS)
        slots = lake.details.take()
        said = content.opener(topic, slots=slots)
        explanation = topic.explanation
        steps = (
            rng.choice(phrases.RISK_STEPS),
            rng.choice(phrases.MAINTENANCE_STEPS).format(
                explanation=explanation, explanation_lower=explanation[0].lower() + explanation[1:]
            ),
            rng.choice(phrases.STEP_CHOICES),
        )
        lead = rng.choice(phrases.ANSWER_LEADS)
        step = (
            topic.next_step
            if lead.endswith(":")
            else topic.next_step[0].lower() + topic.next_step[1:]
        )
        tail = rng.choice(phrases.ANSWER_TAILS).format(relative=rng.choice(phrases.PEOPLE)[3:])
        return {
            "question": f'A client says: "{said}" What should the counsellor prioritise next?',
            "reasoning": (
                f"The client describes {topic.phrase} lasting about {slots['weeks']} weeks. "
                + " ".join(steps)
            ),
            "answer": f"{lead} {step} {tail}",
        }

    for i, size in enumerate(lake.shards(n)):
        plan = _FilePlan(
            dataset, f"reasoning/cot_{i + 1:03d}.parquet", [row() for _ in range(size)]
        )
        lake.write_parquet("cot", plan, _COT_SCHEMA)


_VOICE_SCHEMA = pa.schema(
    [
        (
            "messages",
            pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])),
        ),
        ("speaker", pa.string()),
    ]
)


def _voice_persona_dialogues(lake: _Lake, n: int) -> None:
    """Tier 4 Parquet with messages list<struct<role, content>> and a persona column."""
    dataset = "voice_persona_dialogues"
    content = lake.content(dataset)
    rng = content.rng

    def row(messages: list[Message] | None = None) -> dict[str, Any]:
        messages = messages or content.conversation(intros=_VOICE_INTROS, exchanges=(1, 3))
        return {
            "messages": [{"role": r, "content": c} for r, c in messages],
            "speaker": rng.choice(_VOICE_PERSONAS),
        }

    for i, size in enumerate(lake.shards(n)):
        plan = _FilePlan(
            dataset, f"voice/persona_{i + 1:03d}.parquet", [row() for _ in range(size)]
        )
        if i == 0:
            plan.plant(
                {"messages": [], "speaker": _VOICE_PERSONAS[0]}, "empty_conversation", at=0.3
            )
            silent = row(content.conversation(intros=_VOICE_INTROS, exchanges=(2, 2)))
            silent["messages"][1]["content"] = " "
            plan.plant(silent, "empty_content", at=0.7)
        lake.write_parquet("chatml", plan, _VOICE_SCHEMA)


def _crisis_edge_roleplay(lake: _Lake, n: int) -> None:
    """Tier 2 chatml edge cases: acute distress met by validation, a direct safety question and
    crisis resources. No method details."""
    dataset = "crisis_edge_roleplay"
    content = lake.content(dataset)
    ids = iter(range(1, 10**9))

    def conversation() -> list[Message]:
        return content.conversation((_CRISIS_TOPIC,), exchanges=(2, 4), system_rate=0.2)

    def record(messages: list[Message]) -> str:
        return _dumps(_chatml(messages, content.roles(), f"crisis-{next(ids):07d}"))

    for i, size in enumerate(lake.shards(n)):
        plan = _FilePlan(dataset, f"edge_cases/crisis_{i + 1:03d}.jsonl", [])
        plan.good = [record(conversation()) for _ in range(size)]
        if i == 0:
            unlabelled = json.loads(
                record(content.conversation((_CRISIS_TOPIC,), exchanges=(2, 2)))
            )
            del unlabelled["messages"][1]["role"]
            plan.plant(_dumps(unlabelled), "missing_role", at=0.5)
            for key, messages, _kind in lake.near_plants.get(dataset, []):
                plan.plant(record(messages), at=0.6, key=key)
        lake.write_jsonl("chatml", plan)
    # hand-written graphic dialogues: every one must reach the export (sample_lake/content/edge_cases.py)
    plan = _FilePlan(dataset, "edge_cases/graphic_001.jsonl", [])
    for key, dialogue in GRAPHIC_EDGE_CASES.items():
        plan.plant(_dumps(_chatml(list(dialogue), content.roles(), key)), at=1.0, key=key)
        lake.graphic_keys.append(key)
    lake.write_jsonl("chatml", plan)


def _reddit_safety_preferences(lake: _Lake, n: int) -> None:
    """Tier 3 prompt/chosen/rejected JSONL; one pair appears twice, one lacks rejected."""
    dataset = "reddit_safety_preferences"
    content = lake.content(dataset)
    rng = content.rng

    def pair() -> dict[str, str]:
        topic = rng.choice(_TOPICS)
        prompt = f"{content.opener(topic)} {rng.choice(topic.followups)}"
        return {
            "prompt": prompt,
            "chosen": rng.choice(topic.replies),
            "rejected": rng.choice(_REJECTED_REPLIES),
        }

    sizes = lake.shards(n)
    plans = []
    for i, size in enumerate(sizes):
        plan = _FilePlan(dataset, f"safety/reddit_{i + 1:03d}.jsonl", [])
        plan.good = [_dumps(pair()) for _ in range(size)]
        plans.append(plan)
    original = _dumps(pair())
    plans[0].plant(original, at=0.2, key="reddit-original")
    plans[-1].plant(original, at=0.9, duplicate_of="reddit-original")
    incomplete = pair()
    del incomplete["rejected"]
    plans[0].plant(_dumps(incomplete), "missing_field", at=0.5)
    for plan in plans:
        lake.write_jsonl("preference", plan)


def _harmless_hh_preferences(lake: _Lake, n: int) -> None:
    """Tier 4 hh-rlhf style chosen/rejected transcripts sharing a prompt prefix, gzipped."""
    dataset = "harmless_hh_preferences"
    content = lake.content(dataset)
    rng = content.rng

    def pair() -> dict[str, str]:
        messages = content.conversation(exchanges=(1, 3))
        prefix = "".join(
            f"\n\n{'Human' if r == 'user' else 'Assistant'}: {c}" for r, c in messages[:-1]
        )
        return {
            "chosen": f"{prefix}\n\nAssistant: {messages[-1][1]}",
            "rejected": f"{prefix}\n\nAssistant: {rng.choice(_REJECTED_REPLIES)}",
        }

    for i, size in enumerate(lake.shards(n)):
        plan = _FilePlan(dataset, f"safety/hh/hh_{i + 1:03d}.jsonl.gz", [])
        plan.good = [_dumps(pair()) for _ in range(size)]
        if i == 0:
            incomplete = pair()
            del incomplete["rejected"]
            plan.plant(_dumps(incomplete), "missing_field", at=0.5)
        lake.write_jsonl("preference", plan, _JsonlOptions(gzip=True))


def _heldout_family_dialogues(lake: _Lake, n: int) -> None:
    """Tier 2 held-out chatml about family life; carries the ~3 MB record and a broken line."""
    dataset = "heldout_family_dialogues"
    content = lake.content(dataset)
    ids = iter(range(1, 10**9))
    topics = (_FAMILY_TOPIC, _TOPICS[8], _TOPICS[3])  # family, parenting, relationships

    def record(messages: list[Message]) -> str:
        return _dumps(_chatml(messages, content.roles(), f"holdout-{next(ids):07d}"))

    for i, size in enumerate(lake.shards(n)):
        plan = _FilePlan(dataset, f"holdout/family_{i + 1:03d}.jsonl", [])
        plan.good = [record(content.conversation(topics)) for _ in range(size)]
        if i == 0:
            repeats = OVERSIZED_RECORD_BYTES // len(_LONG_FILLER) + 1
            huge = content.conversation(topics, exchanges=(1, 1))
            huge[0] = ("user", huge[0][1] + " " + _LONG_FILLER * repeats)
            plan.plant(record(huge), "record_too_large", at=0.4)
            # a missing colon: invalid for every JSON parser (DuckDB tolerates trailing commas)
            broken = record(content.conversation(topics)).replace('"id": ', '"id" ', 1)
            plan.plant(broken, "malformed_json", at=0.7)
            for key, messages, _kind in lake.near_plants.get(dataset, []):
                plan.plant(record(messages), at=0.6, key=key)
        lake.write_jsonl("chatml", plan)


def _unregistered(lake: _Lake) -> None:
    """Files no registry glob matches: the inventory must list them, staging must not read them."""
    content = lake.content("unregistered")
    notes = [
        _dumps(_chatml(content.conversation(), content.roles(), f"note-{i}")) for i in range(3)
    ]
    lake.write_unregistered("misc/notes.jsonl", ("\n".join(notes) + "\n").encode())
    lake.write_unregistered(
        "misc/README.txt",
        b"Scratch area. Nothing here is registered in the source registry.\n",
    )
    # `*` never crosses `/`: an archive folder beside the curated files is not curated data.
    legacy = _dumps(_chatml(content.conversation(), content.roles(), "legacy-1"))
    lake.write_unregistered("curated/archive/priority_legacy.jsonl", (legacy + "\n").encode())


_WRITERS: dict[str, Callable[[_Lake, int], None]] = {
    "priority_curated_dialogues": _priority_curated,
    "professional_sessions": _professional_sessions,
    "community_sharegpt": _community_sharegpt,
    "empathy_context_response": _empathy_context_response,
    "psych_instructions": _psych_instructions,
    "counsel_qa": _counsel_qa,
    "clinical_reasoning_cot": _clinical_reasoning_cot,
    "voice_persona_dialogues": _voice_persona_dialogues,
    "crisis_edge_roleplay": _crisis_edge_roleplay,
    "reddit_safety_preferences": _reddit_safety_preferences,
    "harmless_hh_preferences": _harmless_hh_preferences,
    "heldout_family_dialogues": _heldout_family_dialogues,
}


def generate_lake(
    out_dir: Path,
    records: int = 3000,
    seed: int = 7,
    *,
    max_records_per_file: int = MAX_RECORDS_PER_FILE,
) -> LakeSummary:
    """Write the sample lake under ``out_dir`` (which must be empty or absent) and summarise it.

    ``records`` is the approximate number of good records across all datasets; faults and
    planted duplicates are a fixed, small set on top, independent of scale.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; the sample lake needs a fresh folder")
    if max_records_per_file <= 4 * _PLANTED_SLACK:
        raise ValueError(f"max_records_per_file must be above {4 * _PLANTED_SLACK}")
    out_dir.mkdir(parents=True, exist_ok=True)
    lake = _Lake(out_dir, seed, records, max_records_per_file)
    for dataset, write in _WRITERS.items():
        write(lake, max(MIN_RECORDS_PER_DATASET, round(records * DATASET_WEIGHTS[dataset])))
    write_voice_datasets(lake)  # stage 4: markdown talks and utterance sessions
    _unregistered(lake)
    return lake.summary()


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_lake.generator",
        description="Write the deterministic sample lake and print its counts (never record text).",
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--summary-json", type=Path)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    summary = generate_lake(args.out_dir, records=args.records, seed=args.seed)
    elapsed = time.perf_counter() - started

    print(f"{'dataset':<28} {'files':>5} {'input':>9} {'valid':>9} {'faults':>6} {'dups':>4}")
    for name, ds in summary.datasets.items():
        faults = sum(ds.faults.values())
        print(
            f"{name:<28} {len(ds.files):>5} {ds.input_records:>9,} {ds.valid_records:>9,} "
            f"{faults:>6} {ds.exact_duplicates:>4}"
        )
    print(f"unregistered files: {len(summary.unregistered_files)}")
    print(f"total: {summary.total_bytes / 1e6:,.1f} MB in {elapsed:.1f} s (seed {summary.seed})")
    if args.summary_json:
        args.summary_json.parent.mkdir(parents=True, exist_ok=True)
        args.summary_json.write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
