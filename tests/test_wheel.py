"""Packaging: a wheel built from the repository carries its theme model and its lexicon, and,
installed outside the checkout, analyses a document with themes and registers its components."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent('''
    import json, sys
    import pipeline, spacy
    from pipeline.nlp import default_model_name
    result = pipeline.analyse(
        "Press release / 2 May 2023\\n\\nWarplanes bombed the central market of Idlib, killing nine civilians. "
        "The families of the disappeared are still waiting for news of their relatives held in Sednaya.")
    stock = spacy.load(default_model_name())
    stock.add_pipe("ngo_themes")
    print(json.dumps({"file": pipeline.__file__, "themes": [s.themes for s in result.statements],
                      "claims": len(result.claims), "pipes": stock.pipe_names}))
''')


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    [path] = out.glob("ngo_pipeline-*.whl")
    return path


def test_the_wheel_carries_the_models_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "pipeline/resources/themes/themes.joblib" in names
    assert "pipeline/resources/themes/MODEL_CARD.md" in names
    assert {f"pipeline/resources/lexicon/{n}.yaml" for n in ("speech", "people", "numbers", "gender")} <= names
    assert "pipeline/resources/entity_patterns.yaml" in names and "pipeline/themes/taxonomy.yaml" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[spacy_factories]" in text and "ngo_quotes = pipeline.components.quotes:make_quotes" in text


def test_the_installed_wheel_analyses_with_themes_outside_the_checkout(wheel, tmp_path):
    """A fresh virtual environment holds only the wheel; its dependencies are read from this
    environment's site-packages (a .pth path, whose own .pth hooks, among them the checkout's
    editable install, do not run), so nothing is downloaded."""
    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                                "--target", str(site), str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    away = tmp_path / "elsewhere"
    away.mkdir()
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NGO_PIPELINE_MODELS")}
    done = subprocess.run([python, "-c", SCRIPT], cwd=away, capture_output=True, text=True, timeout=600,
                          env=environment)
    assert done.returncode == 0, done.stderr[-3000:]
    import json

    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["file"].startswith(str(site)) and str(REPO) not in report["file"]
    themes = {theme for sentence in report["themes"] for theme in sentence}
    assert {"attacks_on_civilians", "detention"} <= themes
    assert report["claims"] >= 1
    assert "ngo_themes" in report["pipes"]
