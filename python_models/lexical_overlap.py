"""Lexical near-duplicate evidence: word 3-gram shingles, MinHash signatures, LSH candidates.

Embeddings find copies whose meaning survived; shingles find copies whose *words* survived.
Light edits of a long transcript (a typo, a lowercased turn, a greeting pasted in front,
doubled spaces) barely move its shingle set, while short turns move far in embedding space. So
near-duplicate candidates come from both (:mod:`python_models.near_duplicates`), and every
candidate pair is verified on exact shingle overlap (:func:`jaccard`).

- :func:`shingle_hashes`: the set of word 3-grams of a text, as stable 32-bit hashes. Text is
  casefolded and cut into words (``\\w+``); CJK scripts, written without spaces, count one
  character as one word. Texts of one or two words are a single shingle.
- :func:`shingle_sets`: the same sets for a whole batch of texts at once, as one flat array with
  offsets (:class:`ShingleSets`): the batch's words are cut by numpy over one UTF-8 buffer
  (each distinct non-ASCII character casefolded once, in Python), each distinct word is hashed
  once, and the 3-grams, their hashes and the per-text sorting are numpy over the whole batch.
- :func:`minhash_signatures` / :func:`sign_texts`: datasketch MinHash signatures (its
  ``affine32`` scheme, its permutations for the seed) of many shingle sets, computed by numpy
  over all shingles of a batch at once; a test holds them equal to datasketch's own.
- :func:`lsh_pairs`: candidate pairs by MinHash LSH with datasketch's bands and rows for the
  Jaccard threshold, banded with sorts over all rows at once (the pairs equal datasketch
  ``MinHashLSH`` queries, a test holds them equal; its dict-of-lists index costs ~100 us and
  ~1 KB per row in Python, the sorts a few us and bytes), each pair once.
- :func:`estimated_jaccard`: the signatures' estimate of a pair's Jaccard, a cheap first check.

Hashes are ``zlib.crc32`` of each word, combined per 3-gram, so they are the same in every
process and every run (Python's ``hash`` is salted per process).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

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


@dataclass(frozen=True)
class ShingleSets:
    """Many shingle sets in one flat array: set i is ``values[offsets[i]:offsets[i + 1]]``,
    sorted and unique (what :func:`shingle_hashes` gives for its text)."""

    offsets: np.ndarray  # int64, len(sets) + 1
    values: np.ndarray  # uint32

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def __getitem__(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def take(self, rows: np.ndarray) -> ShingleSets:
        """The sets of ``rows``, in that order (a row may repeat)."""
        rows = np.asarray(rows, dtype=np.int64)
        lengths = self.sizes[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        skip = np.repeat(self.offsets[rows] - offsets[:-1], lengths)
        return ShingleSets(offsets, self.values[skip + np.arange(offsets[-1])])

    @classmethod
    def concat(cls, parts: Sequence[ShingleSets]) -> ShingleSets:
        """The sets of ``parts`` one after another."""
        if not parts:
            return cls(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint32))
        sizes = np.concatenate([part.sizes for part in parts])
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        return cls(offsets, np.concatenate([part.values for part in parts]))

    @classmethod
    def of(cls, sets: Iterable[np.ndarray]) -> ShingleSets:
        """From separate sorted unique arrays (each as :func:`shingle_hashes` gives it)."""
        parts = [np.asarray(s, dtype=np.uint32) for s in sets]
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in parts], out=offsets[1:])
        values = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
        return cls(offsets, values.astype(np.uint32, copy=False))


# ASCII text: casefold is lower, ``\w`` is [a-z0-9_] and there is no CJK, so one bytes
# translate (upper to lower, every other byte to a space) and a split give WORD's words
_ASCII_WORDS = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c == 95) else 32
    for c in range(256)
)


_SPACE = np.uint8(32)
_WORD_CHARACTER = re.compile(r"\w")
_CJK_CHARACTER = re.compile(rf"[{_CJK}]")
_CODEPOINTS = 0x110000


@lru_cache(maxsize=65_536)
def _replacement(codepoint: int) -> bytes:
    """What one non-ASCII character becomes in the batch buffer, so that the words are the
    runs between spaces: its casefold (Python folds character by character, without context),
    each folded character kept when it is a word character (``\\w``), set between spaces when it
    is CJK (one character, one word, as :data:`WORD` cuts it), a space otherwise. A character
    that only separates words becomes spaces only."""
    out = []
    for folded in chr(codepoint).casefold():
        if _CJK_CHARACTER.match(folded):
            out.append(f" {folded} ")
        elif _WORD_CHARACTER.match(folded):
            out.append(folded)
        else:
            out.append(" ")
    return "".join(out).encode("utf-8")


def _fold_non_ascii(
    data: np.ndarray, lowered: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Put every non-ASCII character's :func:`_replacement` into the batch buffer.

    ``data``: the batch's UTF-8 bytes; ``lowered``: the same after the ASCII byte table (every
    byte >= 0x80 already a space); ``offsets``: each text's first byte (and the end). Returns
    the buffer, the texts' offsets in it and the positions where a word must end although the
    bytes on both sides are word bytes (around a CJK character, which is a word of its own).

    Characters are decoded at their lead bytes only and each distinct one is folded once. A
    replacement as long as the character (``\u00e9`` itself, ``\u00c9`` -> ``\u00e9``,
    ``\u00df`` -> ``ss``), or as long once its outer spaces become cuts (CJK), is written in
    place; only the rare ones that change length (``\ufb01`` -> ``fi``, the Kelvin sign ->
    ``k``) rebuild the buffer, with one delete and one insert."""
    none = np.zeros(0, dtype=np.int64)
    high = np.flatnonzero(data >= 0x80)
    if not len(high):
        return lowered, offsets, none
    leads = high[data[high] >= 0xC0]
    del high
    first = data[leads]
    width = np.where(first >= 0xF0, 4, np.where(first >= 0xE0, 3, 2)).astype(np.int8)
    codepoint = (first & np.where(width == 4, 0x07, np.where(width == 3, 0x0F, 0x1F))).astype(
        np.int32
    )
    del first
    for k in range(1, 4):
        more = np.flatnonzero(width > k)
        codepoint[more] = (codepoint[more] << 6) | (data[leads[more] + k] & 0x3F)
    present = np.zeros(_CODEPOINTS, dtype=bool)
    present[codepoint] = True
    distinct = np.flatnonzero(present)
    del present
    slot = np.zeros(_CODEPOINTS, dtype=np.int32)
    slot[distinct] = np.arange(len(distinct), dtype=np.int32)
    at = slot[codepoint]
    del slot, codepoint
    # per distinct character: the bytes written in place (up to 4), whether a word ends before
    # and after it, and whether it changes length instead
    core = np.full((len(distinct), 4), 32, dtype=np.uint8)
    cut_before = np.zeros(len(distinct), dtype=bool)
    cut_after = np.zeros(len(distinct), dtype=bool)
    ragged = np.zeros(len(distinct), dtype=bool)
    blank = np.zeros(len(distinct), dtype=bool)
    replacements = []
    for i, c in enumerate(distinct.tolist()):
        rep = _replacement(c)
        replacements.append(rep)
        size = len(chr(c).encode("utf-8"))
        inner = rep.strip(b" ")
        if not inner:
            blank[i] = True
        elif len(rep) == size:
            core[i, :size] = np.frombuffer(rep, dtype=np.uint8)
        elif len(inner) == size:
            core[i, :size] = np.frombuffer(inner, dtype=np.uint8)
            cut_before[i], cut_after[i] = rep.startswith(b" "), rep.endswith(b" ")
        else:
            ragged[i] = True
    if blank.all():  # only separators: ``lowered`` has them blank already
        return lowered, offsets, none
    lowered = lowered.copy() if not lowered.flags.writeable else lowered
    written = ~(blank | ragged)[at]
    for k in range(4):
        part = written & (width > k)
        lowered[leads[part] + k] = core[at[part], k]
    cuts = np.concatenate([leads[cut_before[at]], (leads + width)[cut_after[at]]])
    moved = np.flatnonzero(ragged[at])
    if not len(moved):
        return lowered, offsets, np.sort(cuts)
    starts, sizes = leads[moved], width[moved].astype(np.int64)
    texts = [replacements[i] for i in at[moved].tolist()]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    step = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    kept = np.delete(lowered, np.repeat(starts, sizes) + step)
    # a character's replacement goes where its bytes were (after the earlier ones' changes)
    before = np.cumsum(sizes) - sizes
    lowered = np.insert(
        kept,
        np.repeat(starts - before, lengths),
        np.frombuffer(b"".join(texts), dtype=np.uint8),
    )
    shift = np.concatenate([[0], np.cumsum(lengths - sizes)])

    def moved_to(position: np.ndarray) -> np.ndarray:  # a character's start, never inside one
        return position + shift[np.searchsorted(starts, position, side="left")]

    return lowered, moved_to(offsets), np.sort(moved_to(cuts))


