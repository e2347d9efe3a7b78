"""`course release OUT`: the student copy of the course.

What goes in: exercises/ (the stubs and the notebooks released by nbgrader, with their
records), the public graders and their fixtures, data/, course.toml without its
instructor-only tables, a README for students, and the project's set-up (pyproject.toml,
a Makefile with `setup` and `check`, the `course` package, the licence).
What stays out: solutions/, the hidden graders (autograder/hidden/), nbgrader's configuration
and tree, the project's own tests, and anything course.toml's [release] marks as
instructor-only.

Before writing, exercises/ must be in sync with solutions/ (stubs and notebooks). After
writing, `leaks()` scans the copy for every line of every solution region and hidden test; a
release with a leak is reported and the command fails.

Releasing into a folder that already holds a release never loses a learner's work: a file the
learner changed is kept, and the new version goes beside it as `<name>.new` (unless --force);
nothing is ever deleted. OUT/.course-release.json records what was written, to tell the two apart.
"""
from __future__ import annotations

import builtins
import copy
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.manifest import Course, CourseError

RECORD = ".course-release.json"
SKIP = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}
SET_UP = ["pyproject.toml", "requirements-sandbox.txt", "LICENSE", ".gitignore"]
MIN_SECRET = 20      # shorter lines (`return x`, `while True:`) say nothing about a solution


# ------------------------------------------------------------------ what goes in
INSTRUCTOR_PACKAGES = ("authoring", "classgrade")      # of course/: not in a student copy


def _tree(folder: Path, rel: str, leave_out: set[str] = frozenset()) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not SKIP & set(parts) and parts[0] not in leave_out and not path.name.endswith(".new"):
            files[f"{rel}/{'/'.join(parts)}"] = path.read_bytes()
    return files


