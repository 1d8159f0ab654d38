"""Sentence themes: a scikit-learn multi-label model over :data:`pipeline.records.THEMES`.

At run time only :mod:`~pipeline.themes.model` (the trained artifact), :mod:`~pipeline.themes.features`,
:mod:`~pipeline.themes.embeddings` and :mod:`~pipeline.themes.statements` are imported;
:mod:`~pipeline.themes.training` and :mod:`~pipeline.themes.card` hold training, cross-validation
and the model card; :mod:`~pipeline.themes.review` the analysts' corrections.
"""
from pipeline.themes.model import ThemeClassifier
from pipeline.themes.statements import classify_sentences

__all__ = ["ThemeClassifier", "classify_sentences"]
