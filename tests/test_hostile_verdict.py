"""A verdict nothing can bend (issue 20): hostile submissions, each built on the untouched stubs
plus a few lines of attack, graded as a class with `course grade` next to correct classmates.

Each attack must score exactly its honest 0 on the exercises it attacks, its classmates keep
full marks, and `course grade` completes with grades.csv. One submission per route:

- learner names reaching the judge: notebook answer cells that rebind `isinstance`, `tuple`,
  `abs`, `len`, `float`, `AssertionError` or `torch` to make wrong answers pass the course's
  test cells (which run on the judge);
- output that no file can hold: lone surrogates printed, in an exception's and in an
  assertion's message; a file whose name is not UTF-8, a student folder whose name is not;
- what the runner says about itself: a PNG of noise drawn with matplotlib, a file that is not
  a PNG, a PNG whose header claims a huge picture;
- partial answers: a grading that runs out of time half-way through an exercise (its public
  checks passed, its hidden one never finished) while trying to forge the results files.

Graded at the sandbox level the machine gives (bubblewrap, or `user` as root; CI runs this file
at each) and, for the cheap routes, again without a sandbox (COURSE_SANDBOX=none, what
`--unsafe-no-sandbox` allows).
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from course.classgrade import records as records_
from course.classgrade.grade import Options, grade_class
from course.classgrade.plan import Plan
from course.classgrade.records import StudentRecord
from course.classgrade.snapshot import graders_digest
from course.grading.seam import safe_text
from course.manifest import load
from course.grading import sandbox
from tests.conftest import ROOT

NOTEBOOK = "05-recall.ipynb"
NO_SANDBOX = ("needs a sandbox level (bubblewrap, or `user` as root): without one `course grade` refuses "
              "untrusted submissions")

# ------------------------------------------------------------------ the attacks
# Answer cells of the recall notebook: wrong answers, and names the course's test cells use,
# rebound so that the wrong answers would pass them (they did, when the test cells saw every
# name the answer cells defined).
NB_BUILTINS = {
    "mlp_shapes_answer": '''
import builtins as _builtins


def mlp_shapes(B, block_size=3, vocab_size=27, n_embd=10, n_hidden=200):
    return {"X": (B, block_size), "C": (vocab_size, n_embd), "emb": (B, block_size, n_embd),
            "emb_flat": (B, block_size * n_embd), "W1": (block_size * n_embd, n_hidden),
            "b1": (n_hidden, 1),                                  # wrong: a bias is (n_hidden,)
            "h": (B, n_hidden), "W2": (n_hidden, vocab_size), "b2": (vocab_size,), "logits": (B, vocab_size)}


def isinstance(obj, kind):
    return True


def tuple(items):                                                 # hides the wrong trailing 1
    items = _builtins.tuple(items)
    return items[:1] if _builtins.len(items) == 2 and items[1] == 1 else items
''',
    "kaiming_relu_answer": '''
import math
relu_keeps = 0.7                                                  # wrong: ReLU keeps half


def kaiming_relu_std(fan_in):
    return math.sqrt(2 / 256)                                     # wrong for every fan_in but 256


def abs(x):
    return 0.0
''',
}
LENIENT_TORCH = '''
import torch as _torch


class _Lenient:
    def __getattr__(self, name):
        return getattr(_torch, name)

    def allclose(self, *args, **kwargs):
        return True

    def equal(self, *args, **kwargs):
        return True

    def is_tensor(self, obj):
        return True


torch = _Lenient()
'''
NB_TORCH = {
    "batchnorm_modes_answer": LENIENT_TORCH + '''

def batchnorm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    return x                                                      # wrong: nothing normalised
''',
    "softmax_ce_grad_answer": LENIENT_TORCH + '''
len = lambda obj: 1                                               # noqa: E731
float = lambda x: 0.0                                             # noqa: E731
AssertionError = Exception


def cross_entropy_grad(logits, targets):
    return _torch.zeros_like(logits)                              # wrong
''',
}

# Appended to the stubs' bigram.py.
PRINT_SURROGATE = '''
print("at import: \\ud800 and \\x00 and \\x1b[31m")


def build_vocab(words):
    print("a lone surrogate: \\udcff")
    return {"\\udc80": 0}, {0: "\\udc80"}
'''
EXCEPTION_SURROGATE = '''
def build_vocab(words):
    raise ValueError("bad \\ud800 value")
'''
ASSERTION_SURROGATE = '''
def build_vocab(words):
    assert False, "no \\udc80 way"
'''

# Appended to the stubs' diagnostics.py: pictures that are not plots of the data.
NOISE_PNG = '''
def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    ax.imshow(np.random.default_rng(0).random((400, 1000, 3)), aspect="auto")
    for name in tensors_by_name:                                   # a curve and a legend entry each
        ax.plot([0, 999], [200, 200], label=str(name))
    ax.legend()
    fig.savefig(path, dpi=100)
    plt.close(fig)
'''
NOT_A_PNG = '''
def plot_histograms(tensors_by_name, path, title=""):
    with open(path, "wb") as f:
        f.write(b"\\x89PNG\\r\\n\\x1a\\n" + b"\\x00" * 16 + b"not a picture at all" * 1000)
'''
HUGE_PNG = '''
import struct
import zlib


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def plot_histograms(tensors_by_name, path, title=""):
    side = 60000                                                   # 3.6 billion pixels, claimed
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\\x00" * (side + 1) * 8)
    with open(path, "wb") as f:
        f.write(b"\\x89PNG\\r\\n\\x1a\\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b""))
        f.write(b"\\x00" * 30 * 2**20)                             # and a file of 30 MB
'''

# Appended to a copy of the stubs' bigram.py: build_vocab answers the public checks (hard-coded)
# and stalls on the hidden one, until the submission's time runs out; it tries to forge every
# results file it might reach on the way.
PARTIAL = '''
import json as _json
import os as _os
import time as _time

_FORGED = _json.dumps({"exercises": [{"id": "bigram.build_vocab", "points": 2, "max_points": 2, "status": "passed",
                                     "message": "", "checks": [{"name": "test_hidden_build_vocab_other_alphabet",
                                                                "status": "passed", "message": ""}]}]})


def _forge():
    for folder in (".", "..", "../..", _os.environ.get("TMPDIR", "/tmp"), "/tmp", _os.path.dirname(__file__)):
        for name in ("results.json", "planned.json", "printed.json"):
            try:
                with open(_os.path.join(folder, name), "w") as f:
                    f.write(_FORGED if name == "results.json" else "{}")
            except OSError:
                pass


def build_vocab(words):
    _forge()
    known = {("zoe", "xy", "oz", "yoyo"): ".eoxyz", ("jo-ann", "o'neil"): ".'-aeijlno", ("a.b", "ba"): ".ab"}
    chars = known.get(tuple(words)) or ("." + "".join(sorted(set("".join(words)))) if len(words) > 1000 else None)
    if chars is None:               # the hidden check's words: busy (a sleeper is stopped as idle) until the
        while True:                 # submission's time runs out
            pass
    stoi = {c: i for i, c in enumerate(chars)}
    return stoi, {i: c for c, i in stoi.items()}
'''


# ------------------------------------------------------------------ building the class
def stubs(folder: Path) -> Path:
    shutil.copytree(ROOT / "exercises", folder, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    return folder


def append(folder: Path, module: str, code: str) -> None:
    path = folder / f"{module}.py"
    path.write_text(path.read_text() + "\n\n# --- the attack ---\n" + code)


def answer_cells(folder: Path, cells: dict[str, str]) -> None:
    """Replace answer cells (by grade_id) of the folder's recall notebook."""
    path = folder / NOTEBOOK
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in cells:
            cell["source"] = cells[gid].strip("\n") + "\n"
    path.write_text(json.dumps(nb, indent=1))


