# One command sets up and runs the pipeline on the sample corpus; one runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install everything (spaCy model included)

run: setup  ## analyse corpus/ into outputs/ and print a summary
	$(BIN)/ngo-pipeline run corpus --out outputs

test: setup  ## run the test suite
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) outputs/*.jsonl outputs/run.json outputs/pipeline.sqlite
