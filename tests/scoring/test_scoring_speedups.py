"""The scoring speed-ups of issue 15 (session 9) give the answers of the code they replace.

Each fast path is compared with the plain one it stands for: the numpy TF-IDF counts with
scikit-learn's vectorizer, the caseless scans with the IGNORECASE regex, a batch's redaction
memo with redacting every message, the sentence-start test with the slicing it replaced.
"""

import gc
import random
import re
import warnings
from collections import Counter

import numpy as np
import pytest

from python_models.scoring import bias, crisis, safety
from python_models.scoring.behaviour import _is_open, _kind, load_behaviour_model, utterances
from python_models.scoring.caseless import AutomatonPrefilter, CaselessSearch, without_lookarounds
from python_models.scoring.crisis import load_crisis_model
from python_models.scoring.empathy import load_empathy_models
from python_models.scoring.linear import LinearTextConfig, LinearTextModel, WordCounts
from python_models.scoring.pii import PiiDetector
from python_models.scoring.pii_entities import EntityFinder
from python_models.scoring.safety import load_safety_model

TEXTS = [
    "",
    "?!",
    "I don't know what to do anymore... I feel so alone!!",
    "It sounds like you've been carrying this for a long time. What helps?",
    "Don't STOP taking your meds without talking to your doctor first.",
    "you should just keep it to yourself, nobody cares",
    "my mom's boyfriend said I'm worthless. I want to die",
    "  spaces\tand\ttabs\nand new lines  ",
    "the the the the the the",  # a repeated unigram and bigram: counts above 1
    "İstanbul \u017fuicide ÉCOLE naïve café — Straße 12",  # case folding beyond ASCII
    "我想死 I feel hopeless",
    "that's it. that's it. that's it.",
    "a" * 300,
    "x'y 'quoted' words' endings' don''t",
]


