# ruff: noqa: E501 -- prose; wrapping sentences mid-string would hurt review.
"""Phrase pools that give the sample lake's conversations the variety of real ones.

The sample lake's turns are built from topic templates; on their own, two conversations on one
topic differ only in a name, a place and a number, which no near-duplicate detector (and no
training run) would call different conversations. Every turn therefore also takes independent
pieces from these pools (context about the person, an acknowledgement, a closing question, an
elaboration, phrasing of each reasoning step), so that distinct records are as far apart as
distinct real conversations are, and the near-duplicates the generator plants on purpose are
the ones a detector should find.
"""

from __future__ import annotations

JOBS = (
    "a nurse", "a teacher", "a bus driver", "a software developer", "a chef", "a student",
    "a warehouse worker", "an accountant", "a hairdresser", "a carer", "an electrician",
    "a shop manager", "a paramedic", "a graphic designer", "a plumber", "a librarian",
    "a call-centre agent", "a lab technician", "a farmer", "a barista", "a social worker",
    "a delivery driver", "a lawyer", "a cleaner", "a mechanic", "a dental assistant",
)  # fmt: skip
HOBBIES = (
    "running", "painting", "playing the guitar", "gardening", "swimming", "baking",
    "gaming with friends", "hiking", "reading crime novels", "knitting", "going to the gym",
    "photography", "cycling", "singing in a choir", "fishing", "yoga", "woodwork", "chess",
)  # fmt: skip
PEOPLE = (
    "my mum", "my dad", "my partner", "my flatmate", "my best friend", "my sister",
    "my brother", "my grandmother", "my boss", "my neighbour", "my son", "my daughter",
    "my therapist", "my GP", "my cousin", "an old school friend",
)  # fmt: skip
TIMES = (
    "in the mornings", "late at night", "on Sunday evenings", "after work", "at weekends",
    "around payday", "on my commute", "when I'm alone", "before big meetings", "at family dinners",
    "when the house is quiet", "during lunch breaks",
)  # fmt: skip

# About the person, to go with the opening message (each may use {job}, {hobby}, {person}, {time}).
CONTEXT = (
    "I work as {job}, mostly on shifts.",
    "I've been {job} for about six years now.",
    "I used to love {hobby}, but I haven't done it in ages.",
    "{person} is the only one who knows about this.",
    "It tends to hit hardest {time}.",
    "I live on my own since the move.",
    "I share a small flat with two other people.",
    "Money has been tight this year, which doesn't help.",
    "I started a new job as {job} not long ago.",
    "I tried talking to {person}, but it didn't go well.",
    "I'm usually the one who holds everything together.",
    "Most days I can hide it, but {time} it gets much worse.",
    "{hobby} used to be how I switched off.",
    "I haven't slept properly in a while.",
    "I've never been to counselling before, so this is new for me.",
    "My family doesn't really talk about feelings.",
    "I keep telling myself it isn't a big deal.",
    "Work as {job} leaves me drained by the evening.",
    "I've started skipping things I used to look forward to, like {hobby}.",
    "{person} says I seem distant lately.",
    "I feel embarrassed even writing this down.",
    "I moved here for university and never really settled.",
    "I'm a single parent, so there's not much time for me.",
    "I've been drinking more coffee than food some days.",
    "I get on fine with people at work, but I don't let anyone close.",
    "My health has been okay, apart from headaches.",
    "I did try a self-help book, which helped for about a week.",
    "Things were fine until this year.",
    "There's a lot going on at home as well.",
    "I'd rather sort this out before it gets worse.",
    "{person} suggested I reach out, so here I am.",
    "I have a few good friends, but they're busy with their own lives.",
)

