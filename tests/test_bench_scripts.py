"""Every benchmark script of ``scripts/`` runs at a tiny size, so none can rot unnoticed.

(``scripts/bench_search.py`` is covered by tests/test_search.py; ``ngo-pipeline bench`` by
tests/test_bench.py.) Each runs as a command, as a user would run it; the figures are not
asserted, the report's structure and arithmetic are.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE_CORPUS, copy_sample

FILES = ("09_dhen_sudan_el_fasher_2024.json", "02_crrn_lebanon_deportations_2024.txt")


def _script(name: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, str(REPO / "scripts" / name), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=REPO)


def test_bench_cluster_runs_the_main_process_against_sleeping_dask_workers(tmp_path):
    pytest.importorskip("distributed")
    corpus = copy_sample(tmp_path / "corpus", FILES)
    done = _script("bench_cluster.py", str(corpus), "--workers", "1", "2", "--seconds-per-worker", "0.5",
                   "--scale", "0.1", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["documents"] == len(FILES) and report["words_per_copy"] > 500
    assert [step["workers"] for step in report["steps"]] == [1, 2]
    for step in report["steps"]:
        assert step["words"] == step["copies"] * report["words_per_copy"]  # every copy stored
        assert step["words_per_second"] == pytest.approx(step["words"] / step["seconds"])
        assert step["main_cpu_us_per_word"] > 0 and 0 < step["main_busy"] <= 1.5
        assert step["cluster_cpu_seconds"] is None or step["cluster_cpu_seconds"] > 0  # the sleeping workers' own
    assert report["steps"][0]["speedup"] == pytest.approx(1.0)


def test_hostile_corpus_runs_at_a_thousandth_of_its_size(tmp_path):
    done = _script("hostile_corpus.py", "--workdir", str(tmp_path / "hostile"), "--scale", "0.001")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "hostile run: exit 0" in done.stdout and "traceback: False" in done.stdout
    assert "quotes" in done.stdout and "identical" in done.stdout  # the sample documents as in a clean run
    summary = json.loads((tmp_path / "hostile" / "out" / "run.json").read_text(encoding="utf-8"))
    outcomes = {Path(o["source"]).name: (o["outcome"], o["kind"]) for o in summary["outcomes"]}
    assert outcomes["passwd.txt"] == ("skipped", "outside_link")
    assert sum(1 for name in outcomes if (SAMPLE_CORPUS / name).is_file()) == len(list(SAMPLE_CORPUS.glob("*.*")))
