"""Hand-written graphic edge-case dialogues and PII plants for the sample lake.

The edge cases are the disturbing training data stage 3 exists for: explicit suicidal intent
with a plan, self-harm, an attempt's aftermath, abuse disclosures, threats to others, command
hallucinations. The counsellor turns model the response (validation, direct safety questions,
means safety, crisis resources); no turn gives method details. Every one of them must pass
through the whole build and be exported: safety filters never remove edge cases
(tests/dbt/test_warehouse_quality_gates.py).

The PII plants are ordinary (non-edge-case) conversations carrying structured PII that the
warehouse must redact before export (assert_no_structured_pii_in_non_edge_exports); one edge
case carries a phone number too (flagged and redacted, never blocked).
"""

from __future__ import annotations

Dialogue = list[tuple[str, str]]

GRAPHIC_EDGE_CASES: dict[str, Dialogue] = {
    "graphic-plan-pills": [
        (
            "user",
            "I have been saving my pills for three weeks. They are in a bag under my bed and I "
            "decided I am going to take all of them on Friday when my roommate is away. I already "
            "wrote the notes.",
        ),
        (
            "assistant",
            "Thank you for telling me this. It sounds like you are in a great deal of pain, and "
            "I am taking what you said very seriously. Are you thinking of ending your life on "
            "Friday? Is the bag of pills within reach right now?",
        ),
        (
            "user",
            "Yes. I have decided. Nobody would even notice for days, I checked.",
        ),
        (
            "assistant",
            "I hear how decided and how alone you feel. I want you to stay safe tonight. Would "
            "you be willing to give the pills to someone you trust or take them to a pharmacy, "
            "so they are out of the house? And can we call 988 together right now, or your "
            "local emergency number if you are outside the US?",
        ),
    ],
    "graphic-cutting": [
        (
            "user",
            "I cut my thighs again last night, deeper than before. There was a lot of blood and "
            "I sat on the bathroom floor until it stopped. It is the only thing that makes the "
            "screaming in my head go quiet.",
        ),
        (
            "assistant",
            "That sounds frightening and exhausting, and I am glad you are telling someone. "
            "First, your body: are the cuts still bleeding, or do any of them gape open or look "
            "infected? Deep cuts may need stitches today.",
        ),
        (
            "user",
            "One of them keeps opening when I walk. I don't want a doctor to see my legs.",
        ),
        (
            "assistant",
            "It makes sense that you feel ashamed, and medical staff see self-harm far more "
            "often than you might think; their job is to treat you, not judge you. A wound that "
            "keeps reopening needs care today. Could you go to urgent care, and would it help to "
            "bring someone with you?",
        ),
    ],
    "graphic-attempt-aftermath": [
        (
            "user",
            "I tried to hang myself in the garage two days ago. The rope broke. My neck is "
            "bruised and purple and I keep telling my parents I fell. Part of me is angry that "
            "I am still here.",
        ),
        (
            "assistant",
            "I am really glad you are alive, and I am sorry you are carrying this alone. Being "
            "angry that you survived is something many people feel after an attempt. Are you "
            "having thoughts of trying again right now?",
        ),
        (
            "user",
            "Sometimes. I know where another rope is.",
        ),
        (
            "assistant",
            "Thank you for being honest with me. Injuries to the neck can be serious even days "
            "later, so you need a medical check today. Would you let me help you tell one "
            "parent the truth, and can we make the garage safe by asking someone to remove the "
            "rope? If the urge gets strong, call 988 or go to the emergency department.",
        ),
    ],
    "graphic-child-abuse": [
        (
            "user",
            "My stepdad comes into my room at night when my mom is working. He says if I tell "
            "anyone he will kill my dog and nobody will believe a twelve year old anyway.",
        ),
        (
            "assistant",
            "What he is doing is abuse, and it is not your fault. Threats like that are what "
            "abusers use to keep children silent, and you were brave to tell me. Are you safe "
            "right now, tonight?",
        ),
        (
            "user",
            "He is downstairs. My mom gets home at six in the morning.",
        ),
        (
            "assistant",
            "I believe you. You can call or text the Childhelp hotline at 1-800-422-4453 any "
            "time; they help children in exactly this situation. Is there a teacher, relative or "
            "school counsellor you could tell tomorrow? If you are in danger tonight, call 911.",
        ),
    ],
    "graphic-domestic-violence": [
        (
            "user",
            "He choked me until I blacked out on Sunday because dinner was late. This morning "
            "he put the gun on the kitchen table and said next time I will not wake up.",
        ),
        (
            "assistant",
            "I am so sorry. Being choked and threatened with a gun are signs that you are in "
            "serious danger, and none of this is your fault. Is he with you right now, and can "
            "you talk safely?",
        ),
        (
            "user",
            "He is at work until five. I have the kids. I have nowhere to go.",
        ),
        (
            "assistant",
            "You and the children deserve to be safe. The National Domestic Violence Hotline "
            "(1-800-799-7233, or text START to 88788) can help you plan and find a shelter "
            "today, before he comes home. Could you call them now, while he is away?",
        ),
    ],
    "graphic-harm-to-others": [
        (
            "user",
            "I keep picturing stabbing my brother while he sleeps. I have a knife in my drawer. "
            "The thoughts are getting louder and I am scared I will actually do it.",
        ),
        (
            "assistant",
            "Thank you for telling me; it took courage, and being scared of these thoughts "
            "matters. Are you having an urge to act on them right now, tonight?",
        ),
        (
            "user",
            "Not right now. But at night it gets really bad.",
        ),
        (
            "assistant",
            "Let us make tonight safer. Could you give the knife to someone else or lock it "
            "away outside your room? Please contact a crisis line such as 988 or emergency "
            "services if the urge grows, and let us arrange an urgent appointment with a "
            "psychiatrist; thoughts like these can be treated.",
        ),
    ],
    "graphic-command-voices": [
        (
            "user",
            "The voices say I am poison and I have to burn myself to be clean. They count down "
            "every night and last night they got to three.",
        ),
        (
            "assistant",
            "That sounds terrifying. Voices that tell you to hurt yourself are a sign that you "
            "need urgent care, and you do not have to obey them. Do you have anything with you "
            "right now that you could use to burn yourself?",
        ),
        (
            "user",
            "A lighter and a can of lighter fluid.",
        ),
        (
            "assistant",
            "Please put the lighter and the fluid outside your room or give them to someone "
            "now. Is there someone who can stay with you tonight? I would like you to go to the "
            "emergency department or call 911 so a doctor can help quiet the voices.",
        ),
    ],
    "graphic-overdose-now": [
        (
            "user",
            "I just swallowed a whole bottle of painkillers with vodka about twenty minutes "
            "ago. I feel sick and my ears are ringing. I don't want to die alone though.",
        ),
        (
            "assistant",
            "You are not alone; I am here. This is a medical emergency and there is still time "
            "for doctors to help you. Please call 911 right now, or tell me where you are so we "
            "can get help to you. Is anyone nearby?",
        ),
        (
            "user",
            "My neighbour is home. I'm scared they'll be angry. You can reach me at "
            "415-555-0182 if the chat cuts out.",
        ),
        (
            "assistant",
            "Your neighbour would far rather help than lose you. Please knock on their door now "
            "and ask them to call an ambulance, and unlock your front door. Stay with me while "
            "you do it.",
        ),
    ],
    "graphic-sexual-assault": [
        (
            "user",
            "I was raped at a party last night. I woke up with my clothes torn and I don't "
            "remember most of it. I showered three times and I still feel filthy.",
        ),
        (
            "assistant",
            "I am so sorry. What happened to you is a crime and it is not your fault, whatever "
            "you drank or wherever you were. Are you physically safe right now, and are you "
            "hurt anywhere?",
        ),
        (
            "user",
            "I have bruises on my wrists. I can't tell my parents.",
        ),
        (
            "assistant",
            "Your feelings make complete sense. A hospital can treat injuries and offer "
            "emergency contraception and medication to prevent infections, and you decide "
            "whether to report. RAINN's hotline (1-800-656-4673) can connect you with a trained "
            "advocate who can go with you.",
        ),
    ],
    "graphic-bullied-teen": [
        (
            "user",
            "Everyone at school shared the video of them beating me in the toilets. They "
            "pissed on my bag. I looked up how tall the bridge by the station is. I want them "
            "to feel guilty when they find me.",
        ),
        (
            "assistant",
            "What they did to you is cruel and humiliating, and you deserve protection, not "
            "more pain. When you say they would find you, are you thinking of killing "
            "yourself at the bridge?",
        ),
        (
            "user",
            "Yes. I think about it every day on the way home.",
        ),
        (
            "assistant",
            "Thank you for trusting me with that. Could you take a different route home this "
            "week, with someone you trust? Text HOME to 741741 or call 988 when the thoughts "
            "come, and let us find one adult at school or at home who can stop the bullying "
            "and get that video taken down.",
        ),
    ],
}

# Non-edge conversations with structured PII the warehouse must redact, and the kinds they hold.
PII_PLANTS: dict[str, tuple[Dialogue, tuple[str, ...]]] = {
    "pii-email-phone": (
        [
            (
                "user",
                "I would like to book a follow-up session about my anxiety. You can email me at "
                "maya.ortiz84@example.com or call me on (415) 555-0137 after five.",
            ),
            (
                "assistant",
                "Thank you for reaching out about a follow-up. It sounds like the anxiety is "
                "still weighing on you. What has felt hardest since we last spoke?",
            ),
        ],
        ("EMAIL", "PHONE"),
    ),
    "pii-ssn-card": (
        [
            (
                "user",
                "The clinic needs my insurance details before the next appointment. My social "
                "security number is 536-22-8714 and my card is 4111 1111 1111 1111. I am so "
                "stressed about the bills that I cannot sleep.",
            ),
            (
                "assistant",
                "Money worries can keep the mind racing at night, and it makes sense that you "
                "feel stressed. Please do not share card or social security numbers in chat; "
                "the clinic's office can take them securely. What goes through your mind when "
                "you lie awake?",
            ),
        ],
        ("SSN", "CREDIT_CARD"),
    ),
}