# Before an assistant turn's core.
ACKNOWLEDGEMENTS = (
    "Thank you for telling me this.",
    "I'm really glad you reached out.",
    "That sounds like a lot to carry.",
    "I can hear how tiring this has been.",
    "It makes sense that you feel this way.",
    "Thanks for being so open about it.",
    "That took courage to share.",
    "I appreciate you putting this into words.",
    "What you're describing sounds genuinely hard.",
    "You've clearly been coping with a great deal.",
    "I'm sorry things have been this difficult.",
    "It sounds like this has been building for a while.",
    "Let's take this one piece at a time.",
    "I want to make sure I understand you properly.",
    "You don't have to have it all figured out to talk about it.",
    "Many people in your position feel something similar.",
    "It's understandable that this has worn you down.",
    "Nothing about this sounds like overreacting.",
    "I'm here, and we can go at whatever pace suits you.",
    "It's good that you noticed this and said something.",
)
# After an assistant turn's core.
CLOSINGS = (
    "What do you make of that?",
    "How does that sound to you?",
    "Would it help to start there?",
    "What feels most important to you right now?",
    "Is there a part of this you'd like to focus on first?",
    "What would you want to be different a month from now?",
    "Who else in your life knows how you're feeling?",
    "How have you been looking after yourself this week?",
    "Does any of that fit with your experience?",
    "What has helped, even a little, in the past?",
    "We can come back to this whenever you're ready.",
    "Would you be open to trying that before we next talk?",
    "I'd like to hear more about that, if you're willing.",
    "What gets in the way when you try?",
    "How would you know things were getting a bit better?",
    "Take your time with it; there's no rush.",
    "Shall we think about a small first step together?",
    "What would you say to a friend in the same situation?",
)
# After a follow-up user turn.
ELABORATIONS = (
    "It's been on my mind all week.",
    "I keep going back and forth about it.",
    "Maybe I'm making too much of it.",
    "I don't really know how to explain it better.",
    "Sorry, this is all a bit jumbled.",
    "It's hard to admit that.",
    "I've never said that out loud before.",
    "That's the part that scares me most.",
    "Some days are better than others, to be fair.",
    "I thought I'd be over it by now.",
    "Even writing this is making me tense.",
    "I guess I just want it to stop.",
    "It feels silly when I say it like that.",
    "I hadn't thought about it that way.",
    "That's probably the honest answer.",
    "I'm trying, I really am.",
)
# Gentler pieces for crisis conversations: no flippancy, safety first.
CRISIS_ACKNOWLEDGEMENTS = (
    "I'm really glad you told me.",
    "Thank you for trusting me with this.",
    "I'm here with you right now.",
    "What you're feeling matters, and so do you.",
    "I can hear how much pain you're in.",
    "You did the right thing by reaching out.",
    "I'm taking what you've said seriously.",
    "It's okay to feel frightened by this.",
)
CRISIS_CLOSINGS = (
    "Can you tell me where you are right now?",
    "Is there someone who could be with you tonight?",
    "Would you be willing to stay in touch with me while we work out the next step?",
    "Can we make a plan for the next hour together?",
    "Are you somewhere safe at the moment?",
    "Would it help if we looked at who you could call right now?",
    "What has helped you get through nights like this before?",
    "You don't have to go through tonight alone.",
)
# How the counsellor's reasoning steps are worded (chain-of-thought records).
RISK_STEPS = (
    "First, check for risk and whether daily functioning is affected.",
    "Start by screening for risk to self or others and asking how work and home life are going.",
    "The first priority is safety: ask directly about risk, then about sleep, appetite and work.",
    "Before anything else, establish whether the client is safe and still managing day to day.",
    "Begin with a risk screen and a quick picture of how much the problem disrupts their week.",
    "Risk comes first: clarify any thoughts of self-harm and how far functioning has slipped.",
)
MAINTENANCE_STEPS = (
    "Second, consider what maintains the problem: {explanation}",
    "Next, look at what keeps it going. {explanation}",
    "Then map the maintaining cycle, keeping in mind that {explanation_lower}",
    "After that, formulate what sustains the difficulty: {explanation}",
    "Second, build a shared formulation. {explanation}",
)
STEP_CHOICES = (
    "Third, agree on a small first step the client feels able to take.",
    "Finally, negotiate one concrete, achievable action for the coming week.",
    "Lastly, collaborate on a modest goal so the client leaves with something to try.",
    "Then agree a first step that is small enough to succeed at.",
    "End by choosing, together, one thing to practise before the next session.",
)
ANSWER_LEADS = (
    "Prioritise this:",
    "The next step:",
    "Recommended focus:",
    "In practice,",
    "For this client,",
    "Clinically,",
)
ANSWER_TAILS = (
    "Review progress at the next session.",
    "Check in about how the first step went.",
    "Keep the plan flexible and revisit it in a week.",
    "Involve the client's {relative} if they want support at home.",
    "Note any change in risk and adjust accordingly.",
    "Offer written information to take away.",
    "Agree how the client can reach help between sessions.",
    "Consider a referral if there is no change in four weeks.",
)
COPING_TIPS_EXTRA = (
    "Go for a ten-minute walk outside, ideally in daylight.",
    "Put your phone in another room an hour before bed.",
    "Name five things you can see when the feelings spike.",
    "Eat something small and regular, even when you aren't hungry.",
    "Write down one thing that went okay each evening.",
    "Plan a short break between tasks instead of pushing through.",
    "Tell someone you trust what you're working on.",
    "Let yourself do the task badly rather than not at all.",
    "Try a body scan: notice tension from head to feet, without changing it.",
    "Cut back on alcohol, which makes sleep and mood worse.",
    "Use a kind phrase for hard moments, such as 'this is tough, and I'm doing my best'.",
    "Keep a simple routine for mornings, even on days off.",
    "Limit news and social media to set times.",
    "Break big jobs into the first five-minute step.",
)

