"""How long theme classification takes beyond the spaCy pass (``python -m pipeline.themes benchmark``).

The issue's budget is 50 ms for a 2,000-word document on a laptop, *beyond* spaCy: the
parse is shared by every extractor, so only :func:`~pipeline.themes.statements.classify_sentences`
(lemma strings from the parse, the vectorizers, one matrix product, thresholds and
corrections) is timed. The text is the first ``words`` words of the given files (repeated if
they are shorter), cut at a sentence end, so the sentence mix is that of real publications.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any, Sequence

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _sample_text(paths: Sequence[str | Path], words: int) -> str:
    from pipeline.ingest import read_document

    texts = [read_document(p).text for p in paths]
    pool = "\n\n".join(t for t in texts if t.strip())
    if not pool:
        raise ValueError("no text to benchmark on")
    text = pool
    while len(text.split()) < words:
        text += "\n\n" + pool
    tokens = text.split(" ")
    cut = " ".join(tokens[:words])
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    return cut[: end + 1] if end > 0 else cut


def benchmark(paths: Sequence[str | Path] | None = None, words: int = 2000,
              repeats: int = 20) -> dict[str, Any]:
    """Time theme classification of one document of about ``words`` words.

    Returns
    -------
    dict
        ``words``, ``sentences``, ``spacy_ms`` (one parse), ``themes_ms`` (median of
        ``repeats`` runs of :func:`~pipeline.themes.statements.classify_sentences` after a warm-up), ``themes_ms_min`` and
        ``themes_cpu_ms`` (median process CPU time: the figure that does not depend on what
        else the machine is doing).
    """
    from pipeline.analysis import parse
    from pipeline.nlp import load_nlp
    from pipeline.themes.model import ThemeClassifier
    from pipeline.themes.statements import classify_sentences

    if paths is None:
        paths = sorted((_REPO_ROOT / "corpus").glob("*.txt"))
    text = _sample_text(paths, words)
    nlp = load_nlp()
    classifier = ThemeClassifier.load()
    started = time.perf_counter()
    doc = next(parse(nlp, [text]))
    spacy_ms = (time.perf_counter() - started) * 1000
    statements = classify_sentences(doc, classifier)  # warm-up: caches, lazy imports
    timings, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        classify_sentences(doc, classifier)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    # CPU time is what the classifier itself costs; wall time also counts waiting for a busy CPU
    return {"words": len(text.split()), "sentences": len(statements), "spacy_ms": round(spacy_ms, 1),
            "themes_ms": round(statistics.median(timings), 1), "themes_ms_min": round(min(timings), 1),
            "themes_cpu_ms": round(statistics.median(cpu), 1)}
