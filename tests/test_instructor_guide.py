"""docs/instructor.md: its table of contents is its headings, and every command in it is exercised.

A command is a line of a ```bash block or a code span that starts with a command (`course ...`,
`nbgrader ...`, `jupyter ...`, `make ...`, `pytest ...`, `python ...`). Each is mapped to the
tests that run it (COVERED, checked to exist); every `course` line of a bash block is parsed by the
course's own argument parser; the nbgrader order of the guide is run here, line by line as the
guide writes it, in a copy of the course; the formgrader it opens with `jupyter lab` is checked to
be enabled. Run with `-s` to see the table of contents.
"""
from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "instructor.md"
TEXT = GUIDE.read_text()
STARTS = ("course", "nbgrader", "jupyter", "make", "pytest", "python", ".venv/bin/python")
ME = "tests/test_instructor_guide.py"
TERM = "tests/test_grade_term.py"

# The first two words of a command (a script's path for python) -> the tests that exercise it.
COVERED = {
    "make test": [f"{ME}::test_every_command_of_the_guide_is_exercised"],   # this suite: what `make test` runs
    "make setup": ["tests/test_setup.py::test_torch_comes_from_the_cpu_index_when_it_answers"],
    "course doctor": ["tests/test_any_machine.py::test_doctor_says_the_level_and_why"],
    "course check-course": ["tests/test_preflight.py::test_check_course_release_and_gradescope_stop_on_a_slip"],
    "course notebooks": [f"{ME}::test_the_guide_s_nbgrader_order_runs_as_written",
                         "tests/test_nbgrader.py::test_course_notebooks_keeps_a_source_edited_in_nbgrader_folder"],
    "course release": ["tests/test_release.py::test_what_goes_in_and_what_stays_out",
                       "tests/test_release.py::test_releasing_again_keeps_the_learners_work"],
    "course gradescope": ["tests/test_gradescope.py::test_results_visibility_is_chosen_when_the_bundle_is_built",
                          "tests/test_gradescope.py::test_the_command_takes_visibility",
                          "tests/test_gradescope.py::test_the_full_bundle_grades_the_reference_to_full_points"],
    "course grade": [f"{TERM}::test_a_regrade_of_one_student_without_the_gradebook_keeps_every_manual_point",
                     f"{TERM}::test_the_exit_status_speaks_of_the_student_graded_not_of_a_stray_file",
                     f"{TERM}::test_a_whole_class_run_of_one_assignment_without_the_gradebook_keeps_them_too",
                     "tests/test_grade_output.py::test_the_command_says_a_bad_number_in_one_line_and_exits_2"],
    "course stubs": ["tests/test_stubs.py::test_regenerating_updates_untouched_stubs_and_keeps_edited_ones"],
    "course fixtures": ["tests/test_manifest_and_data.py::test_fixtures_are_in_sync_with_solutions",
                        "tests/test_preflight.py::test_stale_stubs_and_fixtures"],
    "course update": ["tests/test_update.py::test_update_keeps_every_line_the_learner_wrote"],
    "course --help": ["tests/test_student_cli.py::test_help_in_the_instructors_tree_lists_every_command"],
    "course --version": ["tests/test_student_cli.py::test_version"],
    "nbgrader release_assignment": [f"{ME}::test_the_guide_s_nbgrader_order_runs_as_written"],
    "nbgrader fetch_assignment": [f"{ME}::test_the_guide_s_nbgrader_order_runs_as_written"],
    "nbgrader submit": [f"{ME}::test_the_guide_s_nbgrader_order_runs_as_written"],
    "nbgrader collect": [f"{ME}::test_the_guide_s_nbgrader_order_runs_as_written"],
    "nbgrader zip_collect": [f"{ME}::test_the_guide_s_nbgrader_order_runs_as_written"],
    "nbgrader autograde": [f"{ME}::test_the_guide_s_nbgrader_order_runs_as_written"],
    "nbgrader generate_feedback": [f"{ME}::test_the_guide_s_nbgrader_order_runs_as_written"],
    "nbgrader export": [f"{ME}::test_the_guide_s_nbgrader_order_runs_as_written"],
    "nbgrader validate": ["tests/test_nbgrader.py::test_validate_passes_the_visible_tests_and_fails_the_release"],
    "nbgrader formgrader": [f"{ME}::test_the_formgrader_is_a_server_extension_jupyter_lab_opens"],   # "no longer"
    "jupyter lab": [f"{ME}::test_the_formgrader_is_a_server_extension_jupyter_lab_opens"],
    "jupyter notebook": [f"{ME}::test_the_formgrader_is_a_server_extension_jupyter_lab_opens"],
    "pytest autograder": ["tests/test_graders.py::test_solutions_earn_every_point",
                          "tests/test_release.py::test_pytest_autograder_runs_in_the_release_and_scores_zero"],
    "gradescope/lock.py": ["tests/test_gradescope.py::test_every_line_of_the_lock_is_pinned_with_a_hash",
                           "tests/test_gradescope.py::test_the_locked_files_are_wheels_for_cpython_310_on_manylinux_x86_64"],
}


