"""The near-duplicate library: pairs, components, the side check, determinism.

Who is kept and the cluster id are SQL (int_conversations_clustered, with a dbt unit test).
"""

from __future__ import annotations

import numpy as np
import pytest

from python_models.lexical_overlap import NUM_PERM, minhash_signatures, shingle_sets
from python_models.near_duplicates import (
    SIDES,
    KeptShingles,
    NearDupConfig,
    Neighbours,
    Thresholds,
    _exact_pairs,
    _first_row_of,
    _neighbours,
    accepted,
    link_conversations,
    link_table,
    neighbour_pairs,
    pair_features,
    signing,
    verify_pairs,
)


def unit_rows(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def corpus(n_distinct: int = 300, n_copies: int = 40, seed: int = 0) -> np.ndarray:
    """Random distinct vectors, then slightly perturbed copies of the first n_copies."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n_distinct, 32))
    copies = base[:n_copies] + 0.02 * rng.standard_normal((n_copies, 32))
    return unit_rows(np.vstack([base, copies]))


def ids_for(n: int) -> np.ndarray:
    return np.array([f"id{i:04d}" for i in range(n)], dtype=object)


@pytest.mark.parametrize("exact_below", [10**6, 0])  # exact matrix product, then the ANN index
def test_every_planted_copy_is_paired_with_its_original(exact_below):
    vectors = corpus()
    pairs = neighbour_pairs(vectors, 0.95, NearDupConfig(exact_below=exact_below))
    found = set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
    assert found == {(i, 300 + i) for i in range(40)}
    assert np.all(pairs.similarity >= 0.95)
    assert np.array_equal(pairs.nearest[:40], np.arange(300, 340))


def test_the_index_path_is_reproducible():
    vectors = corpus(n_distinct=2000, seed=3)
    config = NearDupConfig(exact_below=0)
    first = neighbour_pairs(vectors, 0.95, config)
    again = neighbour_pairs(vectors, 0.95, config)
    assert np.array_equal(first.left, again.left) and np.array_equal(first.right, again.right)
    assert np.array_equal(first.nearest, again.nearest)


QUESTION = (
    "I have been feeling anxious every morning before work and I cannot sleep at night, "
    "my chest gets tight and I keep thinking something terrible is going to happen"
)
SIDE_TEXTS = {
    # 0 and 1 share the question but answer differently; 2 and 3 agree on both sides
    "user": [QUESTION, QUESTION, QUESTION, QUESTION],
    "assistant": [
        "That sounds exhausting.",
        "Have you talked to a doctor about the chest pain?",
        "That sounds exhausting, and it makes sense that you feel worn out.",
        "That sounds exhausting, and it makes sense that you feel worn out!",
    ],
}


def test_verification_keeps_two_answers_to_one_question_apart():
    pairs = Neighbours(
        left=np.array([0, 2]),
        right=np.array([1, 3]),
        similarity=np.array([0.99, 0.99], dtype=np.float32),
        nearest=np.array([1, 0, 3, 2]),
        nearest_similarity=np.full(4, 0.99, dtype=np.float32),
    )

    def texts_of(rows, part):
        if part == "whole":
            return [SIDE_TEXTS["user"][r] + "\n" + SIDE_TEXTS["assistant"][r] for r in rows]
        return [SIDE_TEXTS[part][r] for r in rows]

    def encode(texts):  # the question embeds alike, answers by their first letters
        return unit_rows(np.array([[1.0, len(t) % 7 / 10 + 0.01] for t in texts]))

    thresholds = Thresholds(candidate=0.98, whole=0.99, side=0.999)
    # the whole texts share most 3-grams (the long question), the answers do not
    assert verify_pairs(pairs, texts_of, encode, thresholds) == 1
    assert (pairs.left.tolist(), pairs.right.tolist()) == ([2], [3])


def test_link_table_puts_copies_in_one_component_and_keeps_their_vectors():
    vectors = corpus(n_distinct=20, n_copies=5)
    n = len(vectors)
    ids = ids_for(n)
    thresholds = Thresholds(candidate=0.95, whole=0.95, side=0.0)
    table, _ = link_table(ids, vectors, thresholds, "fake-model", NearDupConfig())
    data = table.to_pydict()
    component = data["component"]
    for i in range(5):  # each original and its copy, and nothing else
        assert component[i] == component[20 + i]
        assert component.count(component[i]) == 2
        assert data["neighbour_ids"][i] == [f"id{20 + i:04d}"]
        assert data["neighbour_ids"][20 + i] == [f"id{i:04d}"]
        assert np.allclose(data["embedding"][i], vectors[i])
    assert len(set(component[5:20])) == 15 and not set(component[5:20]) & set(component[:5])
    assert data["embedding"][5:20] == [None] * 15  # no neighbour: no vector needed
    assert data["nearest_id"][0] == "id0020" and data["nearest_similarity"][0] > 0.95
    assert set(data["embedding_model"]) == {"fake-model"}


def test_switched_off_every_conversation_is_its_own_component():
    table = link_conversations(
        ids_for(3), iter(()), lambda ids, side: [], NearDupConfig(enabled=False)
    )
    data = table.to_pydict()
    assert data["conversation_id"] == list(ids_for(3))
    assert len(set(data["component"])) == 3
    assert data["neighbour_ids"] == [[], [], []] and data["embedding"] == [None] * 3


class FakeEmbedder:
    """Texts that share their first word embed identically: a deterministic stand-in model."""

    model_id = "fake-first-word"
    dim = 8

    def encode(self, texts, *, batch_size=256, progress=False):
        rows = [np.random.default_rng(len(t.split()[0]) if t else 0).random(8) for t in texts]
        return unit_rows(np.array(rows).reshape(len(texts), 8))


def test_link_conversations_embeds_through_the_cache(tmp_path):
    from python_models.embeddings.cache import EmbeddingCache

    texts = ["alpha one", "alpha two", "longer word", "mid text"]
    ids = list(ids_for(4))
    cache = EmbeddingCache(tmp_path)

    def batches():
        yield ids, texts

    def sides(wanted, side):
        return [texts[ids.index(w)] for w in wanted]

    config = NearDupConfig(threshold=0.99, side_threshold=0.99, progress=False)
    table = link_conversations(ids, batches(), sides, config, cache=cache, embedder=FakeEmbedder())
    component = table.column("component").to_pylist()
    assert component[0] == component[1] and len({component[1], component[2], component[3]}) == 3
    assert cache.count("fake-first-word") == 4


TRANSCRIPT = [
    ("user", "I keep fighting with my mother about money and I do not know how to stop."),
    ("assistant", "It sounds like these arguments leave you feeling stuck and tired."),
    ("user", "Yes. She says I waste everything, but I pay half the rent every month."),
    ("assistant", "You are contributing a lot, and hearing that must hurt."),
    ("user", "It does. Sometimes I just walk out of the house to calm down."),
    ("assistant", "Walking away gives you room to breathe. What happens when you come back?"),
    ("user", "We pretend nothing happened until the next time it starts again."),
    ("assistant", "So the conflict never really gets resolved, it just goes quiet for a while."),
]


def lightly_edited(turns):
    """The held-out check's edits: a greeting in front, a lowercased turn, a typo, two spaces."""
    edited = [list(t) for t in turns]
    edited[0][1] = "Hi there! " + edited[0][1]
    edited[3][1] = edited[3][1].lower()
    edited[4][1] = edited[4][1].replace("calm down", "clam down")
    edited[6][1] = edited[6][1].replace(" until", "  until")
    return [tuple(t) for t in edited]


def test_a_lightly_edited_transcript_is_found_by_its_words_when_embeddings_miss_it(tmp_path):
    from python_models.embeddings.cache import EmbeddingCache

    """The fake embedder keys on the first word, which the pasted greeting changes: only the
    lexical candidates (MinHash LSH) can propose the pair, and verification accepts it."""
    conversations = [TRANSCRIPT, lightly_edited(TRANSCRIPT)]
    openers = ("A", "My", "Why", "When", "Often")  # first words of different lengths
    conversations += [
        [("user", f"{w} question number {i} about sleep.")] for i, w in enumerate(openers)
    ]
    ids = list(ids_for(len(conversations)))

    def part(conversation, which):
        return "\n".join(c for r, c in conversation if which in ("whole", r))

    def batches():
        yield ids, [part(c, "whole") for c in conversations]

    def texts_of_ids(wanted, which):
        return [part(conversations[ids.index(w)], which) for w in wanted]

    for lexical, linked in ((True, True), (False, False)):
        config = NearDupConfig(lexical=lexical, progress=False)
        table = link_conversations(
            ids,
            batches(),
            texts_of_ids,
            config,
            cache=EmbeddingCache(tmp_path),
            embedder=FakeEmbedder(),
        )
        component = table.column("component").to_pylist()
        assert (component[0] == component[1]) is linked
        assert len(set(component[2:])) == 5 and component[0] not in component[2:]


def exact_pairs_square(vectors: np.ndarray, threshold: float, block: int = 2048) -> Neighbours:
    """`_exact_pairs` over the full square of products: the reference it is tested on."""
    n = len(vectors)
    nearest = np.full(n, -1, dtype=np.int64)
    nearest_sim = np.full(n, np.nan, dtype=np.float32)
    lefts, rights, sims = [], [], []
    for start in range(0, n, block):
        stop = min(n, start + block)
        scores = vectors[start:stop] @ vectors.T
        rows = np.arange(start, stop)
        scores[rows - start, rows] = -np.inf  # not oneself
        if n > 1:
            best = np.argmax(scores, axis=1)
            nearest[start:stop] = best
            nearest_sim[start:stop] = np.einsum("ij,ij->i", vectors[start:stop], vectors[best])
        r, c = np.nonzero(scores >= threshold)
        keep = c > r + start  # each pair once
        lefts.append(r[keep] + start)
        rights.append(c[keep])
        sims.append(scores[r[keep], c[keep]])
    return _neighbours(lefts, rights, sims, nearest, nearest_sim)


@pytest.mark.parametrize("block", [1, 7, 64, 2048])
def test_exact_pairs_from_half_the_products_equal_the_full_square(block):
    vectors = corpus(n_distinct=150, n_copies=30, seed=3)
    # exact copies make ties for the nearest row: the lowest row must win, as in the square
    vectors = np.vstack([vectors, vectors[:10], vectors[5:8]])
    half, square = _exact_pairs(vectors, 0.95, block), exact_pairs_square(vectors, 0.95, block)
    assert len(square.left) > 40
    assert np.array_equal(half.left, square.left)
    assert np.array_equal(half.right, square.right)
    # products of other shapes may round the last bit differently (one float32 ulp), so an exact
    # tie may go to another row of the same similarity; never to a less similar one
    assert np.allclose(half.similarity, square.similarity, rtol=0, atol=1e-6)
    assert np.allclose(half.nearest_similarity, square.nearest_similarity, rtol=0, atol=1e-6)
    assert (half.nearest != np.arange(len(vectors))).all()
    assert (half.nearest == square.nearest).mean() > 0.9
    assert np.array_equal(half.nearest_similarity, square.nearest_similarity, equal_nan=True)


WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
]


