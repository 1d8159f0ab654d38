"""ngo-pipeline: structured, verifiable records from NGO publications.

>>> import pipeline
>>> result = pipeline.analyse("corpus/some-release.txt")   # doctest: +SKIP
>>> tables = pipeline.load("outputs")      # the run's store, outputs/pipeline.sqlite  # doctest: +SKIP

``ngo-pipeline run`` writes a SQLite store (see ``pipeline.store`` and docs/store.md);
``pipeline.load`` reads it, or a folder of JSONL/CSV/Parquet exports, as DataFrames.
"""
from pipeline.records import SCHEMA_VERSION, THEMES, DocumentResult

__version__ = "0.1.0"
__all__ = ["analyse", "load", "DocumentResult", "SCHEMA_VERSION", "THEMES", "__version__"]


def __getattr__(name: str):
    # Import lazily so `import pipeline` stays cheap (no spaCy, no pandas).
    if name == "analyse":
        from pipeline.analysis import analyse

        return analyse
    if name == "load":
        from pipeline.tables import load

        return load
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