def _same_sparse(a, b) -> bool:
    return (
        type(a) is type(b)
        and a.shape == b.shape
        and a.dtype == b.dtype
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def _shipped_models() -> list[LinearTextModel]:
    return [
        load_crisis_model(),
        load_safety_model(),
        load_behaviour_model(),
        *load_empathy_models().values(),
    ]


@pytest.mark.parametrize("model", _shipped_models(), ids=lambda m: str(m.config.ngram_range))
def test_word_counts_give_scikit_learns_tfidf_matrix(model: LinearTextModel) -> None:
    rng = random.Random(5)
    words = [w for text in TEXTS for w in text.split()] + model.vocabulary[:400]
    texts = TEXTS + [" ".join(rng.choices(words, k=rng.randint(0, 60))) for _ in range(300)]
    texts += [u for text in texts[:40] for u in utterances(text)]
    for batch in (texts, texts[:1], texts[2:3]):
        fast = model.sparse_features(batch)
        assert model._word_counts is not None  # the fast path ran
        assert _same_sparse(fast, model.sparse_features_reference(batch))
    dense = np.zeros((len(texts), model.embedding_dim), dtype=np.float32)
    assert np.array_equal(
        model.decision(texts, dense if model.embedding_dim else None),
        model.decision(
            texts,
            dense if model.embedding_dim else None,
            model.sparse_features_reference(texts),
        ),
    )


def test_word_counts_match_on_a_fitted_trigram_model() -> None:
    texts = ["you sound worried about it", "worried about the bus", "the bus is late again"] * 3
    config = LinearTextConfig(ngram_range=(1, 3), min_df=1)
    model = LinearTextModel.fit(texts, None, [1, 0, 0] * 3, config)
    batch = [*texts, "worried about it worried about it", "nothing known here", ""]
    assert _same_sparse(model.sparse_features(batch), model.sparse_features_reference(batch))
    for features in (model.sparse_features, model.sparse_features_reference):
        with pytest.raises(ValueError):  # as before: callers skip empty batches
            features([])


def test_word_counts_skip_terms_the_analyzer_never_makes() -> None:
    # an uppercase term, and a 3-gram under ngram_range (1, 2): never counted by either path
    counts = WordCounts(["Hello", "hello there", "a b c", "there"], (1, 2)).counts(
        ["Hello there a b c", "there there"]
    )
    assert counts.toarray().tolist() == [[0, 1, 0, 1], [0, 0, 0, 2]]


def test_too_many_tokens_for_integer_codes_fall_back_to_scikit_learn() -> None:
    texts = ["one two three four five six seven", "eight nine ten eleven twelve"] * 2
    model = LinearTextModel.fit(texts, None, [1, 0, 1, 0], LinearTextConfig((1, 18), min_df=1))
    assert not WordCounts(model.vocabulary, model.config.ngram_range).exact  # 12 ** 18 > 2 ** 62
    assert _same_sparse(model.sparse_features(texts), model.sparse_features_reference(texts))
    assert model._word_counts is None


CASELESS_TEXTS = [
    *TEXTS,
    "You Should Just Kill Yourself",
    "WOMEN ARE TOO EMOTIONAL to lead",
    "Stop Taking Your Meds, they're poison",
    "\u017fhut up",  # the long s folds to "s" under IGNORECASE only: the non-ASCII path
    "\u212aill yourself",  # the Kelvin sign folds to "k"
    "Tell me more about that?",
    "Would it be OK if I shared an idea?",
]


@pytest.mark.parametrize("pattern", [bias._ANY, safety._ANY], ids=["bias", "safety"])
def test_caseless_search_finds_what_the_ignorecase_pattern_finds(pattern: re.Pattern) -> None:
    search = CaselessSearch(pattern)
    hits = 0
    for text in CASELESS_TEXTS + [t.upper() for t in CASELESS_TEXTS]:
        expected = pattern.search(text) is not None
        hits += expected
        assert search(text) is expected
        assert search.match(text) is (pattern.match(text) is not None)
    assert hits  # the texts do reach both answers


def test_caseless_search_uses_the_original_pattern_beyond_ascii() -> None:
    search = CaselessSearch(re.compile(r"\bshut up\b", re.IGNORECASE))
    assert search("\u017fhut up")  # the long s lowercases to itself: only IGNORECASE folds it
    assert search("SHUT UP") and not search("shutup")


@pytest.mark.parametrize(
    "pattern",
    [re.compile("shut up"), re.compile("Shut up", re.IGNORECASE), re.compile("é", re.IGNORECASE)],
)
def test_caseless_search_refuses_patterns_it_cannot_answer_for(pattern: re.Pattern) -> None:
    with pytest.raises(ValueError):
        CaselessSearch(pattern)


def test_open_questions_read_once_give_the_same_kind() -> None:
    for text in [*CASELESS_TEXTS, "How much? What do you think? Okay.", "Do you drink?"]:
        pieces = utterances(text)
        assert _kind(pieces, [_is_open(p) for p in pieces]) == _kind(pieces)


def test_a_batch_memo_redacts_as_every_message_alone() -> None:
    detector = PiiDetector()
    conversations = [
        [
            {"role": "user", "content": "My name is Maria Lopez, call me on 415-555-0199"},
            {"role": "assistant", "content": "Thanks Maria. Email me at a.b@example.com"},
        ],
        [
            {"role": "user", "content": "My name is Maria Lopez, call me on 415-555-0199"},
            {"role": "assistant", "content": "I hear you."},
        ],
    ]
    memo: dict = {}
    for messages in conversations:
        assert detector.redact_messages(messages, memo) == detector.redact_messages(messages)
    assert len(memo) == 3  # the repeated turn was redacted once
    text = conversations[0][0]["content"]
    assert detector.redact_seen(text, memo) is memo[text]
    assert detector.redact_seen(text, None) == memo[text]
    assert memo[text][1] == Counter({"PERSON": 1, "PHONE": 1})


def test_sentence_start_without_copying_the_prefix() -> None:
    def sliced(text: str, start: int) -> bool:  # the definition it replaced
        before = text[:start].rstrip(" \t")
        return not before or before[-1] in '.!?:;"\u201c\u201d(>\n*-\u2022\u3002'

    rng = random.Random(3)
    alphabet = ' \t.!?:;"\u201c\u201d(>\n*-\u2022\u3002aX1,'
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        for start in range(len(text) + 1):
            assert EntityFinder._sentence_start(text, start) is sliced(text, start)


def test_without_lookarounds_keeps_everything_else() -> None:
    assert without_lookarounds(r"a(?!b|c)d") == "ad"
    assert without_lookarounds(r"(?<=x)\b(?:y)(?=[)(]\))z") == r"\b(?:y)z"
    assert without_lookarounds(r"p(?! (?:to|'s)\b)\(q\)[(?!]") == r"p\(q\)[(?!]"
    assert without_lookarounds(r"(?<![\w'-])w(?!\w)") == "w"


@pytest.mark.parametrize(
    "pattern",
    [
        bias._ANY,
        safety._ANY,
        *(p for _, p in crisis._COMPILED.values()),
        re.compile(r"\bno\s+one(?! else)\b"),
        re.compile(r"\w+\s\d{2,3}"),
    ],
)
def test_the_automaton_never_rules_out_a_text_the_regex_matches(
    pattern: re.Pattern, monkeypatch
) -> None:
    monkeypatch.setattr(AutomatonPrefilter, "MIN_PATTERN", 0)  # the two short ones too
    lowercase = re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)
    prefilter = AutomatonPrefilter(lowercase)
    assert prefilter.automaton is not None
    rng = random.Random(11)
    words = [w for text in CASELESS_TEXTS for w in text.lower().split()]
    words += ["no", "one", "else", "kill", "myself", "12", "345", "\x0b", "\x1c", "'", "-"]
    words += [  # a match of each crisis kind, split by the separators below at random
        "i tried to kill myself",
        "wrote a suicide note",
        "i keep cutting myself",
        "i want to kill him",
        "no one",
        "i want to die",
    ]
    texts = [t.lower() for t in CASELESS_TEXTS] + [
        rng.choice([" ", "\x0b", "\t", "\x1f"]).join(rng.choices(words, k=rng.randint(1, 12)))
        for _ in range(2000)
    ]
    matched = 0
    for text in texts:
        if lowercase.search(text) is not None:
            matched += 1
            assert prefilter(text), text
    assert matched  # both answers reached


