"""`course check-course`: each authoring slip, planted in a temporary copy of the course, is
reported as one line that names the file and the fix; release and gradescope stop on it."""
import shutil

import pytest

from course.cli import main
from course.manifest import load
from course.authoring.preflight import preflight
from tests.conftest import ROOT


def copy_course(dest):
    skip = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.new")
    for name in ("solutions", "exercises", "autograder", "data"):
        shutil.copytree(ROOT / name, dest / name, ignore=skip)
    for name in ("course.toml", "nbgrader_config.py"):
        shutil.copy(ROOT / name, dest / name)
    return dest


@pytest.fixture
def copy(tmp_path):
    """A copy of the course's own files, to plant a slip in."""
    return copy_course(tmp_path / "course")


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    """What the pre-flight says about an untouched copy: a planted slip must add exactly its line
    (test_the_course_passes is the one test that needs the course itself to be clean)."""
    return preflight(load(copy_course(tmp_path_factory.mktemp("clean") / "course")))


@pytest.fixture
def planted(before):
    """The pre-flight's lines about a copy, less those the untouched copy gets too."""
    return lambda root: [p for p in preflight(load(root)) if p not in before]


def edit(path, old, new, count=1):
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, count))


def line_of(path, text, nth=1) -> int:
    """The line number of the nth line of `path` holding `text`."""
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return hits[nth - 1]


def test_the_course_passes(course):
    assert preflight(course) == [], "course check-course finds problems in the course"


def test_an_unclosed_region_is_reported_at_its_opening_line(copy, planted):
    solution = copy / "solutions" / "kaiming.py"
    begin, next_begin = line_of(solution, "### BEGIN SOLUTION"), line_of(solution, "### BEGIN SOLUTION", 2)
    edit(solution, "### END SOLUTION\n", "\n")                   # the first region loses its end
    assert planted(copy) == [f"solutions/kaiming.py:{begin}: ### BEGIN SOLUTION is not closed; "
                                     f"add ### END SOLUTION before line {next_begin}"]


def test_an_unclosed_last_region_and_a_stray_end(copy, planted):
    solution = copy / "solutions" / "bigram.py"
    text = solution.read_text()
    last_end = text.rindex("### END SOLUTION")
    solution.write_text(text[:last_end] + text[last_end:].replace("### END SOLUTION", "", 1))
    last_begin = line_of(solution, "### BEGIN SOLUTION", text.count("### BEGIN SOLUTION"))
    nb = copy / "solutions" / "05-recall.ipynb"
    edit(nb, '"### BEGIN HIDDEN TESTS\\n",', '"\\n",')
    problems = planted(copy)
    assert problems[0] == (f"solutions/bigram.py:{last_begin}: ### BEGIN SOLUTION is never closed; "
                           "add ### END SOLUTION where the region ends")
    assert len(problems) == 2 and problems[1].startswith("solutions/05-recall.ipynb, cell ")
    assert problems[1].endswith("### END HIDDEN TESTS without a ### BEGIN HIDDEN TESTS before it; "
                                "remove it or add the ### BEGIN HIDDEN TESTS")


def test_an_exercise_without_a_grader(copy, planted):
    rule = "# " + "-" * 87 + "\n"
    edit(copy / "course.toml", rule + "[[assignment]]\nid = \"mlp\"",
         "[[exercise]]\nid = \"bigram.perplexity\"\nassignment = \"bigram\"\npoints = 2\n"
         "[exercise.hints]\nexp = \"exp(nll)\"\n\n[[assignment]]\nid = \"mlp\"")
    assert planted(copy) == [
        "course.toml: exercise 'bigram.perplexity' has no grader, so it drops out of every total; add a check "
        "with @exercise(\"bigram.perplexity\") to autograder/test_bigram.py, or remove the exercise"]


def test_a_grader_of_an_exercise_course_toml_lacks(copy, planted):
    grader = copy / "autograder" / "test_bigram.py"
    line = line_of(grader, '@exercise("bigram.build_vocab")')
    edit(grader, '@exercise("bigram.build_vocab")', '@exercise("bigram.build_vocabulary")')
    assert planted(copy) == [
        f"autograder/test_bigram.py:{line}: @exercise(\"bigram.build_vocabulary\") is not an exercise of "
        "course.toml; fix the id, or add the exercise to course.toml"]


def test_a_hint_key_course_toml_lacks(copy, planted, course):
    grader = copy / "autograder" / "test_bigram.py"
    line = line_of(grader, 'hint="both"')
    edit(grader, 'hint="both"', 'hint="bothh"')
    hints = ", ".join(course.exercise("bigram.build_vocab").hints)
    assert planted(copy) == [
        f"autograder/test_bigram.py:{line}: hint 'bothh' is not a hint of bigram.build_vocab in course.toml; "
        f"add it to that exercise's hints, or use one of: {hints}"]


def test_a_hint_key_in_a_helper_is_checked_against_the_exercises_that_call_it(copy, planted):
    grader = copy / "autograder" / "test_kaiming.py"
    grader.write_text(grader.read_text() + '\n\ndef _planted(ok):\n    check(ok, "planted", hint="values")\n\n\n'
                      '@exercise("kaiming.gain")\ndef test_planted_gain():\n    _planted(True)\n\n\n'
                      '@exercise("kaiming.kaiming_std")\ndef test_planted_std():\n    _planted(True)\n')
    line = line_of(grader, 'hint="values"', grader.read_text().count('hint="values"'))
    problems = planted(copy)
    assert len(problems) == 1, problems        # 'values' is a hint of gain, not of kaiming_std
    assert problems[0].startswith(f"autograder/test_kaiming.py:{line}: hint 'values' is not a hint of "
                                  "kaiming.kaiming_std in course.toml")


def test_notebook_points_that_disagree(copy, planted):
    edit(copy / "course.toml", "reflection = 5", "reflection = 6")
    assert planted(copy) == ["solutions/05-recall.ipynb: cell 'reflection' is worth 5 points in the "
                                     "notebook but 6 in course.toml; make them agree"]


def test_stale_stubs_and_fixtures(copy, planted):
    edit(copy / "solutions" / "bigram.py", "Lecture 2 — the bigram language model.",
         "Lecture 2 — the bigram language model (revised).")
    fixture = copy / "autograder" / "fixtures" / "bigram.json"
    edit(fixture, '"total_bigrams": ', '"total_bigrams": 1')
    assert planted(copy) == [
        "exercises/bigram.py: out of date with solutions/bigram.py; run `course stubs`",
        "autograder/fixtures/bigram.json: out of date with solutions/; run `course fixtures`"]


def test_check_course_release_and_gradescope_stop_on_a_slip(copy, tmp_path, monkeypatch, capsys):
    edit(copy / "course.toml", "reflection = 5", "reflection = 6")
    monkeypatch.setenv("COURSE_ROOT", str(copy))
    assert main(["check-course"]) == 1
    assert "cell 'reflection' is worth 5 points" in capsys.readouterr().out
    assert main(["release", str(tmp_path / "student")]) == 2
    assert main(["gradescope", str(tmp_path / "bundle.zip")]) == 2
    err = capsys.readouterr().err
    assert "cell 'reflection' is worth 5 points" in err and "`course check-course`" in err
    assert not (tmp_path / "student").exists() and not (tmp_path / "bundle.zip").exists()
