"""The analysts' loop: export statements for review, import corrected themes.

``export_review`` writes a CSV with one row per statement of a run's output (its text, the
predicted themes and the seven scores). An analyst edits the ``themes`` column (theme ids
separated by ``;``, empty for none) and ``import_review`` stores every row whose themes differ
from the prediction in the *corrections file* (default ``data/themes/corrections.jsonl``, or
``$NGO_PIPELINE_CORRECTIONS``), keyed by a hash of the sentence text. From then on:

- every run gives a corrected sentence the reviewed themes with ``themes_source="review"``
  (:func:`apply_corrections`: corrections win over predictions, and the quotes and claims of
  the sentence take them);
- :func:`pipeline.themes.training.train` adds the corrections to the training data;
- the output folder the CSV came from is updated in place, so the change is visible without
  re-running the pipeline.

Corrections are keyed by text, not by document, because the same sentence (a boilerplate
line, a quoted phrase) should get the same themes wherever it appears.

The CSV is meant to be opened in a spreadsheet, so a sentence that would run as a formula
there (``=HYPERLINK(...)``, ``-2+3``) is written with a ``'`` in front
(:mod:`pipeline.csvsafe`); the import takes it off again, so the text, and the key of its
correction, are the sentence's own.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Iterable

from pipeline.csvsafe import restored_row, safe_row
from pipeline.records import THEMES

CORRECTIONS_FILENAME = "corrections.jsonl"
THEME_SEPARATOR = ";"
# CSV columns: what the analyst reads, edits (themes) and what identifies the row.
CSV_COLUMNS: tuple[str, ...] = (
    "doc_id", "statement_id", "text", "predicted_themes", "themes", "themes_source",
    *(f"score_{theme}" for theme in THEMES),
)
_REPO_ROOT = Path(__file__).resolve().parents[2]
_WHITESPACE = re.compile(r"\s+")


class ReviewError(ValueError):
    """A review CSV is malformed or names an unknown theme."""


def text_key(text: str) -> str:
    """Stable key of a sentence: SHA-1 of its whitespace-collapsed, casefolded text (16 hex)."""
    normalised = _WHITESPACE.sub(" ", text).strip().casefold()
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()[:16]


def default_corrections_path() -> Path:
    """``$NGO_PIPELINE_CORRECTIONS`` when set, else ``data/themes/corrections.jsonl``."""
    override = os.environ.get("NGO_PIPELINE_CORRECTIONS")
    return Path(override) if override else _REPO_ROOT / "data" / "themes" / CORRECTIONS_FILENAME


_CACHE: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}  # path -> (mtime, corrections)


def read_corrections(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The corrections file as ``{text_key: {"key", "text", "context", "themes", ...}}``.

    A missing file means no corrections. The file is re-read only when it changed, so
    classifying many documents costs one ``stat`` per document.
    """
    path = Path(path) if path is not None else default_corrections_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    cached = _CACHE.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    corrections: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                corrections[row.get("key") or text_key(row["text"])] = row
    _CACHE[str(path)] = (mtime, corrections)
    return corrections


def parse_themes(cell: str | None) -> list[str]:
    """``"detention; covid"`` -> ``["detention", "covid"]`` in THEMES order.

    Raises
    ------
    ReviewError
        On a theme id that is not one of :data:`pipeline.records.THEMES`.
    """
    names = [n.strip() for n in re.split(r"[;,|]", cell or "") if n.strip()]
    unknown = sorted(set(names) - set(THEMES))
    if unknown:
        raise ReviewError(f"unknown theme(s) {unknown}; use {', '.join(THEMES)}")
    return [t for t in THEMES if t in names]