@pytest.mark.parametrize("lexical_side", [0.1, 0.5, 0.9])
def test_verification_encodes_sides_only_where_they_can_change_the_verdict(lexical_side):
    rng = np.random.default_rng(7)
    users = [" ".join(rng.choice(WORDS, 30)) for _ in range(12)]
    answers = [" ".join(rng.choice(WORDS, 30)) for _ in range(12)]
    # rows 12..23 copy rows 0..11 with one side replaced now and then
    users += [u if i % 3 else " ".join(rng.choice(WORDS, 30)) for i, u in enumerate(users)]
    answers += [a if i % 4 else " ".join(rng.choice(WORDS, 30)) for i, a in enumerate(answers)]
    sides = {"user": users, "assistant": answers}
    encoded: list[int] = []

    def texts_of(rows, part):
        if part == "whole":
            return [users[r] + "\n" + answers[r] for r in rows]
        return [sides[part][r] for r in rows]

    def encode(texts):
        encoded.append(len(texts))
        return unit_rows(np.array([[1.0, len(t) % 5 / 10 + 0.01] for t in texts]))

    left, right = np.arange(12), np.arange(12, 24)
    similarity = np.linspace(0.9, 1.0, 12).astype(np.float32)
    thresholds = Thresholds(
        candidate=0.9, whole=0.99, side=0.999, lexical=0.3, lexical_side=lexical_side
    )
    expected = accepted(pair_features(left, right, similarity, texts_of, encode), thresholds)
    full = sum(encoded)
    encoded.clear()
    pairs = Neighbours(left, right, similarity, np.full(24, -1), np.full(24, np.nan))
    verify_pairs(pairs, texts_of, encode, thresholds)
    assert pairs.left.tolist() == left[expected].tolist()
    assert 0 < expected.sum() < 12
    assert sum(encoded) < full  # fewer side texts embedded than the full evidence needs


