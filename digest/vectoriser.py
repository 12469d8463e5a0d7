"""The local vectoriser: a paper's text as features and as its stored vector, deterministic, with no model to
download (digest/vectors.py stores them, finds related papers, and names each vector's vectoriser).

MODEL's vector is a paper's TERMS weightiest words, each a 16-bit hash of the word (stop words out, a light plural
fold) and a weight of (1 + log count) x the word's rarity in English (wordfreq's frequency list, which ships in the
package; pinned in requirements.txt, since its data is part of every stored vector: a word common in any text says
little about a paper's field), the title counted twice: DIMS bytes (term_vector). The hashed rows (hashed: words
and word pairs in BUCKETS signed weights) are what related papers are found by; their fixed sign projection to
DIMS signed bytes was the earlier local vectoriser's vector (FIRST_MODEL), and the same projection reduces an
embeddings model's vector (digest/embeddings.py). bench/vectors.py compares them. The same paper gives the same
vector on any day and machine: crc32 and blake2b, not Python's salted hash.
"""

from __future__ import annotations

import hashlib
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .papers import Paper

MODEL = "hash-idf-terms-64/2"   # the local vectoriser and its version: a change of either is a new name
FIRST_MODEL = "hash-sign-64/1"   # the vectoriser of the first related files (see fingerprint)
DIMS = 64                    # bytes of a stored vector, whatever its kind
TERMS = DIMS // 3            # a term vector's terms: 21 x (2 bytes of hash + 1 of weight), as the browser reads it
RAREST = 1e-8                # the English frequency of a word wordfreq does not list (its rarity's ceiling)
BUCKETS = 1024              # hashed features a related paper is found by (bench/vectors.py)

_WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset("""
a about above after again against all also an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having here how however i if
in into is it its itself just more most no nor not of off on once only or other our out over own same she should so
some such than that the their them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours via thus within without upon using
based new paper propose proposed show shows study results result approach method methods present provide here
""".split())


@lru_cache(maxsize=1 << 18)
def word_hash(word: str) -> int:
    """A word's feature hash: crc32 (zlib: the same on every machine and Python, unlike the salted str hash) of
    the word lower-cased and folded (models -> model, studies -> study); -1 for a stop word, a number or a letter."""
    if len(word) < 2 or word in STOP_WORDS or word.isdigit():
        return -1
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    return zlib.crc32(word.encode("utf-8"))


def text_features(text: str) -> np.ndarray:
    """The feature hashes of a text's words and of its adjacent word pairs (a pair's from its words' two)."""
    hashes = np.fromiter(map(word_hash, _WORD.findall(text.lower())), dtype=np.int64)
    kept = hashes[hashes >= 0].astype(np.uint64)
    pairs = (kept[:-1] * np.uint64(0x9E3779B1) + kept[1:] + np.uint64(0x7F4A7C15)) & np.uint64(0xFFFFFFFF)
    return np.concatenate([kept, pairs])


def hashed(paper: Paper) -> np.ndarray:
    """The paper's features (its title's counted twice) hashed, with a sign, into BUCKETS weights of
    1 + log(count): a HashingVectorizer's row, whose cosines are the features' own but for rare collisions
    (what related papers are found by)."""
    title = text_features(paper.title)
    keys, counts = np.unique(np.concatenate([title, title, text_features(paper.abstract or "")]), return_counts=True)
    row = np.zeros(BUCKETS, dtype=np.float32)
    weights = (1.0 + np.log(counts)).astype(np.float32)
    # In the keys' sorted order: float sums in another order could round the last bit differently.
    np.add.at(row, (keys % np.uint64(BUCKETS)).astype(np.intp), np.where(keys >> np.uint64(31), weights, -weights))
    return row


