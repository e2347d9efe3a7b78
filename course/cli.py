"""The `course` command: the course's own operations, for learners and instructors.

Each subcommand lives in the module that does its job; this file only wires them up.
"""
from __future__ import annotations

import argparse
import os
import sys

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


BUILT_IN = ("check", "hint", "stubs", "fixtures", "doctor")

# Commands that need solutions/ (or the hidden graders): a student copy of the course has
# neither, so there they are not listed, and calling one says so in a line.
INSTRUCTOR_ONLY = ("stubs", "fixtures", "notebooks", "check-course", "release", "gradescope", "grade")


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


class _LearnerCommands:
    """argparse's subcommands as a student copy shows them: the instructors' are left out."""

    def __init__(self, sub):
        self.sub = sub

    def add_parser(self, name: str, **kwargs):
        if name in INSTRUCTOR_ONLY:
            return argparse.ArgumentParser(prog=f"course {name}")     # filled in, never shown
        return self.sub.add_parser(name, **kwargs)


def build_parser(command: str | None = None, learner: bool = False) -> argparse.ArgumentParser:
    """All subcommands (a learner's only, with `learner`); for a built-in `command`, without
    importing the others' modules (they import torch or nbgrader, which would make
    `course hint` take seconds)."""
    parser = argparse.ArgumentParser(prog="course", description="The makemore course's own commands.")
    parser.add_argument("--version", action="store_true",           # answered by main(), unwrapped
                        help="show the course's version and where it is")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    if learner:
        sub = _LearnerCommands(sub)

    p = sub.add_parser("check", help="grade your exercises (the same as `pytest autograder`)")
    p.add_argument("exercise", nargs="?", help="only this exercise or module, e.g. count_bigrams or bigram")
    p.add_argument("--target", default="exercises", help="exercises (default), solutions, or a folder")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("hint", help="show the hints of an exercise, gentlest first")
    p.add_argument("exercise", help="an exercise id or function name, e.g. count_bigrams")
    p.add_argument("-n", type=int, default=1, help="how many hints to show (default 1)")
    p.add_argument("--all", action="store_true", help="show every hint")
    p.set_defaults(run=cmd_hint)

    p = sub.add_parser("doctor", help="say how learner code is sandboxed on this machine, and why")
    p.set_defaults(run=cmd_doctor)

    p = sub.add_parser("stubs", help="instructors: regenerate exercises/ from solutions/")
    p.add_argument("--check", action="store_true", help="only check; exit 1 if exercises/ is out of date")
    p.add_argument("--force", action="store_true", help="overwrite stubs even where they were edited")
    p.set_defaults(run=cmd_stubs)

    p = sub.add_parser("fixtures", help="instructors: regenerate the graders' stored values from solutions/")
    p.add_argument("--check", action="store_true", help="only check; exit 1 if a fixture is out of date")
    p.set_defaults(run=cmd_fixtures)

    if command not in BUILT_IN:
        for name in COMMAND_MODULES:
            __import__(f"course.{name}", fromlist=["add_parser"]).add_parser(sub)
    return parser


# Modules that add their own subcommand through `add_parser(sub)`.
COMMAND_MODULES: list[str] = ["grade", "gradescope", "update", "notebooks", "release", "experiments", "train",
                              "preflight", "week", "watch"]


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
