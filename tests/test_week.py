"""`course week` (course/learner/week.py): the learner's end-of-week section, and nothing of theirs lost."""
import argparse

import nbformat

from course.learner import week
from tests.conftest import ROOT


def test_the_section_goes_between_markers_and_the_rest_is_kept(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# My notes\n\nsomething I wrote\n")
    assert week.write_section(readme, week.section("see WEEK.md")) == "added a section"
    first = readme.read_text()
    assert first.startswith("# My notes\n\nsomething I wrote\n") and week.BEGIN in first and week.END in first
    readme.write_text(first + "\nmore notes after it\n")                   # the learner keeps writing
    week.write_section(readme, week.section("see WEEK.md again"))
    text = readme.read_text()
    assert text.startswith("# My notes\n\nsomething I wrote\n") and text.endswith("\nmore notes after it\n")
    assert "see WEEK.md again" in text and "see WEEK.md\n" not in text
    assert text.count(week.BEGIN) == 1 and text.count(week.END) == 1


def test_the_week_says_what_is_not_done_and_claims_nothing_more():
    text = week.week_text("names", "table", "(not written yet)", ["02: run"], ["- mlp.train: not started"], (5, 120),
                          [])
    assert "lectures 2–4 done" not in text and "5/120 points" in text
    assert "### Not done yet" in text and "- mlp.train: not started" in text
    assert "![" not in text                                              # no picture that is not there
    done = week.week_text("names", "table", "I check the loss", ["02: run"], [], (120, 120),
                          ["experiments.png", "mlp-loss.png"])
    assert "lectures 2–4 done" in done and "Not done yet" not in done
    assert f"]({week.FIGURES}/experiments.png)" in done and f"]({week.FIGURES}/mlp-loss.png)" in done


def test_the_experiments_are_the_targets_own(tmp_path, course, monkeypatch):
    """The reference's runs never stand in for the learner's: each target has its own folder."""
    from course.learner import experiments
    assert week.experiments_folder(course, ROOT / "exercises") == experiments.runs_folder(course, ROOT / "exercises")
    assert week.experiments_folder(course, ROOT / "exercises") != week.experiments_folder(course, ROOT / "solutions")


def test_the_figures_go_into_a_tracked_folder(tmp_path, course, monkeypatch):
    from course.learner import experiments
    fake = tmp_path / "runs"
    monkeypatch.setattr(experiments, "runs_folder", lambda c, t: fake / t.name)
    (fake / "exercises").mkdir(parents=True)
    (fake / "exercises" / "experiments.png").write_bytes(b"png")
    copied = week.copy_figures(course, ROOT / "exercises", tmp_path / "week")
    assert "experiments.png" in copied and (tmp_path / "week" / "experiments.png").read_bytes() == b"png"
    ignored = (ROOT / ".gitignore").read_text().split()
    assert not any(line.strip("/") == week.FIGURES for line in ignored)


def test_pictures_of_another_run_do_not_stay_in_the_tracked_folder(tmp_path, course, monkeypatch):
    """The reference's week first (`--target solutions`), then the untouched stubs': the stubs
    made no picture, so none of the reference's may stay in week/ to be committed as theirs."""
    from course.learner import experiments
    fake = tmp_path / "runs"
    monkeypatch.setattr(experiments, "runs_folder", lambda c, t: fake / t.name)
    (fake / "solutions").mkdir(parents=True)
    for name in ("experiments.png", "histograms.png"):
        (fake / "solutions" / name).write_bytes(b"the reference's")
    out = tmp_path / "week"
    assert set(week.copy_figures(course, ROOT / "solutions", out)) >= {"experiments.png", "histograms.png"}
    (out / "my-own-notes.png").write_bytes(b"mine")                     # not the command's: left alone
    assert week.copy_figures(course, tmp_path / "untouched-stubs", out) == []
    assert sorted(p.name for p in out.iterdir()) == ["my-own-notes.png"]


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


def test_why_a_notebook_stopped_is_one_plain_line(tmp_path):
    """WEEK.md says why in one line: no terminal colours, a message's first line and its items."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "raise RuntimeError('these are not started yet:\\n  bigram.build_vocab\\n  mlp.embed\\nFinish them first.')")])
    path = tmp_path / "04-init-and-batchnorm.ipynb"
    nbformat.write(nb, path)
    line = week.run_notebook(path)
    assert "\x1b" not in line and "\n" not in line, line
    assert "RuntimeError: these are not started yet: bigram.build_vocab, mlp.embed" in line, line
    text = week.week_text("names", "table", "mine", [line], ["- mlp.train: not started"], (0, 9), [])
    assert f"- {line}" in text and "run with their outputs" not in text


def test_a_notebook_runs_in_place_with_its_outputs(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    path = tmp_path / "03-mlp-lm.ipynb"
    nbformat.write(nb, path)
    assert "run with its outputs" in week.run_notebook(path)
    assert "42" in nbformat.read(path, as_version=4).cells[0].outputs[0]["text"]


def test_the_references_sources_are_not_run_in_place(tmp_path, course):
    """`course week --target solutions` shows what the reference makes without writing outputs
    into the instructor's source notebooks (stored without them); the learner's run in place."""
    out = week.notebook_output(course, ROOT / "solutions", "02-bigram.ipynb")
    assert out is not None and out.relative_to(course.root / "runs") and out.name == "02-bigram.ipynb"
    assert week.notebook_output(course, ROOT / "exercises", "02-bigram.ipynb") is None
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    path = tmp_path / "02-bigram.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    line = week.run_notebook(path, tmp_path / "runs" / "02-bigram.ipynb")
    assert "written to" in line and path.read_bytes() == before
    assert "42" in nbformat.read(tmp_path / "runs" / "02-bigram.ipynb", as_version=4).cells[0].outputs[0]["text"]


def test_the_command_parses():
    parser = argparse.ArgumentParser()
    week.add_parser(parser.add_subparsers())
    args = parser.parse_args(["week", "--skip-notebooks", "--target", "solutions"])
    assert args.run is week.cmd_week and args.skip_notebooks and args.target == "solutions"


def test_it_runs_as_a_module_too():
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "course.learner.week", "--help"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and "--skip-notebooks" in proc.stdout