def _edited_pairs(seed: int, n: int):
    """``n`` originals and an edited copy of each (rows n..2n-1): a side replaced now and then,
    a few words dropped or added: their texts and an encoder of their sides."""
    rng = np.random.default_rng(seed)
    users = [" ".join(rng.choice(WORDS, 30)) for _ in range(n)]
    answers = [" ".join(rng.choice(WORDS, 30)) for _ in range(n)]

    def edited(text: str) -> str:
        kind = rng.integers(0, 4)
        if kind == 0:
            return " ".join(rng.choice(WORDS, 30))  # a different side
        words = text.split()
        if kind == 1:
            return " ".join(words[rng.integers(1, 10) :])
        if kind == 2:
            return " ".join(words + list(rng.choice(WORDS, rng.integers(1, 20))))
        return text

    users += [edited(u) for u in users]
    answers += [edited(a) for a in answers]
    sides = {"user": users, "assistant": answers}

    def texts_of(rows, part):
        if part == "whole":
            return [users[r] + "\n" + answers[r] for r in rows]
        return [sides[part][r] for r in rows]

    def encode(texts):
        # sides of lengths equal modulo 3 are the same vector (cosine 1): some pairs whose words
        # differ are close in meaning, so the semantic path accepts them
        return unit_rows(np.array([[1.0, len(t) % 3 / 10 + 0.01] for t in texts]))

    return texts_of, encode


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("lexical_side", [0.1, 0.6])
def test_verification_equals_the_full_evidence_on_both_paths(seed, lexical_side):
    """The staged verification (MinHash-free here: whole Jaccard, side Jaccards, side vectors
    only where needed) keeps exactly the pairs the full evidence accepts, whatever mix of
    semantic-path (whole cosine >= ``whole``) and lexical-path pairs it is given."""
    n = 60
    texts_of, encode = _edited_pairs(seed, n)
    left, right = np.arange(n), np.arange(n, 2 * n)
    similarity = np.random.default_rng(seed).choice([0.95, 0.985, 0.995, 1.0], n)
    similarity = similarity.astype(np.float32)
    thresholds = Thresholds(
        candidate=0.95, whole=0.99, side=0.999, lexical=0.5, lexical_side=lexical_side
    )
    features = pair_features(left, right, similarity, texts_of, encode)
    expected = accepted(features, thresholds)
    pairs = Neighbours(left, right, similarity, np.full(2 * n, -1), np.full(2 * n, np.nan))
    verify_pairs(pairs, texts_of, encode, thresholds)
    assert pairs.left.tolist() == left[expected].tolist()
    assert 0 < expected.sum() < n
    # both paths are exercised: pairs accepted on meaning alone, and on words alone
    lexical = features.whole_jaccard >= thresholds.lexical
    assert (expected & ~lexical).any() and (expected & (similarity < thresholds.whole)).any()


