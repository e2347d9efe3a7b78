"""The lecture notebooks run top to bottom against the solutions, and read well.

They run with COURSE_QUICK=1, which the notebooks read to train for fewer steps (the full
run takes under two minutes each; see the README). One run per notebook is shared with
tests/test_claims.py (tests/notebook_runs.py)."""
import base64

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from course.authoring import notebooks
from tests.conftest import ROOT
from tests.notebook_runs import quick_run

GUIDED = ["02-bigram.ipynb", "03-mlp-lm.ipynb", "04-init-and-batchnorm.ipynb"]
# what each must draw, inline: the counts heat map and loss curves; loss curves, the learning-rate finder and
# the two embeddings; the opening look at lecture 3's MLP,
# activation and gradient histograms for each of the three experiments, and the comparison
MIN_FIGURES = {"02-bigram.ipynb": 2, "03-mlp-lm.ipynb": 4, "04-init-and-batchnorm.ipynb": 8}


def test_every_notebook_is_in_course_toml(course):
    listed = [nb for a in course.assignments for nb in a.notebooks]
    assert sorted(listed) == sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
    assert set(GUIDED) <= set(listed)


@pytest.mark.parametrize("name", GUIDED)
def test_the_source_is_clean_and_guided(name):
    nb = nbformat.read(ROOT / "solutions" / name, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "store the source without outputs"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    experiments = text.count("**Goal.**")
    assert experiments >= 3
    assert text.count("**What to observe.**") == text.count("**What it teaches.**") == experiments
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "COURSE_QUICK" in code and "solutions" not in code      # it imports the modules beside it


@pytest.mark.parametrize("name", GUIDED)
def test_runs_top_to_bottom_on_the_solutions(name):
    nb, _ = quick_run(name)
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= MIN_FIGURES[name]
    assert all(len(base64.b64decode(f["data"]["image/png"])) > 5000 for f in figures)   # not empty canvases


def test_on_the_untouched_stubs_it_stops_at_the_first_unfinished_function():
    with pytest.raises(CellExecutionError, match="bigram.build_vocab is not started yet"):
        notebooks.execute(ROOT / "exercises" / "02-bigram.ipynb", timeout=60, env={"COURSE_QUICK": "1"})


@pytest.mark.parametrize("name", GUIDED)
def test_the_rendered_copy_in_docs_is_current(name):
    """docs/<name> (made by `python docs/render.py`) shows the outputs of the current source."""
    rendered = nbformat.read(ROOT / "docs" / name, as_version=4)
    source = nbformat.read(ROOT / "solutions" / name, as_version=4)
    code = lambda nb: [c.source for c in nb.cells if c.cell_type == "code"]     # noqa: E731
    assert code(rendered) == code(source), f"docs/{name} is out of date: run `python docs/render.py {name}`"
    assert all(c.get("outputs") for c in rendered.cells if c.cell_type == "code" and c.source.strip()
               and not c.source.lstrip().startswith(("def ", "import"))), f"docs/{name} lacks outputs"
    assert "COURSE_QUICK" not in str([o for c in rendered.cells if c.cell_type == "code" for o in c.outputs])
