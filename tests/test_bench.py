"""`ngo-pipeline bench`: both throughputs on the same words, their ratio, stage shares, memory.

Timings are printed, never asserted: only the report's structure and arithmetic are.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.bench import _copy_marker, _probe_main, format_markdown, stage_names, summary_lines
from pipeline.cli import app

from tests.conftest import SAMPLE_CORPUS, copy_sample

FILES = ("09_dhen_sudan_el_fasher_2024.json", "02_crrn_lebanon_deportations_2024.txt")


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("bench_corpus"), FILES)


@pytest.fixture(scope="module")
def report(small_corpus) -> dict:
    result = CliRunner().invoke(app, ["bench", str(small_corpus), "--repeat", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout[result.stdout.index("{"):])


def test_both_passes_run_on_the_same_words(report):
    words_once = sum(len(p.read_text(encoding="utf-8").split()) for p in SAMPLE_CORPUS.glob("0[29]_*"))
    assert report["documents"] == 2 * len(FILES)
    assert report["pipeline"]["documents"] == report["bare_spacy"]["documents"] == report["documents"]
    assert report["words"] == report["pipeline"]["words"]
    assert report["words"] > words_once  # two copies, give or take markup the readers drop
    for side in ("bare_spacy", "pipeline"):
        assert report[side]["seconds"] > 0
        assert report[side]["words_per_second"] == pytest.approx(report["words"] / report[side]["seconds"])
    assert report["ratio"] == pytest.approx(report["pipeline"]["words_per_second"]
                                            / report["bare_spacy"]["words_per_second"])
    # the load-proof variant: CPU seconds of (a) over CPU seconds of (b)
    assert report["ratio_cpu"] == pytest.approx(report["bare_spacy"]["cpu_seconds"]
                                                / report["pipeline"]["cpu_seconds"])


def test_the_main_processs_share_of_the_work_and_its_speedup_bound(report):
    """(b)'s CPU time is split between the main process and the work a worker does (reading,
    analysis, encoding); the serial fraction and Amdahl's bound follow from the two."""
    run, serial = report["pipeline"], report["serial"]
    assert run["worker_cpu_seconds"] > 0 and run["main_cpu_seconds"] > 0
    assert serial["main_us_per_word"] == pytest.approx(1e6 * run["main_cpu_seconds"] / report["words"])
    assert serial["worker_us_per_word"] == pytest.approx(1e6 * run["worker_cpu_seconds"] / report["words"])
    fraction = run["main_cpu_seconds"] / (run["main_cpu_seconds"] + run["worker_cpu_seconds"])
    assert serial["serial_fraction"] == pytest.approx(fraction)
    assert serial["speedup_bound"] == pytest.approx(1 / fraction)
    # the analysis is the worker's: the main process does a small part of the work
    assert run["main_cpu_seconds"] < run["worker_cpu_seconds"]
    text = "\n".join(summary_lines(report))
    assert "main-process CPU per word" in text and "Amdahl speed-up bound" in text


def test_stage_shares_cover_every_stage(report, nlp):
    shares = report["stages"]["share"]
    assert list(shares) == list(stage_names(nlp))
    assert {"ingest", "spacy", "entities", "dates", "claims", "quotes", "themes", "write"} <= set(shares)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert report["stages"]["seconds"]["spacy"] > 0 and report["stages"]["seconds"]["quotes"] > 0
    # every component of the one pipeline is timed, and the stages add up to them
    components = report["stages"]["components"]
    assert set(nlp.pipe_names) | {"tokenizer"} == set(components)
    assert sum(components.values()) + report["stages"]["seconds"]["ingest"] == pytest.approx(
        sum(v for k, v in report["stages"]["seconds"].items() if k != "write"))


def test_report_names_the_machine_and_its_load(report):
    assert report["machine"]["cpus"] >= 1
    assert len(report["machine"]["load_average"]) == 3
    assert report["peak_memory_mib"]["process"] > 50  # spaCy and its model are in there


def test_printed_forms_carry_both_throughputs_and_the_ratio(report):
    text = "\n".join(summary_lines(report))
    assert "(a) bare nlp.pipe" in text and "(b) whole pipeline" in text and "ratio b/a" in text
    assert f"{report['ratio']:.3f}" in text
    markdown = format_markdown(report)
    assert "| quotes |" in markdown and "load average" in markdown


def test_copies_are_distinct_and_wordy_only():
    markers = [_copy_marker(i) for i in range(1, 60)]
    assert len(set(markers)) == len(markers)
    assert not any(ch.isdigit() for marker in markers for ch in marker)  # no claim, no date


def test_memory_probe_streams_copies_into_one_store(small_corpus, capsys):
    _probe_main([str(small_corpus), "--repeat", "3"])
    probe = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert probe["repeat"] == 3 and probe["peak_mib"] > 0 and probe["words"] > 0


def test_bench_refuses_a_missing_path(tmp_path):
    result = CliRunner().invoke(app, ["bench", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
