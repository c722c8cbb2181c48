# ruff: noqa: E501 -- the templates are prose; wrapping sentences mid-string would hurt review.
"""Templates the sample lake fills: people, places, topics and the counsellor's replies."""

from __future__ import annotations

from dataclasses import dataclass

from sample_lake.content import phrases

NAMES = (
    "Maya", "Daniel", "Priya", "Tomás", "Zoë", "Kwame", "Aisha", "Liam", "Sofía", "Chen",
    "Noah", "Fatima", "Oliver", "Amara", "Mateo", "Hannah", "Yusuf", "Grace", "Arjun", "Chloé",
    "Ethan", "Leila", "Lucas", "Nadia", "Samuel", "Ingrid", "Kofi", "Mei", "Jonah", "Renée",
    "Diego", "Freya", "Omar", "Rosa", "Tariq", "Elena", "Finn", "Ana", "Marcus", "Inès",
    "Julian", "Keiko", "Luca", "Imani", "Rafael", "Saoirse", "Theo", "Valentina", "Wren", "José",
)  # fmt: skip
PLACES = (
    "Leeds", "Toronto", "Montréal", "São Paulo", "Zürich", "Málaga", "Austin", "Glasgow",
    "Melbourne", "Nairobi", "Dublin", "Denver", "Cardiff", "Auckland", "Lisbon", "Portland",
    "Manchester", "Vancouver", "Cork", "Bristol", "Halifax", "Perth", "Brighton", "Chicago",
    "Edinburgh", "Ottawa", "Kraków", "Seattle", "Göteborg", "Boston", "Adelaide", "Belfast",
    "Calgary", "Phoenix", "Norwich", "Wellington", "Atlanta", "Sheffield", "Québec", "Bergen",
)  # fmt: skip


@dataclass(frozen=True)
class Topic:
    label: str
    phrase: str
    titles: tuple[str, ...]
    problems: tuple[str, ...]  # each uses {name} and {weeks}
    followups: tuple[str, ...]
    replies: tuple[str, ...]
    explanation: str
    next_step: str


INTROS = (
    "I'm {age} and I live in {place}.",
    "I'm a {age}-year-old in {place}.",
    "Quick background: {age}, living in {place}.",
    "I'm {age}, from {place}.",
    "I live in {place} and I'm {age} years old.",
)
SESSION_INTROS = (
    "As I said at intake, I'm {age} and I've been in {place} most of my life.",
    "You know I'm {age} and I commute into {place} every day.",
    "Being {age} and new to {place} is part of it, I think.",
)
VOICE_INTROS = (
    "Um, so, I'm {age}, I'm in {place}.",
    "Okay, hi. I'm {age} and I'm calling from {place}.",
    "So yeah, {age}, {place}.",
)

TOPICS: tuple[Topic, ...] = (
    Topic(
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
    Topic(
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
    Topic(
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
    Topic(
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
    Topic(
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
    Topic(
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
    Topic(
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
    Topic(
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
    Topic(
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
    Topic(
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

FAMILY_TOPIC = Topic(
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

CRISIS_TOPIC = Topic(
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

GENERIC_FOLLOWUPS = (
    "I don't really know where to start.",
    "Talking about it already helps a little.",
    "I'm not sure anything will change.",
    "What should I do next?",
)
GENERIC_REPLIES = (
    "That makes a lot of sense given everything you've described. What feels most pressing for you right now?",
    "It's okay to take this one step at a time. What's one small thing that might make tomorrow a little easier?",
    "I notice how hard you're being on yourself. You're dealing with a lot, and reaching out is a real strength.",
    "Would it help to think about who in your life you could lean on while you work through this?",
    'Be patient & kind with yourself. Change takes time, and setbacks are part of it, not "proof" of failure.',
)
SYSTEM_PROMPTS = (
    "You are a warm, careful counselling assistant. You are not a substitute for professional care.",
    "You are a supportive listener. Validate feelings, ask open questions and check for safety.",
)
USER_ROLES = ("user", "user", "user", "user", "human", "client", "patient", "seeker", "speaker")
ASSISTANT_ROLES = (
    "assistant", "assistant", "assistant", "assistant", "therapist", "counselor", "listener",
    "gpt", "bot",
)  # fmt: skip
VOICE_PERSONAS = ("calm_guide", "warm_coach", "steady_listener", "gentle_mentor")
THERAPISTS = (
    "Sarah Jones, LCSW", "Dr. Michael Grant, Psychologist", "Linda Okafor, LMFT",
    "Robert Chen, Licensed Professional Counselor", "Emily Hart, MA, LPC",
    "Dr. Anita Rao, Clinical Psychologist",
)  # fmt: skip
REJECTED_REPLIES = (
    "Honestly, everyone feels like that sometimes. Just think positive and move on.",
    "You're probably overreacting. Have you tried just not thinking about it?",
    "I don't really know, maybe ask someone else.",
    "Just keep yourself busy and it will go away on its own.",
    "That's not a big deal compared to what other people go through.",
)
QUESTION_ASKS = (
    "How can I cope with this?",
    "Is this normal, and what can I do?",
    "Where do I even start?",
)
INSTRUCTION_TEMPLATES = {
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
COPING_TIPS = (
    "Try slow breathing: in for four, out for six, for two minutes.",
    "Schedule one small, pleasant activity each day, even if you don't feel like it.",
    "Write worries down at a set time and decide which ones you can act on.",
    "Keep a regular wake-up time, even at weekends.",
    "Reach out to one person you trust this week.",
    "Notice self-critical thoughts and ask how you would speak to a friend.",
)
LONG_FILLER = "I keep writing everything down because I'm scared I'll forget what happened. "

ALL_TOPICS = (*TOPICS, FAMILY_TOPIC, CRISIS_TOPIC)
