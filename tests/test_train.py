"""`course train mlp` and `course sample`: the demo's training on a small slice, the saved run,
the side-by-side samples, and the kind refusal when the learner's exercises are not done."""
import io
import math
from dataclasses import replace

import pytest
import torch

from course import cli
from course.data import load_words
from course.learner.train import DEMO, LECTURE, load_modules, progress_bar, train_model
from tests.conftest import ROOT, target_with


@pytest.fixture(scope="module")
def solutions():
    return load_modules(ROOT / "solutions")


def test_the_demo_recipe_lowers_the_loss_on_a_small_slice(course, solutions):
    words = load_words(course)[::10]                    # 3,226 names
    out = io.StringIO()
    result = train_model(solutions, words, replace(DEMO, steps=300), progress_bar(300, stream=out), chunk=100)
    losses = result["losses"]
    assert len(losses) == 300 and all(math.isfinite(x) for x in losses)
    first, last = sum(losses[:50]) / 50, sum(losses[-50:]) / 50
    assert last < 0.6 * first, (first, last)
    assert result["train_loss"] < first and result["dev_loss"] < first
    assert set(result["params"]) == {"C", "W1", "b1", "W2", "b2"}
    assert result["params"]["W1"].shape == (30, 200)     # the lecture's architecture
    assert out.getvalue().count("\n") == 3 and "steps/s" in out.getvalue()   # one line per chunk here


def test_recipes_and_their_schedules():
    assert (LECTURE.steps, LECTURE.batch_size, LECTURE.block_size, LECTURE.n_embd, LECTURE.n_hidden) == \
        (200_000, 32, 3, 10, 200)
    assert LECTURE.lr(0) == LECTURE.lr(99_999) == 0.1 and LECTURE.lr(100_000) == LECTURE.lr(199_999) == 0.01
    assert (DEMO.block_size, DEMO.n_embd, DEMO.n_hidden) == (3, 10, 200)
    assert DEMO.lr(0) == pytest.approx(DEMO.lr_start) and DEMO.lr(DEMO.steps - 1) == pytest.approx(DEMO.lr_end)
    rates = [DEMO.lr(s) for s in range(0, DEMO.steps, 500)]
    assert rates == sorted(rates, reverse=True)


def test_progress_redraws_one_line_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    bar = progress_bar(1000, stream=out)
    for step in (250, 500, 1000):
        bar.update(step, loss=2.5)
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "step 1,000/1,000" in text and "loss 2.5000" in text and "ETA" in text


def test_train_then_sample_end_to_end(tmp_path, capsys, course):
    run = tmp_path / "run"
    assert cli.main(["train", "mlp", "--target", "solutions", "--steps", "40", "--out", str(run)]) == 0
    out = capsys.readouterr().out
    assert "dev rows" in out and (run / "model.pt").is_file() and (run / "loss.png").stat().st_size > 10_000
    saved = torch.load(run / "model.pt", weights_only=True)
    assert saved["block_size"] == 3 and len(saved["itos"]) == 27 and len(saved["losses"]) == 40

    assert cli.main(["sample", "--target", "solutions", "--out", str(run), "-n", "4", "--top-k", "3"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "T = 0.5" in line)
    for title in ("T = 0.5", "T = 1.0", "T = 2.0", "top-3"):      # side by side, on one line
        assert title in header
    assert "in data set" in out and "mean length" in out

    # The same command again draws the same names: the seeds are fixed.
    assert cli.main(["sample", "--target", "solutions", "--out", str(run), "-n", "4", "--top-k", "3"]) == 0
    assert capsys.readouterr().out == out

    # `course sample` uses the target's own sampling.generate.
    own = target_with(tmp_path, "sampling", '''
def generate(next_logits, itos, n, block_size, temperature=1.0, top_k=None, generator=None, max_len=50):
    return ["mine" + str(temperature)] * n
''')
    assert cli.main(["sample", "--target", str(own), "--out", str(run), "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "mine0.5" in out and "mine2.0" in out


def test_unfinished_exercises_are_named_not_traced(capsys, tmp_path):
    assert cli.main(["train", "mlp", "--target", "exercises", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "not started yet: bigram.build_vocab, mlp.split_words" in err and "mlp.evaluate" in err
    assert "--target solutions" in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2
    assert not (tmp_path / "run").exists()

    assert cli.main(["sample", "--target", "exercises", "--out", str(tmp_path / "none")]) == 1
    assert "train one first: `course train mlp`" in capsys.readouterr().err


def test_a_half_done_learner_hears_which_exercises_remain(tmp_path, capsys):
    # Everything of mlp.py done except train; the rest is the reference.
    target = target_with(tmp_path, "mlp", '''
def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    raise NotImplementedError("mlp.train is not started yet; hints: course.toml, or `course hint train`")
''')
    assert cli.main(["train", "mlp", "--target", str(target), "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "not started yet: mlp.train." in err and "split_words" not in err


def test_learner_code_that_fails_at_full_size_gets_one_line(tmp_path, capsys):
    # Passes the tiny probes, then fails on the real data set.
    target = target_with(tmp_path, "mlp", '''
def evaluate(params, X, Y):
    if len(X) > 100:
        raise RuntimeError("shape mismatch in my evaluate")
    with torch.no_grad():
        return cross_entropy(forward(params, X), Y).item()
''')
    assert cli.main(["train", "mlp", "--target", str(target), "--steps", "5", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "training stopped: RuntimeError: shape mismatch in my evaluate (mlp.py, line" in err
    assert "Traceback" not in err
