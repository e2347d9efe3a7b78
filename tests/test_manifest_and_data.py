"""course.toml and the bundled data: one-line errors that name the file and the problem."""
import shutil
import subprocess
import sys

import pytest

from course.authoring import fixtures
from course.data import load_words
from course.manifest import CourseError, load
from tests.conftest import ROOT


def test_bundled_data_matches_its_checksum(course):
    words = load_words(course)
    assert len(words) == 32257 and words[0] == "emma"


def test_fixtures_are_in_sync_with_solutions(course):
    outcomes = fixtures.make(course, check=True)
    assert all(what == "up to date" for _, what in outcomes), outcomes


def make_course(tmp_path, toml_text=None, names=None):
    (tmp_path / "data").mkdir()
    (tmp_path / "course.toml").write_text(toml_text or (ROOT / "course.toml").read_text())
    if names is None:
        shutil.copy(ROOT / "data" / "names.txt", tmp_path / "data" / "names.txt")
    else:
        (tmp_path / "data" / "names.txt").write_text(names)
    return tmp_path


def test_a_changed_data_file_is_refused(tmp_path):
    root = make_course(tmp_path, names="emma\nolivia\n")
    with pytest.raises(CourseError, match=r"names.txt: sha256 is .* course.toml expects"):
        load_words(load(root))


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("points = 3", "points = \"three\"", 1), r"points should be a int"),
    (lambda t: t.replace('[data]', '[data', 1), r"not valid TOML"),
    (lambda t: t.replace('assignment = "bigram"', 'assignment = "bigrams"', 1), r"names assignment 'bigrams'"),
])
def test_a_malformed_manifest_gives_one_clear_line(tmp_path, edit, message):
    root = make_course(tmp_path, edit((ROOT / "course.toml").read_text()))
    with pytest.raises(CourseError, match=message):
        load(root)


def test_cli_reports_a_malformed_manifest_in_one_line(tmp_path):
    root = make_course(tmp_path, (ROOT / "course.toml").read_text().replace("[data]", "[data", 1))
    proc = subprocess.run([sys.executable, "-m", "course.cli", "hint", "nll"], cwd=root,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "course.toml: not valid TOML" in proc.stderr


def test_cli_hint(course):
    proc = subprocess.run([sys.executable, "-m", "course.cli", "hint", "count_bigrams", "--all"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0
    for text in course.exercise("bigram.count_bigrams").hints.values():
        assert text in proc.stdout


def test_solution_docstring_examples_hold():
    proc = subprocess.run([sys.executable, "-m", "pytest", "--doctest-modules", "-q", "-p", "no:cacheprovider",
                           str(ROOT / "solutions")], cwd=ROOT / "solutions", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
