"""JSON Schemas of the output tables (one file per table) and a validator."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def schema(table: str) -> dict[str, Any]:
    """The JSON Schema of ``table`` (documents, entities, quotes, claims, dates, statements)."""
    return json.loads((SCHEMA_DIR / f"{table}.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def validator(table: str) -> Draft202012Validator:
    return Draft202012Validator(schema(table))


def validation_errors(table: str, row: dict[str, Any]) -> list[str]:
    """Messages for every way ``row`` breaks the schema of ``table`` (empty when valid)."""
    return [f"{'/'.join(map(str, e.path)) or '<row>'}: {e.message}" for e in validator(table).iter_errors(row)]