def _word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every text's word count and every word's ``zlib.crc32`` in text order (uint64): the
    words of :func:`words`, UTF-8 encoded, cut for the whole batch at once.

    The texts go into one UTF-8 buffer (Arrow); a byte table (``bytes.translate``) lowers ASCII
    letters and blanks every other non-word byte, then each non-ASCII character is replaced by
    its casefold with non-word characters blanked and CJK characters set apart
    (:func:`_fold_non_ascii`); words are the runs between blanks. Each distinct word is
    hashed once (an Arrow dictionary of the batch's words)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = texts if isinstance(texts, list) else list(texts)
    array = pa.array(texts, type=pa.large_string())
    if array.null_count:
        raise TypeError("texts to shingle must be strings, not null")
    n = len(array)
    _, offset_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[array.offset : array.offset + n + 1]
    base, size = int(offsets[0]), int(offsets[-1] - offsets[0])
    offsets = offsets - base
    lowered = np.zeros(0, dtype=np.uint8)
    cuts = np.zeros(0, dtype=np.int64)
    if size:
        data = np.frombuffer(data_buffer, dtype=np.uint8)[base : base + size]
        lowered = np.frombuffer(bytearray(data).translate(_ASCII_WORDS), dtype=np.uint8)
        lowered, offsets, cuts = _fold_non_ascii(data, lowered, offsets)
        del data
        size = len(lowered)
    padded = np.zeros(size + 2, dtype=bool)  # a non-word byte before and after
    is_word = padded[1:-1]
    np.not_equal(lowered, _SPACE, out=is_word)
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    # a word never runs on from one text into the next, nor into or out of a CJK character
    inner = np.unique(np.concatenate([offsets[1:-1], cuts]))  # an empty text shares its offset
    inner = inner[(inner > 0) & (inner < size)]
    cut = inner[is_word[inner] & is_word[inner - 1]]
    if len(cut):
        starts = np.insert(starts, np.searchsorted(starts, cut), cut)
        ends = np.insert(ends, np.searchsorted(ends, cut), cut)
    count = np.diff(np.searchsorted(starts, offsets))  # words starting in each text
    word_offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(ends - starts, out=word_offsets[1:])
    packed = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(),
        len(starts),
        [None, pa.py_buffer(word_offsets), pa.py_buffer(lowered[is_word])],
    )
    del lowered, is_word, padded
    encoded = pc.dictionary_encode(packed)
    distinct = encoded.dictionary.to_pylist()
    word_hash = np.fromiter(map(zlib.crc32, distinct), dtype=np.uint64, count=len(distinct))
    return count, word_hash[encoded.indices.to_numpy(zero_copy_only=False)]