def student_toml(course: Course) -> str:
    """course.toml without the tables course.toml's [release] lists as instructor-only (and
    without [release] itself). Tables are cut by their headers, comments before a header going
    with the table that follows."""
    instructor = set(course.raw.get("release", {}).get("instructor_only", [])) | {"release"}
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
    title = course.raw["course"].get("title", course.raw["course"]["name"])
    rows = []
    for a in course.assignments:
        exercises = [ex for ex in course.exercises if ex.assignment == a.id]
        files = [f"`exercises/{m}.py`" for m in a.modules] + [f"`exercises/{nb}`" for nb in a.notebooks]
        points = sum(ex.points for ex in exercises)
        manual = sum(a.manual.values())
        rows.append(f"| {a.title} | {', '.join(files)} | {points}" + (f" (+{manual} read by your instructor)"
                                                                      if manual else "") + " |")
    total = course.total_points
    makefile = (course.root / "Makefile").read_text()
    torch_version = re.search(r"^TORCH_VERSION \?= *(\S+)", makefile, re.M).group(1)
    torch_index = re.search(r"^TORCH_INDEX \?= *(\S+)", makefile, re.M).group(1)
    return f"""# {title}

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
{chr(10).join(rows)}

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
    from course.authoring.stubs import stub_modules
    for module in stub_modules(course):
        files[f"exercises/{module}.py"] = (exercises / f"{module}.py").read_bytes()
    for a in course.assignments:
        for nb in a.notebooks:
            files[f"exercises/{nb}"] = (exercises / nb).read_bytes()
    for record in (".stubs.json", ".notebooks.json"):      # how `course update` tells edits apart
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


# ------------------------------------------------------------------ the leak check
def secrets(course: Course) -> dict[str, str]:
    """Secret line -> where it comes from: every line of every solution region (modules and
    notebooks), of every hidden test region and of the hidden graders.

    Left out: lines shorter than MIN_SECRET characters (`return x`, `else:`, `plt.close(fig)`
    say nothing about a solution), and lines that the instructor's public sources show anyway:
    the solution modules outside their regions, the leading comment of each region (it becomes
    the stub's TODO), the notebooks outside their regions, course.toml (the hints) and the
    public graders. The course's machinery (course/**/*.py) is not public in this sense: a solution
    copied there is a leak like any other (but a line a hidden grader shares with it is not a
    secret of the grader)."""
    found: dict[str, str] = {}
    public: list[str] = [(course.root / "course.toml").read_text()]

    def note(lines, where):
        for line in lines:
            if len(line.strip()) >= MIN_SECRET:
                found.setdefault(line.strip(), where)

    def split(text, begin, end):
        """(lines outside regions, regions) of a text."""
        outside, regions, current = [], [], None
        for line in text.splitlines():
            if line.strip().startswith(begin):
                current = []
            elif line.strip().startswith(end) and current is not None:
                regions.append(current)
                current = None
            elif current is not None:
                current.append(line)
            else:
                outside.append(line)
        return outside, regions

    for path in sorted((course.root / "solutions").glob("*.py")):
        outside, regions = split(path.read_text(), "### BEGIN SOLUTION", "### END SOLUTION")
        public.extend(outside)
        for region in regions:
            body = list(region)
            while body and body[0].strip().startswith("#"):
                public.append(body.pop(0))
            note(body, f"solutions/{path.name}")
    for path in sorted((course.root / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("solution") and "BEGIN SOLUTION" not in cell.source:
                note(cell.source.splitlines(), f"solutions/{path.name}")   # nbgrader clears the whole cell
                continue
            outside, solutions = split(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
            outside, hidden = split("\n".join(outside), "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
            public.extend(outside)
            for region in solutions + hidden:
                note(region, f"solutions/{path.name}")
    for path in sorted((course.root / "autograder").glob("*.py")):
        public.append(path.read_text())
    # A hidden grader's secrets are its inputs and its checks, not the Python it shares with the
    # course's machinery (`from collections import OrderedDict`, `def forward(self, x):`).
    machinery = "\n".join(path.read_text() for path in sorted((course.root / "course").rglob("*.py")))
    for path in sorted((course.root / "autograder" / "hidden").rglob("*.py")):
        note([line for line in path.read_text().splitlines() if line.strip() not in machinery],
             f"autograder/hidden/{path.name}")
    shown = "\n".join(public)
    common = set(course.raw.get("release", {}).get("not_secret", []))
    return {line: where for line, where in found.items() if line not in shown and line not in common}


def _texts(out: Path):
    """(relative path, text) of every readable file of the copy; a notebook as its cells and outputs."""
    for path in sorted(out.rglob("*")):
        if not path.is_file() or SKIP & set(path.parts):
            continue
        rel = str(path.relative_to(out))
        if path.suffix == ".ipynb" or path.name.endswith(".ipynb.new"):
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception:  # noqa: BLE001 - scanned as plain text below
                pass
            else:
                yield rel, "\n".join([c.source for c in nb.cells] + [json.dumps(c.get("outputs", []))
                                                                      for c in nb.cells])
                continue
        try:
            yield rel, path.read_text()
        except (UnicodeDecodeError, OSError):
            continue


def leaks(course: Course, out: Path) -> list[str]:
    """One line per secret found in the copy at `out`: where, what, and where it came from.
    Two kinds: a line of a solution region or a hidden test, as written; and a few statements
    of a solution region, whatever their names, comments and layout (`body_leaks`)."""
    hidden = secrets(course)
    found = []
    for rel, text in _texts(Path(out)):
        for line, source in hidden.items():
            if line in text:
                found.append(f"{rel}: {line!r} (from {source})")
    return found + body_leaks(course, out)


# A solution re-written in the course's machinery (a `make_data` that splits and slides a
# context window like mlp.split_words and mlp.build_dataset) shares no line of 20 characters
# with it once its names change. So solution code is also compared as syntax: every run of up
# to BODY_WINDOW consecutive statements (of any block: a function body, a loop's body) with
# every name that is not a builtin or a module renamed by its order of appearance, comments,
# docstrings and layout gone. A run counts when it is big enough to say something
# (BODY_MIN_NODES syntax nodes: `loss.backward()` alone is common code) and computes
# something: calls alone (`fig.tight_layout(); fig.savefig(path); plt.close(fig)`) are
# boilerplate, a run needs an assignment, a return or a block; and data alone (a dict of the
# contract's shapes) is no secret, a run needs a call or a loop.
BODY_WINDOW = 3
BODY_MIN_NODES = 25
_KEPT_NAMES = set(dir(builtins)) | {"torch", "F", "nn", "math", "random", "np", "plt", "self"}


def _statement_runs(tree, sizes=range(1, BODY_WINDOW + 1)):
    """(first line, last line, statements) for every run of consecutive statements of every block."""
    import ast
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            block = [st for st in block if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant)
                                                and isinstance(st.value.value, str))]      # docstrings
            for size in sizes:
                for i in range(len(block) - size + 1):
                    run = block[i:i + size]
                    yield run[0].lineno, run[-1].end_lineno, run


def _size(st, sizes: dict) -> int:
    """Syntax nodes of a statement, remembered (runs overlap)."""
    import ast
    if id(st) not in sizes:
        sizes[id(st)] = sum(1 for _ in ast.walk(st))
    return sizes[id(st)]


def _fingerprint(run, sizes: dict, wanted: set | None = None) -> str | None:
    """The run's syntax with its own names numbered; None when it is too small to count (or,
    with `wanted`, when no secret run has its size: renaming keeps the size)."""
    import ast
    if all(isinstance(st, ast.Expr) for st in run):
        return None
    if not any(isinstance(n, (ast.Call, ast.For, ast.While, ast.comprehension)) for st in run for n in ast.walk(st)):
        return None              # data, not computation: a contract's shapes spelled out
    size = sum(_size(st, sizes) for st in run)
    if size < BODY_MIN_NODES or (wanted is not None and size not in wanted):
        return None
    names: dict[str, str] = {}

    class Rename(ast.NodeTransformer):
        def rename(self, name):
            return name if name in _KEPT_NAMES else names.setdefault(name, f"v{len(names)}")

        def visit_Name(self, node):
            return ast.copy_location(ast.Name(id=self.rename(node.id), ctx=node.ctx), node)

        def visit_arg(self, node):
            return ast.copy_location(ast.arg(arg=self.rename(node.arg)), node)

    module = ast.Module(body=[Rename().visit(copy.deepcopy(st)) for st in run], type_ignores=[])
    return f"{size}:" + ast.dump(module, annotate_fields=False)


def _python_sources(text: str, suffix: str) -> list[str]:
    if suffix == ".ipynb":
        return [c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code"]
    return [text]


def _runs_of(source: str, wanted: set | None = None):
    import ast
    try:
        tree = ast.parse(source)
    except SyntaxError:              # a notebook cell with a magic, a stub in the making
        return
    sizes: dict = {}
    for first, last, run in _statement_runs(tree):
        print_ = _fingerprint(run, sizes, wanted)
        if print_ is not None:
            yield first, last, print_


def secret_bodies(course: Course) -> dict[str, str]:
    """Fingerprint -> "solutions/<file>, function": every run of statements that lies inside a
    solution region of solutions/ (modules and notebooks), minus the runs that the solution
    modules also show outside their regions."""
    found: dict[str, str] = {}
    shown: set[str] = set()
    for path in sorted((course.root / "solutions").glob("*.py")) + sorted((course.root / "solutions").glob("*.ipynb")):
        for source in _python_sources(path.read_text(), path.suffix):
            regions, start = [], None
            for number, line in enumerate(source.splitlines(), 1):
                if line.strip().startswith("### BEGIN SOLUTION"):
                    start = number
                elif line.strip().startswith("### END SOLUTION") and start is not None:
                    regions.append((start, number))
                    start = None
            for first, last, print_ in _runs_of(source):
                if any(a < first and last < b for a, b in regions):
                    found.setdefault(print_, f"solutions/{path.name}, line {first}")
                else:
                    shown.add(print_)
    return {k: v for k, v in found.items() if k not in shown}


def body_leaks(course: Course, out: Path) -> list[str]:
    """One line per place in the copy at `out` where statements of a solution region reappear
    (renamed, re-commented or re-laid-out): the file and line, and the solution's file and line."""
    secret = secret_bodies(course)
    wanted = {int(k.split(":", 1)[0]) for k in secret}
    found = []
    for path in sorted(Path(out).rglob("*")):
        if not path.is_file() or SKIP & set(path.parts) or path.suffix not in (".py", ".ipynb"):
            continue
        rel = str(path.relative_to(out))
        try:
            sources = _python_sources(path.read_text(), path.suffix)
        except Exception:  # noqa: BLE001 - unreadable: the line check above still scans it
            continue
        seen_here = set()
        for source in sources:
            for first, _last, print_ in _runs_of(source, wanted):
                if print_ in secret and (secret[print_], first) not in seen_here:
                    seen_here.add((secret[print_], first))
                    found.append(f"{rel}, line {first}: statements of {secret[print_]} (renamed or re-laid-out)")
    return found


# ------------------------------------------------------------------ writing OUT
@dataclass
class Written:
    path: str
    action: str     # created | updated | unchanged | kept

    def __str__(self) -> str:
        return {"created": f"{self.path}", "updated": f"{self.path} (updated)",
                "unchanged": f"{self.path} (up to date)",
                "kept": f"{self.path}: kept, it was changed there; the new version is beside it as "
                        f"{Path(self.path).name}.new"}[self.action]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    record_path = out / RECORD
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    written = []
    for rel, data in contents(course).items():
        dest = out / rel
        current = dest.read_bytes() if dest.exists() else None
        if current == data:
            written.append(Written(rel, "unchanged"))
            record[rel] = _sha(data)
            continue
        if current is not None and _sha(current) != record.get(rel) and not force:
            dest.with_name(dest.name + ".new").write_bytes(data)      # the learner's file stays
            written.append(Written(rel, "kept"))
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        record[rel] = _sha(data)
        written.append(Written(rel, "created" if current is None else "updated"))
    out.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return written


def cmd_release(args) -> int:
    from course.manifest import load
    from course.authoring.preflight import require
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
