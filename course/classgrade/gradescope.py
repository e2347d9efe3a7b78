"""`course gradescope OUT.zip`: a Gradescope autograder bundle that grades as `course grade` does.

Gradescope unpacks the zip into /autograder/source, runs `setup.sh` once to build the image,
then `run_autograder` for every submission, which it puts in /autograder/submission; the
result must land in /autograder/results/results.json. The bundle holds the course's own
package, the manifest, the graders (public and hidden) with their fixtures, the data and,
for nbgrader, its configuration and the graded source notebooks; `gradescope.json` records
what to grade (`--only`) and the time limits. `setup.sh` installs every dependency but torch
from the lock, gradescope/requirements-py310.txt (exact versions and sha256 for Python 3.10 on
manylinux x86_64; gradescope/lock.py writes it), then torch pinned to the course's version from
PyTorch's CPU index (PyPI where the index cannot be reached), then the course with --no-deps.

`run_autograder` calls `python -m course.classgrade.gradescope`, which grades the one submission through
course.classgrade.grade (its own judge, private copy, limits) and writes results.json. The paths come
from $AUTOGRADER_ROOT (default /autograder), so a test can run it on a simulated layout.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import zipfile
from pathlib import Path

from course import selection
from course.classgrade import records
from course.classgrade.outputs import gradescope_results
from course.classgrade.plan import Options, Plan
from course.classgrade.records import StudentRecord
from course.classgrade.roster import locate
from course.classgrade.snapshot import grading_files, hidden_checks, notebook_tests
from course.manifest import Course, CourseError, load
from course.files import atomic_write

LOCK = Path("gradescope") / "requirements-py310.txt"     # written by gradescope/lock.py
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
# Gradescope's `visibility` of results: when a student sees them (after_published: once the
# instructor publishes the grades).
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (Ubuntu 22.04, Python 3.10).
# $AUTOGRADER_ROOT and $TORCH_INDEX let a test run it outside Gradescope.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source"
apt-get update -qq && apt-get install -y -qq python3 python3-pip python3-venv > /dev/null
python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' || {
  echo "setup.sh: {lock} is for Python 3.10 (Gradescope's Ubuntu 22.04 image), not $(python3 -V)" >&2; exit 1; }
python3 -m venv "$ROOT/venv"
PIP="$ROOT/venv/bin/pip"
# Every dependency but torch: the lock's exact versions, each file checked against its sha256.
# (Refresh the lock with gradescope/lock.py in the course's repository.)
"$PIP" install --quiet --require-hashes --only-binary=:all: -r {lock}
# torch, pinned, the CPU build: PyPI's torch for Linux is a multi-GB CUDA build. PyTorch's CPU index
# is added with --extra-index-url, so PyPI stays reachable (its {torch}+cpu outranks PyPI's {torch});
# torch's dependencies are installed from the lock already. Where the index cannot be reached,
# torch {torch} comes from PyPI.
TORCH_INDEX="${TORCH_INDEX-{index}}"
REACHABLE="import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)"
if [ -n "$TORCH_INDEX" ] && "$ROOT/venv/bin/python" -c "$REACHABLE" "$TORCH_INDEX/torch/" 2> /dev/null; then
  "$PIP" install --quiet --extra-index-url "$TORCH_INDEX" torch=={torch}
else
  echo "setup.sh: torch {torch} from PyPI${TORCH_INDEX:+ ($TORCH_INDEX cannot be reached)}" >&2
  "$PIP" install --quiet torch=={torch}
fi
# The course itself: its dependencies and its build backend (setuptools) are all installed above.
"$PIP" install --quiet --no-deps --no-build-isolation "$ROOT/source"
"$PIP" check
# The runner's sandbox; where the container forbids namespaces, the runner still drops to an
# unprivileged user that cannot read /autograder/source (run_autograder).
apt-get install -y -qq bubblewrap > /dev/null || true
"""


def setup_script(torch_version: str) -> str:
    """setup.sh for a bundle whose torch is `torch_version` (the course's own, without +cpu)."""
    return (SETUP.replace("{torch}", torch_version).replace("{lock}", LOCK.as_posix())
            .replace("{index}", TORCH_INDEX))


RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission. $AUTOGRADER_ROOT and $COURSE_PYTHON let a test
# run it outside Gradescope, on a simulated /autograder.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
# Learner code runs as an unprivileged user (course/grading/sandbox.py): it must not read the
# graders, hidden ones included.
# It may read the course's package and the public data, nothing else of the source.
if [ "$(id -u)" = 0 ]; then
  chmod -R go-rwx "$ROOT/source"
  chmod go+x "$ROOT/source"
  chmod -R go+rX "$ROOT/source/course" "$ROOT/source/data"
