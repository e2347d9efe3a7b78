"""Render the reference notebooks with their outputs into docs/, so that their figures and
tables can be read without running anything (GitHub shows them).

    python docs/render.py            # every guided notebook of course.toml (a few minutes)
    python docs/render.py 03-mlp-lm.ipynb

Each notebook of solutions/ runs top to bottom in a fresh kernel, in full (not quick) mode,
on the reference modules beside it, and is written to docs/<name> with its outputs.
tests/test_notebooks.py checks that every rendered notebook holds outputs and the same code
as its source, so a change to a notebook without rendering it again fails the tests.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
GUIDED = ["02-bigram.ipynb", "03-mlp-lm.ipynb", "04-init-and-batchnorm.ipynb"]


def render(name: str) -> float:
    from course.authoring import notebooks
    os.environ.pop("COURSE_QUICK", None)                 # the full run
    start = time.perf_counter()
    # The notebooks save what they train beside the modules (03's challenge: beat_217.pt); the
    # reference's saved model is the one `course challenge --target solutions` made, kept as it was.
    kept = {path: path.read_bytes() for path in (ROOT / "solutions").glob("*.pt")}
    try:
        nb = notebooks.execute(ROOT / "solutions" / name, timeout=1800, env={"OMP_NUM_THREADS": "1"})
    finally:
        for path, data in kept.items():
            path.write_bytes(data)
    nbformat.write(nb, ROOT / "docs" / name)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    for name in argv or GUIDED:
        seconds = render(name)
        print(f"docs/{name}: rendered in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
