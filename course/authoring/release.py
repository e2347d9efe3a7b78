"""`course release OUT`: the student copy of the course.

What goes in: exercises/ (the stubs and the notebooks released by nbgrader, with their
records), the public graders and their fixtures, data/, course.toml without its
instructor-only tables, a README for students, and the project's set-up (pyproject.toml,
a Makefile with `setup` and `check`, the `course` package, the licence).
What stays out: solutions/, the hidden graders (autograder/hidden/), nbgrader's configuration
and tree, the project's own tests, and anything course.toml's [release] marks as
instructor-only.

Before writing, exercises/ must be in sync with solutions/ (stubs and notebooks). After
writing, the leak check (leaks.py) scans the copy for every line of every solution region and
hidden test; a release with a leak is reported and the command fails.

Releasing into a folder that already holds a release never loses a learner's work: a file the
learner changed is kept, and the new version goes beside it as `<name>.new` (unless --force);
nothing is ever deleted. OUT/.course-release.json records what was written, to tell the two
apart (course/files.py's rule, as for the stubs).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from course.files import CACHES, NEW, Record, write_unless_edited
from course.manifest import Course, CourseError

RECORD = ".course-release.json"
SET_UP = ["pyproject.toml", "requirements-sandbox.txt", "LICENSE", ".gitignore"]


# ------------------------------------------------------------------ what goes in
INSTRUCTOR_PACKAGES = ("authoring", "classgrade")      # of course/: not in a student copy


def _tree(folder: Path, rel: str, leave_out: set[str] = frozenset()) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not CACHES & set(parts) and parts[0] not in leave_out and not path.name.endswith(NEW):
            files[f"{rel}/{'/'.join(parts)}"] = path.read_bytes()
    return files


def student_toml(course: Course) -> str:
    """course.toml without the tables course.toml's [release] lists as instructor-only (and
    without [release] itself). Tables are cut by their headers, comments before a header going
    with the table that follows."""
    instructor = set(course.release.instructor_only) | {"release"}
    out, keep, pending = [], True, []
    for line in (course.root / "course.toml").read_text().splitlines(keepends=True):
        header = re.match(r"\s*\[\[?\s*([A-Za-z0-9_-]+)", line)
        if header:
            keep = header.group(1) not in instructor
            if keep:
                out += pending
            pending = []
            if keep:
                out.append(line)
        elif line.lstrip().startswith("#") or not line.strip():
            pending.append(line)          # held until we know which table it comes before
        else:
            if keep:
                out += pending
                out.append(line)
            pending = []
    return "".join(out + pending)


def student_makefile(course: Course) -> str:
    """The instructor's Makefile, set-up part only (its install recipe, torch pin included),
    with the learner's `check`: the other targets need solutions/ and tests/."""
    text = (course.root / "Makefile").read_text()
    start, end = text.find("PYTHON ?="), text.find("\ttouch $@\n")
    if start < 0 or end < 0:
        raise CourseError("Makefile: cannot find its set-up part (from `PYTHON ?=` to `touch $@`)")
    body = text[start:end + len("\ttouch $@\n")]
    body = re.sub(r"^\.PHONY:.*$", ".PHONY: setup check clean", body, flags=re.M)
    return ("# make setup   install into .venv (Python 3.10+)\n"
            "# make check   install, then grade your exercises (pytest autograder)\n"
            + body + "\ncheck: setup\n\t$(BIN)/pytest autograder\n\nclean:\n\trm -rf $(VENV)\n")


def student_readme(course: Course) -> str:
    """README.md of the student copy: how to set up, the loop, the parts and their points."""
    makefile = (course.root / "Makefile").read_text()
    return STUDENT_README.format(
        title=course.about.title, total=course.total_points, rows="\n".join(_readme_rows(course)),
        torch_version=re.search(r"^TORCH_VERSION \?= *(\S+)", makefile, re.M).group(1),
        torch_index=re.search(r"^TORCH_INDEX \?= *(\S+)", makefile, re.M).group(1))


def _readme_rows(course: Course) -> list[str]:
    """One row of the README's table per assignment: its files and its points."""
    rows = []
    for a in course.assignments:
        files = [f"`exercises/{m}.py`" for m in a.modules] + [f"`exercises/{nb}`" for nb in a.notebooks]
        points = sum(ex.points for ex in course.exercises if ex.assignment == a.id)
        manual = sum(a.manual.values())
        rows.append(f"| {a.title} | {', '.join(files)} | {points}"
                    + (f" (+{manual} read by your instructor)" if manual else "") + " |")
    return rows


