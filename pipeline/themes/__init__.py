"""Sentence themes: a scikit-learn multi-label classifier over :data:`pipeline.records.THEMES`."""
from pipeline.themes.classifier import ThemeClassifier, extract_statements, train

__all__ = ["ThemeClassifier", "extract_statements", "train"]