# Characters cut into word 3-grams at once by :func:`shingle_sets`. Cutting holds ~13 bytes a
# character of word and 3-gram arrays, so a call on a million conversations' texts at once held
# 14 GiB (the 1 M-record build's verification, docs/benchmarks.md, session 11); a slice of 32 Mi
# characters holds ~420 MiB, and only the sets themselves (4 bytes a 3-gram) outlive it.
SHINGLE_SLICE_CHARS = 32 * 1024 * 1024


def shingle_sets(
    texts: Sequence[str], n: int = SHINGLE_WORDS, max_chars: int = SHINGLE_SLICE_CHARS
) -> ShingleSets:
    """:func:`shingle_hashes` of every text, computed for a slice of texts at once: slices of
    about ``max_chars`` characters (at least one text each), so memory follows the slice, not
    the batch. A text's set does not depend on its slice."""
    texts = texts if isinstance(texts, list) else list(texts)
    if len(texts) < 2:
        return _shingle_slice(texts, n)
    # a null counts 0 characters here; its slice refuses it
    ends = np.cumsum(
        np.fromiter((len(t) if t is not None else 0 for t in texts), np.int64, len(texts))
    )
    if ends[-1] <= max_chars:
        return _shingle_slice(texts, n)
    parts, start = [], 0
    while start < len(texts):
        before = int(ends[start - 1]) if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, before + max_chars, side="right")))
        parts.append(_shingle_slice(texts[start:stop], n))
        start = stop
    return ShingleSets.concat(parts)


