"""Lecture 3's challenge, `tuning.beat_217`: the model the learner saved is graded, never trained again.

`course challenge` (course/learner/challenge.py) runs the learner's tuning.beat_217 and saves
beat_217.pt beside their modules; the graders read that file beside the learner's code
(torch.load with weights_only) and compute the dev loss (the test loss in the hidden tier)
themselves. Here: recipes in several styles that beat 2.17 get full points in both tiers,
recipes that fall short fail with the hint that names why, saved files of every wrong shape
(and a pickle that tries to run code) fail without harm, and the command keeps a learner's best
model.
"""
from __future__ import annotations

import os
import pickle
import shutil

import pytest
import torch

from course import cli
from course.grading import run
from tests.conftest import ROOT, by_id, target_with
from tests.variants import right, wrong

EXERCISE = "tuning.beat_217"
REFERENCE = ROOT / "solutions" / "beat_217.pt"

# The recipes: tests/variants/{right,wrong}/tuning/beat_217__*.py (a wrong one with the hint it must draw)
RIGHT = {v.name: v.code for v in right() if v.exercise == EXERCISE}
WRONG = {v.name: (v.code, v.hint) for v in wrong() if v.exercise == EXERCISE}


def challenge(target, *extra) -> int:
    """`course challenge --target target`, as a learner runs it (from the course's folder)."""
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        return cli.main(["challenge", "--target", str(target), *extra])
    finally:
        os.chdir(here)


def graded(target, course, runner) -> dict:
    """The beat_217 row of grading `target` in both tiers (the hidden grader files are collected too)."""
    scores, output = run.graders(target, keyword="beat_217", course=course, runner=runner)
    row = by_id(scores).get(EXERCISE)
    assert row is not None, output[-2000:]
    return row


def recipe_target(tmp_path, code: str):
    """A copy of solutions/ whose tuning.beat_217 is `code`, with no saved model yet."""
    target = target_with(tmp_path, "tuning", code)
    (target / "beat_217.pt").unlink()
    return target


def test_the_recipes_are_there():
    assert len(RIGHT) >= 3 and len(WRONG) >= 4


@pytest.mark.parametrize("name", list(RIGHT))
def test_recipes_that_beat_217_get_full_points_in_both_tiers(tmp_path, course, shared_runner, name, capsys):
    target = recipe_target(tmp_path, RIGHT[name])
    assert challenge(target) == 0, capsys.readouterr()
    assert "below 2.17" in capsys.readouterr().out
    row = graded(target, course, shared_runner)
    assert row["status"] == "passed" and row["points"] == row["max_points"], (name, row["message"])


@pytest.mark.parametrize("name", list(WRONG))
def test_recipes_that_fall_short_fail_with_the_hint_that_names_why(tmp_path, course, shared_runner, name):
    code, hint = WRONG[name]
    target = recipe_target(tmp_path, code)
    assert challenge(target) == 0
    row = graded(target, course, shared_runner)
    assert row["status"] == "failed" and row["points"] == 0, (name, row)
    assert course.exercise(EXERCISE).hint(hint) in row["message"], (name, row["message"])


def reference() -> dict:
    return torch.load(REFERENCE, weights_only=True)