# The student README; `{name}` fields are filled by student_readme.
STUDENT_README = """# {title}

You fill in stubs; `pytest autograder` grades them and tells you what to do next.

**At the end of the week**, `course week` grades your work, runs your notebooks, samples your
model, runs your lecture-4 experiments and writes it all, with your reflection, into `WEEK.md`
(linked from the top of this README, pictures in `week/`); it says what is not done yet.
`git add WEEK.md week/ README.md` and push: your week goes with the repository.

<!-- course week: begin. Made by `course week`; it rewrites what is between these two lines. -->
<!-- course week: end -->

## Set up (once, Python 3.10+)

```bash
make setup                    # a virtual environment in .venv: torch (CPU) and this course
source .venv/bin/activate
```

About 320 MB to download (torch's CPU build is 192 MB of it) and 1.4 GB once installed. On
Linux, torch comes from PyTorch's CPU index ({torch_index}): PyPI's Linux torch is a
multi-GB GPU build. If that index cannot be reached, `make setup` says so and takes torch from
PyPI; `make setup TORCH_INDEX=` uses PyPI alone.

Without `make`: `python3 -m venv .venv`, then
`.venv/bin/pip install torch=={torch_version} --extra-index-url {torch_index}` (on macOS and
Windows leave out `--extra-index-url`: PyPI's torch is the CPU build there), then
`.venv/bin/pip install -e .`.

## Your loop

```bash
pytest autograder                  # grade everything: a score table, the total, what to do next
pytest autograder -k bigram        # one lecture
pytest autograder -k count_bigrams # one exercise
course hint count_bigrams          # the first hint; -n 2 for the next, --all for all of them
course check recall                # the recall test's visible tests, per question
course --help                      # your commands (--version: which release of the course this is)
```

Before you start, the table ends with `Total: 0/{total} points`. Each stub in `exercises/`
has its contract in the docstring and a `TODO (module.function): ...` that says what to do.
Any correct implementation passes: the graders use other alphabets, shapes and seeds than
the defaults, so nothing may assume 27 characters.

## What to do, in order

| part | your files | points |
|---|---|---|
{rows}

## The notebooks

`jupyter lab exercises/` opens them. The lecture notebooks import *your* modules from
`exercises/`, so they run your work: finish a lecture's exercises, then run its notebook top
to bottom to train your own model, sample names and look at the plots.

The lab "What is wrong with this run?" (`exercises/mystery.py`, `pytest autograder -k mystery`)
gives you runs broken in lecture 4's ways; your diagnostics say what went wrong, and with which
number. Its table is a first answer to the reflection's question, what you now check first.

The recall test (`exercises/05-recall.ipynb`) is answered without notes. Its visible tests
tell you whether you are on track (`course check recall`); your instructor's grading adds
hidden tests and reads your written answers and your reflection.

## Before you call the week done

- [ ] `pytest autograder` passes every exercise, or you know which ones are left and why.
- [ ] Your MLP's names look like names; you sampled at temperatures 0.5, 1.0 and 2.0 and can
      say what changed.
- [ ] Each lecture notebook runs top to bottom, and a stranger could learn from it: between the
      cells, a sentence says what each result shows.
- [ ] Your `diagnostics.py` is a helper you would use again: activations, gradients,
      update-to-data ratios and histograms of any network.
- [ ] You diagnosed every run of the lab, and can say which figure told you.
- [ ] You answered the recall test without notes, then wrote the reflection.

## Next week: pre-reading

- Lecture 5, "Building makemore Part 4: Becoming a Backprop Ninja": the backward pass of this
  week's MLP (BatchNorm included) written by hand; the `softmax - onehot` gradient of the
  recall test is where it starts.
- Lecture 6, "Building makemore Part 5: Building a WaveNet": a deeper, hierarchical model of the
  same names, built from layers like your `layers.py`.
- Optional: Ioffe and Szegedy (2015), *Batch Normalization*, sections 1–3; He et al. (2015),
  *Delving Deep into Rectifiers*, section 2.2 (the initialisation you wrote).

## A newer release

`course update NEW_RELEASE` takes a newer copy of the course without losing your work:
files you edited are kept, and the new versions go beside them as `.new`.
"""


