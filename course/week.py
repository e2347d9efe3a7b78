"""`course week`: the end of the week in one command, for the learner.

The week ends with the three lecture notebooks complete, samples from your own character
model in your README, your experiments' summary, and your reflection. This command makes
that artifact from your work, and only from it:

1. runs exercises/02-bigram.ipynb, 03-mlp-lm.ipynb and 04-init-and-batchnorm.ipynb top to
   bottom, in place, with their outputs (they import your modules beside them);
2. trains your MLP (`course train mlp`) if there is no trained model yet, and samples 20 names
   at temperatures 0.5, 1.0 and 2.0 and with top-k (`course sample`), with its dev loss;
3. runs your lecture-4 experiments (`course experiments`) if they have not run yet, and takes
   their summary table;
4. takes your reflection from the recall notebook (exercises/05-recall.ipynb);

and writes them into README.md as one section between two marker lines. Nothing of yours is
lost: the README outside the markers is kept as it is, and a notebook you changed while it
ran is left alone (its run goes beside it as <name>.executed.ipynb).
"""
from __future__ import annotations

import contextlib
import io
import sys
import time
from pathlib import Path

import nbformat

from course.manifest import Course, load
from course.target import resolve as resolve_target

BEGIN = "<!-- course week: begin. Made by `course week`; it rewrites what is between these two lines. -->"
END = "<!-- course week: end -->"
NOTEBOOKS = ("02-bigram.ipynb", "03-mlp-lm.ipynb", "04-init-and-batchnorm.ipynb")
RECALL = "05-recall.ipynb"
NOT_WRITTEN = "YOUR ANSWER HERE"        # what nbgrader leaves in an answer cell


# ------------------------------------------------------------------ the pieces
def run_notebook(path: Path) -> str:
    """Run one notebook in place with its outputs; a line saying how it went."""
    from nbclient.exceptions import CellExecutionError

    from course import notebooks
    before = path.read_bytes()
    start = time.perf_counter()
    try:
        nb = notebooks.execute(path, timeout=1800, env={"OMP_NUM_THREADS": "1"})
    except CellExecutionError as exc:
        last = [line for line in str(exc).splitlines() if line.strip()][-1:]
        return f"{path.name}: stopped at a cell that failed ({last[0] if last else 'see the notebook'}); not written"
    seconds = time.perf_counter() - start
    if path.read_bytes() != before:         # edited while it ran: never overwrite the learner's edit
        beside = path.with_name(path.stem + ".executed.ipynb")
        nbformat.write(nb, beside)
        return f"{path.name}: changed while it ran, so its run went to {beside.name} ({seconds:.0f} s)"
    nbformat.write(nb, path)
    return f"{path.name}: run with its outputs ({seconds:.0f} s)"


def command_output(argv: list[str]) -> tuple[int, str, str]:
    """Run a `course` command here, capturing what it prints: (exit code, stdout, stderr)."""
    from course import cli
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
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


def experiments_summary(course: Course, flag: str, log, fresh: bool) -> str:
    """The summary table of your lecture-4 experiments (run first when they have not run yet)."""
    summary = course.root / "runs" / "experiments" / "summary.txt"
    if fresh or not summary.is_file():
        log("running your lecture-4 experiments: `course experiments` (a minute or two) …")
        code, _, err = command_output(["experiments", "--target", flag])
        if code:
            return f"(not run: {err.strip()})"
    return summary.read_text().rstrip()


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


def section(samples_text: str, experiments_text: str, reflection_text: str, notebook_lines: list[str]) -> str:
    """The README section, as Markdown."""
    return "\n".join([
        BEGIN,
        "## My week: lectures 2–4 done",
        "",
        "Notebooks run with their outputs: " + "; ".join(notebook_lines) + ".",
        "",
        "### Names from my character-level MLP",
        "",
        "```", samples_text, "```",
        "",
        "### My lecture-4 experiments (`course experiments`)",
        "",
        "```", experiments_text, "```",
        "",
        "### What I now check first when training feels off",
        "",
        reflection_text,
        END,
    ])


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

    lines = []
    if not args.skip_notebooks:
        for name in NOTEBOOKS:
            log(f"running {name} …")
            lines.append(run_notebook(target / name))
            log("  " + lines[-1])
    else:
        lines = ["(not run this time: --skip-notebooks)"]
    text = section(samples(course, target, args.target, log),
                   experiments_summary(course, args.target, log, args.fresh),
                   reflection(target), lines)
    readme = Path(args.readme) if args.readme else course.root / "README.md"
    print(f"{readme.name}: {write_section(readme, text)} (between the `course week` markers; the rest is "
          "untouched)")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("week", help="the end of the week: run your notebooks, sample your model, and write "
                                    "your samples, experiments and reflection into README.md")
    p.add_argument("--target", default="exercises", help="whose work: exercises (default), solutions, or a folder")
    p.add_argument("--readme", default=None, help="the README to write into (default README.md of the course)")
    p.add_argument("--skip-notebooks", action="store_true", help="do not run the notebooks this time")
    p.add_argument("--fresh", action="store_true", help="run the experiments again even if they have run")
    p.set_defaults(run=cmd_week)


def main(argv: list[str] | None = None) -> int:
    """`python -m course.week`: the same as `course week`."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m course.week")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["week", *(sys.argv[1:] if argv is None else argv)])
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