# How the person feels, to go with the opening message.
FEELINGS = (
    "Most days I feel exhausted before I've even started.",
    "I've been crying more than I'd like to admit.",
    "I feel on edge all the time.",
    "Honestly, I feel a bit numb about everything.",
    "I get irritable over tiny things now.",
    "My chest feels tight a lot of the time.",
    "I feel like I'm letting everyone down.",
    "I can't concentrate on anything for long.",
    "I feel lonely even when people are around.",
    "It's like there's a fog over everything.",
    "I keep thinking something is wrong with me.",
    "I feel guilty for not coping better.",
    "My appetite has gone up and down.",
    "I wake up already dreading the day.",
    "I feel stuck and I don't know how to move.",
    "I'm scared this is just who I am now.",
    "I feel ashamed that I can't just snap out of it.",
    "Little things feel like mountains at the moment.",
    "I keep zoning out in conversations.",
    "There's a constant knot in my stomach.",
    "I'm tired of pretending I'm fine.",
    "I feel angry, and then bad for feeling angry.",
)
# An optional second sentence in a counsellor turn: a reflection, a bit of psychoeducation.
TECHNIQUES = (
    "It sounds like part of you wants things to change, and part of you is worn out from trying.",
    "When we're stressed for a long time, the body stays braced even when nothing is happening.",
    "Noticing a pattern is often the first step to loosening it.",
    "Feelings like these tend to come in waves rather than staying at one level.",
    "Avoiding what hurts makes sense in the short term, even if it costs us later.",
    "Sometimes naming a feeling out loud takes a little of its power away.",
    "Our thoughts can be very convincing without being entirely accurate.",
    "Small, regular routines can give the mind something steady to lean on.",
    "It might help to separate what you can influence from what you can't.",
    "Being kind to yourself here isn't letting yourself off the hook; it helps you keep going.",
    "A lot of people find that writing things down slows the spiral a little.",
    "Sleep, food and movement affect mood more than we usually give them credit for.",
    "You mentioned this has been building; change can happen gradually too.",
    "It can help to think of this as a problem to work on together rather than a flaw in you.",
    "Support from one trusted person can make a real difference.",
    "Progress rarely goes in a straight line, and setbacks are part of it.",
    "What you describe fits with what many people go through, and it is treatable.",
    "I'm noticing how much responsibility you carry for other people.",
    "Part of this might be grief for how things used to be.",
    "Your reaction makes sense given what you've been through.",
    "We could look at the thoughts that show up just before things get worse.",
    "There may be more than one thing going on here, and that's okay.",
)
# An optional middle sentence in crisis replies: safety planning and resources, no method details.
CRISIS_SUPPORT = (
    "If you feel you might act on these thoughts, please call your local emergency number now.",
    "A crisis line can talk with you any time of day or night; in the US you can call or text 988.",
    "In the UK and Ireland, Samaritans are available on 116 123, free, at any hour.",
    "Putting some distance between yourself and anything you could use to hurt yourself can help.",
    "Being near other people for the next few hours can make things feel a little safer.",
    "Grounding can help right now: notice your feet on the floor and breathe out slowly.",
    "We can write down a short safety plan together, step by step.",
    "You deserve support, and reaching out tonight was an important step.",
    "A domestic abuse helpline can help you plan how to stay safe.",
    "If you're in danger at home, please contact emergency services.",
)
# Extra crisis follow-ups from the person.
CRISIS_FOLLOWUPS = (
    "I haven't eaten today and I can't stop shaking.",
    "Everyone's asleep and I don't want to wake them.",
    "I keep writing messages and deleting them.",
    "I'm not sure I believe it will get better.",
    "I called someone earlier but I couldn't say it.",
    "I feel so tired of fighting this.",
    "I'm sitting in my car outside the house.",
    "Part of me wants help and part of me doesn't.",
)