def contents(course: Course) -> dict[str, bytes]:
    """Relative path -> bytes of every file of the student copy."""
    root = course.root
    files: dict[str, bytes] = {}
    exercises = root / "exercises"
    from course.authoring import notebooks, stubs
    for module in stubs.stub_modules(course):
        files[f"exercises/{module}.py"] = (exercises / f"{module}.py").read_bytes()
    for a in course.assignments:
        for nb in a.notebooks:
            files[f"exercises/{nb}"] = (exercises / nb).read_bytes()
    for record in (stubs.RECORD, notebooks.RECORD):      # how `course update` tells edits apart
        if (exercises / record).exists():
            files[f"exercises/{record}"] = (exercises / record).read_bytes()
    files.update(_tree(root / "autograder", "autograder", leave_out={"hidden"}))
    files.update(_tree(root / "data", "data"))
    # The course package, as a learner runs it: its core, grading/ and learner/; not the
    # instructor's authoring/ and classgrade/ (the CLI lists only the commands that are there).
    files.update(_tree(root / "course", "course", leave_out=set(INSTRUCTOR_PACKAGES)))
    for name in SET_UP:
        if (root / name).exists():
            files[name] = (root / name).read_bytes()
    files["course.toml"] = student_toml(course).encode()
    files["Makefile"] = student_makefile(course).encode()
    files["README.md"] = student_readme(course).encode()
    return files


# ------------------------------------------------------------------ writing OUT
@dataclass
class Written:
    path: str
    action: str     # created | updated | unchanged | kept

    def __str__(self) -> str:
        return {"created": f"{self.path}", "updated": f"{self.path} (updated)",
                "unchanged": f"{self.path} (up to date)",
                "kept": f"{self.path}: kept, it was changed there; the new version is beside it as "
                        f"{Path(self.path).name}{NEW}"}[self.action]


def in_sync(course: Course) -> list[str]:
    """What is out of date in exercises/ (empty when the stubs and notebooks are in sync)."""
    from course.authoring import notebooks, stubs
    stale = [f"exercises/{o.path.name}" for o in stubs.generate(course, check=True) if o.action != "unchanged"]
    stale += [f"exercises/{o.path.name}" for o in notebooks.generate(course, check=True) if o.action != "unchanged"]
    return stale


def release(course: Course, out: Path, force: bool = False, check_sync: bool = True) -> list[Written]:
    """Write the student copy into `out`; refuse a non-empty folder that is not a release."""
    out = Path(out).resolve()
    if out == course.root or course.root in out.parents:
        raise CourseError(f"{out}: a release must go outside the course folder")
    if out.exists() and any(out.iterdir()) and not (out / RECORD).exists():
        raise CourseError(f"{out}: not empty and not a release of the course; choose an empty or new folder")
    if check_sync:
        stale = in_sync(course)
        if stale:
            raise CourseError(f"out of date with solutions/: {', '.join(stale)}; run `course stubs` "
                              "and `course notebooks` first")
    record = Record(out / RECORD)
    written = [Written(rel, write_unless_edited(out / rel, data, record, rel, force=force))
               for rel, data in contents(course).items()]
    record.save()
    return written


def cmd_release(args) -> int:
    from course.authoring.leaks import leaks
    from course.authoring.preflight import require
    from course.manifest import load
    course = load()
    require(course, "release")
    out = Path(args.out)
    written = release(course, out, force=args.force)
    for w in written:
        if w.action != "unchanged" or args.verbose:
            print(w)
    found = leaks(course, out)
    for line in found:
        print(f"LEAK {line}", file=sys.stderr)
    if found:
        print(f"{len(found)} solution or hidden-test line(s) in the release: do not hand it out", file=sys.stderr)
        return 1
    kept = sum(w.action == "kept" for w in written)
    print(f"released {len(written)} files to {out}" + (f"; {kept} changed there were kept (.new beside them)"
                                                       if kept else "") + "; no solution or hidden test in it")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("release")
    p.add_argument("out", help="the folder to write (new, empty, or an earlier release)")
    p.add_argument("--force", action="store_true", help="overwrite files changed in OUT instead of writing .new beside")
    p.add_argument("-v", "--verbose", action="store_true", help="also list the files that were up to date")
    p.set_defaults(run=cmd_release)
