"""`course week`: the end of the week in one command, for the learner.

The week ends with the three lecture notebooks complete, samples from your own character
model, your experiments' summary and pictures, and your reflection. This command makes that
artifact from your work, and only from it:

1. grades your exercises (`pytest autograder`) and says what is not done yet;
2. runs exercises/02-bigram.ipynb, 03-mlp-lm.ipynb and 04-init-and-batchnorm.ipynb top to
   bottom, in place, with their outputs (they import your modules beside them; the reference's,
   with --target solutions, go to runs/week/solutions/ instead);
3. trains your MLP (`course train mlp`) if there is no trained model yet, and samples 20 names
   at temperatures 0.5, 1.0 and 2.0 and with top-k (`course sample`), with its dev loss;
4. runs your lecture-4 experiments (`course experiments`) if they have not run yet for this
   target (runs/experiments/<target>/: the reference's runs never stand in for yours), and
   takes their summary table;
5. takes your reflection from the recall notebook (exercises/05-recall.ipynb);

and writes them into WEEK.md (a file of its own, which README.md links to between two marker
lines), copying its pictures into week/, a folder git tracks: pushing the repository pushes
them. Nothing of yours is lost: the README outside the markers is kept as it is, and a notebook
you changed while it ran is left alone (its run goes beside it as <name>.executed.ipynb).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat

from course.manifest import Course, CourseError, load
from course.grading.target import resolve as resolve_target

BEGIN = "<!-- course week: begin. Made by `course week`; it rewrites what is between these two lines. -->"
END = "<!-- course week: end -->"
NOTEBOOKS = ("02-bigram.ipynb", "03-mlp-lm.ipynb", "04-init-and-batchnorm.ipynb")
RECALL = "05-recall.ipynb"
NOT_WRITTEN = "YOUR ANSWER HERE"        # what nbgrader leaves in an answer cell
WEEK = "WEEK.md"                        # the artifact, beside README.md
FIGURES = "week"                        # its pictures, in a folder git tracks


# ------------------------------------------------------------------ the pieces
def run_notebook(path: Path, out: Path | None = None) -> str:
    """Run one notebook with its outputs, in place (or into `out`); a line saying how it went."""
    from nbclient.exceptions import CellExecutionError

    from course.grading import run
    before = path.read_bytes()
    start = time.perf_counter()
    try:
        nb = run.execute(path, timeout=1800, env={"OMP_NUM_THREADS": "1"})
    except CellExecutionError as exc:
        return f"{path.name}: stopped at a cell that failed ({why_it_stopped(exc)}); not written"
    seconds = time.perf_counter() - start
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
        try:
            shown = out.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            shown = out
        return f"{path.name}: run with its outputs, written to {shown} ({seconds:.0f} s)"
    if path.read_bytes() != before:         # edited while it ran: never overwrite the learner's edit
        beside = path.with_name(path.stem + ".executed.ipynb")
        nbformat.write(nb, beside)
        return f"{path.name}: changed while it ran, so its run went to {beside.name} ({seconds:.0f} s)"
    nbformat.write(nb, path)
    return f"{path.name}: run with its outputs ({seconds:.0f} s)"


def notebook_output(course: Course, target: Path, name: str) -> Path | None:
    """Where a notebook's run goes: in place for the learner's work; for the reference
    (`--target solutions`, the instructor's sources, kept without outputs) under runs/week/."""
    if target.resolve() == (course.root / "solutions").resolve():
        return course.root / "runs" / "week" / target.name / name
    return None


def plain(text: str | None) -> str:
    """`text` without a terminal's colour codes (a kernel's tracebacks carry them)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text or "")


def why_it_stopped(exc) -> str:
    """The error a notebook's cell raised, in one line and plain text: its type and the first line
    of its message, with the items listed under it (a NotReady names the exercises not started)."""
    lines = [line for line in plain(getattr(exc, "evalue", "")).splitlines() if line.strip()]
    if not lines:
        last = [line for line in plain(str(exc)).splitlines() if line.strip()][-1:]
        return last[0] if last else "see the notebook"
    items = [line.strip() for line in lines[1:] if line.startswith((" ", "\t"))]
    listed = f" {', '.join(items[:4])}{', …' if len(items) > 4 else ''}" if items else ""
    return f"{plain(getattr(exc, 'ename', '')) or 'error'}: {lines[0]}{listed}"


def command_output(argv: list[str]) -> tuple[int, str, str]:
    """Run the learner's command `argv` (train, sample or experiments) here, through its own
    module's parser, capturing what it prints: (exit code, stdout, stderr)."""
    from course.learner import experiments, train
    parser = argparse.ArgumentParser(prog="course")
    {"train": train, "sample": train, "experiments": experiments}[argv[0]].add_parser(parser.add_subparsers())
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            args = parser.parse_args(argv)
            code = args.run(args)
        except CourseError as e:
            print(f"course: {e}", file=sys.stderr)
            code = 2
    return code, out.getvalue(), err.getvalue()


def samples(course: Course, target: Path, flag: str, log) -> str:
    """The sample table of your trained MLP (trained first when there is no model yet)."""
    if not (course.root / "runs" / "mlp" / target.name / "model.pt").is_file():
        log("no trained model yet: `course train mlp` (about a minute) …")
        code, _, err = command_output(["train", "mlp", "--target", flag])
        if code:
            return f"(not trained: {err.strip()})"
    code, out, err = command_output(["sample", "--target", flag])
    return out.rstrip() if code == 0 else f"(no samples: {err.strip()})"


def experiments_folder(course: Course, target: Path) -> Path:
    from course.learner.experiments import runs_folder
    return runs_folder(course, target)


def experiments_summary(course: Course, target: Path, flag: str, log, fresh: bool) -> str:
    """The summary table of your lecture-4 experiments (run first when they have not run yet
    for this target)."""
    summary = experiments_folder(course, target) / "summary.txt"
    if fresh or not summary.is_file():
        log("running your lecture-4 experiments: `course experiments` (two minutes or so) …")
        code, _, err = command_output(["experiments", "--target", flag])
        if code:
            return f"(not run: {err.strip()})"
    return summary.read_text().rstrip()


def progress(course: Course, target: Path) -> tuple[list[str], int, int]:
    """What is not done yet, one line per exercise not passed, and the points: (lines, got, of)."""
    from course.grading import run
    scores, _ = run.graders(target, course=course)
    lines = [f"- {row['id']}: {row['status']}" for row in scores["exercises"] if row["status"] != "passed"]
    return lines, scores["total"], scores["max_total"]


def copy_figures(course: Course, target: Path, out: Path) -> list[str]:
    """Copy this target's pictures of the week into `out` (tracked by git); the names copied.
    A picture this target has not made is removed from `out`: one left by an earlier run (of
    another target, say the reference's) must not pass for the learner's."""
    runs = experiments_folder(course, target)
    sources = {"experiments.png": runs / "experiments.png", "histograms.png": runs / "histograms.png",
               "mlp-loss.png": course.root / "runs" / "mlp" / target.name / "loss.png"}
    copied = []
    for name, source in sources.items():
        if source.is_file():
            out.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, out / name)
            copied.append(name)
        elif (out / name).is_file():
            (out / name).unlink()
    return copied


