"""`course week` (course/week.py): the learner's end-of-week section, and nothing of theirs lost."""
import argparse

import nbformat

from course import week
from tests.conftest import ROOT


def test_the_section_goes_between_markers_and_the_rest_is_kept(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# My notes\n\nsomething I wrote\n")
    assert week.write_section(readme, week.section("names", "table", "I check the loss", ["02: run"])) \
        == "added a section"
    first = readme.read_text()
    assert first.startswith("# My notes\n\nsomething I wrote\n") and week.BEGIN in first and week.END in first
    readme.write_text(first + "\nmore notes after it\n")                   # the learner keeps writing
    week.write_section(readme, week.section("other names", "table 2", "I check the loss", ["02: run"]))
    text = readme.read_text()
    assert text.startswith("# My notes\n\nsomething I wrote\n") and text.endswith("\nmore notes after it\n")
    assert "other names" in text and "names\n```" not in text.replace("other names", "")
    assert text.count(week.BEGIN) == 1 and text.count(week.END) == 1


def test_the_reflection_comes_from_the_recall_notebook(tmp_path):
    nb = nbformat.read(ROOT / "exercises" / week.RECALL, as_version=4)
    nbformat.write(nb, tmp_path / week.RECALL)
    assert week.reflection(tmp_path).startswith("(not written yet")           # the untouched release
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reflection")
    cell.source = "First the loss at step 0."
    nbformat.write(nb, tmp_path / week.RECALL)
    assert week.reflection(tmp_path) == "First the loss at step 0."


def test_a_notebook_that_fails_is_not_written(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise RuntimeError('not yet')")])
    path = tmp_path / "02-bigram.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    line = week.run_notebook(path)
    assert "failed" in line and "not written" in line and path.read_bytes() == before


def test_a_notebook_runs_in_place_with_its_outputs(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    path = tmp_path / "03-mlp-lm.ipynb"
    nbformat.write(nb, path)
    assert "run with its outputs" in week.run_notebook(path)
    assert "42" in nbformat.read(path, as_version=4).cells[0].outputs[0]["text"]


def test_the_command_parses():
    parser = argparse.ArgumentParser()
    week.add_parser(parser.add_subparsers())
    args = parser.parse_args(["week", "--skip-notebooks", "--target", "solutions"])
    assert args.run is week.cmd_week and args.skip_notebooks and args.target == "solutions"


def test_it_runs_as_a_module_too():
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "course.week", "--help"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and "--skip-notebooks" in proc.stdout
