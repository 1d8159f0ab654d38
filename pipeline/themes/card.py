"""The model card of the theme model, written beside the artifact by :func:`pipeline.themes.training.train`."""
from __future__ import annotations

from pathlib import Path

from pipeline.records import THEMES

_FAMILY_NAMES = {
    "logreg": "LogisticRegression (balanced, sigmoid-calibrated)",
    "svm": "LinearSVC (C=0.5, balanced, sigmoid-calibrated)",
    "sgd": "SGDClassifier (modified Huber, balanced, sigmoid-calibrated)",
    "cnb": "ComplementNB",
}


def _theme_table(per_theme: dict, extra: dict[str, dict] | None = None, extra_name: str = "") -> list[str]:
    head = "| theme | support | precision | recall | F1 |" + (f" {extra_name} |" if extra else "")
    lines = [head, "|---|---:|---:|---:|---:|" + ("---:|" if extra else "")]
    for theme in THEMES:
        m = per_theme.get(theme, {})
        row = f"| {theme} | {m.get('support')} | {m.get('precision')} | {m.get('recall')} | {m.get('f1')} |"
        if extra:
            row += f" {extra.get(theme, '')} |"
        lines.append(row)
    return lines


def model_card(classifier) -> str:
    """Markdown model card from the classifier's metadata."""
    from pipeline.themes.estimators import (
        CHAR_NGRAMS,
        CONTEXT_WEIGHT,
        EMBEDDING_SETS,
        LEMMA_WEIGHT,
        OPENING_WEIGHT,
        PARAGRAPH_WEIGHT,
    )

    meta = classifier.metadata
    feature_set = meta.get("feature_set")
    context = meta.get("context") or {}
    lines = [
        "# Theme classifier — model card",
        "",
        f"- Trained: {meta.get('trained_at')} (`ngo-pipeline train`, `pipeline/themes/training.py`)",
        f"- Sentence model (first stage): feature set `{feature_set}`: word 1–2-gram TF-IDF, spaCy "
        f"lemma/entity-label 1–2-grams (weight {LEMMA_WEIGHT}), char_wb {CHAR_NGRAMS.get(feature_set, 'no')} "
        f"n-grams of the sentence; word TF-IDF of its context, the section heading and the sentence "
        f"before (weight {CONTEXT_WEIGHT})"
        + (f", of its whole paragraph (weight {PARAGRAPH_WEIGHT}) and of its document's opening "
           f"(weight {OPENING_WEIGHT})" if feature_set == "document" else "")
        + (f"; WordLlama l2_supercat 256-dim mean embeddings of the sentence (weight "
           f"{meta.get('embedding_weights', {}).get('embedding')}) and of its context (weight "
           f"{meta.get('embedding_weights', {}).get('context_embedding')})" if feature_set in EMBEDDING_SETS else "")
        + f"; one-vs-rest {_FAMILY_NAMES.get(meta.get('family'), meta.get('family'))}.",
        (f"- Context model (second stage): per theme, a logistic regression (C={context.get('C')}, balanced) "
         f"over the first stage's scores of the sentence and of its context ({', '.join(context.get('features', []))}); "
         f"final score = {context.get('blend')} × context model + {1 - float(context.get('blend', 0)):.1f} × "
         "sentence model." if context else "- No context model: each sentence is scored alone."),
        f"- Real data: {meta.get('real_sentences')} sentences of {meta.get('real_documents')} real publications "
        f"labelled in context ({', '.join(meta.get('real_dirs', []))}; `data/themes/GUIDELINES.md`), positives: "
        + ", ".join(f"{k} {v}" for k, v in meta.get("real_label_counts", {}).items()) + ".",
        f"- Written data: {meta.get('n_examples')} sentences written for the project "
        f"({', '.join(f'{k}: {v}' for k, v in meta.get('n_per_file', {}).items()) or 'none'}; "
        f"{meta.get('n_corrections', 0)} analysts' corrections), trained on in the first stage only; positives: "
        + ", ".join(f"{k} {v}" for k, v in meta.get("label_counts", {}).items()) + ".",
        f"- Evaluation and thresholds: {meta.get('cv_folds')} groups of whole real documents; each group is "
        "scored by models fitted without it (out of fold), and each theme's threshold is the one with the "
        "best F1 on those scores, so the figures below are slightly optimistic. The honest figures are "
        "the held-out documents' (`ngo-pipeline eval themes data/gold/themes`, `data/gold/themes_corpus2`; "
        "`docs/themes.md`).",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items()),
        "",
        "Out-of-fold figures on the real documents (the final model; the last column is the first stage "
        "alone, at its own best thresholds):",
        "",
    ]
    cv, first = meta.get("cv", {}), meta.get("cv_first_stage", {})
    extra = {t: f"{classifier.thresholds[t]:.2f} / {first.get('per_theme', {}).get(t, {}).get('f1')}"
             for t in THEMES}
    lines += _theme_table(cv.get("per_theme", {}), extra, "threshold / first stage F1")
    lines += ["", f"Macro-F1 {cv.get('macro_f1')} (first stage alone: {first.get('macro_f1')}), micro-F1 "
                  f"{cv.get('micro_f1')}, exact-match ratio {cv.get('exact_match')}.", ""]
    for held_out in meta.get("held_out", []):
        rows = {row["group"]: row for row in held_out["rows"]}
        overall = rows["all"]
        lines += [
            f"## Held-out real sentences ({overall['sentences']} sentences of {held_out['documents']} "
            f"documents, `{Path(held_out['gold_dir']).name}`; never trained or tuned on)",
            "",
            "| theme | support | precision | recall | F1 |",
            "|---|---:|---:|---:|---:|",
        ]
        for theme in THEMES:
            r = rows[f"theme:{theme}"]
            lines.append(f"| {theme} | {r['support']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |")
        types = ", ".join(f"{group} {row['macro_f1']:.3f} ({row['sentences']} sentences)"
                          for group, row in rows.items() if "macro_f1" in row and group != "all")
        documents = rows.get("documents")
        lines += ["", f"Macro-F1 {overall['macro_f1']:.3f}, micro-F1 {overall['micro_f1']:.3f}, exact match "
                      f"{overall['exact_match']:.3f}. By document type (macro-F1 over the themes present): "
                      f"{types}." + (f" Document themes: F1 {documents['f1']:.3f}." if documents else ""), ""]
    for error in meta.get("held_out_errors", []):
        lines += [f"Held-out set not scored: {error}", ""]
    lines += [
        "Intended use: flag which of the seven themes a sentence of an English NGO publication "
        "discusses, read in its paragraph and document. Not for decisions about individuals.",
        "",
    ]
    return "\n".join(lines)
