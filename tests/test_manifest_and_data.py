"""course.toml and the bundled data: one-line errors that name the file and the problem."""
import shutil
import subprocess
import sys

import pytest

from course.authoring import fixtures
from course.data import load_words
from course.manifest import CourseError, Grading, load
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
    (lambda t: t.replace("points = 3", "points = \"three\"", 1),
     r"^course.toml: \[\[exercise\]\] bigram.count_bigrams points should be an integer \(e.g. `points = 3`\), not 'three'$"),
    (lambda t: t.replace('[data]', '[data', 1), r"not valid TOML"),
    (lambda t: t.replace('assignment = "bigram"', 'assignment = "bigrams"', 1), r"names assignment 'bigrams'"),
    (lambda t: t.replace("format = 1", "", 1), r"^course.toml: the file has no `format`; add `format = 1` at its top"),
    (lambda t: t.replace("format = 1", "format = 2", 1), r"written in format 2, but this copy of the course's code reads "
                                                         r"format 1; use the course.toml and the code of one release"),
    (lambda t: t.replace("points = 3", "point = 3", 1), r"^course.toml: \[\[exercise\]\] bigram.count_bigrams has no "
                                                         r"`points`; add a line `points = 3`$"),
    (lambda t: t.replace("cpu_floor = 10", "cpu_flor = 10", 1), r"^course.toml: \[grading\] has no key `cpu_flor` "
                                                                r"\(a typo\?\); the keys it may have: cpu_factor, cpu_floor, "),
    (lambda t: t.replace("memory_mb = 4096", "memory_mb = true", 1), r"\[grading\] memory_mb should be an integer"),
    (lambda t: t.replace('answers = ["mlp_shapes"]', 'answers = ["mlp shapes"]', 1),
     r"\[\[exercise\]\] recall.mlp_shapes answers should be a list of Python names"),
    (lambda t: t.replace('id = "bigram.nll"', 'id = "bigram.build_vocab"', 1),
     r"exercise 'bigram.build_vocab' is listed twice; keep one \[\[exercise\]\] of that id"),
])
def test_a_malformed_manifest_gives_one_clear_line(tmp_path, monkeypatch, edit, message):
    root = make_course(tmp_path, edit((ROOT / "course.toml").read_text()))
    monkeypatch.chdir(root)                       # the file is named as the person sees it from here
    with pytest.raises(CourseError, match=message) as e:
        load(root)
    assert "\n" not in str(e.value)


def test_grading_keys_left_out_take_their_defaults(tmp_path, course):
    text = (ROOT / "course.toml").read_text()
    table = text[text.index("[grading]"):text.index("[[assignment]]")]
    kept = "[grading]\ncpu_factor = 30\n"
    copy = load(make_course(tmp_path, text.replace(table, kept)))
    assert copy.grading == Grading(cpu_factor=30)
    assert (copy.grading.cpu_floor, copy.grading.memory_mb, copy.grading("output_limit")) == (10, 4096, 20000)
    # the defaults are course.toml's values: leaving the table out changes nothing
    assert course.grading == Grading()
    (tmp_path / "none").mkdir()
    assert load(make_course(tmp_path / "none", text.replace(table, ""))).grading == Grading()


def test_the_manifest_is_typed_and_keeps_no_raw_dict(course):
    assert course.format == 1 and course.about.name == "makemore" and course.data.path == "data/names.txt"
    assert course.data_path == ROOT / "data" / "names.txt" and course.release.instructor_only == ()
    assert course.grading("cpu_floor") == course.grading.cpu_floor
    with pytest.raises(CourseError, match="has no key 'timeout'"):
        course.grading("timeout")
    assert not hasattr(course, "raw")


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