def _atomic_write(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` to ``path`` through a temporary file and a rename: never half-written."""
    from pipeline.output import write_text_atomic

    write_text_atomic(path, lines)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):  # a store may keep lists as JSON text
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return parse_themes(value)
    return [t for t in THEMES if t in (value or [])]


def export_review(out_dir: str | Path, csv_path: str | Path, *, raw_csv: bool = False) -> int:
    """Write the statements of a run's output to a review CSV; return the number of rows.

    Parameters
    ----------
    out_dir : str or Path
        Output of ``ngo-pipeline run`` (read with :func:`pipeline.load`).
    csv_path : str or Path
        The CSV to write (UTF-8 with BOM so spreadsheet programs read accents; columns
        :data:`CSV_COLUMNS`). ``themes`` starts equal to ``predicted_themes``. It is written
        atomically: on any error (a full disk) an existing file is left as it was.
    raw_csv : bool
        Write the text exactly as stored. By default a sentence a spreadsheet would run as a
        formula gets a leading ``'`` (:func:`pipeline.csvsafe.spreadsheet_safe`).
    """
    import pipeline
    from pipeline.output import atomic_path

    statements = pipeline.load(out_dir)["statements"]
    # written beside the target and renamed over it: a full disk leaves the previous CSV as it was
    with atomic_path(csv_path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in statements.to_dict("records"):
            themes = THEME_SEPARATOR.join(_as_list(row.get("themes")))
            scores = row.get("scores") or {}
            if isinstance(scores, str):
                scores = json.loads(scores)
            writer.writerow(safe_row({
                "doc_id": row["doc_id"], "statement_id": row["statement_id"], "text": row["text"],
                "predicted_themes": themes, "themes": themes,
                "themes_source": row.get("themes_source") or "model",
                **{f"score_{t}": scores.get(t, "") for t in THEMES},
            }, raw=raw_csv))
    return len(statements)


def read_review(csv_path: str | Path) -> list[dict[str, Any]]:
    """Rows of a review CSV whose ``themes`` differ from ``predicted_themes``.

    Reads spreadsheet-safe and raw CSVs alike: a cell's leading ``'`` before a formula
    character (written by :func:`export_review`) is taken off (:func:`pipeline.csvsafe.restore`).

    Returns
    -------
    list of dict
        ``{"doc_id", "statement_id", "text", "themes"}`` per changed row.

    Raises
    ------
    ReviewError
        When a required column is missing or a theme id is unknown (with the line number).
    """
    changed = []
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "themes", "predicted_themes"} - set(reader.fieldnames or [])
        if missing:
            raise ReviewError(f"{csv_path}: missing column(s) {sorted(missing)}")
        for line_no, row in enumerate(reader, 2):
            row = restored_row(row)
            try:
                themes = parse_themes(row["themes"])
                predicted = parse_themes(row["predicted_themes"])
            except ReviewError as exc:
                raise ReviewError(f"{csv_path}:{line_no}: {exc}") from None
            if themes != predicted and (row.get("text") or "").strip():
                changed.append({"doc_id": row.get("doc_id"), "statement_id": row.get("statement_id"),
                                "text": row["text"].strip(), "themes": themes})
    return changed


def store_corrections(changes: list[dict[str, Any]], path: str | Path | None = None) -> Path:
    """Merge changed rows into the corrections file (a later correction of a text wins)."""
    path = Path(path) if path is not None else default_corrections_path()
    corrections = dict(read_corrections(path))
    for change in changes:
        key = text_key(change["text"])
        corrections[key] = {"key": key, "text": change["text"], "context": "",
                            "themes": change["themes"], "doc_id": change.get("doc_id")}
    _atomic_write(path, (json.dumps(row, ensure_ascii=False) + "\n"
                         for row in sorted(corrections.values(), key=lambda r: r["key"])))
    return path


def apply_to_output(out_dir: str | Path, corrections: dict[str, dict[str, Any]]) -> int:
    """Give the statements of an existing output the reviewed themes; return rows changed.

    A SQLite store (``pipeline.sqlite`` in the folder, or the file itself) is updated through
    ``pipeline.store.set_statement_themes``, which also re-derives the themes of the quotes
    and claims of the documents touched. A folder of exported JSONL tables is rewritten
    atomically (``statements.jsonl`` replaced in one rename); its quotes and claims keep their
    themes until the next run.
    """
    out = Path(out_dir)
    changed = 0
    jsonl = out / "statements.jsonl"
    if jsonl.is_file():
        rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
        for row in rows:
            reviewed = corrections.get(text_key(row["text"]))
            if reviewed is not None and (row.get("themes") != reviewed["themes"]
                                         or row.get("themes_source") != "review"):
                row["themes"] = list(reviewed["themes"])
                row["themes_source"] = "review"
                changed += 1
        if changed:
            _atomic_write(jsonl, (json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    store_path = out if out.is_file() else out / "pipeline.sqlite"
    if store_path.is_file():
        changed += _apply_to_store(store_path, corrections)
    return changed


def _apply_to_store(store_path: Path, corrections: dict[str, dict[str, Any]]) -> int:
    from pipeline.store import iter_rows, open_store, set_statement_themes

    conn = open_store(store_path)  # only the statements: no need to load every table
    try:
        updates = [{"doc_id": row["doc_id"], "statement_id": row["statement_id"],
                    "themes": list(reviewed["themes"])}
                   for row in iter_rows(conn, "statements")
                   if (reviewed := corrections.get(text_key(row["text"]))) is not None]
    finally:
        conn.close()
    return set_statement_themes(store_path, updates) if updates else 0


def import_review(csv_path: str | Path, corrections_path: str | Path | None = None,
                  out_dir: str | Path | None = None) -> dict[str, Any]:
    """Store the corrections of an edited review CSV and apply them to an output.

    Parameters
    ----------
    csv_path : str or Path
        A CSV written by :func:`export_review` and edited by an analyst.
    corrections_path : str or Path, optional
        The corrections file (default :func:`default_corrections_path`).
    out_dir : str or Path, optional
        An output folder (or SQLite store) whose statements should show the corrections now.

    Returns
    -------
    dict
        ``corrected`` (changed CSV rows), ``corrections`` (total in the file),
        ``corrections_path``, ``output_rows_updated``.
    """
    changes = read_review(csv_path)
    path = store_corrections(changes, corrections_path)
    corrections = read_corrections(path)
    updated = apply_to_output(out_dir, corrections) if out_dir is not None and Path(out_dir).exists() else 0
    return {"corrected": len(changes), "corrections": len(corrections),
            "corrections_path": str(path), "output_rows_updated": updated}


def apply_corrections(result, corrections: dict[str, dict[str, Any]]) -> int:
    """Give the statements of a :class:`~pipeline.records.DocumentResult` their reviewed themes.

    A corrected sentence gets the reviewed themes and ``themes_source="review"`` (its scores stay
    the model's), the quotes and claims it holds take them, and so does the document's own themes.
    Returns the statements changed.
    """
    from pipeline.records import document_themes
    from pipeline.themes.statements import assign_record_themes

    changed = 0
    for statement in result.statements if corrections else ():
        reviewed = corrections.get(text_key(statement.text))
        if reviewed is not None:
            statement.themes = [t for t in THEMES if t in reviewed["themes"]]
            statement.themes_source = "review"
            changed += 1
    if changed:
        assign_record_themes((*result.quotes, *result.claims), result.statements)
        result.document.themes, result.document.theme_scores = document_themes(
            [s.themes for s in result.statements])
    return changed