fi
PYTHON="${COURSE_PYTHON:-$ROOT/venv/bin/python}"
export PYTHONPATH="$ROOT/source${PYTHONPATH:+:$PYTHONPATH}"
export COURSE_ROOT="$ROOT/source" OMP_NUM_THREADS=1 MPLBACKEND=Agg
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$ROOT/source"
"$PYTHON" -m course.classgrade.gradescope --submission "$ROOT/submission" --results "$RESULTS"
STATUS=$?
# Whatever happened (no Python, a crash, a kill), Gradescope gets a results.json that says so.
if [ ! -s "$RESULTS" ]; then
  printf '{"score": 0, "visibility": "{visibility}", "stdout_visibility": "hidden", "tests": [], "output": "%s"}\n' \
    "The autograder failed before it could grade this submission (exit status $STATUS): tell your instructor." \
    > "$RESULTS"
fi
exit 0
"""


def run_script(visibility: str = "visible") -> str:
    """run_autograder for a bundle whose results Gradescope shows as `visibility` says."""
    return RUN.replace("{visibility}", visibility)


def bundle_files(course: Course, only: tuple[str, ...] = ()) -> list[Path]:
    """What goes into the bundle besides the scripts and the notebooks' tests (relative to the
    course root): the package, the manifest, the data, and the graders of what `only` selects."""
    package = sorted(p.relative_to(course.root) for p in (course.root / "course").rglob("*.py")
                     if "__pycache__" not in p.parts)
    # A grader file goes in for the exercises it declares (not for its name), with the files it
    # takes helpers from; a fixture for the grader files that name it (fixture("bigram")).
    graders = set(selection.grader_files(course, selection.exercises(course, only), helpers=True))
    declared = selection.read_graders(course.root)
    named = set().union(*(declared[rel].strings for rel in graders))

    def needed(rel: Path) -> bool:
        if rel.parts[0] != "autograder" or rel.suffix not in (".py", ".json") or rel.name == "conftest.py":
            return True
        if rel.suffix == ".json":
            return rel.stem in named
        return rel in graders
    return sorted({rel for rel in grading_files(course) if needed(rel)} | set(package))


def bundle_problems(course: Course, only: tuple[str, ...] = ()) -> list[str]:
    """What the bundle of `only` lacks to grade each exercise it selects, one line each: a grader
    file that declares it, and the public grader files those take helpers from (without them,
    every Gradescope submission would score 0 there)."""
    found = selection.read_graders(course.root)
    shipped = {rel for rel in bundle_files(course, only) if rel in found}
    anywhere = set().union(*(g.declares(course) for g in found.values()))   # none at all: check-course says so
    declared = set().union(*(found[rel].declares(course) for rel in shipped))
    public = {rel.stem: rel for rel, g in found.items() if g.public}
    what = f"`course gradescope --only {only[0]}`" if only else "`course gradescope`"
    problems = [f"{what}: the bundle holds no grader of {ex.id}, so every Gradescope submission would score 0 on "
                "it; fix course/classgrade/gradescope.py's bundle_files"
                for ex in selection.exercises(course, only) if ex.id in anywhere and ex.id not in declared]
    for rel in sorted(shipped):
        missing = sorted(public[m].as_posix() for m in set(found[rel].imports.values())
                         if m in public and public[m] not in shipped)
        if missing:
            problems.append(f"{what}: {found[rel].path} imports from {', '.join(missing)}, which the bundle leaves "
                            "out; fix course/classgrade/gradescope.py's bundle_files")
    return problems


def bundles(course: Course) -> list[str]:
    """The problems of every bundle the course can build: the whole course, and `--only` each
    assignment, module and notebook."""
    selections = [(), *((a.id,) for a in course.assignments), *((m,) for m in course.modules),
                  *((ex.notebook,) for ex in course.exercises if ex.notebook)]
    return [problem for only in dict.fromkeys(selections) for problem in bundle_problems(course, only)]


def build(course: Course, out: Path, only: tuple[str, ...] = (), check_timeout: float | None = None,
          submission_timeout: float = 540.0, visibility: str = "visible") -> list[str]:
    """Write the bundle to `out`; returns the names it holds. `visibility`: when Gradescope shows
    a student their results (its `visibility` field: visible, hidden, after_due_date,
    after_published), for every submission this bundle grades."""
    import torch
    chosen = selection.exercises(course, only)             # an unknown --only stops here
    if visibility not in VISIBILITIES:
        raise CourseError(f"--visibility {visibility}: Gradescope knows {', '.join(VISIBILITIES)}")
    lock = course.root / LOCK
    if not lock.is_file():
        raise CourseError(f"{LOCK.as_posix()} is missing: setup.sh installs the bundle's dependencies from it; "
                          "write it with `python gradescope/lock.py`")
    problems = bundle_problems(course, only)
    if problems:
        raise CourseError("; ".join(problems))
    settings = {"only": list(only), "check_timeout": check_timeout, "submission_timeout": submission_timeout,
                "visibility": visibility}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("setup.sh", setup_script(torch.__version__.split("+")[0])),
                           ("run_autograder", run_script(visibility))):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16              # executable once unpacked
            zf.writestr(info, text)
        zf.writestr("gradescope.json", json.dumps(settings, indent=1) + "\n")
        zf.write(lock, LOCK.as_posix())
        for rel in bundle_files(course, only):
            zf.write(course.root / rel, rel.as_posix())
        if any(ex.notebook for ex in chosen):
            for rel, blob in notebook_tests(course).items():     # test cells only: no answer ships
                zf.writestr(rel.as_posix(), blob)
        return zf.namelist()


def run(submission: Path, results: Path) -> int:
    """Grade one submission and write Gradescope's results.json (always, even on failure). Its files
    are found by `course grade`'s rule (course.classgrade.roster.locate): at the top level, in
    exercises/, or in one nested folder; a submission with nothing to grade says so, once."""
    visibility = "visible"
    try:
        course = load()
        settings = json.loads((course.root / "gradescope.json").read_text()) \
            if (course.root / "gradescope.json").exists() else {}
        if settings.get("visibility") in VISIBILITIES:
            visibility = settings["visibility"]
        options = Options(check_timeout=settings.get("check_timeout"),
                          submission_timeout=settings.get("submission_timeout") or 540.0,
                          only=tuple(settings.get("only") or ()))
        payload = gradescope_results(_graded(course, submission, options), hidden_checks(course), visibility)
    except BaseException as exc:  # noqa: BLE001 - Gradescope must get a results.json whatever happens
        from course.grading.seam import safe_text
        payload = {"score": 0, "visibility": visibility, "stdout_visibility": "hidden", "tests": [],
                   "output": safe_text(f"The autograder itself failed ({type(exc).__name__}: {exc}); "
                                       "please tell your instructor.", 2000)}
    atomic_write(results, json.dumps(payload, indent=1) + "\n")
    return 0


def _graded(course: Course, submission: Path, options: Options) -> StudentRecord:
    """The record of the one submission: graded in its judge, or saying why nothing can be."""
    folder, problem = locate(submission, course)
    if problem:
        return records.unsubmitted(Plan.of(course, options), "submission", problem)
    from course.classgrade import grade, pool
    from course.grading import sandbox
    if sandbox.level() == "none":
        raise RuntimeError(f"no sandbox for learner code here ({sandbox.reason()})")
    pool.warm_up()
    return grade.grade_submission(course, folder, options=options)


def locked_torch(course: Course) -> str | None:
    """The torch version the lock was written for (its header says), or None."""
    for line in (course.root / LOCK).read_text().splitlines():
        if line.startswith("# torch "):
            return line.split()[2]
    return None


def cmd_gradescope(args) -> int:
    course = load()
    from course.authoring.preflight import require
    require(course, "gradescope")      # authoring slips stop here, not in a class's grades
    names = build(course, Path(args.out), tuple(args.only or ()), args.check_timeout, args.submission_timeout,
                  args.visibility)
    import torch
    torch_version = torch.__version__.split("+")[0]
    if locked_torch(course) != torch_version:
        print(f"warning: {LOCK.as_posix()} holds the dependencies of torch {locked_torch(course)}, the bundle "
              f"installs torch {torch_version}: run `python gradescope/lock.py` and build again", file=sys.stderr)
    graders = sum(1 for n in names if n.startswith("autograder/") and n.endswith(".py"))
    print(f"{args.out}: {len(names)} files (setup.sh, run_autograder, the lock, {graders} grader files, "
          "fixtures, data)")
    print(f"upload it as the autograder of a Gradescope programming assignment; results: {args.visibility} "
          "to students (--visibility)")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("gradescope")
    p.add_argument("out", help="the zip to write, e.g. build/gradescope.zip")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="grade only this assignment, module, notebook or exercise (repeat for more)")
    p.add_argument("--check-timeout", type=float, default=None, help="seconds one check may take")
    p.add_argument("--submission-timeout", type=float, default=540.0,
                   help="seconds for the whole submission (default 540: under Gradescope's default limit of "
                        "10 minutes)")
    p.add_argument("--visibility", choices=VISIBILITIES, default="visible",
                   help="when students see their results: visible (at once), after_due_date, after_published "
                        "(once you publish the grades) or hidden (Gradescope's `visibility` field)")
    p.set_defaults(run=cmd_gradescope)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.classgrade.gradescope",
                                     description="grade one submission, as run_autograder does")
    parser.add_argument("--submission", required=True)
    parser.add_argument("--results", required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return run(Path(args.submission), Path(args.results))


if __name__ == "__main__":
    sys.exit(main())