def reflection(target: Path) -> str:
    """Your reflection, from the recall notebook's answer cell (grade_id 'reflection')."""
    path = target / RECALL
    if not path.is_file():
        return f"({RECALL} not found)"
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "reflection":
            text = "\n".join(line for line in cell.source.splitlines()       # the reference's region markers
                             if not line.startswith(("### BEGIN SOLUTION", "### END SOLUTION"))).strip()
            return text if text and NOT_WRITTEN not in text else "(not written yet: it is the last cell of the recall notebook)"
    return "(no reflection cell in the recall notebook)"


def week_text(samples_text: str, experiments_text: str, reflection_text: str, notebook_lines: list[str],
              not_done: list[str], points: tuple[int, int], figures: list[str], figures_dir: str = FIGURES) -> str:
    """WEEK.md, as Markdown: what is done, what is not yet, and the week's results."""
    got, total = points
    done = not not_done
    head = ("## My week: lectures 2–4 done" if done else
            f"## My week so far: {got}/{total} points, {len(not_done)} exercise(s) not done yet")
    parts = [
        "# The end of my week (made by `course week`; running it again rewrites this file)",
        "",
        head,
        "",
        "### My notebooks, run top to bottom on my modules",
        "",
        *[f"- {line}" for line in notebook_lines],
        "",
    ]
    if not done:
        parts += ["### Not done yet", "",
                  "`pytest autograder` says what to do next for each of these:", "", *not_done, ""]
    parts += ["### Names from my character-level MLP", "", "```", samples_text, "```", ""]
    if "mlp-loss.png" in figures:
        parts += [f"![My MLP's training loss]({figures_dir}/mlp-loss.png)", ""]
    parts += ["### My lecture-4 experiments (`course experiments`)", "", "```", experiments_text, "```", "",
              "The course's README gives the reference's figures as ranges over three seeds (its section "
              "\"The experiments\"): compare mine with them.", ""]
    if "experiments.png" in figures:
        parts += [f"![My lecture-4 experiments compared]({figures_dir}/experiments.png)", ""]
    if "histograms.png" in figures:
        parts += [f"![My experiments at initialisation: activations and gradients]({figures_dir}/histograms.png)", ""]
    parts += ["### What I now check first when training feels off", "", reflection_text, ""]
    return "\n".join(parts)