class Payload:
    """A pickle that would write a file when loaded by an unrestricted unpickler."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def saved(kind: str, path, marker) -> None:
    """Write beat_217.pt as variant `kind`."""
    p = reference()
    if kind == "as saved":
        shutil.copy(REFERENCE, path)
    elif kind == "requires grad":
        torch.save({k: v.clone().requires_grad_() for k, v in p.items()}, path)
    elif kind == "float64, keys in another order":
        torch.save({k: p[k].double() for k in reversed(list(p))}, path)
    elif kind == "a transposed view of W1":
        torch.save({**p, "W1": p["W1"].T.contiguous().T}, path)
    elif kind == "text":
        path.write_text("C, W1, b1, W2, b2\n")
    elif kind == "an nn.Module":
        torch.save(torch.nn.Linear(3, 3), path)
    elif kind == "a pickle that runs code":
        with open(path, "wb") as f:
            pickle.dump({"C": Payload(str(marker))}, f)
    elif kind == "a list":
        torch.save([p[k] for k in ("C", "W1", "b1", "W2", "b2")], path)
    elif kind == "NaN":
        torch.save({**p, "W2": torch.full_like(p["W2"], float("nan"))}, path)
    elif kind == "too many numbers":
        torch.save({**p, "C": torch.zeros(27, 400), "W1": torch.zeros(1200, 900), "b1": torch.zeros(900),
                    "W2": torch.zeros(900, 27)}, path)
    elif kind == "too large a file":
        with open(path, "wb") as f:
            f.truncate(17 * 2**20)
    elif kind == "a link to the reference":
        path.symlink_to(REFERENCE)
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["as saved", "requires grad", "float64, keys in another order",
                                  "a transposed view of W1"])
def test_a_saved_model_in_any_form_torch_save_writes_passes(tmp_path, course, shared_runner, kind):
    target = target_with(tmp_path, "tuning", "")
    (target / "beat_217.pt").unlink()
    saved(kind, target / "beat_217.pt", tmp_path / "ran")
    row = graded(target, course, shared_runner)
    assert row["status"] == "passed", (kind, row["message"])


@pytest.mark.parametrize("kind, says", [
    ("text", "torch.load could not read it"),
    ("an nn.Module", "torch.load could not read it"),
    ("a pickle that runs code", "torch.load could not read it"),
    ("a list", "should hold the dict C, W1, b1, W2, b2"),
    ("NaN", "NaN"),
    ("too many numbers", "at most 1,000,000 numbers"),
    ("too large a file", "at most 16 MB"),
    ("a link to the reference", "it is a link"),
])
def test_a_saved_file_that_is_not_a_model_fails_and_says_why(tmp_path, course, shared_runner, kind, says):
    target = target_with(tmp_path, "tuning", "")
    (target / "beat_217.pt").unlink()
    marker = tmp_path / "the payload ran"
    saved(kind, target / "beat_217.pt", marker)
    row = graded(target, course, shared_runner)
    assert row["status"] == "failed" and row["points"] == 0, (kind, row)
    assert says in row["message"], (kind, row["message"])
    assert not marker.exists(), "torch.load ran the pickle's code"


def test_no_saved_model_is_an_exercise_not_started_that_says_how_to_start(tmp_path, course, shared_runner):
    target = target_with(tmp_path, "tuning", "")
    (target / "beat_217.pt").unlink()
    row = graded(target, course, shared_runner)
    assert row["status"] == "not started" and row["points"] == 0, row
    assert "`course challenge`" in row["message"]


FAST = '''
def beat_217(train_words, stoi, generator=None):
    import os
    p = torch.load(os.environ["REFERENCE_MODEL"], weights_only=True)
    noise = float(os.environ.get("NOISE", "0"))
    return {k: v + noise * torch.randn(v.shape, generator=generator) for k, v in p.items()}
'''


def test_the_command_keeps_the_better_model_unless_forced(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REFERENCE_MODEL", str(REFERENCE))
    target = recipe_target(tmp_path, FAST)
    path = target / "beat_217.pt"
    assert challenge(target) == 0
    assert "saved" in capsys.readouterr().out
    best = path.read_bytes()
    assert (path.stat().st_mode & 0o777) == 0o666 & ~_umask(), "saved readable, as any file the learner writes"
    monkeypatch.setenv("NOISE", "0.2")                     # a worse model
    assert challenge(target) == 0
    out = capsys.readouterr().out
    assert "kept the model saved before" in out and path.read_bytes() == best, out
    assert challenge(target, "--force") == 0
    assert "it replaces one at dev loss" in capsys.readouterr().out and path.read_bytes() != best
    assert not [p for p in target.iterdir() if ".tmp" in p.name]


def test_the_command_on_untouched_stubs_says_what_to_finish_first(tmp_path, capsys):
    target = tmp_path / "stubs"
    shutil.copytree(ROOT / "exercises", target, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__", ".*"))
    assert challenge(target) == 1
    err = capsys.readouterr().err
    assert "the challenge needs these exercises first: bigram.build_vocab" in err, err
    assert not (target / "beat_217.pt").exists()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_readme_figure_of_the_reference_model(course):
    """README: the reference's saved model has a dev loss of 2.157 (the grader's own computation)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("_tuning_graders", ROOT / "autograder" / "test_tuning.py")
    graders = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(graders)
    from course.data import load_words
    names = load_words(course)
    _, dev_words, _ = graders.bundled_split(names)
    p = reference()
    block_size = p["W1"].shape[0] // p["C"].shape[1]
    loss = graders.held_out_loss([p[k] for k in graders.PARAMS], block_size, dev_words, graders.vocab_of(names))
    assert round(loss, 3) == 2.157, loss
    assert "reaches a dev loss of 2.157" in (ROOT / "README.md").read_text()
