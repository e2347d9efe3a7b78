"""`course experiments`: every file is written, and the pictures show what lecture 4 teaches.

One short run on the reference solutions (a few hundred steps) is shared by the tests; the
asserted outcomes have margins several times the run-to-run differences seen on this data.
"""
import json
import shutil
import struct

import pytest
import torch

from course import cli
from course.learner import deepnet, experiments, toolkit
from course.data import load_words
from tests.conftest import ROOT

STEPS = 400
FIGURES = ("loss.png", "activations.png", "gradients.png", "update_to_data.png")


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("experiments")
    results = experiments.run(ROOT / "solutions", out, steps=STEPS)
    return out, results


def png_size(path):
    blob = path.read_bytes()[:24]
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", blob[16:24])


def test_every_file_is_written(short_run):
    out, results = short_run
    assert list(results) == [e.key for e in experiments.EXPERIMENTS]
    for exp in experiments.EXPERIMENTS:
        for name in FIGURES:
            width, height = png_size(out / exp.key / name)
            assert width >= 600 and height >= 300, (exp.key, name, width, height)
        table = (out / exp.key / "table.txt").read_text()
        for layer in ("tanh1", "tanh5"):
            assert layer in table
        assert "saturated" in table and "mean" in table and "std" in table
    for name in ("experiments.png", "histograms.png"):
        width, height = png_size(out / name)
        assert 900 <= width <= 1200 and (out / name).stat().st_size < 500_000, (name, width, height)
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == set(results)
    text = (out / "summary.txt").read_text()
    assert all(r["title"] in text for r in results.values())


def test_the_deep_net_is_the_lectures(short_run):
    _, results = short_run
    assert results["3-batchnorm"]["parameters"] == 47_024          # REFERENCE.md, lecture 4
    assert results["2-kaiming"]["parameters"] == 47_024 - 1054 + 527  # no BatchNorm, biases instead


def test_normal_init_saturates_and_starts_confidently_wrong(short_run):
    _, r = short_run
    normal = r["1-normal"]
    assert normal["initial_loss"] > 3 * normal["expected_initial_loss"]
    assert min(normal["saturation_init"].values()) > 0.5
    # and it is still far behind Kaiming when the short run ends
    assert normal["final_loss"] > r["2-kaiming"]["final_loss"] + 0.5


def test_kaiming_starts_near_uniform_with_healthy_activations(short_run):
    _, r = short_run
    kaiming = r["2-kaiming"]
    assert abs(kaiming["initial_loss"] - kaiming["expected_initial_loss"]) < 0.15
    deep = [kaiming["saturation_init"][f"tanh{i}"] for i in range(2, 6)]
    assert max(deep) < 0.15, kaiming["saturation_init"]
    assert all(0.4 < s < 0.9 for s in kaiming["activation_std_init"].values())


def test_batchnorm_converges_faster_at_lr_0_5(short_run):
    _, r = short_run
    with_bn, without = r["3-batchnorm"], r["2-kaiming"]
    assert with_bn["lr"] == without["lr"] == 0.5
    assert abs(with_bn["initial_loss"] - with_bn["expected_initial_loss"]) < 0.15
    assert max(with_bn["saturation_init"].values()) < 0.06
    assert with_bn["mean_loss"] < without["mean_loss"] - 0.03      # lower over the whole run
    assert with_bn["final_loss"] < without["final_loss"] - 0.03
    assert with_bn["val_loss"] < without["val_loss"] - 0.05
    # steadier: every layer's update-to-data ratio stays close to the others'
    spread = {k: max(v) - min(v) for k, v in ((k, list(r[k]["update_to_data_final"].values()))
                                              for k in ("2-kaiming", "3-batchnorm"))}
    assert spread["3-batchnorm"] < spread["2-kaiming"] - 0.3, spread


