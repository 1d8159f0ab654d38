"""``python -m pipeline.themes train|compare``."""
from pipeline.themes.classifier import _main

_main()
