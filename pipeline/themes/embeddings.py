"""Static sentence embeddings from the WordLlama weights inside the ``wordllama`` wheel.

The theme model adds the mean WordLlama token embedding of a sentence (and of its context) to
its n-gram features: paraphrases ("rekindle ties with Damascus", "restore relations with the
regime") land near each other even when they share no n-gram. The weights are read straight
from the installed wheel with ``safetensors`` and ``tokenizers``: nothing is downloaded, and
``wordllama`` itself is not imported (:func:`wordllama_model`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

WORDLLAMA_PACKAGE = "wordllama"  # pinned wordllama==0.4.0.post1: its wheel ships the weights below
WORDLLAMA_WEIGHTS = ("weights", "l2_supercat_256.safetensors")  # 32,000 tokens x 256 dims (float16)
WORDLLAMA_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
_WORDLLAMA: dict[str, Any] = {}  # the embedding table and tokenizer, loaded once per process
MAX_CACHED_WORDS = 20_000  # bounded (about 20 MB at most), so memory stays flat on any corpus
_WORD_TABLE: dict[str, Any] = {"rows": {}}  # word -> row of "vectors" (sum of its token vectors) and "counts"


def _word_rows(texts: Sequence[str]) -> tuple[list[int], list[int]]:
    """The cache rows of the whitespace-separated words of all texts, in order, and each text's
    number of words (unseen words are tokenized and added to the cache)."""
    embedding, tokenizer = wordllama_model()
    cache = _WORD_TABLE["rows"]
    if "vectors" not in _WORD_TABLE:
        _WORD_TABLE["vectors"] = np.zeros((1024, embedding.shape[1]), dtype=np.float32)
        _WORD_TABLE["counts"] = np.zeros(1024, dtype=np.float32)
    split = [text.split() for text in texts]
    missing = {word for words in split for word in words if word not in cache}
    if missing:
        if len(cache) + len(missing) > MAX_CACHED_WORDS:
            cache.clear()
            missing = {word for words in split for word in words}
        vectors, counts = _WORD_TABLE["vectors"], _WORD_TABLE["counts"]
        needed = len(cache) + len(missing)
        if needed > len(vectors):
            size = max(needed, 2 * len(vectors))
            vectors = np.concatenate([vectors, np.zeros((size - len(vectors), vectors.shape[1]), np.float32)])
            counts = np.concatenate([counts, np.zeros(size - len(counts), np.float32)])
            _WORD_TABLE["vectors"], _WORD_TABLE["counts"] = vectors, counts
        for word in sorted(missing):  # sorted: the same rows whatever the set order
            ids = tokenizer.encode(word, add_special_tokens=False).ids
            ids = np.minimum(np.asarray(ids, dtype=np.int64), embedding.shape[0] - 1)
            row = len(cache)
            vectors[row] = embedding[ids].sum(axis=0, dtype=np.float32)
            counts[row] = len(ids)
            cache[word] = row
    return [cache[word] for words in split for word in words], [len(words) for words in split]


def wordllama_model() -> tuple[np.ndarray, Any]:
    """The WordLlama ``l2_supercat`` 256-dim token embeddings and tokenizer, loaded once per process.

    Read straight from the files inside the installed ``wordllama`` wheel with ``safetensors``
    and ``tokenizers``: nothing is downloaded and ``wordllama`` itself is not imported (its
    ``WordLlama.load`` looks for the bundled tokenizer in the wrong folder and would then fetch
    it from Hugging Face; importing it also reconfigures the root logger).
    """
    if "embedding" not in _WORDLLAMA:
        import importlib.util

        from safetensors import safe_open
        from tokenizers import Tokenizer

        spec = importlib.util.find_spec(WORDLLAMA_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("the theme model needs the wordllama package (pip install wordllama==0.4.0.post1)")
        root = Path(list(spec.submodule_search_locations)[0])
        with safe_open(str(root.joinpath(*WORDLLAMA_WEIGHTS)), framework="np", device="cpu") as handle:
            # kept as stored (float16, 16 MB); word sums are accumulated in float32 (_word_rows)
            embedding = handle.get_tensor("embedding.weight")
        tokenizer = Tokenizer.from_file(str(root.joinpath(*WORDLLAMA_TOKENIZER)))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        _WORDLLAMA["tokenizer"] = tokenizer
        _WORDLLAMA["embedding"] = embedding
    return _WORDLLAMA["embedding"], _WORDLLAMA["tokenizer"]


def embed(texts: Sequence[str], normalize: bool = True):
    """Mean WordLlama token embedding of each text, L2-normalised: CSR rows, float64, 256 columns.

    Texts are split on whitespace and each word is tokenized on its own (``encode``, not the
    multi-threaded ``encode_batch``, so forked worker processes are safe) and cached with the sum
    of its token vectors: a sentence's embedding is a sum of cached word sums divided by its token
    count, so the cost is dictionary look-ups for words seen before. The result does not depend on
    batching or on what the cache holds. An empty text (no word) is an empty row.
    """
    from scipy import sparse

    flat, lengths = _word_rows(texts)
    indptr = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))
    indices = np.asarray(flat, dtype=np.int64)
    table, token_counts = _WORD_TABLE["vectors"], _WORD_TABLE["counts"]
    # float32 like the table, so the product does not copy the table to float64
    words = sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr),
                              shape=(len(lengths), len(table)))
    sums = np.asarray(words @ table, dtype=np.float64)  # per text: sum of its words' token sums
    n_tokens = np.asarray(words @ token_counts, dtype=np.float64)
    nonempty = n_tokens > 0
    vectors = sums[nonempty] / n_tokens[nonempty, None]
    if normalize:
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms > 0, norms, 1.0)
    dim = table.shape[1]
    out_indptr = np.concatenate(([0], np.cumsum(nonempty.astype(np.int64) * dim)))
    out_indices = np.tile(np.arange(dim, dtype=np.int32), len(vectors))
    return sparse.csr_matrix((vectors.ravel(), out_indices, out_indptr), shape=(len(lengths), dim))