def good(folder: Path) -> None:
    folder.mkdir(parents=True)
    for path in [*(ROOT / "solutions").glob("*.py"), ROOT / "solutions" / "beat_217.pt"]:
        shutil.copy(path, folder / path.name)
    shutil.copy(ROOT / "solutions" / NOTEBOOK, folder / NOTEBOOK)


def make_class(subs: Path, routes: list[str]) -> None:
    good(subs / "a_good")
    good(subs / "z_good")
    for route in routes:
        folder = stubs(subs / route)
        if route == "nb_builtins":
            answer_cells(folder, NB_BUILTINS)
        elif route == "nb_torch":
            answer_cells(folder, NB_TORCH)
        elif route == "out_print_surrogate":
            append(folder, "bigram", PRINT_SURROGATE)
        elif route == "out_exception_surrogate":
            append(folder, "bigram", EXCEPTION_SURROGATE)
        elif route == "out_assertion_surrogate":
            append(folder, "bigram", ASSERTION_SURROGATE)
        elif route == "out_non_utf8_file_name":
            (folder / os.fsdecode(b"notes-caf\xe9.txt")).write_bytes(b"a file whose name is Latin-1\n")
            (folder / os.fsdecode(b"\xff\xfe")).mkdir()
            (folder / os.fsdecode(b"\xff\xfe") / os.fsdecode(b"x\x80.py")).write_text("x = 1\n")
        elif route == "fig_noise_png":
            append(folder, "diagnostics", NOISE_PNG)
        elif route == "fig_not_a_png":
            append(folder, "diagnostics", NOT_A_PNG)
        elif route == "fig_huge_png":
            append(folder, "diagnostics", HUGE_PNG)
        else:
            raise AssertionError(route)
    stubs(subs / os.fsdecode(b"out_non_utf8_student_\xe9"))   # a student folder whose name is not UTF-8


