"""The `course` command: the course's own operations, for learners and instructors.

Each subcommand lives in the module that does its job; this file only wires them up.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from course.manifest import CourseError, load


def cmd_hint(args) -> int:
    ex = load().find(args.exercise)
    hints = list(ex.hints.values())
    shown = hints if args.all else hints[: args.n]
    print(f"{ex.id} ({ex.points} points), exercises/{ex.notebook or ex.module + '.py'}")
    for i, text in enumerate(shown, 1):
        print(f"  hint {i} of {len(hints)}: {text}")
    if len(shown) < len(hints):
        print(f"  (more: `course hint {ex.function} -n {len(shown) + 1}` or --all)")
    return 0


def cmd_check(args) -> int:
    import pytest
    course = load()
    argv = [str(course.root / "autograder"), "--target", args.target, "-p", "no:cacheprovider"]
    if args.exercise:
        argv += ["-k", args.exercise]
    return int(pytest.main(argv))


def cmd_doctor(args) -> int:
    """Where learner code runs on this machine, and why: the sandbox level and its binary."""
    from course.grading import sandbox
    print(version())
    for line in sandbox.explain():
        print(line)
    return 0


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, the module whose `add_parser(sub)` adds it (None: this file's),
    the line `course --help` shows, and whose it is."""
    name: str
    module: str | None
    help: str
    instructor: bool = False


# Every command, declared once: `course --help` lists them from here without importing a module
# (several import torch or nbgrader); a named command's module adds its own arguments.
COMMANDS: tuple[Command, ...] = (
    Command("check", None, "grade your exercises (the same as `pytest autograder`)"),
    Command("hint", None, "show the hints of an exercise, gentlest first"),
    Command("doctor", None, "say how learner code is sandboxed on this machine, and why"),
    Command("watch", "learner.watch", "grade a module again each time you save it (feedback in about a second)"),
    Command("train", "learner.train", "lecture 3: train your MLP on the bundled names"),
    Command("sample", "learner.train", "lecture 3: print names from your trained MLP at several temperatures"),
    Command("challenge", "learner.challenge", "lecture 3: train your tuning.beat_217 and save the model its "
            "grader reads (beat_217.pt)"),
    Command("experiments", "learner.experiments", "lecture 4: your training loop on your set-ups (N(0,1) init, "
            "Kaiming, BatchNorm, a bad gain, a low learning rate); draw them"),
    Command("week", "learner.week", "the end of the week: grade your work, run your notebooks, sample your model, "
            "and write your samples, experiments and reflection into WEEK.md"),
    Command("update", "learner.update", "learners: take a newer release of the course, keeping your work"),
    Command("stubs", "authoring.stubs", "instructors: regenerate exercises/ from solutions/", instructor=True),
    Command("fixtures", "authoring.fixtures", "instructors: regenerate the graders' stored values from solutions/",
            instructor=True),
    Command("notebooks", "authoring.notebooks", "instructors: release the notebooks of solutions/ into exercises/ "
            "(the recall test through nbgrader); run it before nbgrader's commands", instructor=True),
    Command("check-course", "authoring.preflight", "instructors: check the course's own files before a release or "
            "a grading (also run by release, gradescope and grade)", instructor=True),
    Command("release", "authoring.release", "instructors: write a student copy of the course to OUT "
            "(no solutions, no hidden tests)", instructor=True),
    Command("grade", "classgrade.command", "instructors: grade a class's submissions (isolated, time-limited)",
            instructor=True),
    Command("gradescope", "classgrade.gradescope", "instructors: build a Gradescope autograder bundle (a .zip)",
            instructor=True),
)
INSTRUCTOR_ONLY = tuple(c.name for c in COMMANDS if c.instructor)


def version() -> str:
    """`course --version`: the package's version, and the course's (course.toml), where found."""
    from importlib.metadata import PackageNotFoundError, version as installed
    try:
        text = f"makemore-course {installed('makemore-course')}"
    except PackageNotFoundError:
        text = "makemore-course (not installed)"
    try:
        course = load()
    except CourseError:
        return text
    return f"{text}; course {course.about.name} {course.about.version or '?'} in {course.root}"


def available() -> list[Command]:
    """The commands this copy of the course has: those whose module is there (a student copy
    has no course/authoring/ or course/classgrade/, so no instructor's command)."""
    return [c for c in COMMANDS if c.module is None or _present(c.module)]


def _present(module: str) -> bool:
    """Whether course.`module` is a file of this copy of the package (looked for on disk: an
    editable install's import finder would find the instructor's tree from anywhere)."""
    here = Path(__file__).resolve().parent / Path(*module.split("."))
    return here.with_suffix(".py").is_file() or (here / "__init__.py").is_file()


def _add_built_in(sub, command: Command):
    p = sub.add_parser(command.name, help=command.help)
    if command.name == "check":
        p.add_argument("exercise", nargs="?", help="only this exercise or module, e.g. count_bigrams or bigram")
        p.add_argument("--target", default="exercises", help="exercises (default), solutions, or a folder")
        p.set_defaults(run=cmd_check)
    elif command.name == "hint":
        p.add_argument("exercise", help="an exercise id or function name, e.g. count_bigrams")
        p.add_argument("-n", type=int, default=1, help="how many hints to show (default 1)")
        p.add_argument("--all", action="store_true", help="show every hint")
        p.set_defaults(run=cmd_hint)
    elif command.name == "doctor":
        p.set_defaults(run=cmd_doctor)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `course` parser with every available command listed; only `command`'s module is
    imported, to add its arguments (None: none is)."""
    parser = argparse.ArgumentParser(prog="course", description="The makemore course's own commands.")
    parser.add_argument("--version", action="store_true",           # answered by main(), unwrapped
                        help="show the course's version and where it is")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = available()
    named = next((c for c in commands if c.name == command), None)
    for c in commands:
        if c.module is None:
            _add_built_in(sub, c)
        elif named is not None and c.module == named.module:
            if c is named:     # the module adds its commands (train adds sample too), with their arguments
                importlib.import_module(f"course.{c.module}").add_parser(sub)
        else:
            sub.add_parser(c.name, help=c.help)                     # listed; parsed only when named
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--version"]:
        print(version())
        return 0
    command = argv[0] if argv else None
    if command in INSTRUCTOR_ONLY and command not in {c.name for c in available()}:
        print(f"course {command}: an instructor's command; this student copy does not have it "
              "(`course --help` lists yours)", file=sys.stderr)
        return 2
    args = build_parser(command).parse_args(argv)
    try:
        return args.run(args)
    except CourseError as e:
        print(f"course: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("course: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
