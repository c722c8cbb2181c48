"""Lexical near-duplicate evidence: word 3-gram shingles, MinHash signatures, LSH candidates.

Embeddings find copies whose meaning survived; shingles find copies whose *words* survived.
Light edits of a long transcript (a typo, a lowercased turn, a greeting pasted in front,
doubled spaces) barely move its shingle set, while short turns move far in embedding space. So
near-duplicate candidates come from both (:mod:`python_models.near_duplicates`), and every
candidate pair is verified on exact shingle overlap (:func:`jaccard`).

- :func:`shingle_hashes`: the set of word 3-grams of a text, as stable 32-bit hashes. Text is
  casefolded and cut into words (``\\w+``); CJK scripts, written without spaces, count one
  character as one word. Texts of one or two words are a single shingle.
- :func:`minhash_signatures`: datasketch MinHash signatures of many shingle sets.
- :func:`lsh_pairs`: candidate pairs from datasketch's MinHash LSH (bands chosen by datasketch
  for the Jaccard threshold), each pair once.

Hashes are ``zlib.crc32`` of each word, combined per 3-gram, so they are the same in every
process and every run (Python's ``hash`` is salted per process).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence

import numpy as np

SHINGLE_WORDS = 3
NUM_PERM = 128
MINHASH_SEED = 1
# datasketch >= 2.0 names its permutation scheme; the default, 32-bit affine, stated here
SCHEME = "affine32"
# LSH proposes pairs whose Jaccard is likely above this; verification decides (a lower bar
# finds more candidates and costs only verification time)
LSH_THRESHOLD = 0.5
# a bucket this large (boilerplate shared by many conversations) pairs each member with the
# next ones in id order only, so one bucket cannot produce a quadratic number of candidates
MAX_BUCKET_PAIRS_PER_MEMBER = 64

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_MASK32 = np.uint64(0xFFFFFFFF)
_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(0xC2B2AE3D))


def words(text: str) -> list[str]:
    """The words of ``text``, casefolded: ``\\w+`` runs, one CJK character each."""
    return WORD.findall(text.casefold())


def shingle_hashes(text: str, n: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique uint32 hashes of the word ``n``-grams of ``text`` (empty for no words)."""
    tokens = words(text)
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    hashed = np.fromiter(
        (zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint64, count=len(tokens)
    )
    if len(hashed) < n:  # one shingle: the whole (short) text
        hashed = np.concatenate([hashed, np.zeros(n - len(hashed), dtype=np.uint64)])
    combined = np.zeros(len(hashed) - n + 1, dtype=np.uint64)
    for offset in range(n):
        part = hashed[offset : len(hashed) - n + 1 + offset] * _MIX[offset % len(_MIX)]
        combined = (combined ^ part) * np.uint64(0x27D4EB2F165667C5)
    return np.unique(((combined >> np.uint64(29)) ^ combined) & _MASK32).astype(np.uint32)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays (1.0 when both are empty)."""
    if not len(a) and not len(b):
        return 1.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (len(a) + len(b) - common)


def pair_jaccard(shingles: Sequence[np.ndarray], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Exact Jaccard of each pair ``(shingles[left[i]], shingles[right[i]])``."""
    return np.fromiter(
        (
            jaccard(shingles[i], shingles[j])
            for i, j in zip(left.tolist(), right.tolist(), strict=True)
        ),
        dtype=np.float64,
        count=len(left),
    )


def minhash_signatures(
    shingle_sets: Iterable[np.ndarray], num_perm: int = NUM_PERM, seed: int = MINHASH_SEED
) -> np.ndarray:
    """One datasketch MinHash signature per shingle set: a (rows, num_perm) uint32 array.

    An empty set gets datasketch's empty signature (all max values): it matches nothing.
    """
    from datasketch import MinHash

    signatures = [
        m.hashvalues.astype(np.uint32)
        for m in MinHash.generator(
            (s.tolist() for s in shingle_sets),
            num_perm=num_perm,
            seed=seed,
            hashfunc=int,
            scheme=SCHEME,
        )
    ]
    if not signatures:
        return np.zeros((0, num_perm), dtype=np.uint32)
    return np.vstack(signatures)


def lsh_pairs(
    signatures: np.ndarray,
    threshold: float = LSH_THRESHOLD,
    *,
    max_pairs_per_member: int = MAX_BUCKET_PAIRS_PER_MEMBER,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(left < right)`` that share a band in datasketch's MinHash LSH.

    Rows with an empty signature (no words) are left out. A row's candidates are its bucket
    mates in id order; past ``max_pairs_per_member`` per row only the nearest ones in id order
    are kept (a chain still links the whole bucket, and every pair is verified anyway).
    """
    from datasketch import LeanMinHash, MinHashLSH

    num_perm = signatures.shape[1] if signatures.ndim == 2 else NUM_PERM
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    empty = np.iinfo(np.uint32).max
    lean = []
    with lsh.insertion_session() as session:
        for row, signature in enumerate(signatures):
            if signature[0] == empty and (signature == empty).all():
                lean.append(None)
                continue
            minhash = LeanMinHash(
                seed=MINHASH_SEED, hashvalues=signature.astype(np.uint64), scheme=SCHEME
            )
            session.insert(row, minhash, check_duplication=False)
            lean.append(minhash)
    lefts: list[int] = []
    rights: list[int] = []
    for row, minhash in enumerate(lean):
        if minhash is None:
            continue
        later = sorted(other for other in lsh.query(minhash) if other > row)
        later = later[:max_pairs_per_member]
        lefts.extend([row] * len(later))
        rights.extend(later)
    return np.asarray(lefts, dtype=np.int64), np.asarray(rights, dtype=np.int64)