def test_untouched_stubs_stop_kindly(tmp_path, capsys):
    code = cli.main(["experiments", "--target", str(ROOT / "exercises"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "not started yet" in err and "batchnorm.BatchNorm1d" in err
    for ex in ("bigram.build_vocab", "mlp.build_dataset", "layers.Linear", "layers.deep_mlp"):
        assert ex in err, ex
    assert "--target solutions" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_one_module_not_started_is_named(tmp_path, course):
    target = tmp_path / "target"
    shutil.copytree(ROOT / "solutions", target, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    shutil.copy(ROOT / "exercises" / "batchnorm.py", target / "batchnorm.py")
    with pytest.raises(toolkit.NotReady) as info:
        toolkit.load_toolkit(target, course)
    text = str(info.value)
    assert "batchnorm.BatchNorm1d" in text and "batchnorm.calibrate" in text
    assert "kaiming." not in text and "diagnostics." not in text


def test_the_data_comes_from_the_targets_own_functions(tmp_path, course):
    """make_data holds no lecture code: it calls the target's build_vocab, split_words and
    build_dataset (here a target whose split keeps the words in order shows through)."""
    target = tmp_path / "target"
    shutil.copytree(ROOT / "solutions", target, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    with (target / "mlp.py").open("a") as f:
        f.write("\n\ndef split_words(words, seed=42):\n"
                "    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))\n"
                "    return words[:n1], words[n1:n2], words[n2:]\n")
    words = load_words(course)
    data = toolkit.make_data(toolkit.load_toolkit(target, course), words)
    Xtr, Ytr = data["train"]
    assert data["vocab_size"] == 27 and Xtr.shape[1] == deepnet.BLOCK_SIZE and Xtr.shape[0] == Ytr.shape[0]
    assert Xtr[0].tolist() == [0, 0, 0]                # every word starts from an empty context
    first = words[0]                                   # unshuffled: the first rows spell the first name
    assert [data["itos"][i] for i in Ytr[:len(first)].tolist()] == list(first)


def test_the_network_is_the_targets_own(tmp_path, course):
    """The experiments build the target's layers.deep_mlp: a target whose Tanh is the identity
    trains a network without saturation, whatever the init."""
    target = tmp_path / "target"
    shutil.copytree(ROOT / "solutions", target, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    with (target / "layers.py").open("a") as f:
        f.write("\n\nclass Tanh:\n    def __call__(self, x):\n        self.out = x\n        return x\n\n"
                "    def parameters(self):\n        return []\n")
    tk = toolkit.load_toolkit(target, course)
    model = deepnet.deep_mlp(tk, 27, "normal", False, torch.Generator().manual_seed(0))
    with tk.diagnostics.record_activations(model) as acts:
        model(torch.zeros(4, deepnet.BLOCK_SIZE, dtype=torch.int64))
    assert set(acts) == {f"tanh{i}" for i in range(1, deepnet.N_LAYERS + 1)}
    assert max(a.abs().max().item() for a in acts.values()) > 1      # not squashed: the target's Tanh ran


def test_a_bad_gain_raises_the_ratios_and_a_low_rate_lowers_them(short_run):
    """The lecture's two readings of the update-to-data plot, on the learner's set-ups: with
    BatchNorm a gain of 0.2 leaves the activations as they were but every step moves the small
    weights by more; a hundredth of the rate puts every ratio two decades lower."""
    _, r = short_run
    bn, bad, low = (r[k] for k in ("3-batchnorm", "4-bad-gain", "5-low-lr"))
    hidden = lambda res: [v for k, v in res["update_to_data_final"].items() if k != "out.weight"]   # noqa: E731
    assert abs(max(bad["saturation_init"].values()) - max(bn["saturation_init"].values())) < 0.02
    assert min(hidden(bad)) > max(hidden(bn)) + 0.2, (hidden(bad), hidden(bn))
    assert bad["final_loss"] > bn["final_loss"] + 0.02                # "and it ends higher"
    assert low["lr"] == bn["lr"] / 100
    assert all(-2.7 < a - b < -1.7 for a, b in zip(hidden(low), hidden(bn))), (hidden(low), hidden(bn))
    assert low["final_loss"] > bn["final_loss"] + 0.3              # it hardly learns in the same steps


def test_the_training_loop_and_set_ups_are_the_targets_own(tmp_path, course):
    """course/ trains nothing itself: a target whose loop does not train shows through in the
    losses, and its set-up's learning rate in the result."""
    target = tmp_path / "target"
    shutil.copytree(ROOT / "solutions", target, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    with (target / "training.py").open("a") as f:
        f.write("\n\ndef train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):\n"
                "    log = [diagnose(model, X[:batch_size], Y[:batch_size], s, lr) for s in range(0, steps, every)]\n"
                "    return [7.0] * steps, log\n\n"
                "_configure = configure\n\n"
                "def configure(name, vocab_size, lr=LR, **kw):\n"
                "    model, rate = _configure(name, vocab_size, lr=lr, **kw)\n"
                "    return model, rate * 2\n")
    tk = toolkit.load_toolkit(target, course)
    data = toolkit.make_data(tk, load_words(course))
    exp = experiments.EXPERIMENTS[1]
    r = experiments.run_experiment(tk, exp, data, 20, 0.1, 0, tmp_path / "out")
    assert r["losses"] == [7.0] * 20 and r["final_loss"] == 7.0
    assert r["lr"] == 0.2 and r["ratio_steps"] == [0, 10]


def test_runs_are_kept_per_target(course):
    assert experiments.runs_folder(course, ROOT / "solutions") != experiments.runs_folder(course, ROOT / "exercises")
    assert experiments.runs_folder(course, ROOT / "exercises").name == "exercises"


# ------------------------------------------------------------------ the pictures read well
def texts_and_axes(fig):
    import matplotlib.text
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    return texts, [ax for ax in fig.axes if ax.get_visible()]


@pytest.mark.parametrize("make", ["overview_figure", "histogram_figure"])
def test_the_pictures_of_all_runs_are_legible_at_a_readmes_width(short_run, make):
    """Shown about 1,000 pixels wide (a README): no text under 10 points at 100 dpi (14 pixels),
    every panel with a title and both axis labels."""
    import matplotlib.pyplot as plt

    from course.learner import experiment_pictures as pictures
    _, results = short_run
    fig = getattr(pictures, make)(results)
    try:
        width = fig.get_figwidth() * fig.dpi
        assert 900 <= width <= 1200, width
        texts, axes = texts_and_axes(fig)
        small = [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() * fig.dpi / 100 < 10]
        assert small == [], small
        for ax in axes:
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel(), (ax.get_title(), ax.get_xlabel())
    finally:
        plt.close(fig)


def test_one_colour_and_one_name_per_layer_in_activations_and_gradients(short_run):
    """histograms.png: in every row the activations and the gradients name the same layers in the
    same order and draw each in the same colour, whatever order the gradients were recorded in."""
    import matplotlib.pyplot as plt

    from course.learner import experiment_pictures as pictures
    _, results = short_run
    assert list(next(iter(results.values()))["init_grads"])[0] == "tanh5"    # recorded backwards
    fig = pictures.histogram_figure(results)
    try:
        rows = [fig.axes[i:i + 2] for i in range(0, 2 * len(results), 2)]
        for left, right in rows:
            lines = lambda ax: [(line.get_label(), line.get_color()) for line in ax.get_lines()]   # noqa: E731
            assert lines(left) == lines(right) and [n for n, _ in lines(left)] == [f"tanh{i}" for i in range(1, 6)]
    finally:
        plt.close(fig)


def test_the_per_run_histograms_give_the_layers_in_the_networks_order(short_run, tmp_path):
    """The learner's plot_histograms colours its curves in the order it gets them: both pictures
    get tanh1 first, so that a layer has one colour in activations.png and gradients.png."""
    from course.learner import experiment_pictures as pictures
    _, results = short_run
    got = []
    diag = type("Diag", (), {"plot_histograms": staticmethod(lambda named, path: got.append(list(named)))})
    r = results["2-kaiming"]
    stats = {n: {"std": 1.0, "saturated": 0.0} for n in r["init_acts"]}
    pictures.histograms(diag, r["init_acts"], stats, tmp_path / "a.png", "a")
    pictures.histograms(diag, r["init_grads"], None, tmp_path / "g.png", "g")
    names = [[label.split(":")[0] for label in labels] for labels in got]
    assert names[0] == names[1] == [f"tanh{i}" for i in range(1, 6)]


@pytest.mark.parametrize("key", ["1-normal", "3-batchnorm"])
def test_a_loss_curve_is_never_cut_off(short_run, key):
    """N(0,1) starts near 19: its loss.png holds every step (on a log axis); the others keep the
    usual linear range, which holds them."""
    import matplotlib.pyplot as plt

    from course.learner import experiment_pictures as pictures
    _, results = short_run
    r = results[key]
    fig = pictures.loss_figure(r["title"], r)
    try:
        low, high = fig.axes[0].get_ylim()
        assert low <= min(r["losses"]) and max(r["losses"]) <= high, (low, high)
        assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    finally:
        plt.close(fig)
