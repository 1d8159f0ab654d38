"""Extractors: one module per record type, each a function of a spaCy ``Doc``."""