def test_a_near_identical_pair_on_both_paths_needs_no_side_vector():
    """Whole cosine >= ``whole`` (the semantic path) and every side sharing its words (the
    lexical path, which ignores side cosines): accepted without embedding any side."""
    rng = np.random.default_rng(3)
    users = [" ".join(rng.choice(WORDS, 30)) for _ in range(6)]
    answers = [" ".join(rng.choice(WORDS, 30)) for _ in range(6)]
    users += users
    answers += [a + " kappa mu" for a in answers]
    sides = {"user": users, "assistant": answers}
    encoded: list[int] = []

    def texts_of(rows, part):
        if part == "whole":
            return [users[r] + "\n" + answers[r] for r in rows]
        return [sides[part][r] for r in rows]

    def encode(texts):
        encoded.append(len(texts))
        return unit_rows(np.array([[1.0, len(t) % 5 / 10 + 0.01] for t in texts]))

    left, right = np.arange(6), np.arange(6, 12)
    similarity = np.full(6, 0.999, dtype=np.float32)
    thresholds = Thresholds(candidate=0.98, whole=0.995, side=0.97, lexical=0.5, lexical_side=0.1)
    expected = accepted(pair_features(left, right, similarity, texts_of, encode), thresholds)
    encoded.clear()
    pairs = Neighbours(left, right, similarity, np.full(12, -1), np.full(12, np.nan))
    assert verify_pairs(pairs, texts_of, encode, thresholds) == 0
    assert expected.all() and pairs.left.tolist() == list(range(6))
    assert encoded == []


