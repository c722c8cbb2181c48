"""Language on every record: detection per text and conversation, scorers that do not support a
language give null with a reason (in the pipeline and in `pixel-data score` output)."""

from __future__ import annotations

import pytest

from python_models.language import (
    conversation_language,
    detect_language,
    han_share,
    unsupported_scorers,
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I have been feeling anxious about my exams lately", "en"),
        ("Yeah, I think that could really help me this week", "en"),
        ("我最近睡得不好，总是很焦虑", "zh"),
        ("我最近睡得不好，總是很焦慮", "zh"),
        ("Me siento muy triste desde que perdí mi trabajo", "es"),
        ("Je me sens très seul depuis le déménagement", "fr"),
        ("Ich habe seit Wochen schlecht geschlafen und bin erschöpft", "de"),
        ("最近ずっと眠れなくて、とても疲れています", "ja"),
        # ASCII text that is not English must not take the English shortcut
        ("Hola, como estas? Yo estoy bien, gracias por preguntar", "es"),
        ("Saya merasa sangat sedih dan tidak tahu harus bagaimana", "id"),
    ],
)
def test_detects_the_language_of_a_turn(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_text_without_letters_has_no_language() -> None:
    assert detect_language("123 ... !!") is None
    assert detect_language("") is None


def test_a_conversation_is_identified_from_its_user_and_assistant_turns() -> None:
    messages = [
        {"role": "system", "content": "You are a helpful counsellor who answers in Chinese."},
        {"role": "user", "content": "我和妈妈吵架了"},
        {"role": "assistant", "content": "听起来你很难过，能多说一点吗？"},
    ]
    assert conversation_language(messages) == "zh"
    assert conversation_language([]) is None


def test_han_share_counts_letters_only() -> None:
    assert han_share("我很好 ok") == pytest.approx(3 / 5)
    assert han_share("12345") == 0.0


def test_which_scorers_support_which_language() -> None:
    assert unsupported_scorers("en") == []
    assert unsupported_scorers(None) == []
    assert "crisis" not in unsupported_scorers("zh")  # the Chinese rules
    assert {"empathy", "safety", "bias", "coherence", "category"} <= set(unsupported_scorers("zh"))
    assert "crisis" in unsupported_scorers("es")


@pytest.fixture(scope="module")
def scorers():
    pytest.importorskip("model2vec", reason="the embedding stack is needed")
    from python_models.scoring.pipeline import Scorers

    return Scorers()


def test_unsupported_scorers_give_null_with_a_reason(scorers) -> None:
    english = [
        {"role": "user", "content": "I feel lonely since I moved to a new city."},
        {"role": "assistant", "content": "That sounds really hard. What do you miss most?"},
    ]
    chinese = [
        {"role": "user", "content": "我搬到新城市以后一直很孤独，我真的不想活了"},
        {"role": "assistant", "content": "听起来你真的很难受，你现在安全吗？"},
    ]
    spanish = [
        {"role": "user", "content": "Me siento muy sola desde que me mudé a otra ciudad."},
        {"role": "assistant", "content": "Eso suena muy difícil. ¿Qué es lo que más extrañas?"},
    ]
    en, zh, es = scorers.score([english, chinese, spanish])
    assert en.language == "en" and en.unsupported == [] and en.empathy_score is not None
    assert zh.language == "zh"
    assert zh.crisis_flag is True and zh.crisis_evidence == "ideation"  # Chinese rules
    assert zh.empathy_score is None and zh.safety_score is None and zh.coherence_score is None
    meta = zh.as_metadata("m")
    assert meta["empathy"] == {"score": None, "unsupported_language": "zh"}
    assert meta["crisis"]["flag"] is True
    assert es.language == "es" and es.crisis_score is None and es.crisis_flag is None
    assert es.as_metadata("m")["crisis"] == {"score": None, "unsupported_language": "es"}
