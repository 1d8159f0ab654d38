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

def model_card(classifier) -> str:
    """Markdown model card from the classifier's metadata."""
    from pipeline.themes.data import RANDOM_STATE
    from pipeline.themes.estimators import (
        CHAR_NGRAMS,
        CONTEXT_WEIGHT,
        EMBEDDING_SETS,
        LEMMA_WEIGHT,
    )
    from pipeline.themes.training import F1_TOLERANCE

    meta = classifier.metadata
    lines = [
        "# Theme classifier — model card",
        "",
        f"- Trained: {meta.get('trained_at')} (`python -m pipeline.themes train`)",
        f"- Model: feature set `{meta.get('feature_set')}` (word 1–2-gram TF-IDF, spaCy lemma/entity-label "
        f"1–2-grams (weight {LEMMA_WEIGHT}), char_wb {CHAR_NGRAMS.get(meta.get('feature_set'), 'no')} "
        f"n-gram TF-IDF of the sentence, word TF-IDF of the "
        f"previous sentence (weight {CONTEXT_WEIGHT})"
        + (f", WordLlama l2_supercat 256-dim mean embeddings of the sentence (weight "
           f"{meta.get('embedding_weights', {}).get('embedding')}) and of its context (weight "
           f"{meta.get('embedding_weights', {}).get('context_embedding')})"
           if meta.get("feature_set") in EMBEDDING_SETS else "")
        + "); one-vs-rest "
        f"{_FAMILY_NAMES.get(meta.get('family'), meta.get('family'))}",
        f"- Data: {meta.get('n_examples')} hand-written sentences "
        f"({', '.join(f'{k}: {v}' for k, v in meta.get('n_per_file', {}).items()) or ', '.join(meta.get('data_files', []))}; "
        f"{meta.get('n_corrections', 0)} analysts' corrections); "
        f"{meta.get('n_without_theme')} with no theme, {meta.get('n_multi_theme')} with several, "
        f"{meta.get('n_with_context')} with a written context sentence, "
        f"{meta.get('n_synthetic_context', 0)} given a synthetic one (`with_synthetic_context`)",
        f"- Evaluation: {meta.get('cv_folds')}-fold cross-validation (KFold, shuffled, random_state={RANDOM_STATE}); "
        "the cross-validated thresholds maximise per-theme F1 on the same out-of-fold predictions, so "
        "the tuned figures are slightly optimistic; the shipped thresholds are chosen on real "
        "validation sentences where there are enough of them (below). The data are synthetic, written to the guidelines "
        "(`data/themes/GUIDELINES.md`), so real-text performance is lower: see the held-out "
        "real-sentence scores (`ngo-pipeline eval themes data/gold/themes`) in `docs/themes.md`.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items()),
        "",
        "Cross-validated figures (the threshold column is the shipped one; the precision/recall/F1 "
        "columns are at the cross-validated thresholds, see below):",
        "",
        "| theme | examples | threshold | precision | recall | F1 | F1 at 0.5 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    tuned = meta.get("cv", {}).get("per_theme", {})
    flat = meta.get("cv_at_0_5", {}).get("per_theme", {})
    for theme in THEMES:
        t, f = tuned.get(theme, {}), flat.get(theme, {})
        lines.append(f"| {theme} | {meta.get('label_counts', {}).get(theme)} | "
                     f"{classifier.thresholds[theme]:.2f} | {t.get('precision')} | {t.get('recall')} | "
                     f"{t.get('f1')} | {f.get('f1')} |")
    cv, flat_all = meta.get("cv", {}), meta.get("cv_at_0_5", {})
    lines += [
        "",
        f"Macro-F1 {cv.get('macro_f1')} (at 0.5: {flat_all.get('macro_f1')}), "
        f"micro-F1 {cv.get('micro_f1')}, exact-match ratio {cv.get('exact_match')}.",
        "",
    ]
    validation = meta.get("validation")
    if validation:
        lines += [
            f"## Thresholds chosen on real validation sentences ({validation['sentences']} sentences, "
            f"`{Path(validation['gold_dir']).name}`; never trained on)",
            "",
            f"A theme with at least {validation['min_positives']} positive validation sentences gets the "
            "threshold with the best F1 there (ties within "
            f"{F1_TOLERANCE} go to the threshold nearest 0.5); the others keep the cross-validated one. "
            "The validation figures below are measured on the same sentences the thresholds were "
            "chosen on, so they are optimistic.",
            "",
            "| theme | support | threshold from | threshold | precision | recall | F1 |",
            "|---|---:|---|---:|---:|---:|---:|",
        ]
        for theme in THEMES:
            v = validation["per_theme"][theme]
            lines.append(f"| {theme} | {v['support']} | {v['source']} | {classifier.thresholds[theme]:.2f} | "
                         f"{v['precision']} | {v['recall']} | {v['f1']} |")
        lines += [
            "",
            f"Validation micro-F1 {validation['micro_f1']} (with the cross-validated thresholds: "
            f"{validation['micro_f1_cv_thresholds']}).",
            "",
        ]
        if validation.get("skipped"):
            lines += [f"Left out because their text changed since they were labelled (re-label them): "
                      f"{', '.join(validation['skipped'])}.", ""]
    held_out = meta.get("held_out")
    if held_out:
        rows = {row["group"]: row for row in held_out["rows"]}
        overall = rows["all"]
        lines += [
            f"## Held-out real sentences ({overall['sentences']} sentences of {held_out['documents']} "
            f"documents of the shared corpus, `{Path(held_out['gold_dir']).name}`; never trained or tuned on)",
            "",
            "| theme | support | precision | recall | F1 |",
            "|---|---:|---:|---:|---:|",
        ]
        for theme in THEMES:
            r = rows[f"theme:{theme}"]
            lines.append(f"| {theme} | {r['support']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |")
        lines += [
            "",
            f"Macro-F1 {overall['macro_f1']:.3f}, micro-F1 {overall['micro_f1']:.3f}, exact match "
            f"{overall['exact_match']:.3f}.",
            "",
        ]
    lines += [
        "Intended use: flag which of the seven themes a sentence of an English NGO publication "
        "about Syria (and similar crises) discusses. Not for decisions about individuals.",
        "",
    ]
    return "\n".join(lines)