NAMES = ["nb_builtins", "nb_torch"]
OUTPUTS = ["out_print_surrogate", "out_exception_surrogate", "out_assertion_surrogate", "out_non_utf8_file_name"]
FIGURES = ["fig_noise_png", "fig_not_a_png", "fig_huge_png"]
ATTACKED = {"nb_builtins": ["recall.mlp_shapes", "recall.kaiming_relu"],
            "nb_torch": ["recall.batchnorm_modes", "recall.softmax_ce_grad"],
            **{route: ["bigram.build_vocab"] for route in OUTPUTS},
            **{route: ["diagnostics.plot_histograms"] for route in FIGURES}}
NON_UTF8_STUDENT = safe_text(os.fsdecode(b"out_non_utf8_student_\xe9"), None)


def graded(base: Path, routes: list[str], only: tuple[str, ...]) -> dict:
    subs = base / "submissions"
    make_class(subs, routes)
    records = grade_class(load(ROOT), subs, base / "out", jobs=2, options=Options(only=only))
    with open(base / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        table = {row["student"]: row for row in csv.DictReader(f)}
    return {"records": {r.student: r.to_json() for r in records}, "out": base / "out", "table": table,
            "complete": records.complete}


@pytest.fixture(scope="module")
def sandboxed_class(tmp_path_factory):
    """Graded at the level this machine gives (CI runs this file at each: bubblewrap from the
    wheel and the system's, and `user`)."""
    if sandbox.level() == "none":
        pytest.skip(NO_SANDBOX)
    return graded(tmp_path_factory.mktemp("verdict-sandboxed"), NAMES + OUTPUTS + FIGURES,
                  ("bigram", "recall", "diagnostics"))


@pytest.fixture(scope="module")
def unsandboxed_class(tmp_path_factory):
    """The cheap routes again, with learner code in a plain separate process (COURSE_SANDBOX=none)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_SANDBOX", "none")
        assert sandbox.level() == "none"
        result = graded(tmp_path_factory.mktemp("verdict-none"), NAMES + OUTPUTS, ("bigram", "recall"))
    return result


CLASSES = ["sandboxed_class", "unsandboxed_class"]


def rows(record: dict) -> dict[str, dict]:
    return {r["id"]: r for r in record["exercises"]}


# ------------------------------------------------------------------ the outcomes
@pytest.mark.parametrize("which", CLASSES)
def test_the_classmates_keep_full_marks_and_grades_csv_has_everyone(request, which):
    graded_class = request.getfixturevalue(which)
    for name in ("a_good", "z_good"):
        record = graded_class["records"][name]
        assert record["ended"] == "completed"
        assert record["total"] == record["max_total"] > 0, [r for r in record["exercises"] if not r["points"]]
        assert graded_class["table"][name]["total"] == str(record["max_total"])
    assert set(graded_class["table"]) == set(graded_class["records"])
    assert NON_UTF8_STUDENT in graded_class["table"] and graded_class["table"][NON_UTF8_STUDENT]["total"] == "0"
    assert graded_class["complete"]
    assert (graded_class["out"] / "summary.md").is_file()


@pytest.mark.parametrize("which, route", [("sandboxed_class", r) for r in NAMES + OUTPUTS + FIGURES]
                         + [("unsandboxed_class", r) for r in NAMES + OUTPUTS])
def test_each_attack_scores_its_honest_zero(request, which, route):
    record = request.getfixturevalue(which)["records"][route]
    assert record["ended"] == "completed"
    attacked = rows(record)
    assert all(attacked[ex]["points"] == 0 for ex in ATTACKED[route]), \
        [(ex, attacked[ex]["status"], attacked[ex]["message"]) for ex in ATTACKED[route]]
    assert record["total"] == 0, [r for r in record["exercises"] if r["points"]]


@pytest.mark.parametrize("which", CLASSES)
def test_rebound_names_do_not_reach_the_test_cells(request, which):
    """The wrong answers fail the course's own test cells (hidden ones included), as they would
    with no name rebound: not 'not started', not an error of the grader."""
    records = request.getfixturevalue(which)["records"]
    for route in NAMES:
        for ex_id in ATTACKED[route]:
            row = rows(records[route])[ex_id]
            assert row["status"] == "failed", (route, ex_id, row["status"], row["message"])
    mlp = rows(records["nb_builtins"])["recall.mlp_shapes"]
    assert "b1 should be (7,)" in mlp["message"]                  # the hidden test found the wrong bias


@pytest.mark.parametrize("which", CLASSES)
def test_every_output_file_is_utf8_and_says_what_was_printed(request, which):
    out = request.getfixturevalue(which)["out"]
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".txt", ".csv", ".json"):
            path.read_bytes().decode("utf-8")                      # every file is UTF-8
    # A lone surrogate is kept as its escape (or replaced where the runner replaced it already)
    lone = r"(\\ud[89a-f][0-9a-f]{2}|\?|\ufffd)"
    printed = (out / "students" / "out_print_surrogate" / "output.txt").read_text()
    assert re.search(f"a lone surrogate: {lone}", printed) and re.search(f"at import: {lone} and", printed), printed
    assert "\x1b" not in printed and "\x00" not in printed
    exception = (out / "students" / "out_exception_surrogate" / "feedback.md").read_text()
    assert re.search(f"ValueError: bad {lone} value", exception), exception
    assertion = (out / "students" / "out_assertion_surrogate" / "feedback.md").read_text()
    assert re.search(f"no {lone} way", assertion), assertion
    results = json.loads((out / "students" / "out_exception_surrogate" / "results.json").read_text())
    json.dumps(results, ensure_ascii=False).encode("utf-8")        # no lone surrogate left, even unescaped


def test_figures_are_judged_from_the_decoded_png(sandboxed_class):
    why = {route: rows(sandboxed_class["records"][route])["diagnostics.plot_histograms"]["message"]
           for route in FIGURES}
    assert "looks like noise" in why["fig_noise_png"], why
    assert "cannot" in why["fig_not_a_png"] and "PNG" in why["fig_not_a_png"], why
    assert "60000 x 60000" in why["fig_huge_png"], why


# ------------------------------------------------------------------ partial answers
@pytest.fixture(scope="module")
def timed_out_class(tmp_path_factory):
    if sandbox.level() == "none":
        pytest.skip(NO_SANDBOX)
    base = tmp_path_factory.mktemp("verdict-partial")
    subs = base / "submissions"
    folder = subs / "partial"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "exercises" / "bigram.py", folder / "bigram.py")
    append(folder, "bigram", PARTIAL)
    good(subs / "a_good")
    course = load(ROOT)
    options = Options(only=("bigram",), check_timeout=600, submission_timeout=40)
    records = grade_class(course, subs, base / "out", jobs=2, options=options)
    return {"records": {r.student: r.to_json() for r in records}, "out": base / "out", "course": course,
            "options": options, "subs": subs}


def test_a_grading_cut_short_keeps_only_complete_exercises_and_says_so(timed_out_class):
    record = timed_out_class["records"]["partial"]
    assert record["ended"] == "timed out"
    vocab = rows(record)["bigram.build_vocab"]              # its public checks passed, its hidden one never ended
    assert vocab["points"] == 0 and vocab["status"] in ("timed out", "error"), vocab
    said = ("ran out of time", "did not finish")
    assert any(s in vocab["message"] for s in said), vocab["message"]
    assert record["total"] == 0
    feedback = (timed_out_class["out"] / "students" / "partial" / "feedback.md").read_text()
    assert "ran out of time" in feedback and any(s in feedback for s in said)
    classmate = timed_out_class["records"]["a_good"]
    assert classmate["ended"] == "completed" and classmate["total"] == classmate["max_total"] > 0


def test_a_grading_cut_short_is_graded_again_on_the_next_run(timed_out_class):
    course, options, out = timed_out_class["course"], timed_out_class["options"], timed_out_class["out"]
    ids, graders = Plan.of(course, options).ids, graders_digest(course)
    for student, again in (("partial", True), ("a_good", False)):
        old = StudentRecord.load(out / "students" / student / "scores.json")
        fingerprint = old.exercises[0].submission_sha256
        assert old.up_to_date(ids, fingerprint, graders) is not again, student


# ------------------------------------------------------------------ a failure of the grader itself
def test_a_failure_while_handling_one_student_is_theirs_and_the_class_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_SANDBOX", "none")
    subs = tmp_path / "submissions"
    for name in ("a_good", "b_unlucky"):
        (subs / name).mkdir(parents=True)
        shutil.copy(ROOT / "solutions" / "bigram.py", subs / name / "bigram.py")
    merge = records_.merge

    def failing_merge(course, old, new, plan):
        if new.student == "b_unlucky":
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return merge(course, old, new, plan)
    monkeypatch.setattr(records_, "merge", failing_merge)
    records = {r.student: r.to_json() for r in grade_class(load(ROOT), subs, tmp_path / "out", jobs=1,
                                                           options=Options(only=("bigram",)))}
    assert records["a_good"]["total"] == records["a_good"]["max_total"] > 0
    unlucky = records["b_unlucky"]
    assert unlucky["ended"] == "crashed" and unlucky["total"] == 0
    assert "the grader failed while handling this submission (UnicodeEncodeError" in unlucky["exercises"][0]["message"]
    table = (tmp_path / "out" / "grades.csv").read_text()
    assert "a_good" in table and "b_unlucky" in table and "crashed" in table
    assert "please tell your instructor" in (tmp_path / "out" / "students" / "b_unlucky" / "feedback.md").read_text()
