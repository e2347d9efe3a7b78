"""The class report of `course grade`: `<out>/summary.md` and `<out>/summary.png`.

One job: from the students' records (course/classgrade/records.py), the picture of the class an
instructor needs after a grading: the score histogram, each exercise's pass rate (most-failed first), and
the subtotals of each assignment; who met errors or timeouts, and who handed in nothing to grade.

What one student's row of one exercise came to (`outcome`), kept apart because each asks for
something else of the instructor:

- *passed*;
- a *wrong answer*: the code ran and a check said no. A *public* one when a check the learner
  could run (`pytest autograder`) failed; a *hidden* one when every check that did not pass is of
  the hidden tier (its name starts with `test_hidden_`): answers fitted to the public inputs;
- an *error*: the code raised, crashed, did not import (a syntax error), printed a flood or ran
  out of memory; *timed out*;
- *not started*: the stub still raises NotImplementedError;
- *not submitted*: its file (module or notebook) was not handed in, or the submission held
  nothing to grade (empty, or no course files where they were looked for).
"""
from __future__ import annotations

import os
import statistics
from pathlib import Path

from course.classgrade.records import ExerciseRow, StudentRecord
from course.files import atomic_save, atomic_write
from course.manifest import Course

HIDDEN_PREFIX = "test_hidden_"
KINDS = ("passed", "public", "hidden", "error", "timed out", "not started", "not submitted")
COLOURS = {"passed": "#4c9a2a", "public": "#d1495b", "hidden": "#edae49", "error": "#6a3d9a",
           "timed out": "#1f78b4", "not started": "#b8b8b8", "not submitted": "#e8e8e8"}
LABELS = {"passed": "passed", "public": "wrong answer (public check)", "hidden": "wrong answer (hidden check only)",
          "error": "error", "timed out": "timed out", "not started": "not started", "not submitted": "not submitted"}


def outcome(row: ExerciseRow) -> str:
    """What one student's row of one exercise came to: one of KINDS."""
    if row.status == "not submitted" or row.missing:
        return "not submitted"
    if row.status in ("passed", "not started", "error", "timed out"):
        return row.status
    failed = [c.name for c in row.checks if c.status not in ("passed", "")]
    return "hidden" if failed and all(n.startswith(HIDDEN_PREFIX) for n in failed) else "public"


def exercise_stats(course: Course, records: list[StudentRecord]) -> list[dict]:
    """Per exercise graded: how many students each outcome, most-failed first (lowest pass rate;
    course order between equals)."""
    order = {ex.id: i for i, ex in enumerate(course.exercises)}
    stats: dict[str, dict] = {}
    for record in records:
        for row in record.exercises:
            s = stats.setdefault(row.id, {"id": row.id, "graded": 0, **{k: 0 for k in KINDS}})
            s["graded"] += 1
            s[outcome(row)] += 1
    for s in stats.values():
        s["pass_rate"] = s["passed"] / s["graded"]
    return sorted(stats.values(), key=lambda s: (s["pass_rate"], order.get(s["id"], len(order))))


def assignment_stats(course: Course, records: list[StudentRecord]) -> list[dict]:
    """Per assignment graded: the subtotals of the students who have it (points of its exercises)."""
    of = {ex.id: ex.assignment for ex in course.exercises}
    out = []
    for a in course.assignments:
        totals, possible = [], set()
        for record in records:
            rows = [r for r in record.exercises if of.get(r.id) == a.id]
            if rows:
                totals.append(sum(r.points for r in rows))
                possible.add(sum(r.max_points for r in rows))
        if totals:
            out.append({"id": a.id, "title": a.title, "students": len(totals), "max": max(possible),
                        "mean": statistics.fmean(totals), "median": statistics.median(totals),
                        "full": sum(t == max(possible) for t in totals), "zero": sum(t == 0 for t in totals),
                        "totals": totals})
    return out


