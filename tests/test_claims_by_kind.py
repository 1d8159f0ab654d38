"""scripts/claims_by_kind.py: per-kind recall and accuracies from matched gold/claim pairs."""
import importlib.util
from pathlib import Path
from types import SimpleNamespace

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "claims_by_kind.py"
spec = importlib.util.spec_from_file_location("claims_by_kind", SCRIPT)
claims_by_kind = importlib.util.module_from_spec(spec)
spec.loader.exec_module(claims_by_kind)


def _claim(counted, event=None, value=10.0):
    return SimpleNamespace(counted=counted, event=event, value=value, value_max=None)


def test_rows_per_kind_count_matches_and_fields():
    annotations = [
        {"start": 0, "end": 3, "value": 57, "counted": "hospital", "kind": ["percent"]},
        {"start": 5, "end": 9, "value": 1000, "counted": "person", "event": "displaced",
         "kind": ["vague", "elided"]},
        {"start": 12, "end": 15, "value": 10, "counted": "child"},
        {"start": 20, "end": 22, "value": 4, "counted": "death", "kind": ["elided"]},
    ]
    claims = [_claim(None, value=57), _claim("Person", "displaced", 1000), _claim("child")]
    rows = {row["kind"]: row for row in claims_by_kind.by_kind([(annotations, claims, [(0, 0), (1, 1), (2, 2)])])}
    assert rows["percent"] == {"kind": "percent", "gold": 1, "recall": 1.0, "counted_acc": 0.0,
                               "event_acc": 1.0, "value_acc": 1.0}
    assert rows["vague"]["counted_acc"] == 1.0 and rows["vague"]["event_acc"] == 1.0
    # the unmatched elided claim lowers recall, not the accuracies
    assert rows["elided"]["gold"] == 2 and rows["elided"]["recall"] == 0.5 and rows["elided"]["counted_acc"] == 1.0
    assert rows["other"]["gold"] == 1 and rows["other"]["counted_acc"] == 1.0
    assert rows["all"]["gold"] == 4 and rows["all"]["recall"] == 0.75 and rows["all"]["counted_acc"] == 0.667
    assert rows["table"] == {"kind": "table", "gold": 0, "recall": None, "counted_acc": None,
                             "event_acc": None, "value_acc": None}