def test_a_pair_whose_sides_share_some_words_but_whose_whole_is_under_lexical_gets_side_vectors():
    """Each side shares a third of its 3-grams (>= ``lexical_side``) but the whole texts share
    under ``lexical``: only the semantic path can accept it, which needs the side cosines."""
    rng = np.random.default_rng(11)

    def words(k: int) -> list[str]:
        return list(rng.choice(WORDS, k))

    shared_user, shared_answer = words(20), words(20)
    users = [" ".join(shared_user + words(20)), " ".join(shared_user + words(20))]
    answers = [" ".join(shared_answer + words(20)), " ".join(shared_answer + words(20))]
    sides = {"user": users, "assistant": answers}
    encoded: list[int] = []

    def texts_of(rows, part):
        if part == "whole":
            return [users[r] + "\n" + answers[r] for r in rows]
        return [sides[part][r] for r in rows]

    def encode(texts):  # every side means the same
        encoded.append(len(texts))
        return unit_rows(np.ones((len(texts), 2)))

    thresholds = Thresholds(candidate=0.98, whole=0.995, side=0.97, lexical=0.5, lexical_side=0.1)
    features = pair_features(np.array([0]), np.array([1]), np.array([0.999]), texts_of, encode)
    assert features.whole_jaccard[0] < thresholds.lexical
    assert min(features.side_jaccard[side][0] for side in SIDES) >= thresholds.lexical_side
    pairs = Neighbours(
        np.array([0]), np.array([1]), np.array([0.999], np.float32), np.full(2, -1), np.full(2, 0.0)
    )
    assert verify_pairs(pairs, texts_of, encode, thresholds) == 0
    assert pairs.left.tolist() == [0]


def test_first_row_of_the_column_maximum_equals_argmax_with_ties_to_the_lowest_row():
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 4, (9, 50)).astype(np.float32)  # many ties
    scores[:, 7] = -np.inf
    assert np.array_equal(_first_row_of(scores, scores.max(axis=0)), np.argmax(scores, axis=0))


