"""The guided notebooks, run once per test session in quick mode, with the figures they computed.

`quick_run(name)` executes solutions/<name> top to bottom with COURSE_QUICK=1 (the
notebooks then train for fewer steps) and one extra cell at the end that prints the
notebook's own variables as JSON: numbers, strings, and lists and dicts of them (a tensor of
one element counts as a number). tests/test_claims.py reads those figures to check that what
the prose says still holds; tests/test_notebooks.py checks the figures drawn. Both share one
run per notebook.
"""
from __future__ import annotations

import functools
import json
import shutil
import tempfile
from pathlib import Path

import nbformat

from tests.conftest import ROOT

MARK = "NOTEBOOK-FIGURES "
ENV = {"COURSE_QUICK": "1", "OMP_NUM_THREADS": "1"}

# Runs in the notebook's kernel after its last cell: every plain value of its namespace.
PROBE = '''
import json as _json, torch as _torch
def _plain(v, depth=0):
    if isinstance(v, _torch.Tensor) and v.numel() == 1:
        return v.item()
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if depth < 4 and isinstance(v, (list, tuple)) and len(v) <= 100_000:
        out = [_plain(x, depth + 1) for x in v]
        return out if all(x is not _skip for x in out) else _skip
    if depth < 4 and isinstance(v, dict):
        out = {str(k): _plain(x, depth + 1) for k, x in v.items()}
        return {k: x for k, x in out.items() if x is not _skip}
    return _skip
_skip = object()
_figures = {k: _plain(v) for k, v in list(globals().items()) if not k.startswith("_")}
print("''' + MARK + '''" + _json.dumps({k: v for k, v in _figures.items() if v is not _skip}))
'''


@functools.lru_cache(maxsize=None)
def quick_run(name: str) -> tuple[nbformat.NotebookNode, dict]:
    """(the executed notebook, its figures) for solutions/<name>, run in quick mode."""
    from course.authoring import notebooks
    nb = nbformat.read(ROOT / "solutions" / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    folder = Path(tempfile.mkdtemp(prefix="quick-run-"))
    try:
        path = folder / name
        nbformat.write(nb, path)
        executed = notebooks.execute(path, timeout=300, env=ENV, cwd=ROOT / "solutions")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    probe = executed.cells.pop()
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    line = next(line for line in text.splitlines() if line.startswith(MARK))
    return executed, json.loads(line[len(MARK):])


def printed(nb: nbformat.NotebookNode) -> str:
    """Everything the cells printed, in order."""
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if o.get("output_type") == "stream")
