"""Crisis detection: rules find each C-SSRS evidence kind and only when it is evidence (not
negated, hypothetical, reported or an idiom); classifier-only flags meet a bar that depends on
the unit (post, turn, short turn); Chinese rules; the shipped model flags and clears."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.scoring.crisis import (
    CrisisResult,
    CrisisScorer,
    combine,
    match_rules,
    word_count,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I tried to kill myself last year and woke up in the hospital", "attempt"),
        ("I already wrote my suicide note", "plan"),
        ("I bought a rope to end it", "plan"),
        ("honestly I just want to die", "ideation"),
        ("everyone would be better off without me", "ideation"),
        ("I started cutting myself again", "self_harm"),
        ("I want to kill him for what he did", "harm_to_others"),
        # found missing by the graphic edge-case dialogues (sample_lake/content/edge_cases.py)
        ("I have been saving my pills for three weeks", "plan"),
        ("I already wrote the notes", "plan"),
        ("I looked up how tall the bridge by the station is", "plan"),
        ("I looked up how many pills it takes to die", "plan"),
        ("I tried to hang myself in the garage", "attempt"),
        ("I just swallowed a whole bottle of painkillers", "attempt"),
        ("I cut my thighs again last night", "self_harm"),
        ("The voices say I have to burn myself to be clean", "self_harm"),
        ("I keep picturing stabbing my brother while he sleeps", "harm_to_others"),
        ("I want them to feel guilty when they find me", "ideation"),
    ],
)
def test_rules_name_the_evidence(text: str, kind: str) -> None:
    match = match_rules(text)
    assert match is not None and match.kind == kind and not match.guarded


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just tired of my job",
        "This traffic is killing me",
        "I need help planning my wedding budget",
        "I looked up how much a therapist costs",
        "I cut my hair short and I love it",
        "I am saving up for a holiday",
    ],
)
def test_rules_ignore_ordinary_talk(text: str) -> None:
    match = match_rules(text)
    assert match is None or match.kind is None


@pytest.mark.parametrize(
    "text",
    [
        # negation
        "I am not going to hurt myself tonight",
        "I'd never kill myself, I love my dog too much",
        "I don't want to die, I want help",
        "I have no plans to end my life",
        # exaggeration idioms
        "This commute is killing me",
        "My boss is going to kill me when she sees the report",
        "I almost died of embarrassment at the wedding",
        "I've been working myself into the ground and burning myself out",
        "Kill me now, another Monday",
        # hypotheticals and reported speech
        "If I ever think about killing myself I'll tell my therapist",
        "My cousin said she wants to kill herself, what do I do?",
        "The nurse asked whether I ever wanted to hurt myself",
    ],
)
def test_negated_idiomatic_hypothetical_and_reported_phrases_are_no_evidence(text: str) -> None:
    match = match_rules(text)
    assert match is None or match.kind is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I'm not sure anymore, but I want to kill myself", "ideation"),  # "not" is another clause
        ("I can't stop thinking about killing myself", "ideation"),
        ("If she leaves me, I'll kill myself", "ideation"),  # a conditional threat is risk
    ],
)
def test_guards_stay_inside_their_clause(text: str, kind: str) -> None:
    match = match_rules(text)
    assert match is not None and match.kind == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我已经不想活了", "ideation"),
        ("我好想去死", "ideation"),
        ("我计划下个月跳楼", "plan"),
        ("我囤了好多药片", "plan"),
        ("我三年前自杀未遂", "attempt"),
        ("我最近又开始自残了", "self_harm"),
        ("我想捅死那个人渣", "harm_to_others"),
    ],
)
def test_chinese_rules_name_the_evidence(text: str, kind: str) -> None:
    match = match_rules(text)
    assert match is not None and match.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "今天的会开得我困死了",
        "哈哈，笑死我了",
        "妈妈，我想死你了",
        "我不会自杀，只是想找人说说话",
        "我从来没想过要伤害自己",
        "要是我有自杀的想法，我会告诉医生",
        "这个考试我死定了",
        "手机又死机了",
    ],
)
def test_chinese_idioms_negations_and_hypotheticals_are_no_evidence(text: str) -> None:
    match = match_rules(text)
    assert match is None or match.kind is None


@pytest.fixture(scope="module")
def scorer() -> CrisisScorer:
    return CrisisScorer()


def _zero_embeddings(scorer: CrisisScorer, n: int) -> np.ndarray:
    return np.zeros((n, scorer.model.embedding_dim), dtype=np.float32)


def test_bars_are_documented_in_the_weights_and_ordered(scorer: CrisisScorer) -> None:
    assert 0.0 < scorer.threshold <= scorer.threshold_turn <= scorer.threshold_short < 1.0
    assert 0 < scorer.short_words < scorer.long_words
    meta = scorer.model.metadata
    assert meta["threshold_target_sensitivity"] >= 0.95
    assert "C-SSRS" in meta["threshold_from"] and "ESConv" in meta["threshold_from"]
    assert "artefacts stripped" in meta["fitted_on"]
    assert 0.0 < scorer.threshold_history < scorer.threshold
    assert meta["history_false_alarm_target"] <= 0.10 and "Dreaddit" in meta["threshold_from"]


def test_dataset_artefact_tokens_are_not_features(scorer: CrisisScorer) -> None:
    vocabulary = set(scorer.model.vocabulary)
    assert not {"emptypost", "url", "x200b", "amp", "nbsp", "title"} & vocabulary


class _FixedModel:
    """A stand-in classifier that gives every text the same probability."""

    embedding_dim = 0

    def __init__(self, probability: float) -> None:
        self.probability = probability
        self.metadata = {
            "threshold": 0.4,
            "threshold_turn": 0.7,
            "threshold_short": 0.95,
            "short_words": 8,
            "long_words": 40,
        }

    def predict_proba(self, texts, embeddings=None) -> np.ndarray:
        return np.array([[1 - self.probability, self.probability]] * len(texts))


@pytest.mark.parametrize(
    ("probability", "text", "flagged"),
    [
        (0.9, "See you Thursday.", False),  # short turn: needs 0.95
        (0.96, "See you Thursday.", True),
        (0.9, "I have been feeling low for weeks and I am not sure what to do", True),
        (0.6, "I have been feeling low for weeks and I am not sure what to do", False),
        (0.6, " ".join(["word"] * 45), True),  # a post: 0.4
        (0.9, "I'm not going to hurt myself, I just feel heavy and tired all the time", False),
    ],
)
def test_classifier_only_flags_meet_the_bar_of_their_unit(
    probability: float, text: str, flagged: bool
) -> None:
    scorer = CrisisScorer(_FixedModel(probability))  # type: ignore[arg-type]
    (result,) = scorer.score([text])
    assert result.flag is flagged
    assert result.evidence == ("classifier" if flagged else None)
    assert result.confident is (flagged and probability >= 0.95)


def test_chinese_text_is_judged_by_its_rules_not_the_english_classifier() -> None:
    scorer = CrisisScorer(_FixedModel(0.99))  # type: ignore[arg-type]
    calm, risk = scorer.score(["我今天去公园散步了，天气很好", "我真的不想活了"])
    assert not calm.flag and calm.score == 0.0
    assert risk.flag and risk.evidence == "ideation" and risk.confident


def test_a_han_character_counts_as_half_a_word() -> None:
    assert word_count("see you on Thursday") == 4
    assert word_count("我们下周四见") == 3


def test_scores_flags_and_evidence(scorer: CrisisScorer) -> None:
    texts = [
        "I can't do this anymore, I want to kill myself tonight",
        "What's a good pasta recipe?",
    ]
    crisis, calm = scorer.score(texts, _zero_embeddings(scorer, 2))
    assert crisis.flag and crisis.evidence == "ideation" and crisis.score >= 0.9
    assert not calm.flag and calm.evidence is None and 0.0 <= calm.score < scorer.threshold_short


def test_conversation_takes_its_riskiest_turn() -> None:
    turns = [CrisisResult(0.1, False, None), CrisisResult(0.95, True, "attempt", True)]
    assert combine(turns) == CrisisResult(0.95, True, "attempt", True)
    assert combine([]) == CrisisResult(0.0, False, None)


@pytest.mark.parametrize(
    ("scores", "flagged"),
    [
        ([0.3, 0.3, 0.3], True),  # consistently moderate posts: the mean reaches the bar
        ([0.3, 0.02, 0.02, 0.02], False),  # one moderate post among calm ones
        ([0.05] * 40, False),  # a long calm history: the mean does not grow with its length
        ([], False),
    ],
)
def test_a_post_history_is_judged_by_its_mean_post_score(
    scores: list[float], flagged: bool
) -> None:
    scorer = CrisisScorer(_FixedModel(0.0))  # type: ignore[arg-type]
    scorer.threshold_history = 0.2
    posts = [CrisisResult(s, False, None) for s in scores]
    result = scorer.combine_history(posts)
    assert result.flag is flagged and combine(posts).flag is False
    assert result.evidence == ("classifier" if flagged else None) and not result.confident


def test_a_flagged_post_flags_its_history() -> None:
    scorer = CrisisScorer(_FixedModel(0.0))  # type: ignore[arg-type]
    scorer.threshold_history = 0.9
    posts = [CrisisResult(0.0, False, None), CrisisResult(0.95, True, "attempt", True)]
    assert scorer.combine_history(posts) == CrisisResult(0.95, True, "attempt", True)


def test_the_classifier_does_not_read_the_words_the_rules_ruled_out() -> None:
    match = match_rules("No, I'm not suicidal at all, just worn out")
    assert match is not None and match.kind is None and match.guarded
    assert match.lexical_text is not None and "suicidal" not in match.lexical_text
    assert "worn out" in match.lexical_text