def test_verification_with_the_signing_shingles_equals_cutting_the_texts_again():
    """Whole texts' shingle sets kept from the signing give the verdicts that cutting the
    candidates' texts again gives; rows never signed, or a cap passed, fall back to the texts."""
    rng = np.random.default_rng(3)
    whole = [" ".join(rng.choice(WORDS, 25)) for _ in range(10)]
    # odd copies: the same words in capitals; even ones: the second half of the words redrawn
    whole += [
        w.upper() if i % 2 else " ".join(w.split()[:12] + list(rng.choice(WORDS, 13)))
        for i, w in enumerate(whole)
    ]
    cut: list[str] = []

    def texts_of(rows, part):
        cut.append(part)
        return [whole[r] if part == "whole" else whole[r][: len(whole[r]) // 2] for r in rows]

    def encode(texts):
        return unit_rows(np.array([[1.0, len(t) % 7 / 10 + 0.01] for t in texts]))

    thresholds = Thresholds(candidate=0.9, whole=0.99, side=0.97, lexical=0.5, lexical_side=0.1)
    left, right = np.arange(10), np.arange(10, 20)
    similarity = np.full(10, 0.95, dtype=np.float32)

    def verified(kept):
        cut.clear()
        pairs = Neighbours(left, right, similarity, np.full(20, -1), np.full(20, np.nan))
        verify_pairs(pairs, texts_of, encode, thresholds, kept=kept)
        return pairs.left.tolist(), "whole" in cut

    expected, whole_cut = verified(None)
    assert whole_cut and 0 < len(expected) < 10
    kept = KeptShingles(20, max_values=10**6)
    signatures = np.zeros((20, NUM_PERM), dtype=np.uint32)
    batches = [(["a"] * 0, [])]  # an empty batch passes through
    ids = [f"id{i:02d}" for i in range(20)]
    batches += [(ids[10:], whole[10:]), (ids[:10], whole[:10])]  # any order
    assert [b for b, _ in signing(ids, batches, signatures, kept)] == [b for b, _ in batches]
    assert verified(kept) == (expected, False)  # the kept sets, no whole text fetched
    assert np.array_equal(signatures[3], minhash_signatures(shingle_sets([whole[3]]))[0])
    partial = KeptShingles(20, max_values=10**6)
    partial.add(np.arange(10), shingle_sets(whole[:10]))
    assert verified(partial) == (expected, True)  # rows 10..19 not kept: texts cut
    small = KeptShingles(20, max_values=30)
    small.add(np.arange(20), shingle_sets(whole))
    assert small.dropped and verified(small) == (expected, True)


class BagOfWordsEmbedder:
    """Word counts hashed into 64 dimensions: a reordered copy is identical in meaning (cosine 1)
    while its word 3-grams differ, so both verification paths get pairs to decide."""

    model_id = "fake-bag-of-words"
    dim = 64

    def encode(self, texts, *, batch_size=256, progress=False):
        import zlib

        rows = np.zeros((len(texts), self.dim))
        for i, text in enumerate(texts):
            for word in text.split():
                rows[i, zlib.crc32(word.encode()) % self.dim] += 1.0
        rows[:, 0] += 1e-3  # no zero rows
        return unit_rows(rows)


def test_linked_conversations_equal_the_full_evidence_reference(tmp_path, monkeypatch):
    """The links (components, neighbours, nearest) of the staged verification equal those of a
    reference that computes every piece of evidence for every candidate pair."""
    import python_models.near_duplicates as near_duplicates
    from python_models.embeddings.cache import EmbeddingCache

    rng = np.random.default_rng(21)
    vocabulary = [f"w{i}" for i in range(120)]
    conversations = []
    for _ in range(30):
        conversations.append(
            [
                ("user", " ".join(rng.choice(vocabulary, 40))),
                ("assistant", " ".join(rng.choice(vocabulary, 40))),
            ]
        )
    for i in range(30):  # reordered words (meaning only), light edits (words), a new answer
        user, answer = conversations[i][0][1].split(), conversations[i][1][1].split()
        if i % 3 == 0:
            copy = [
                ("user", " ".join(rng.permutation(user))),
                ("assistant", " ".join(rng.permutation(answer))),
            ]
        elif i % 3 == 1:
            copy = [("user", " ".join(user[2:])), ("assistant", " ".join([*answer, "w7"]))]
        else:
            copy = [("user", " ".join(user)), ("assistant", " ".join(rng.choice(vocabulary, 40)))]
        conversations.append(copy)
    ids = list(ids_for(len(conversations)))

    def part(conversation, which):
        return "\n".join(c for r, c in conversation if which in ("whole", r))

    def batches():
        yield ids, [part(c, "whole") for c in conversations]

    def texts_of_ids(wanted, which):
        return [part(conversations[ids.index(w)], which) for w in wanted]

    def reference_verify(pairs, texts_of, encode, thresholds, *args, **kwargs):
        before = len(pairs.left)
        if before:
            features = pair_features(pairs.left, pairs.right, pairs.similarity, texts_of, encode)
            near_duplicates._keep(pairs, accepted(features, thresholds))
        return before - len(pairs.left)

    config = NearDupConfig(
        threshold=0.99,
        side_threshold=0.97,
        lexical_threshold=0.5,
        lexical_side_threshold=0.1,
        progress=False,
    )
    tables = []
    for verify in (near_duplicates.verify_pairs, reference_verify):
        monkeypatch.setattr(near_duplicates, "verify_pairs", verify)
        tables.append(
            link_conversations(
                ids,
                batches(),
                texts_of_ids,
                config,
                cache=EmbeddingCache(tmp_path / verify.__name__),
                embedder=BagOfWordsEmbedder(),
            )
        )
    fast, reference = tables
    assert fast.equals(reference)
    component = fast.column("component").to_pylist()
    # reordered and lightly edited copies are linked; a copy with a new answer is not
    assert all(component[i] == component[30 + i] for i in range(30) if i % 3 != 2)
    assert all(component[i] != component[30 + i] for i in range(30) if i % 3 == 2)
