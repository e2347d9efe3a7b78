"""The `course` command in a student release: learner commands only, an instructor's command
refused in one line, and `--version`; in the instructor's tree, every command."""
import re
import subprocess
import sys

import pytest

from course.authoring import release
from course.cli import INSTRUCTOR_ONLY
from tests.conftest import ROOT

LEARNER = {"check", "hint", "doctor", "train", "sample", "challenge", "experiments", "update", "week", "watch"}


def course_cmd(folder, *args):
    """`course ARGS` run in `folder`, with the course package found there (a release has its own)."""
    return subprocess.run([sys.executable, "-m", "course.cli", *args], cwd=folder, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})


def listed(help_text: str) -> set[str]:
    """The subcommands `course --help` lists."""
    block = help_text.split("COMMAND\n", 2)[-1]
    return set(re.findall(r"^ {4}([a-z][a-z-]+)", block, flags=re.M))


@pytest.fixture(scope="module")
def student(tmp_path_factory, course):
    folder = tmp_path_factory.mktemp("student")
    release.release(course, folder, check_sync=False)
    return folder


def test_help_in_a_student_copy_lists_the_learner_commands_only(student):
    done = course_cmd(student, "--help")
    assert done.returncode == 0, done.stderr
    assert listed(done.stdout) == LEARNER


def test_an_instructor_command_in_a_student_copy_is_one_kind_line(student):
    for command in ("fixtures", "stubs", "grade"):
        done = course_cmd(student, command, "--check")
        assert done.returncode == 2
        assert done.stderr.splitlines() == [f"course {command}: an instructor's command; this student copy does "
                                            "not have it (`course --help` lists yours)"]


def test_learner_commands_still_work_in_a_student_copy(student, course):
    done = course_cmd(student, "hint", "count_bigrams")
    assert done.returncode == 0, done.stderr
    assert next(iter(course.exercise("bigram.count_bigrams").hints.values())) in done.stdout   # the gentlest


def test_version(student, course):
    done = course_cmd(student, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("makemore-course ")
    assert f"course {course.about.name} {course.about.version} in {student}" in done.stdout


def test_help_in_the_instructors_tree_lists_every_command():
    done = course_cmd(ROOT, "--help")
    assert done.returncode == 0, done.stderr
    assert listed(done.stdout) == LEARNER | set(INSTRUCTOR_ONLY)


def test_help_imports_no_module_of_a_command():
    """`course --help` lists every command from cli.COMMANDS alone: no torch, no nbgrader."""
    code = ("import sys\nfrom course import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'nbformat', 'matplotlib', 'course.classgrade.grade', "
            "'course.classgrade.command', 'course.learner.train') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-500:]


def test_every_declared_command_is_added_by_its_module():
    from course.cli import COMMANDS, build_parser
    for command in COMMANDS:
        args = build_parser(command.name).parse_args([command.name, *ARGS.get(command.name, [])])
        assert callable(args.run), command


ARGS = {"hint": ["count_bigrams"], "train": ["mlp"], "update": ["somewhere"], "release": ["out"],
        "grade": ["subs", "--out", "out"], "gradescope": ["out.zip"]}


def test_a_student_copy_has_no_instructor_package(student):
    """The release ships what a learner runs: course/'s core, grading/ and learner/."""
    assert not (student / "course" / "authoring").exists() and not (student / "course" / "classgrade").exists()
    assert (student / "course" / "grading" / "judge" / "plugin.py").is_file()
    assert (student / "course" / "learner" / "week.py").is_file()