def bash_lines(text: str = TEXT) -> list[str]:
    """The commands of the ```bash blocks, comments dropped."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                lines.append(shlex.join(words))
    return lines


def spans(text: str = TEXT) -> list[str]:
    """The code spans of the prose that start with a command."""
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    return [" ".join(s.split()) for s in re.findall(r"`([^`]+)`", prose)
            if s.split()[0] in STARTS and len(s.split()) > 1]


def key(command: str) -> str:
    words = command.rstrip(":").replace(": ", " ").split()
    if words[0] in ("python", ".venv/bin/python"):
        return words[1]
    return " ".join(words[:2]) if not words[1].startswith("--") or words[0] == "course" else words[0]


def test_the_contents_are_the_headings_in_order():
    headings = re.findall(r"^## (.+)$", TEXT, re.M)
    assert headings[0] == "Contents"
    contents = re.findall(r"^\d+\. \[(.+?)\]\(#([^)]+)\)$", TEXT, re.M)
    print("\n" + "\n".join(f"{i}. {title}" for i, (title, _) in enumerate(contents, 1)))

    def anchor(title: str) -> str:                  # GitHub's: lower case, punctuation dropped, spaces to -
        return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
    assert [t for t, _ in contents] == headings[1:]
    assert [a for _, a in contents] == [anchor(h) for h in headings[1:]]
    for link in set(re.findall(r"\]\(#([^)]+)\)", TEXT)):                # every link inside the guide lands
        assert link in {anchor(h) for h in headings}, link


def test_the_guide_covers_what_the_issue_asks():
    for words in ("Before term", "Each assignment", "After the deadline", "zip_collect", "release_assignment",
                  "--visibility", "after_due_date", "combined", "--student", "empty submission",
                  "no course files found", "What each sandbox level defends", "level `user`"):
        assert words in TEXT, words


def test_every_command_of_the_guide_is_exercised():
    commands = bash_lines() + spans()
    assert len(commands) > 30
    missing = sorted({key(c) for c in commands} - set(COVERED))
    assert not missing, f"commands of docs/instructor.md no test exercises (add one to COVERED): {missing}"
    for tests in COVERED.values():
        for node in tests:
            path, name = node.split("::")
            defined = {n.name for n in ast.parse((ROOT / path).read_text()).body if isinstance(n, ast.FunctionDef)}
            assert name in defined, f"{node} does not exist"


def test_every_course_command_of_a_bash_block_parses():
    from course.cli import build_parser
    for line in bash_lines():
        words = shlex.split(line)
        if words[0] != "course":
            continue
        try:
            build_parser(words[1]).parse_args(words[1:])
        except SystemExit:
            pytest.fail(f"docs/instructor.md: `{line}` is not a valid command")


def test_the_readme_points_to_the_guide_and_keeps_its_two_set_up_commands():
    readme = (ROOT / "README.md").read_text()
    assert "(docs/instructor.md)" in readme
    assert "make demo" in readme and "make test" in readme
    for gone in ("## Grading a class", "### nbgrader", "### Releasing to students", "## The instructor's loop"):
        assert gone not in readme, gone
    assert len(readme.splitlines()) < 500


# ------------------------------------------------------------------ the nbgrader order, as written
def guide_nbgrader_lines() -> list[str]:
    section = TEXT[TEXT.index("**1. Stage and release.**"):TEXT.index("## Grading a class")]
    return [line for line in bash_lines(section) if line.split()[0] in ("course", "nbgrader")]


def test_the_guide_s_nbgrader_order_runs_as_written(tmp_path):
    """In a copy of the course: `course notebooks`, then every nbgrader line of the guide in its
    order; a student fetches and submits through the exchange before `collect`, and a learning
    platform's download (a notebook and a zip) lies in downloaded/ before `zip_collect`."""
    from tests.test_nbgrader import copy_course
    root = copy_course(tmp_path)
    bin_ = str(Path(sys.executable).parent)
    env = {**os.environ, "COURSE_ROOT": str(root), "PATH": f"{bin_}{os.pathsep}{os.environ['PATH']}"}
    env.pop("NBGRADER_ROOT", None)
    work = root / ".nbgrader"
    exchange = f"--Exchange.root={work / 'exchange'}"

    def run(line: str, cwd: Path = root) -> str:
        done = subprocess.run(shlex.split(line), cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"`{line}` failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done.stdout + done.stderr

    lines = guide_nbgrader_lines()
    assert [line.split()[:2] for line in lines] == [
        ["course", "notebooks"], ["nbgrader", "release_assignment"], ["nbgrader", "collect"],
        ["nbgrader", "zip_collect"], ["nbgrader", "autograde"], ["nbgrader", "generate_feedback"],
        ["nbgrader", "export"]]
    student = tmp_path / "student"
    student.mkdir()
    released = (root / "exercises" / "05-recall.ipynb").read_bytes()
    for line in lines:
        if line.startswith("nbgrader collect"):          # a student on the hub, before the collection
            run(f"nbgrader fetch_assignment recall --course makemore {exchange}", cwd=student)
            run(f"nbgrader submit recall --course makemore {exchange}", cwd=student)
        if line.startswith("nbgrader zip_collect"):      # a learning platform's download
            archive = work / "downloaded" / "recall" / "archive"
            archive.mkdir(parents=True)
            (archive / "ann_05-recall.ipynb").write_bytes(released)
            with zipfile.ZipFile(archive / "ben_upload.zip", "w") as zf:
                zf.writestr("ben_05-recall.ipynb", released)
        run(line)
    hub_user = next(p.name for p in (work / "submitted").iterdir() if p.name not in ("ann", "ben"))
    for who in ("ann", "ben", hub_user):
        assert (work / "submitted" / who / "recall" / "05-recall.ipynb").is_file(), who
        assert (work / "autograded" / who / "recall" / "05-recall.ipynb").is_file(), who
        assert (work / "feedback" / who / "recall" / "05-recall.html").is_file(), who
    grades = (root / "grades.csv").read_text().splitlines()       # export: into the course folder...
    assert len(grades) == 4 and grades[0].startswith("assignment,")
    if shutil.which("git") and (ROOT / ".git").exists():        # ... which git ignores, like .nbgrader/
        for rel in ("grades.csv", ".nbgrader/gradebook.db", ".nbgrader/submitted/ann/recall/05-recall.ipynb"):
            assert subprocess.run(["git", "check-ignore", "-q", rel], cwd=ROOT).returncode == 0, rel


def test_the_formgrader_is_a_server_extension_jupyter_lab_opens():
    """`jupyter lab` from the course folder serves the formgrader: nbgrader's server extension is
    enabled (and `nbgrader formgrader`, as the guide says, is no command)."""
    bin_ = Path(sys.executable).parent
    done = subprocess.run([str(bin_ / "jupyter"), "server", "extension", "list"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    listing = done.stdout + done.stderr
    assert re.search(r"nbgrader\.server_extensions\.formgrader\s.*enabled", listing), listing[-2000:]
    assert shutil.which("jupyter-lab", path=str(bin_))
    from nbgrader.apps.nbgraderapp import NbGraderApp
    assert "formgrader" not in NbGraderApp.subcommands
