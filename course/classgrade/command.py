"""`course grade SUBMISSIONS --out RESULTS`: grade a whole class, one untrusted submission at a time.

SUBMISSIONS holds one folder (or .zip) per student (its name is the student id) with that
learner's files of exercises/: the modules and the notebooks, at the top level, in exercises/,
or in one nested folder (course/classgrade/roster.py). Each is graded in its own judge, its
learner code in a sandbox (course/classgrade/grade.py). RESULTS gets, per student,
`students/<id>/scores.json`, `feedback.md`, `output.txt` and Gradescope's `results.json`, and
`grades.csv` and the class report for the class; what it holds is merged, never overwritten
(`--only`, `--student`; the written answers' points from `--gradebook` are kept by every later
run). Running again skips the students whose rows of the selection were graded on the same
submission and graders (`--fresh` grades everyone again). The exit status speaks of the
submissions the run was asked to grade (the class, or the one `--student`): 0 when each was
graded to completion, INCOMPLETE (3) when one timed out, crashed the grading or was skipped.
"""
from __future__ import annotations

import sys
from pathlib import Path

from course.classgrade.plan import Options, check_options, check_out
from course.classgrade.results import Graded
from course.classgrade.roster import PROBLEMS
from course.manifest import CourseError, load

INCOMPLETE = 3      # exit status: the grading ran, but not every submission was graded to completion


def cmd_grade(args) -> int:
    from course.authoring.preflight import require
    from course.classgrade import grade, pool          # torch: imported once the command runs
    from course.grading import sandbox
    options = Options(check_timeout=args.check_timeout, submission_timeout=args.submission_timeout,
                      notebooks=not args.no_notebooks, only=tuple(args.only or ()))
    check_options(args.jobs, options)  # a typo stops here, in one line, before any work
    check_out(Path(args.submissions), Path(args.out))
    course = load()
    require(course, "grade")           # authoring slips stop here, not in a class's grades
    if sandbox.level() == "none" and not args.unsafe_no_sandbox:
        raise CourseError(f"no sandbox for learner code on this machine ({sandbox.reason()}): a submission could "
                          "read the hidden graders and change results. `course doctor` says more; pass "
                          "--unsafe-no-sandbox only for submissions you trust")
    exposed = sandbox.exposed_secrets(course.root) if sandbox.level() == "user" else []
    if exposed and not args.unsafe_no_sandbox:
        raise CourseError(f"learner code would run as another user who can read {', '.join(map(str, exposed))} "
                          f"(sandbox level user: {sandbox.reason()}): `chmod -R go-rwx "
                          f"{' '.join(map(str, exposed))}`, or run where bubblewrap works (`course doctor`)")
    print(sandbox.describe())
    pool.warm_up()
    out = Path(args.out)
    records = grade.grade_class(course, Path(args.submissions), out, jobs=args.jobs, options=options,
                                fresh=args.fresh, student=args.student,
                                gradebook=Path(args.gradebook) if args.gradebook else None)
    say(records, out)
    return 0 if records.complete else incomplete(records)


def say(records: Graded, out: Path) -> None:
    """What the run came to, in a few lines: the mean, who had nothing to grade, who met errors or
    timeouts, where the results are."""
    if records:
        mean = sum(r.total for r in records) / len(records)
        print(f"graded {len(records)} submissions: mean {mean:.1f} / {records[0].max_total} points")
    concerned, _ = records.concerned()
    problems = [r.student for r in concerned if r.troubled]
    empty = [f"{r.student} ({r.ended})" for r in concerned if r.ended in PROBLEMS]
    if empty:
        print(f"{len(empty)} with nothing to grade: {', '.join(empty[:10])}" + (" ..." if len(empty) > 10 else ""))
    if problems:
        print(f"{len(problems)} with errors or timeouts: {', '.join(problems[:10])}"
              + (" ..." if len(problems) > 10 else ""))
    print(f"grades: {out / 'grades.csv'}; class report: {out / 'summary.md'}; "
          f"feedback, output and Gradescope results: {out / 'students'}/<id>/")


def incomplete(records: Graded) -> int:
    """Say which submissions were not graded to completion; returns INCOMPLETE."""
    concerned, skipped = records.concerned()
    unfinished = [r.student for r in concerned if r.ended not in ("completed", *PROBLEMS)]
    what = []
    if unfinished:
        what.append(f"{len(unfinished)} not graded to the end ({', '.join(unfinished[:5])}"
                    f"{' ...' if len(unfinished) > 5 else ''}: see their feedback.md)")
    if skipped:
        what.append(f"{len(skipped)} skipped ({', '.join(n for n, _ in skipped[:5])}"
                    f"{' ...' if len(skipped) > 5 else ''}: see above)")
    print(f"course grade: {' and '.join(what)}; exit status {INCOMPLETE}", file=sys.stderr)
    return INCOMPLETE


def add_parser(sub) -> None:
    p = sub.add_parser("grade",
                       epilog="exit status: 0 every submission graded to completion (with --student: that one); "
                              "2 nothing graded (a problem with the command or the course, said in one line); "
                              "3 graded, but some submission timed out, crashed the grading or was skipped "
                              "(listed). The instructor's guide: docs/instructor.md")
    p.add_argument("submissions", help="a folder with one folder (or .zip) per student (its name is the student "
                                       "id); in each, the files of exercises/ at the top, in exercises/ or in one "
                                       "nested folder")
    p.add_argument("--out", required=True, help="where grades.csv and the per-student results go")
    p.add_argument("--jobs", "-j", type=int, default=None, help="submissions graded at once (default: cores)")
    p.add_argument("--check-timeout", type=float, default=None,
                   help="seconds one check may take (default: course.toml's [grading] timeout)")
    p.add_argument("--submission-timeout", type=float, default=300.0,
                   help="seconds one whole submission may take (default 300)")
    p.add_argument("--fresh", action="store_true", help="grade everyone again, even if graded before")
    p.add_argument("--no-notebooks", action="store_true", help="grade the modules only")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="grade without a sandbox (only for submissions you trust: learner code could read "
                        "the graders and change results)")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="grade only this assignment, module, notebook or exercise (repeat for more); the other "
                        "exercises' grades in --out are kept")
    p.add_argument("--student", metavar="ID", default=None,
                   help="grade this one student again (the others' records are kept)")
    p.add_argument("--gradebook", metavar="PATH", default=None,
                   help="nbgrader's gradebook.db: the written answers' points graded in the formgrader go "
                        "into grades.csv (the rest stay pending), and are kept by every later run")
    p.set_defaults(run=cmd_grade)