@pytest.mark.parametrize(
    ("source", "flags"),
    [
        ("shut up", re.IGNORECASE),
        ("^shut up", 0),
        ("shut up$", 0),
        (r"shut\Z", 0),
        ("a{,3}", 0),
        ("[[:alpha:]]x", 0),
        ("a.b", re.DOTALL),
        (r"(a)\1", 0),  # RE2 has no backreferences
    ],
)
def test_the_automaton_stands_aside_where_the_engines_differ(
    source: str, flags: int, monkeypatch
) -> None:
    monkeypatch.setattr(AutomatonPrefilter, "MIN_PATTERN", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": meant here
        pattern = re.compile(source, flags)
    prefilter = AutomatonPrefilter(pattern)
    assert prefilter.automaton is None
    assert prefilter("nothing like it")


def test_the_automaton_lets_non_ascii_text_through(monkeypatch) -> None:
    monkeypatch.setattr(AutomatonPrefilter, "MIN_PATTERN", 0)
    prefilter = AutomatonPrefilter(re.compile(r"\bkill myself\b"))
    assert not prefilter("i want to go home")
    assert prefilter("je veux mourir, café")  # non-ASCII: the regex decides
    monkeypatch.undo()
    assert AutomatonPrefilter(re.compile(r"\bkill myself\b")).automaton is None  # too short


def test_crisis_rules_behind_the_automaton_decide_as_without_it(monkeypatch) -> None:
    texts = [t.lower() for t in CASELESS_TEXTS] + [
        "i tried to kill myself last year",
        "i would never hurt myself",
        "if i ever wanted to die what should i do",
        "my friend said he wants to kill himself",
        "this homework is killing me",
        "i want to die",
        "i'm going to hurt him",
    ]
    fast = [crisis._english(t) for t in texts]
    monkeypatch.setattr(crisis, "_ANY_RULE", lambda text: True)
    assert fast == [crisis._english(t) for t in texts]
    assert any(r.kind for r in fast) and any(r.guarded for r in fast)


def test_a_batch_is_scored_on_one_blas_thread_without_the_collector(monkeypatch) -> None:
    from threadpoolctl import threadpool_info

    from python_models.scoring.pipeline import Scorers

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    seen = {}

    def inside(self, *args):
        seen["blas"], seen["gc"] = blas_threads(), gc.isenabled()
        return []

    monkeypatch.setattr(Scorers, "_score", inside)
    assert Scorers(embedder=object()).score([]) == []
    import scipy.linalg  # noqa: F401  # a second OpenBLAS loaded after a first batch (CI saw [2, 1])

    before = blas_threads()
    assert Scorers(embedder=object()).score([]) == []
    assert seen == {"blas": [1] * len(before), "gc": False}
    assert blas_threads() == before and gc.isenabled()  # both given back


def test_the_shipped_rule_alternations_have_their_automaton() -> None:
    # a pattern RE2 stopped accepting would silently fall back to the slow scan
    assert bias._ANY_SEARCH.prefilter.automaton is not None
    assert safety._ANY_SEARCH.prefilter.automaton is not None
    assert crisis._ANY_RULE.automaton is not None