@lru_cache(maxsize=4)
def sign_matrix(rows: int) -> np.ndarray:
    """A fixed rows x DIMS sign matrix (+1/-1), drawn from blake2b, not from a random generator whose stream a
    numpy release might change: row i is the same whatever `rows` is."""
    drawn = b"".join(hashlib.blake2b(i.to_bytes(4, "little"), digest_size=DIMS // 8, person=b"ahub-prj").digest()
                     for i in range(rows))
    bits = np.unpackbits(np.frombuffer(drawn, dtype=np.uint8).reshape(rows, DIMS // 8), axis=1)
    return bits.astype(np.float64) * 2.0 - 1.0


def projection() -> np.ndarray:
    """The BUCKETS x DIMS sign matrix of the local vectoriser's compact vector."""
    return sign_matrix(BUCKETS)


def quantised(summed: np.ndarray) -> np.ndarray:
    """A projected vector as the stored DIMS signed bytes, scaled to the largest (all zero for a zero vector)."""
    top = float(np.abs(summed).max())
    if top == 0.0:
        return np.zeros(DIMS, dtype=np.int8)
    return np.rint(summed * (127.0 / top)).astype(np.int8)


def earlier_vector(paper: Paper) -> np.ndarray:
    """The earlier local vectoriser's (FIRST_MODEL's) vector: the hashed row's fixed sign projection to DIMS,
    quantised; kept to compare with (bench/vectors.py), no longer stored."""
    return quantised(hashed(paper).astype(np.float64) @ projection())


@lru_cache(maxsize=1)
def english_frequencies() -> dict[str, float]:
    """wordfreq's English word frequencies (its data ships in the package: nothing is downloaded), read once."""
    import wordfreq   # half a second to load: only when a local vector is made
    return dict(wordfreq.get_frequency_dict("en"))


@lru_cache(maxsize=1 << 18)
def rarity(word: str) -> float:
    """-log of the word's frequency in English (at most -log RAREST): high for a field's own words."""
    return -math.log(max(english_frequencies().get(word, 0.0), RAREST))


def term_weights(paper: Paper) -> dict[int, float]:
    """Each of the paper's terms (16 bits of its folded word's hash) and its weight: (1 + log count) x the rarity
    of its commonest spelling, the title's words counted twice."""
    counts: Counter[int] = Counter()
    common: dict[int, float] = {}
    for text in (paper.title, paper.title, paper.abstract or ""):
        for word in _WORD.findall(text.lower()):
            feature = word_hash(word)
            if feature >= 0:
                term = feature & 0xFFFF
                counts[term] += 1
                common[term] = min(common.get(term, math.inf), rarity(word))
    return {term: (1.0 + math.log(n)) * common[term] for term, n in counts.items()}


def term_vector(paper: Paper) -> np.ndarray:
    """MODEL's stored vector: the TERMS weightiest terms' 16-bit hashes (little-endian, bytes 0-41), then their
    weights scaled to the largest (1-255, bytes 42-62; 0 is no term), as DIMS signed bytes."""
    top = sorted(term_weights(paper).items(), key=lambda tw: (-tw[1], tw[0]))[:TERMS]
    out = np.zeros(DIMS, dtype=np.uint8)
    if top:
        out[:2 * len(top)] = np.array([term for term, _ in top], dtype="<u2").view(np.uint8)
        out[2 * TERMS:2 * TERMS + len(top)] = [max(1, round(w * 255 / top[0][1])) for _, w in top]
    return out.view(np.int8)


def vector(paper: Paper) -> np.ndarray:
    """The paper's stored vector by the local vectoriser: DIMS bytes."""
    return term_vector(paper)


def kind_of(name: str) -> str:
    """How vectors of the vectoriser `name` are compared: "terms" (MODEL's), or "signed" (DIMS signed bytes, by
    their cosine: the earlier local vectoriser's and an embeddings model's)."""
    return "terms" if name == MODEL else "signed"


KINDS = ("signed", "terms")   # kind_of's answers, numbered (site/foryou.py hands the number to the browser)


def comparable_rows(vectors: Sequence[np.ndarray], kind: str) -> np.ndarray:
    """Stored vectors of one kind as unit rows whose dot products are their cosines (a term vector spread over
    its 65,536 terms, the terms' weights as values)."""
    if kind == "signed":
        return unit_rows(vectors)
    rows = np.zeros((len(vectors), 1 << 16), dtype=np.float32)
    for row, vec in zip(rows, vectors):
        raw = vec.view(np.uint8)
        weights = raw[2 * TERMS:3 * TERMS].astype(np.float32)
        np.add.at(row, raw[:2 * TERMS].view("<u2").astype(np.intp), weights)
    return unit_rows(list(rows))


def unit_rows(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """The vectors as rows of unit length (a zero vector stays zero), for cosines by one matrix product."""
    rows = np.array(vectors, dtype=np.float32).reshape(len(vectors), -1)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