def _shingle_slice(texts: list[str], n: int) -> ShingleSets:
    """:func:`shingle_hashes` of every text, computed for the batch at once."""
    count, hashed = _word_hashes(texts)
    # a text of 1..n-1 words is padded with zero hashes to one shingle, as shingle_hashes does
    padded = np.where(count == 0, 0, np.maximum(count, n))
    padded_end = np.cumsum(padded)
    if np.array_equal(padded, count):
        tokens = np.concatenate([hashed, np.zeros(n - 1, dtype=np.uint64)])
    else:
        tokens = np.zeros(int(padded_end[-1]) + n - 1, dtype=np.uint64)
        shift = np.repeat(padded_end - padded - (np.cumsum(count) - count), count)
        tokens[np.arange(len(hashed)) + shift] = hashed
        del shift
    del hashed
    # every position's n-gram over the flat array, then only those inside one text
    size = len(tokens) - n + 1
    combined = np.zeros(size, dtype=np.uint64)
    for offset in range(n):
        part = tokens[offset : offset + size] * _MIX[offset % len(_MIX)]
        combined = (combined ^ part) * np.uint64(0x27D4EB2F165667C5)
    del tokens
    starts = np.ones(size, dtype=bool)
    ends = padded_end[padded > 0]
    for back in range(1, n):
        starts[ends - back] = False
    combined = combined[starts]
    shingle_owner = np.repeat(np.arange(len(count)), np.maximum(padded - n + 1, 0))
    value = ((combined >> np.uint64(29)) ^ combined) & _MASK32
    keys = np.sort((shingle_owner.astype(np.uint64) << np.uint64(32)) | value)
    if len(keys):  # unique per text (a sort and a mask: np.unique hashes first, slower here)
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    offsets = np.zeros(len(count) + 1, dtype=np.int64)
    np.cumsum(
        np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=len(count)),
        out=offsets[1:],
    )
    return ShingleSets(offsets, (keys & _MASK32).astype(np.uint32))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays (1.0 when both are empty)."""
    if not len(a) and not len(b):
        return 1.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (len(a) + len(b) - common)


def pair_jaccard(
    shingles: ShingleSets | Sequence[np.ndarray], left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """Exact Jaccard of each pair ``(shingles[left[i]], shingles[right[i]])``.

    One small sorted intersection per pair: on sets of a few hundred shingles this is faster
    than one numpy pass over (pair, shingle) keys of all pairs (measured: 16 us against 30 us a
    pair), whose lookups miss the cache."""
    return np.fromiter(
        (
            jaccard(shingles[i], shingles[j])
            for i, j in zip(np.asarray(left).tolist(), np.asarray(right).tolist(), strict=True)
        ),
        dtype=np.float64,
        count=len(left),
    )


@lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's (a, b) of its affine permutations for ``num_perm`` and ``seed``."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, hashfunc=int, scheme=SCHEME).permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, the pre-mix datasketch's affine32 scheme applies."""
    h = values.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


