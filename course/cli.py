"""The `course` command: the course's own operations, for learners and instructors.

Each subcommand lives in the module that does its job; this file only wires them up.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass

from course.manifest import CourseError, find_root, load


def cmd_stubs(args) -> int:
    from course import stubs
    course = load()
    outcomes = stubs.generate(course, check=args.check, force=args.force)
    for outcome in outcomes:
        print(f"exercises/{outcome}")
    stale = [o for o in outcomes if o.action == "stale"]
    kept = [o for o in outcomes if o.action == "kept"]
    if stale:
        print(f"{len(stale)} stub(s) out of date with solutions/: run `course stubs`", file=sys.stderr)
        return 1
    if kept:
        print("edited files were left as they are; compare them with the .new stubs beside them")
    return 0


def cmd_fixtures(args) -> int:
    from course import fixtures
    course = load()
    outcomes = fixtures.make(course, check=args.check)
    if not outcomes:
        print("no grader in autograder/ defines make_fixtures(): no fixture to make")
    outcomes.append(fixtures.measure_budgets(course, check=args.check))
    for name, what in outcomes:
        print(f"autograder/fixtures/{name}: {what}")
    return 1 if any(what.startswith("out of date") for _, what in outcomes) else 0


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
    Command("watch", "watch", "grade a module again each time you save it (feedback in about a second)"),
    Command("train", "train", "lecture 3: train your MLP on the bundled names"),
    Command("sample", "train", "lecture 3: print names from your trained MLP at several temperatures"),
    Command("experiments", "experiments", "lecture 4: your training loop on your set-ups (N(0,1) init, "
            "Kaiming, BatchNorm, a bad gain, a low learning rate); draw them"),
    Command("week", "week", "the end of the week: grade your work, run your notebooks, sample your model, "
            "and write your samples, experiments and reflection into WEEK.md"),
    Command("update", "update", "learners: take a newer release of the course, keeping your work"),
    Command("stubs", None, "instructors: regenerate exercises/ from solutions/", instructor=True),
    Command("fixtures", None, "instructors: regenerate the graders' stored values from solutions/", instructor=True),
    Command("notebooks", "notebooks", "instructors: release the notebooks of solutions/ into exercises/ "
            "(the recall test through nbgrader); run it before nbgrader's commands", instructor=True),
    Command("check-course", "preflight", "instructors: check the course's own files before a release or "
            "a grading (also run by release, gradescope and grade)", instructor=True),
    Command("release", "release", "instructors: write a student copy of the course to OUT "
            "(no solutions, no hidden tests)", instructor=True),
    Command("grade", "grade", "instructors: grade a class's submissions (isolated, time-limited)", instructor=True),
    Command("gradescope", "gradescope", "instructors: build a Gradescope autograder bundle (a .zip)",
            instructor=True),
)
# Commands that need solutions/ (or the hidden graders): a student copy of the course has
# neither, so there they are not listed, and calling one says so in a line.
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
    about = course.raw["course"]
    return f"{text}; course {about['name']} {about.get('version', '?')} in {course.root}"


def student_copy() -> bool:
    """True in a student release: a course without solutions/ (outside any course: False)."""
    try:
        return not (find_root() / "solutions").is_dir()
    except CourseError:
        return False


def available(learner: bool = False) -> list[Command]:
    """The commands this copy of the course has: a module that is there, and in a student copy
    (`learner`) no instructor's command."""
    return [c for c in COMMANDS if not (learner and c.instructor)
            and (c.module is None or importlib.util.find_spec(f"course.{c.module}") is not None)]


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
    elif command.name == "stubs":
        p.add_argument("--check", action="store_true", help="only check; exit 1 if exercises/ is out of date")
        p.add_argument("--force", action="store_true", help="overwrite stubs even where they were edited")
        p.set_defaults(run=cmd_stubs)
    elif command.name == "fixtures":
        p.add_argument("--check", action="store_true", help="only check; exit 1 if a fixture is out of date")
        p.set_defaults(run=cmd_fixtures)


def build_parser(command: str | None = None, learner: bool = False) -> argparse.ArgumentParser:
    """The `course` parser with every available command listed (a learner's only, with
    `learner`); only `command`'s module is imported, to add its arguments (None: none is)."""
    parser = argparse.ArgumentParser(prog="course", description="The makemore course's own commands.")
    parser.add_argument("--version", action="store_true",           # answered by main(), unwrapped
                        help="show the course's version and where it is")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = available(learner)
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
    learner = student_copy()
    if learner and command in INSTRUCTOR_ONLY:
        print(f"course {command}: an instructor's command; this student copy has no solutions/ to work from "
              "(`course --help` lists yours)", file=sys.stderr)
        return 2
    args = build_parser(command, learner).parse_args(argv)
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