def markdown(course: Course, records: list[StudentRecord], skipped: list[tuple[str, str]]) -> str:
    """summary.md: the class in a paragraph, what was not graded, then a table per view."""
    lines = ["# Class report", ""] + _overview(records)
    if skipped:
        lines += [f"**Skipped ({len(skipped)})**, not graded:", ""]
        lines += [f"- `{name}`: {why}" for name, why in skipped] + [""]
    if records:
        lines += _exercise_table(course, records) + _troubled_table(records) + _assignment_table(course, records)
        lines += _written_answers(records)
    return "\n".join(lines) + "\n"


def _overview(records: list[StudentRecord]) -> list[str]:
    if not records:
        return ["No submission has been graded yet.", ""]
    totals = [r.total for r in records]
    possible = max(r.max_total for r in records)
    unfinished = [r for r in records if r.ended in ("crashed", "timed out")]
    nothing = [r for r in records if r.ended not in ("completed", "crashed", "timed out")]
    lines = [f"{len(records)} {_students(len(records))} graded: mean {statistics.fmean(totals):.1f}, median "
             f"{statistics.median(totals):g} of up to {possible} points (automatic points; lowest {min(totals)}, "
             f"highest {max(totals)}).", "",
             "![score histogram, pass rates and subtotals](summary.png)", ""]
    if unfinished:
        lines += [f"Not graded to the end ({len(unfinished)}): "
                  + ", ".join(f"{r.student} ({r.ended})" for r in unfinished) + ".", ""]
    if nothing:
        lines += [f"**Nothing to grade ({len(nothing)})**:", ""]
        lines += [f"- {r.student}: {r.problem or r.ended}" for r in nothing] + [""]
    return lines