def section(link_text: str) -> str:
    """The README section: a link to WEEK.md, between the markers."""
    return "\n".join([BEGIN, link_text, END])


def write_section(readme: Path, text: str) -> str:
    """Put `text` between the markers of `readme` (appended, markers and all, the first time);
    everything outside the markers stays exactly as it was. Returns what was done."""
    old = readme.read_text() if readme.is_file() else ""
    if BEGIN in old and END in old.split(BEGIN, 1)[1]:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        new, done = head + text + tail, "updated its section"
    else:
        new, done = old + ("\n\n" if old and not old.endswith("\n\n") else "") + text + "\n", "added a section"
    readme.write_text(new)
    return done


# ------------------------------------------------------------------ the command
def cmd_week(args) -> int:
    course = load()
    target = resolve_target(course, args.target)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    log("grading your exercises …")
    not_done, got, total = progress(course, target)
    log(f"  {got}/{total} points" + (f"; not done yet: {len(not_done)} exercise(s)" if not_done else ""))
    lines = []
    if not args.skip_notebooks:
        for name in NOTEBOOKS:
            log(f"running {name} …")
            lines.append(run_notebook(target / name, notebook_output(course, target, name)))
            log("  " + lines[-1])
    else:
        lines = ["(not run this time: --skip-notebooks)"]
    samples_text = samples(course, target, args.target, log)
    experiments_text = experiments_summary(course, target, args.target, log, args.fresh)
    readme = Path(args.readme) if args.readme else course.root / "README.md"
    week_file = readme.parent / WEEK
    figures = copy_figures(course, target, readme.parent / FIGURES)
    week_file.write_text(week_text(samples_text, experiments_text, reflection(target), lines, not_done, (got, total),
                                   figures))
    state = "lectures 2–4 done" if not not_done else f"{got}/{total} points, {len(not_done)} exercise(s) not done yet"
    link = (f"**My week** ({state}): samples from my model, my lecture-4 experiments and my reflection are in "
            f"[{WEEK}]({WEEK}), its pictures in `{FIGURES}/`. Made by `course week`.")
    print(f"{week_file.name}: written ({state}); pictures copied to {FIGURES}/: {', '.join(figures) or 'none yet'}")
    print(f"{readme.name}: {write_section(readme, section(link))} (a link to {WEEK}, between the `course week` "
          "markers; the rest is untouched). `git add WEEK.md week/ README.md` to keep them with your work.")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("week")
    p.add_argument("--target", default="exercises", help="whose work: exercises (default), solutions, or a folder")
    p.add_argument("--readme", default=None, help="the README that links to WEEK.md (default README.md of the "
                                                  "course); WEEK.md and week/ go beside it")
    p.add_argument("--skip-notebooks", action="store_true", help="do not run the notebooks this time")
    p.add_argument("--fresh", action="store_true", help="run the experiments again even if they have run")
    p.set_defaults(run=cmd_week)


def main(argv: list[str] | None = None) -> int:
    """`python -m course.learner.week`: the same as `course week`."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m course.learner.week")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["week", *(sys.argv[1:] if argv is None else argv)])
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
