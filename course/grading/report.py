"""The score table a learner sees at the end of `pytest autograder`, and the results file."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course.manifest import Course

@dataclass
class Result:
    """What one check came to, decided on the judge side."""
    status: str          # passed | failed | not started | error | timed out
    message: str = ""    # one short paragraph for a person
    detail: str = ""     # the traceback, shown with -v
    seconds: float = 0.0
    printed: str = ""    # what learner code printed during the check (capped)


# When checks of one exercise disagree, the status shown is the first of these that occurs.
PRECEDENCE = ("timed out", "error", "failed", "not started", "passed")
# An exercise whose checks all passed, but only some of them ran (pytest's -k picked a few by
# name): it earns nothing in this run, and says so.
PARTLY = "partly checked"


@dataclass
class ExerciseScore:
    id: str
    points: int
    max_points: int
    status: str
    message: str = ""
    detail: str = ""
    checks: list[dict] = field(default_factory=list)


def not_started_message(exercise_id: str) -> str:
    """What a stub raises; the graders recognise it and report the exercise as not started."""
    function = exercise_id.split(".", 1)[1]
    return f"{exercise_id} is not started yet; hints: course.toml, or `course hint {function}`"


def score(course: Course, results: dict[str, list[tuple[str, Result]]],
          expected: dict[str, int] | None = None,
          partial: set[str] | frozenset = frozenset()) -> list[ExerciseScore]:
    """One row per exercise that ran, in teaching order. An exercise earns its points when
    every one of its checks ran and passed (`expected`: how many checks each exercise has in
    this run; one that did not finish counts as an error, never as a pass); one of `partial`
    (only some of its checks selected) whose checks all passed is "partly checked", without
    points."""
    rows = []
    for ex in course.exercises:
        if ex.id not in results:
            continue
        checks = list(results[ex.id])
        statuses = [r.status for _, r in checks]
        missing = (expected or {}).get(ex.id, 0) - len(checks)
        if missing > 0 and all(s == "passed" for s in statuses):
            checks.append(("(unfinished)", Result("error", f"{missing} of the checks of this exercise did not "
                                                           "finish: it earns no points until all of them pass")))
            statuses.append("error")
        status = next(s for s in PRECEDENCE if s in statuses)
        first = next(((name, r) for name, r in checks if r.status == status), (None, None))[1]
        if status == "passed" and ex.id in partial:
            status = PARTLY
        rows.append(ExerciseScore(
            id=ex.id, points=ex.points if status == "passed" else 0, max_points=ex.points,
            status=status, message=first.message if first else "", detail=first.detail if first else "",
            checks=[{"name": name, "status": r.status, "message": r.message, "seconds": round(r.seconds, 3)}
                    for name, r in checks]))
    return rows


COLOURS = {"passed": "green", "failed": "red", "error": "red", "timed out": "red", "not started": "yellow",
           PARTLY: "yellow"}


def lines(course: Course, rows: list[ExerciseScore], target: str = "exercises",
          verbose: bool = False, provisional: bool = False) -> list[tuple[str, str | None]]:
    """The report as (text, colour) lines: messages of what went wrong, the table, the total
    and what to do next. With `provisional`, the notebooks' points are marked as such: the
    instructor's grade adds their hidden tests."""
    out: list[tuple[str, str | None]] = []
    width = max([len(r.id) for r in rows] + [len("exercise")]) + 2
    troubled = [r for r in rows if r.status not in ("passed", "not started", PARTLY)]
    for r in troubled:
        out.append((f"{r.id} " + "." * (width + 10 - len(r.id)) + f" {r.points}/{r.max_points}  {r.status}",
                    COLOURS[r.status]))
        for text in r.message.splitlines():
            out.append(("  " + text, None))
        if verbose and r.detail:
            out.extend(("    " + t, None) for t in r.detail.rstrip().splitlines())
        out.append(("", None))
    out.append((f"{'exercise':<{width}}{'points':>8}   status", None))
    marked = {ex.id for ex in course.exercises if ex.notebook} if provisional else set()
    for r in rows:
        mark = " *" if r.id in marked and r.status == "passed" else ""
        out.append((f"{r.id:<{width}}{r.points:>3} / {r.max_points:<2}  {r.status}{mark}", COLOURS[r.status]))
    total = sum(r.points for r in rows)
    possible = sum(r.max_points for r in rows)
    out.append((f"Total: {total}/{possible} points", "bold"))
    if any(r.id in marked and r.status == "passed" for r in rows):
        out.append(("* provisional: the notebook's visible tests pass; the instructor's grade adds hidden ones", None))
    out.append((next_step(course, rows, target), None))
    return out


def next_step(course: Course, rows: list[ExerciseScore], target: str = "exercises") -> str:
    todo = next((r for r in rows if r.status not in ("passed", PARTLY)), None)
    if todo is None:
        partly = [r.id for r in rows if r.status == PARTLY]
        if partly:
            return (f"Next: the checks that ran pass, but only some of {', '.join(partly)}'s ran: "
                    f"`pytest autograder -k {course.exercise(partly[0]).function}` runs all of them, for its points.")
        unchecked = len([ex for ex in course.exercises if ex.id not in {r.id for r in rows}])
        if unchecked:
            return (f"Next: every exercise that ran passes ({len(rows)} of {len(rows) + unchecked}); "
                    "`pytest autograder` checks them all.")
        return "Next: every exercise passes. Well done — open the notebooks and train your own model."
    ex = course.exercise(todo.id)
    hints = list(ex.hints.values())
    # The hint the failure itself named (its message carries it), else the gentlest.
    number = next((i for i, text in enumerate(hints) if text and text in todo.message), 0)
    hint = f"hint {number + 1} of {len(hints)}: {hints[number]}" if hints else ""
    where = (f"{target}/{ex.notebook}, question {ex.function}" if ex.notebook
             else f"{target}/{ex.module}.py, function {ex.function}")
    if todo.status == "not started":
        how = f" — {todo.message.splitlines()[0]}" if todo.message else "."    # what starting it takes, if said
        return f"Next: {todo.id} ({where}){how}\n  {hint}"
    problem = todo.message.splitlines()[0] if todo.message else todo.status
    return (f"Next: {todo.id} ({where}) — {problem}\n  {hint}"
            f"\n  (all hints: `course hint {ex.function}`)")


def write_json(path: Path, target: str, rows: list[ExerciseScore]) -> None:
    payload = {
        "target": target,
        "total": sum(r.points for r in rows),
        "max_total": sum(r.max_points for r in rows),
        "exercises": [asdict(r) for r in rows],
    }
    path.write_text(json.dumps(payload, indent=1) + "\n")
