"""Lexical near-duplicate evidence: shingles, exact Jaccard, MinHash LSH candidates."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from python_models.lexical_overlap import (
    ShingleSets,
    jaccard,
    lsh_pairs,
    minhash_signatures,
    pair_jaccard,
    shingle_hashes,
    shingle_sets,
    sign_texts,
    words,
)

LONG = (
    "I keep fighting with my mother about money and I do not know how to stop. She says I "
    "waste everything, but I pay half the rent every month and buy most of the food."
)


def test_words_are_casefolded_and_cjk_counts_one_character_as_a_word():
    assert words("Hello  WORLD, it's") == ["hello", "world", "it", "s"]
    assert words("我想死了 ok") == ["我", "想", "死", "了", "ok"]


def test_case_and_whitespace_do_not_change_the_shingles():
    assert np.array_equal(shingle_hashes(LONG), shingle_hashes(LONG.upper().replace(" ", "  ")))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("one two three four", "one two three four", 1.0),
        ("one two three four", "one two three five", 1 / 3),  # 2 shingles each, 1 shared
        ("one two", "one two", 1.0),  # a short text is one shingle
        ("one two", "two one", 0.0),
        ("", "", 1.0),
        ("", "one two three", 0.0),
    ],
)
def test_jaccard_is_exact_on_word_trigrams(a, b, expected):
    assert jaccard(shingle_hashes(a), shingle_hashes(b)) == pytest.approx(expected)


def test_hashes_are_the_same_in_another_process():
    """Python's hash() is salted per process; the shingles must not be (the LSH is rebuilt)."""
    code = (
        "from python_models.lexical_overlap import shingle_hashes; "
        f"print(shingle_hashes({LONG!r}).tolist())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.strip() == str(shingle_hashes(LONG).tolist())


def test_lsh_proposes_edited_copies_and_not_unrelated_texts():
    edited = LONG.replace("money", "mony").replace("I keep", "Hi there. I keep")
    unrelated = [f"Question {i}: how do I sleep better when work is stressful?" for i in range(20)]
    texts = [LONG, *unrelated, edited]
    shingles = [shingle_hashes(t) for t in texts]
    left, right = lsh_pairs(minhash_signatures(shingles))
    pairs = set(zip(left.tolist(), right.tolist(), strict=True))
    assert (0, 21) in pairs
    assert not any(0 in pair or 21 in pair for pair in pairs - {(0, 21)})
    assert all(a < b for a, b in pairs)
    assert pair_jaccard(shingles, np.array([0]), np.array([21]))[0] > 0.5


def test_an_empty_text_is_never_a_candidate():
    signatures = minhash_signatures([shingle_hashes(""), shingle_hashes(""), shingle_hashes(LONG)])
    left, _ = lsh_pairs(signatures)
    assert len(left) == 0


def test_a_huge_bucket_gives_a_bounded_number_of_pairs_that_still_chains_it():
    signatures = minhash_signatures([shingle_hashes(LONG)] * 300)
    left, right = lsh_pairs(signatures, max_pairs_per_member=5)
    assert len(left) <= 300 * 5
    assert {(i, i + 1) for i in range(299)} <= set(zip(left.tolist(), right.tolist(), strict=True))


def test_the_banding_finds_exactly_the_pairs_datasketch_lsh_finds():
    """Same signatures, same bands: the sorted banding equals datasketch's MinHashLSH queries."""
    from datasketch import LeanMinHash, MinHashLSH

    rng = np.random.default_rng(5)
    base = [rng.choice(10_000, size=60, replace=False) for _ in range(150)]
    # near-copies: each keeps a random 55-100% of its original's words
    copies = [b[rng.random(len(b)) < rng.uniform(0.55, 1.0)] for b in base[:100]]
    sets = [np.unique(s).astype(np.uint32) for s in base + copies]
    signatures = minhash_signatures(sets)
    left, right = lsh_pairs(signatures)
    ours = set(zip(left.tolist(), right.tolist(), strict=True))
    lsh = MinHashLSH(threshold=0.5, num_perm=signatures.shape[1])
    lean = [LeanMinHash(seed=1, hashvalues=s, scheme="affine32") for s in signatures]
    for row, minhash in enumerate(lean):
        lsh.insert(row, minhash)
    theirs = {(row, other) for row, m in enumerate(lean) for other in lsh.query(m) if other > row}
    assert ours == theirs
    assert len(ours) >= 80  # most copies are found


def test_signatures_are_datasketch_minhash():
    from datasketch import MinHash

    sets = [shingle_hashes(LONG), shingle_hashes("short text")]
    for s, signature in zip(sets, minhash_signatures(sets), strict=True):
        expected = MinHash(num_perm=128, seed=1, hashfunc=int, scheme="affine32")
        expected.update_batch(s.tolist())
        assert np.array_equal(signature, expected.hashvalues)


# every branch of the batch path: ASCII (bytes), non-ASCII (regex), CJK, casefold beyond
# lower (straße -> strasse), texts of 0, 1, 2 and 3 words, underscores, digits, punctuation only
BATCH_TEXTS = [
    LONG,
    "",
    "   ",
    "?!",
    "one",
    "one two",
    "one two three",
    "Straße STRASSE strasse",
    "我想死了 ok",
    "naïve café \u2014 \u201cquoted\u201d it\u2019s",
    "snake_case_name 42 x2 _x_",
    LONG.upper().replace(" ", "  "),
    "Ελληνικά ΣΊΣΥΦΟΣ κείμενο",
]


def test_batch_shingles_equal_one_text_at_a_time():
    sets = shingle_sets(BATCH_TEXTS * 3)
    assert len(sets) == len(BATCH_TEXTS) * 3
    for i, text in enumerate(BATCH_TEXTS * 3):
        assert np.array_equal(sets[i], shingle_hashes(text)), text


def test_batch_signatures_equal_datasketch_for_every_text():
    from datasketch import MinHash

    signatures = sign_texts(BATCH_TEXTS)
    for text, signature in zip(BATCH_TEXTS, signatures, strict=True):
        expected = MinHash(num_perm=128, seed=1, hashfunc=int, scheme="affine32")
        expected.update_batch(shingle_hashes(text).tolist())
        assert np.array_equal(signature, expected.hashvalues), text


def test_batch_signatures_split_large_batches_without_changing_them():
    from python_models import lexical_overlap

    texts = [f"{LONG} {i}" for i in range(400)] + BATCH_TEXTS
    whole = sign_texts(texts)
    small = lexical_overlap._SIGN_VALUES
    try:
        lexical_overlap._SIGN_VALUES = 50  # fewer shingles than one long text: one set a step
        assert np.array_equal(sign_texts(texts), whole)
    finally:
        lexical_overlap._SIGN_VALUES = small


# texts for the batch word cutter: non-ASCII separators (curly quotes, dashes, no-break space,
# inverted marks, a skin-tone modifier), non-ASCII word characters (accents, ß, CJK, Greek), a
# combining accent (not a word character), U+0345 (not one either, but its casefold is a Greek
# letter), NUL, tabs and newlines; words touching the start and end of every text
CUTTER_TEXTS = [
    "it\u2019s \u201cfine\u201d \u2014 really\u2026",
    "\u00bfQu\u00e9 tal?\u00a0bien\u00a0gracias",
    "emoji\U0001f44c\U0001f3fe ok \u2639 sad",
    "cafe\u0301 au lait",
    "x\u0345y z",
    "Stra\u00dfe STRASSE",
    "\u6211\u60f3\u6b7b\u4e86ok\u3002fine",
    "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3",
    "a\x00b\tc\nd",
    "\u2019\u2019\u2019",
    "ABC",
    "def",
    "",
    "_",
    "9",
    "\ufb01ne \u0130stanbul \u01c5",
]


def test_batch_word_cutting_equals_the_regex_on_unicode_and_text_boundaries():
    """The numpy cutter gives, text by text, the shingles of `shingle_hashes` (the regex)."""
    for texts in (CUTTER_TEXTS, CUTTER_TEXTS[::-1], [t for t in CUTTER_TEXTS if t.isascii()]):
        sets = shingle_sets(texts)
        for i, text in enumerate(texts):
            assert np.array_equal(sets[i], shingle_hashes(text)), text


def test_batch_word_cutting_equals_the_regex_on_random_texts():
    rng = np.random.default_rng(11)
    alphabet = [*"aZ_9 ,.'-\t", "\u2019", "\u00e9", "\u6211", "\U0001f3fe", "\u0345", "\u00a0"]
    texts = ["".join(rng.choice(alphabet, rng.integers(0, 25))) for _ in range(1500)]
    sets = shingle_sets(texts)
    for i, text in enumerate(texts):
        assert np.array_equal(sets[i], shingle_hashes(text)), repr(text)


# characters whose casefold changes length or script, or holds a non-word character: \u00df
# and \u1e9e fold to "ss", \u0130 to "i" and a combining dot, \ufb01 to "fi", the Kelvin
# sign to "k", \u023a (2 bytes) to a 3-byte letter, Cherokee small letters to capitals;
# a katakana middle dot (CJK range, not a word character), a fullwidth digit, final sigma
FOLDING = [
    *"\u00df\u1e9e\u0130\ufb01\u212a\u023a\uab70\u13f8\u30fb\uff11\u03c2\u0345\u0301",
    *"\u00e9\u6211\u3002\u2019\u00a0\U0001f3fe\U00020000\u0661\u00bd\u2160",
]


def test_batch_word_cutting_equals_the_regex_on_folding_and_mixed_scripts():
    rng = np.random.default_rng(5)
    alphabet = [*"aZ_9 ,.'-", *FOLDING]
    texts = ["".join(rng.choice(alphabet, rng.integers(0, 30))) for _ in range(2000)]
    texts += [t for t in texts[:200] if t.isascii()] * 2  # ASCII texts between the others
    sets = shingle_sets(texts)
    for i, text in enumerate(texts):
        assert np.array_equal(sets[i], shingle_hashes(text)), repr(text)


def _every_codepoint(stride: int) -> list[str]:
    """Every Unicode scalar value (surrogates cannot be UTF-8) in texts of ``stride``."""
    scalars = [c for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    return [
        "".join(chr(c) for c in scalars[start : start + stride])
        for start in range(0, len(scalars), stride)
    ]


@pytest.mark.parametrize("layout", ["touching", "between_words", "doubled_in_caps"])
def test_batch_word_cutting_equals_the_regex_on_every_codepoint(layout):
    """Every non-ASCII character, beside others, inside ASCII words and doubled next to
    capitals: the batch's shingles equal ``shingle_hashes`` text by text."""
    runs = _every_codepoint(96)
    if layout == "between_words":
        runs = ["ab" + "cd ".join(run) + "ef" for run in runs]
    elif layout == "doubled_in_caps":
        runs = ["X".join(c * 2 for c in run) + " Q" for run in runs]
    sets = shingle_sets(runs)
    for i, text in enumerate(runs):
        assert np.array_equal(sets[i], shingle_hashes(text)), repr(text)


def test_batch_word_cutting_refuses_null_texts():
    with pytest.raises(TypeError, match="strings"):
        shingle_sets(["one two three", None])


def test_shingle_sets_take_and_concat_keep_every_set():
    sets = shingle_sets(BATCH_TEXTS)
    rows = np.array([3, 0, 3, len(BATCH_TEXTS) - 1, 1])
    taken = sets.take(rows)
    assert [taken[i].tolist() for i in range(len(rows))] == [sets[r].tolist() for r in rows]
    joined = ShingleSets.concat([sets, taken])
    assert len(joined) == len(sets) + len(taken)
    assert [joined[i].tolist() for i in range(len(joined))] == [
        *(sets[i].tolist() for i in range(len(sets))),
        *(taken[i].tolist() for i in range(len(taken))),
    ]
    assert len(ShingleSets.concat([])) == 0


@pytest.mark.parametrize("max_chars", [1, 7, 40, 1_000])
def test_shingle_sets_cut_in_slices_equal_the_whole_batch(max_chars):
    """A slice of `max_chars` characters at a time (at least one text) gives every text the set
    it gets in one pass over the batch: memory follows the slice, the sets do not change."""
    rng = np.random.default_rng(3)
    alphabet = [*"ab cd ef ", "\u00e9", "\u6211", "\u00df"]
    texts = ["".join(rng.choice(alphabet, rng.integers(0, 60))) for _ in range(400)]
    texts += CUTTER_TEXTS + BATCH_TEXTS
    whole = shingle_sets(texts, max_chars=10**9)
    sliced = shingle_sets(texts, max_chars=max_chars)
    assert np.array_equal(whole.offsets, sliced.offsets)
    assert np.array_equal(whole.values, sliced.values)
    for i in (0, 57, len(texts) - 1):
        assert np.array_equal(sliced[i], shingle_hashes(texts[i]))


def test_sliced_word_cutting_still_refuses_null_texts():
    with pytest.raises(TypeError, match="strings"):
        shingle_sets(["one two three"] * 5 + [None] + ["four five six"], max_chars=20)
