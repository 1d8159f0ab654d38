"""Build the hostile files of issue 19 at full size, run the pipeline over them plus the sample
corpus, and report each outcome, the peak memory per process and whether the sample documents
came out as in a clean run.

    python scripts/hostile_corpus.py [--workdir /tmp/hostile] [--workers 1] [--scale 1]

Builds (about 20 s): a 1.1 MB .docx inflating to 1.1 GiB; PDFs of 1 MB and 2 MB whose streams
inflate to 1 and 2 GiB; texts of 900,000 and 300,000 curly quotes (2.7 and 0.9 MB); a
2,000-page PDF whose every line ends in a hyphen; links to /etc/passwd and /etc; the ten
sample documents. Then ``ngo-pipeline run`` over the folder and over the sample corpus alone,
each in its own process, and ``scripts/compare_stores.py`` on the sample documents.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.hostile_files import (  # noqa: E402
    docx_bomb,
    hyphenated_pdf,
    pdf_flate_bomb,
    quote_flood,
)

GIB = 1 << 30

# run the CLI in a child process and report its own peak and its children's
RUNNER = """
import resource, sys, json
from pipeline.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps({"main_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "children_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}),
          file=sys.stderr)
"""


def build(folder: Path, scale: float = 1.0) -> None:
    """The hostile files at ``scale`` times their full size (the test suite runs 0.001), the
    links, and the sample corpus."""
    folder.mkdir(parents=True)
    docx_bomb(folder / "bomb.docx", int(1.1 * GIB * scale))
    pdf_flate_bomb(folder / "flate_1g.pdf", int(GIB * scale))
    pdf_flate_bomb(folder / "flate_2g.pdf", int(2 * GIB * scale))
    quote_flood(folder / "quotes_900k.txt", int(900_000 * scale))
    quote_flood(folder / "quotes_300k.txt", int(300_000 * scale))
    hyphenated_pdf(folder / "hyphens_2000_pages.pdf", max(1, int(2_000 * scale)))
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "etc").symlink_to("/etc")
    for path in sorted((REPO / "corpus").iterdir()):
        if path.is_file():
            shutil.copy(path, folder / path.name)


def run(paths: list[Path], out: Path, workers: int) -> dict:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RUNNER, "run", *map(str, paths), "--out", str(out), "-q",
                           "--workers", str(workers)], capture_output=True, text=True, cwd=REPO)
    peaks = json.loads(proc.stderr.strip().splitlines()[-1])
    return {"returncode": proc.returncode, "seconds": round(time.perf_counter() - started, 1), **peaks,
            "traceback": "Traceback" in proc.stdout + proc.stderr}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/hostile"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="size of the hostile files against the full size (the test suite runs 0.001)")
    args = parser.parse_args(argv)
    shutil.rmtree(args.workdir, ignore_errors=True)
    started = time.perf_counter()
    build(args.workdir / "in", args.scale)
    sizes = {p.name: p.stat().st_size for p in (args.workdir / "in").iterdir() if p.is_file() and not p.is_symlink()}
    print(f"built in {time.perf_counter() - started:.0f} s: " + ", ".join(
        f"{name} {size / (1 << 20):.1f} MiB" for name, size in sorted(sizes.items()) if size > 100_000))
    hostile = run([args.workdir / "in"], args.workdir / "out", args.workers)
    clean = run([REPO / "corpus"], args.workdir / "clean", args.workers)
    summary = json.loads((args.workdir / "out" / "run.json").read_text())
    for outcome in summary["outcomes"]:
        name = Path(outcome["source"]).name
        if name not in sizes or sizes[name] > 100_000 or outcome["outcome"] != "ok":
            print(f"  {name:<28} {outcome['outcome']:<8} {outcome['kind'] or '':<14} {(outcome['message'] or '')[:90]}")
    print(f"hostile run: exit {hostile['returncode']}, {hostile['seconds']} s, peak {hostile['main_mib']:.0f} MiB "
          f"main process, {hostile['children_mib']:.0f} MiB largest child, traceback: {hostile['traceback']}")
    print(f"clean run:   exit {clean['returncode']}, {clean['seconds']} s, peak {clean['main_mib']:.0f} MiB main")
    compared = subprocess.run([sys.executable, str(REPO / "scripts" / "compare_stores.py"),
                               str(args.workdir / "clean" / "pipeline.sqlite"), str(args.workdir / "out" / "pipeline.sqlite"),
                               "--shared-only", "--ignore", "source"], capture_output=True, text=True)
    print("sample documents against the clean run:\n" + compared.stdout)
    largest = max(hostile["main_mib"], hostile["children_mib"])
    print(f"peak per process {largest:.0f} MiB ({'under' if largest < 2048 else 'OVER'} 2 GiB); "
          f"self: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    sys.exit(0 if hostile["returncode"] == 0 and compared.returncode == 0 and largest < 2048 else 1)


if __name__ == "__main__":
    main()