def _exercise_table(course: Course, records: list[StudentRecord]) -> list[str]:
    lines = ["## Exercises, most-failed first", "",
             "A wrong answer: the code ran and a check said no (hidden: the public checks passed, a hidden "
             "check, on other inputs, did not). An error: the code raised, crashed or did not import. Not "
             "submitted: its file was not handed in.", "",
             "| exercise | pass rate | passed | wrong (public) | wrong (hidden) | error | timed out | "
             "not started | not submitted |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in exercise_stats(course, records):
        lines.append(f"| {s['id']} | {s['pass_rate']:.0%} | {s['passed']} / {s['graded']} | {s['public']} | "
                     f"{s['hidden']} | {s['error']} | {s['timed out']} | {s['not started']} | "
                     f"{s['not submitted']} |")
    return lines


def _troubled_table(records: list[StudentRecord]) -> list[str]:
    troubled = [(r.student, [row for row in r.exercises if outcome(row) in ("error", "timed out")])
                for r in records]
    troubled = [(sid, rows) for sid, rows in troubled if rows]
    if not troubled:
        return []
    lines = ["", f"## Errors and timeouts ({len(troubled)} {_students(len(troubled))})", "",
             "Their `feedback.md` has each message; `output.txt` what their code printed.", "",
             "| student | errors | timed out | first message |", "|---|---|---|---|"]
    for sid, rows in troubled:
        errors = [row.id for row in rows if outcome(row) == "error"]
        timeouts = [row.id for row in rows if outcome(row) == "timed out"]
        first = " ".join(rows[0].message.split())[:100].replace("|", "\\|")
        lines.append(f"| {sid} | {_ids(errors)} | {_ids(timeouts)} | {first} |")
    return lines


def _assignment_table(course: Course, records: list[StudentRecord]) -> list[str]:
    lines = ["", "## Assignments", "", "| assignment | students | mean | median | full marks | zero |",
             "|---|---:|---:|---:|---:|---:|"]
    for a in assignment_stats(course, records):
        lines.append(f"| {a['id']} | {a['students']} | {a['mean']:.1f} / {a['max']} | {a['median']:g} | "
                     f"{a['full']} | {a['zero']} |")
    return lines


def _written_answers(records: list[StudentRecord]) -> list[str]:
    pending = [r for r in records if r.manual_pending]
    graded = [r for r in records if r.manual_graded_cells and r.manual]
    if not (pending or graded):
        return []
    lines = ["", "## Written answers (graded by hand)", ""]
    if graded:
        lines.append(f"{len(graded)} {_students(len(graded))} with written answers in the gradebook: mean "
                     f"{statistics.fmean(r.manual_points for r in graded):.1f} points graded so far.")
    if pending:
        lines.append(f"{len(pending)} {_students(len(pending))} with points still pending: "
                     + ", ".join(f"{r.student} ({r.manual_pending:g})" for r in pending[:20])
                     + (f" and {len(pending) - 20} more." if len(pending) > 20 else "."))
    return lines


def _ids(ids: list[str]) -> str:
    """Exercise ids, at most four named."""
    if not ids:
        return ""
    if len(ids) > 4:
        return f"{', '.join(ids[:3])} and {len(ids) - 3} more"
    return ", ".join(ids)


def _students(n: int) -> str:
    return "student" if n == 1 else "students"


def picture(course: Course, records: list[StudentRecord], path: Path) -> None:
    """summary.png: the score histogram, the subtotals per assignment, the pass rates per exercise."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    exercises = exercise_stats(course, records)
    assignments = assignment_stats(course, records)
    height = max(6.0, 0.3 * len(exercises) + 1.8)
    fig = Figure(figsize=(13, height), layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.3])
    hist, sub, rates = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[:, 1])

    totals = [r.total for r in records]
    possible = max((r.max_total for r in records), default=1) or 1
    hist.hist(totals, bins=min(20, max(1, possible)), range=(0, possible), color="#30638e", edgecolor="white")
    hist.set(title=f"Scores of {len(records)} students", xlabel=f"automatic points (of up to {possible})",
             ylabel="students")
    hist.yaxis.set_major_locator(MaxNLocator(integer=True))

    if assignments:
        # A box alone hides a small class (a box of 3 students is three lines on top of each other):
        # every student is a dot as well, spread up and down a little so that equal scores show.
        sub.boxplot([[100 * t / a["max"] for t in a["totals"]] for a in assignments], orientation="horizontal",
                    tick_labels=[f"{a['id']} ({a['max']} pts, {a['students']} {_students(a['students'])})"
                                 for a in assignments], widths=0.6, showfliers=False)
        for i, a in enumerate(assignments, start=1):
            n = len(a["totals"])
            offsets = [0.25 * ((k * 0.618) % 1 - 0.5) * 2 for k in range(n)] if n > 1 else [0.0]
            sub.scatter([100 * t / a["max"] for t in a["totals"]], [i + o for o in offsets], s=14 if n > 60 else 22,
                        color="#30638e", alpha=0.6 if n > 30 else 0.9, zorder=3, linewidths=0)
            sub.plot([100 * a["mean"] / a["max"]], [i], "D", color="#d1495b", zorder=4)
        sub.set(title="Subtotals per assignment (dots: students; diamond: mean)",
                xlabel="% of the assignment's points", xlim=(-5, 105))
        sub.invert_yaxis()

    names = [s["id"] for s in exercises]
    left = [0.0] * len(exercises)
    for kind in KINDS:
        widths = [100 * s[kind] / s["graded"] for s in exercises]
        rates.barh(names, widths, left=left, color=COLOURS[kind], label=LABELS[kind])
        left = [a + b for a, b in zip(left, widths)]
    for i, s in enumerate(exercises):
        rates.text(1, i, f"{s['pass_rate']:.0%} of {s['graded']}", va="center", fontsize=8, color="white")
    rates.margins(y=0.01)
    rates.invert_yaxis()
    rates.set(title="Exercises, most-failed first", xlabel="% of the students graded", xlim=(0, 100))
    rates.tick_params(axis="y", labelsize=8)
    fig.legend(*rates.get_legend_handles_labels(), loc="outside lower right", ncol=4, fontsize=8, frameon=False)
    fig.savefig(path, dpi=100)


def write(out: Path, course: Course, records: list[StudentRecord], skipped: list[tuple[str, str]] = ()) -> tuple[Path, Path]:
    """Write `out`/summary.md and `out`/summary.png (the picture only when something was graded)."""
    out = Path(out)
    md, png = out / "summary.md", out / "summary.png"
    atomic_write(md, markdown(course, records, list(skipped)))
    if records:
        with atomic_save(png) as tmp:
            picture(course, records, tmp)
    return md, png