# shingles a numpy step: a (128, 8192) uint32 block, 4 MiB, stays in cache between the multiply,
# the add and the minimum (32,768 a step, 16 MiB, took 1.8x the CPU on the corpus)
_SIGN_VALUES = 1 << 13


def minhash_signatures(
    shingle_sets: ShingleSets | Iterable[np.ndarray],
    num_perm: int = NUM_PERM,
    seed: int = MINHASH_SEED,
) -> np.ndarray:
    """One MinHash signature per shingle set: a (rows, num_perm) uint32 array.

    The values are datasketch's (``MinHash(num_perm, seed, hashfunc=int, scheme="affine32")``
    updated with the set): its permutations, the min over each set of ``a * fmix32(h) + b`` in
    uint32, computed for all sets of a batch at once. An empty set gets datasketch's empty
    signature (all 2^32 - 1): it matches nothing.
    """
    if not isinstance(shingle_sets, ShingleSets):
        shingle_sets = ShingleSets.of(shingle_sets)
    a, b = _permutations(num_perm, seed)
    out = np.full((len(shingle_sets), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    filled = np.flatnonzero(shingle_sets.sizes > 0)
    if not len(filled):
        return out
    mixed = _fmix32(shingle_sets.values)
    starts = shingle_sets.offsets[filled]
    ends = shingle_sets.offsets[filled + 1]
    buffer = np.empty(num_perm * _SIGN_VALUES, dtype=np.uint32)  # reused: no page faults
    first = 0
    while first < len(filled):  # whole sets a step; a set larger than a step is one step
        last = max(first + 1, int(np.searchsorted(ends, starts[first] + _SIGN_VALUES, "right")))
        low, high = starts[first], ends[last - 1]
        width = int(high - low)
        block = (
            buffer[: num_perm * width].reshape(num_perm, width)
            if width <= _SIGN_VALUES
            else np.empty((num_perm, width), dtype=np.uint32)
        )
        np.multiply(a[:, None], mixed[None, low:high], out=block)  # (num_perm, shingles)
        block += b[:, None]
        out[filled[first:last]] = np.minimum.reduceat(block, starts[first:last] - low, axis=1).T
        first = last
    return out


def sign_texts(texts: Sequence[str], num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signatures of the word 3-gram sets of ``texts`` (one row per text)."""
    return minhash_signatures(shingle_sets(texts), num_perm)


def estimated_jaccard(signatures: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """MinHash's estimate of each pair's Jaccard: the share of equal signature values.

    With 128 values its standard error is at most 0.044 (sqrt(J(1-J)/128)).
    """
    out = np.zeros(len(left), dtype=np.float64)
    for start in range(0, len(left), 65_536):
        chunk = slice(start, start + 65_536)
        out[chunk] = (signatures[left[chunk]] == signatures[right[chunk]]).mean(axis=1)
    return out


@lru_cache(maxsize=16)
def lsh_bands(threshold: float = LSH_THRESHOLD, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows per band) datasketch's MinHashLSH chooses for this Jaccard threshold
    (remembered: datasketch integrates the false positive and negative rates for every choice,
    ~60 ms a call)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def lsh_pairs(
    signatures: np.ndarray,
    threshold: float = LSH_THRESHOLD,
    *,
    max_pairs_per_member: int = MAX_BUCKET_PAIRS_PER_MEMBER,
    budget_mib: int | None = None,
    sink=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(left < right)`` whose signatures agree on a whole band.

    The banding is datasketch's MinHashLSH (its bands and rows for ``threshold``), done with
    sorts over all rows at once instead of a Python dict per band, so it costs microseconds and
    a few bytes per row. Rows with the empty signature are left out. Within a bucket, each row
    is paired with the next ``max_pairs_per_member`` rows in id order (all of them in a small
    bucket; in a huge one a chain still links every member, and every pair is verified).

    ``signatures`` may be a :class:`~python_models.near_dup_partitions.DiskRows`; with
    ``budget_mib`` the rows are read in chunks, the band keys kept on disk when they do not fit,
    and each band sorted in passes over a share of its buckets (equal keys always share a pass,
    so the pairs are the same as one sort's). With ``sink``, each step's pairs (duplicates
    included) go to ``sink(left, right)`` as found (a ``PairSpill``'s: pairs on disk) and
    none is returned.
    """
    from python_models.near_dup_partitions import Budget, lsh_passes

    n, num_perm = signatures.shape
    bands, rows = lsh_bands(threshold, num_perm)
    chunk = n if budget_mib is None else Budget(budget_mib).chunk_rows(num_perm * 4)
    live_parts = []
    buckets = _BandKeys(n, bands, budget_mib)
    for start in range(0, n, chunk):
        block = np.asarray(signatures[start : start + chunk])
        live = ~(block == np.iinfo(np.uint32).max).all(axis=1)
        live_parts.append(np.flatnonzero(live) + start)
        buckets.append(_band_keys(block[live], bands, rows))
        del block
    live = np.concatenate(live_parts) if live_parts else np.zeros(0, dtype=np.int64)
    del live_parts
    passes = lsh_passes(len(live), bands, budget_mib)
    keys: list[np.ndarray] = []
    for band in range(bands):
        band_keys = buckets.band(band)
        for part in range(passes):
            members = live
            bucket = band_keys
            if passes > 1:  # the buckets of this pass only: a bucket is never split
                share = (band_keys >> np.uint64(40)) % np.uint64(passes) == np.uint64(part)
                members, bucket = live[share], band_keys[share]
            order = np.argsort(bucket, kind="stable")  # ids ascending within a bucket
            ordered = bucket[order]
            for step in range(1, max_pairs_per_member + 1):
                same = ordered[step:] == ordered[:-step]
                if not same.any():
                    break
                left, right = members[order[:-step][same]], members[order[step:][same]]
                if sink is not None:
                    sink(left, right)
                    continue
                keys.append(left * n + right)
            del order, ordered, members, bucket
    buckets.close()
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    unique = np.unique(np.concatenate(keys))
    return unique // n, unique % n


def _band_keys(block: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A 64-bit key per band for each signature: (rows, bands); a collision only adds a pair."""
    out = np.zeros((len(block), bands), dtype=np.uint64)
    for band in range(bands):
        part = block[:, band * rows : (band + 1) * rows].astype(np.uint64)
        bucket = np.zeros(len(block), dtype=np.uint64)
        for column in range(rows):
            bucket = (bucket ^ part[:, column]) * np.uint64(0x100000001B3)
        out[:, band] = bucket
    return out


class _BandKeys:
    """Every live row's band keys, in memory or, past the budget, in a band-major temp file."""

    def __init__(self, rows: int, bands: int, budget_mib: int | None) -> None:
        from python_models.near_dup_partitions import Budget

        self._parts: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._tmp = None
        self._count = 0
        self._bands = bands
        if budget_mib is not None and not Budget(budget_mib).bucket_matrix_in_memory(rows, bands):
            import tempfile

            self._tmp = tempfile.TemporaryDirectory(prefix="lsh-")
            self._path = f"{self._tmp.name}/bands.npy"
            shape = (bands, max(rows, 1))
            mapped = np.lib.format.open_memmap(self._path, mode="w+", dtype=np.uint64, shape=shape)
            del mapped

    def append(self, part: np.ndarray) -> None:
        """Keys of the next live rows, (rows, bands)."""
        if self._tmp is None:
            self._parts.append(part)
        elif len(part):
            mapped = np.load(self._path, mmap_mode="r+")
            mapped[:, self._count : self._count + len(part)] = part.T
            mapped.flush()
            del mapped
        self._count += len(part)

    def band(self, band: int) -> np.ndarray:
        if self._tmp is None:
            if self._matrix is None:
                parts = self._parts or [np.zeros((0, self._bands), dtype=np.uint64)]
                self._matrix = np.concatenate(parts).T.copy()
                self._parts = []
            return self._matrix[band]
        mapped = np.load(self._path, mmap_mode="r")
        try:
            return np.array(mapped[band, : self._count])
        finally:
            del mapped

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