# More openings for crisis conversations (each may use {name} and {weeks}); no method details.
CRISIS_PROBLEMS = (
    "Since I lost my job {weeks} weeks ago I've started to feel like there's no way out, and I haven't told {name}.",
    "My relationship with {name} ended {weeks} weeks ago and tonight the thoughts about not being here are loud.",
    "I was discharged from hospital {weeks} weeks ago and I promised {name} I'd reach out if it got bad again. It has.",
    "For {weeks} weeks I've been giving my things away, and {name} asked me why today.",
    "{name} keeps checking my phone and threatening me; it's been {weeks} weeks and I'm frightened of what happens next.",
    "I've been self-harming again after {weeks} weeks clean, and I don't want {name} to find out.",
    "The debt letters keep coming, {weeks} weeks of them, and I can't see how I get through this. {name} doesn't know.",
    "I'm a carer for {name} and after {weeks} weeks without a break I've started thinking everyone would manage without me.",
    "A friend of mine, {name}, died by suicide {weeks} weeks ago and now I can't stop thinking about doing the same.",
    "I drank a lot tonight after {weeks} weeks sober and I feel like I could do something stupid. {name} is away.",
)
CRISIS_REPLIES = (
    "I'm glad you're talking to me right now. When you say you feel there's no way out, are you having thoughts of ending your life?",
    "Thank you for keeping your promise to reach out. Can you tell me what's changed since you came home from hospital?",
    "Giving things away can be a sign that someone is thinking about dying, so I want to ask you plainly: are you thinking about suicide?",
    "Losing someone to suicide is devastating, and the thoughts you're having are a sign of how much pain you're in. Are you safe right now?",
    "Being controlled and threatened like that is abuse, and it's not your fault. Is there somewhere you could go where he can't reach you tonight?",
    "Relapsing after a long stretch doesn't erase the weeks you managed. Right now I'm most concerned about keeping you safe tonight.",
    "Money worries can make everything feel hopeless, but there is help for debt and there is help for how you're feeling. Can we start with tonight?",
    "Caring for someone without a break is exhausting, and it makes sense that you're at breaking point. Do you have thoughts of harming yourself?",
    "Alcohol can make these feelings much more intense. Could you get to somewhere with other people around, or call someone to be with you?",
    "It sounds like you've been holding this on your own for a long time. Who could you let in, even a little, tonight?",
)
