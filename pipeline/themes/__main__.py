"""``python -m pipeline.themes train|compare|benchmark``."""
from pipeline.themes.training import _main

_main()
