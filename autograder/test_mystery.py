"""Graders of lecture 4's lab "What is wrong with this run?" (exercises/mystery.py), and the runs
they grade.

The runs are made here, from seeds, by `make_run(fault, seed)`: a small deep MLP of torch.nn
layers (sizes drawn from the seed alone, whatever the fault), trained briefly with one of lecture
4's faults planted, handed over as a learner would have it after such a run: the model, the loss
of every step, a diagnostic log (the entries training.diagnose makes, measured on what the loop
really had) and a sample of the data. The data are made up: a Markov chain over V symbols, whose
next symbol follows mostly from the last one, so that a healthy run learns in a few dozen steps.
`measure(run)` computes, this side's own way, every figure of mystery.run_figures' contract, and
`shown(figures)` the signs they show; tests/test_mystery_runs.py keeps every graded run showing its
own fault first, far from every line the contract draws.

These checks know the faults of the runs they make (so does anyone who reads this file: they are
the public runs); the hidden tier grades other seeds, larger networks and every fault. Each
figure is compared with `measure`'s, and each diagnosis with the planted fault. The generator
lives in this file because a grading bundle carries the graders (test_<module>.py) and nothing
else of autograder/.
"""
from __future__ import annotations

import copy
import hashlib
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

from course.grading.judge.api import cache_folder, check, describe, exercise, is_number, is_sequence, number, share, shared
from course.files import atomic_save


FAULTS = ("saturated_tanh", "dead_units", "lr_too_high", "lr_too_low", "bn_eval_mode",
          "grads_not_zeroed", "overconfident_init", "healthy")

# The lines the contract draws (mystery.py's docstring states the same numbers).
THRESHOLD = 0.97          # |t| beyond this is a saturated tanh output (activation_stats' default)
START_GAP = 1.0           # overconfident: the first loss this far above ln V
SATURATED = 0.6           # saturated: a tanh layer with more than this fraction saturated at step 0
DEAD = 0.1                # dead units: a tanh layer with more than this fraction of units dead
HIGH, LOW = -1.8, -4.0    # the mean step-0 update-to-data ratio (log10) of the 2-d parameters
RISE = 0.85               # gradients piling up: the later entries' mean ratio is this far above the first's
STILL = 1e-6              # BatchNorm never in training mode: running statistics still at 0 and 1

STEPS, EVERY, BATCH, LR = 100, 20, 32, 0.2


def sizes(seed: int, big: bool = False) -> dict:
    """The run's sizes, from the seed alone (so that they say nothing about the fault)."""
    rng = random.Random(f"sizes {seed} {big}")
    return {
        "V": rng.randint(12, 24) if big else rng.randint(8, 14),
        "block_size": rng.choice((2, 3, 4)) if big else rng.choice((2, 3)),
        "n_embd": rng.randint(5, 8) if big else rng.randint(3, 6),
        "widths": [rng.choice((48, 64))] * rng.randint(3, 4) if big else [rng.choice((24, 32))] * rng.randint(2, 3),
        "batchnorm": rng.random() < 0.5,
        "n": 400,
    }


def data(size: dict, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Contexts X (n, block_size) and next symbols Y (n,) from a Markov chain over V symbols."""
    g = torch.Generator().manual_seed(10_000 + seed)
    V, n, block = size["V"], size["n"], size["block_size"]
    favourite = torch.randperm(V, generator=g)                   # each symbol's likely successor
    seq = torch.empty(n + block, dtype=torch.int64)
    seq[0] = 0
    noise = torch.rand(n + block, generator=g)
    other = torch.randint(0, V, (n + block,), generator=g)
    for i in range(1, n + block):
        seq[i] = favourite[seq[i - 1]] if noise[i] < 0.7 else other[i]
    X = torch.stack([seq[i:i + block] for i in range(n)])
    Y = seq[block:block + n].clone()
    return X, Y


def linear(fan_in: int, fan_out: int, bias: bool) -> nn.Linear:
    """An nn.Linear left uninitialised (network() sets every weight and bias from its own generator):
    nothing here draws from torch's global generator, so a run is the same whatever the judge did
    before. (Built by hand: torch.nn.utils.skip_init would cost the judge a third of a second,
    the first time, for its meta device.)"""
    m = nn.Linear.__new__(nn.Linear)
    nn.Module.__init__(m)
    m.in_features, m.out_features = fan_in, fan_out
    m.weight = nn.Parameter(torch.empty(fan_out, fan_in))
    m.register_parameter("bias", nn.Parameter(torch.empty(fan_out)) if bias else None)
    return m


def network(size: dict, fault: str, seed: int) -> tuple[torch.Tensor, list]:
    """C and the torch.nn layers, initialised as `fault` has it (Kaiming, gain 5/3, otherwise)."""
    g = torch.Generator().manual_seed(30_000 + seed)
    V, bn = size["V"], size["batchnorm"]
    if fault == "bn_eval_mode":
        bn = True
    if fault in ("saturated_tanh", "dead_units", "overconfident_init"):
        bn = False
    C = torch.randn(V, size["n_embd"], generator=g)
    layers, fan_in = [], size["block_size"] * size["n_embd"]
    for width in size["widths"]:
        layers += [linear(fan_in, width, not bn)] + ([nn.BatchNorm1d(width)] if bn else []) + [nn.Tanh()]
        fan_in = width
    layers += [linear(fan_in, V, not bn)] + ([nn.BatchNorm1d(V)] if bn else [])
    linears = [m for m in layers if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for i, m in enumerate(linears):
            std = (1.0 if i + 1 == len(linears) else 5 / 3) / math.sqrt(m.in_features)
            if fault == "saturated_tanh" and i + 1 < len(linears):
                std = 1.5                                         # pre-activations of std 1.5 sqrt(fan_in)
            m.weight.copy_(torch.randn(m.weight.shape, generator=g) * std)
            if m.bias is not None:
                m.bias.zero_()
        if bn:
            layers[-1].weight.mul_(0.1)                          # the last BatchNorm's gamma: unsure logits
        elif fault == "overconfident_init":
            linears[-1].weight.mul_(6.0)                          # confidently wrong logits
            linears[-1].bias.copy_(torch.randn(V, generator=g) * 3.0)
        else:
            linears[-1].weight.mul_(0.1)
        if fault == "dead_units":
            victim = linears[random.Random(f"dead {seed}").randrange(len(linears) - 1)]
            n_dead = int(victim.out_features * 0.25)
            picked = torch.randperm(victim.out_features, generator=g)[:n_dead]
            signs = torch.randint(0, 2, (n_dead,), generator=g) * 2 - 1
            victim.bias[picked] = signs * 12.0                    # pinned to +1 or -1 for every input
    C.requires_grad_()
    return C, layers


def params_of(model) -> list[torch.Tensor]:
    C, layers = model
    return [C] + [p for m in layers for p in m.parameters()]


def passes(model, X):
    """The logits of the model on X, and every tanh layer's output on the way."""
    C, layers = model
    h, seen = C[X].flatten(1), []
    for m in layers:
        h = m(h)
        if isinstance(m, nn.Tanh):
            seen.append(h)
    return h, seen


def log_entry(model, step, loss, tanh_outputs, lr) -> dict:
    """What training.diagnose logs, of the gradients the loop holds now (piled up or not)."""
    acts = [{"mean": t.mean().item(), "std": t.std().item(),
             "saturated": (t.abs() > THRESHOLD).float().mean().item()} for t in tanh_outputs]
    grads, ratios = [], []
    for p in params_of(model):
        g, d = p.grad.detach(), p.detach()
        grads.append({"mean": g.mean().item(), "std": g.std().item(), "grad_to_data": (g.std() / d.std()).item()})
        ratios.append(torch.log10((lr * g).std() / d.std()).item())
    return {"step": step, "loss": loss, "activations": acts, "gradients": grads, "update_to_data": ratios}


def make_run(fault: str, seed: int, big: bool = False) -> dict:
    """A run with `fault` planted: {"model": (C, layers), "losses", "log", "X", "Y"}."""
    if fault not in FAULTS:
        raise ValueError(f"no fault named {fault!r}")
    size = sizes(seed, big)
    X, Y = data(size, seed)
    model = network(size, fault, seed)
    C, layers = model
    lr = {"lr_too_high": LR * 40, "lr_too_low": LR / 300}.get(fault, LR)
    if fault == "bn_eval_mode":
        for m in layers:
            m.eval()
    params = params_of(model)
    g = torch.Generator().manual_seed(40_000 + seed)
    losses, log = [], []
    for step in range(STEPS):
        ix = torch.randint(0, len(X), (BATCH,), generator=g)
        logits, seen = passes(model, X[ix])
        loss = F.cross_entropy(logits, Y[ix])
        if fault != "grads_not_zeroed":
            for p in params:
                p.grad = None
        loss.backward()
        losses.append(loss.item())
        if step % EVERY == 0:
            log.append(log_entry(model, step, loss.item(), seen, lr))
        with torch.no_grad():
            for p in params:
                p.sub_(lr * p.grad)
    for p in params:
        p.grad = None
    for m in layers:
        m.eval()                                    # handed back in eval mode: a forward pass changes nothing
    return {"model": model, "losses": losses, "log": log, "X": X, "Y": Y}


# ------------------------------------------------------------------ the judge's figures
def mean_2d_ratio(run, entry) -> float:
    shapes = [p.dim() for p in params_of(run["model"])]
    picked = [r for r, d in zip(entry["update_to_data"], shapes) if d == 2]
    return sum(picked) / len(picked)


def dead_fraction(run) -> float:
    with torch.no_grad():
        _, seen = passes(run["model"], run["X"])
    return max((t.abs() > THRESHOLD).all(0).float().mean().item() for t in seen)


def bn_drift(run) -> float | None:
    bns = [m for m in run["model"][1] if isinstance(m, nn.BatchNorm1d)]
    if not bns:
        return None
    return max(max(m.running_mean.abs().max().item(), (m.running_var - 1).abs().max().item()) for m in bns)


def measure(run) -> dict:
    """The six figures the contract names (mystery.run_figures'), computed here."""
    V = run["model"][0].shape[0]
    first, later = run["log"][0], run["log"][1:]
    step0 = mean_2d_ratio(run, first)
    return {
        "start_gap": run["losses"][0] - math.log(V),
        "saturation": max(a["saturated"] for a in first["activations"]),
        "dead": dead_fraction(run),
        "bn_drift": bn_drift(run),
        "step0_ratio": step0,
        "ratio_rise": sum(mean_2d_ratio(run, e) for e in later) / len(later) - step0,
    }


# The contract's table, in its order: (diagnosis, the figure it rests on, whether the figures show its sign).
TABLE = (
    ("overconfident_init", "start_gap", lambda f: f["start_gap"] > START_GAP),
    ("saturated_tanh", "saturation", lambda f: f["saturation"] > SATURATED),
    ("lr_too_high", "step0_ratio", lambda f: f["step0_ratio"] > HIGH),
    ("lr_too_low", "step0_ratio", lambda f: f["step0_ratio"] < LOW),
    ("bn_eval_mode", "bn_drift", lambda f: f["bn_drift"] is not None and f["bn_drift"] < STILL),
    ("grads_not_zeroed", "ratio_rise", lambda f: f["ratio_rise"] > RISE),
    ("dead_units", "dead", lambda f: f["dead"] > DEAD),
    ("healthy", "step0_ratio", lambda f: True),
)
EVIDENCE = {name: figure for name, figure, _ in TABLE}


def shown(figures: dict) -> list[str]:
    """Every diagnosis whose sign the figures show, in the table's order ("healthy" last, always)."""
    return [name for name, _, sign in TABLE if sign(figures)]


def diagnosis(figures: dict) -> str:
    """The contract's diagnosis: the first sign shown."""
    return shown(figures)[0]


def _made(fault: str, seed: int, big: bool) -> dict:
    kept = _kept(fault, seed, big)
    if kept is not None:
        return kept
    run = make_run(fault, seed, big)
    made = {"run": run, "figures": measure(run)}
    _keep(fault, seed, big, made)
    return made


# A learner's check keeps the runs it made in their cache folder (course/checks.py: cache_folder),
# as plain tensors and numbers (read back with weights_only: no code), under this file's digest and
# torch's version; the model is built again from its sizes and given the kept parameters.
def _kept_path(fault: str, seed: int, big: bool):
    folder = cache_folder()
    if folder is None:
        return None
    return folder / f"mystery-{_SOURCE[:16]}-torch{torch.__version__}-{fault}-{seed}-{int(big)}.pt"


def _keep(fault: str, seed: int, big: bool, made: dict) -> None:
    path = _kept_path(fault, seed, big)
    if path is None:
        return
    run = made["run"]
    C, layers = run["model"]
    state = {"params": [p.detach() for p in params_of(run["model"])],
             "buffers": [b for m in layers for b in m.buffers()],
             **{k: run[k] for k in ("losses", "log", "X", "Y")}, "figures": made["figures"]}
    try:
        with atomic_save(path) as tmp:
            torch.save(state, tmp)
    except OSError:
        pass                                        # no cache: the next run makes it again


def _kept(fault: str, seed: int, big: bool) -> dict | None:
    path = _kept_path(fault, seed, big)
    if path is None or not path.is_file():
        return None
    try:
        state = torch.load(path, weights_only=True)
        model = network(sizes(seed, big), fault, seed)
        C, layers = model
        with torch.no_grad():
            for p, kept in zip(params_of(model), state["params"], strict=True):
                p.copy_(kept)
            for b, kept in zip([b for m in layers for b in m.buffers()], state["buffers"], strict=True):
                b.copy_(kept)
        for m in layers:
            m.eval()
        run = {"model": model, **{k: state[k] for k in ("losses", "log", "X", "Y")}}
        return {"run": run, "figures": state["figures"]}
    except Exception:  # noqa: BLE001 - a damaged or older cache file: make the run again
        return None


# The runs are made when a check first asks for one, and kept: by a class grading, once for every
# student's judge (warm_up, below; course/checks.py: share), and by a learner's own check in their
# cache folder (_keep). Every draw comes from a generator of the run's own, so a run is the same
# whenever and wherever it is made. A run depends on this file and its key alone: it is shared
# under this file's digest.
_SOURCE = hashlib.sha256(open(__file__, "rb").read()).hexdigest()
_runs: dict[tuple, dict] = {}
_wanted: list[tuple] = []


def _run(fault: str, seed: int, big: bool) -> dict:
    key = (fault, seed, big)
    if key not in _runs:
        made = shared(("mystery", _SOURCE, key))
        if made is None:
            made = _made(*key)
            share(("mystery", _SOURCE, key), made)
        _runs[key] = made
    return _runs[key]


def prepare(runs, big: bool = False) -> None:
    """The (fault, seed) runs these checks will ask for: warm_up makes them ahead."""
    _wanted.extend((fault, seed, big) for fault, seed in runs)


def warm_up() -> None:
    """Make every run the collected checks will ask for (course grade calls this once, before it
    forks a judge per student, so that they share the runs instead of each making them again)."""
    for key in _wanted:
        _run(*key)


def mystery_run(fault: str, seed: int, big: bool = False) -> tuple[dict, dict]:
    """(a fresh copy of the run, its figures): learner code may change what it is sent, and what
    crosses back (module state) must not reach the next check's run."""
    made = _run(fault, seed, big)
    return copy.deepcopy(made["run"]), dict(made["figures"])


# ------------------------------------------------------------------ the checks
TOL = 1e-3
FIGURES = {"start_gap": "start", "saturation": "first", "dead": "dead", "bn_drift": "drift",
           "step0_ratio": "two_d", "ratio_rise": "rise"}
ORDER = [name for name, _, _ in TABLE]
SIGN = {"overconfident_init": f"start_gap > {START_GAP}", "saturated_tanh": f"saturation > {SATURATED}",
        "lr_too_high": f"step0_ratio > {HIGH}", "lr_too_low": f"step0_ratio < {LOW}",
        "bn_eval_mode": f"bn_drift < {STILL}", "grads_not_zeroed": f"ratio_rise > {RISE}",
        "dead_units": f"dead > {DEAD}", "healthy": "no sign shows"}

# The public runs: (fault, seed). Seeds pick the sizes (and whether there is BatchNorm) alone.
PUBLIC_START = [("overconfident_init", 1), ("saturated_tanh", 2), ("lr_too_high", 4), ("lr_too_low", 3)]
PUBLIC_LATER = [("bn_eval_mode", 5), ("grads_not_zeroed", 7), ("dead_units", 6), ("healthy", 8), ("healthy", 4)]
FIGURES_PLAIN = [("dead_units", 6), ("overconfident_init", 1)]          # without BatchNorm
FIGURES_BN = [("healthy", 8), ("grads_not_zeroed", 1)]                  # with it
prepare(FIGURES_PLAIN + FIGURES_BN + PUBLIC_START + PUBLIC_LATER)


def agrees(got, want) -> bool:
    if want is None:
        return got is None
    if got is None or not is_number(got):
        return False
    got = number(got)
    if not math.isfinite(want):
        return got == want
    return abs(got - want) <= TOL * max(1.0, abs(want))


def check_figures(mod, fault, seed, big=False, name="run"):
    run, want = mystery_run(fault, seed, big)
    got = mod.run_figures(run)
    check(isinstance(got, dict) and set(FIGURES) <= set(got),
          f"run_figures should return a dict with the keys {sorted(FIGURES)}",
          f"got {describe(got if not isinstance(got, dict) else sorted(got))}", hint="keys")
    for key, hint in FIGURES.items():
        value = got[key]
        shown_value = describe(value) if not is_number(value) else f"{number(value):.4f}"
        want_text = "None (no BatchNorm1d)" if want[key] is None else f"{want[key]:.4f}"
        check(agrees(value, want[key]), f"{name}: {key!r} should be {want_text}", f"yours is {shown_value}",
              hint=hint)


def check_diagnosis(mod, fault, seed, big=False, name="run"):
    run, figures = mystery_run(fault, seed, big)
    result = mod.diagnose_run(run)
    check(is_sequence(result, 2), "diagnose_run should return (diagnosis, evidence)", f"got {describe(result)}",
          hint="evidence")
    said, evidence = result
    check(isinstance(said, str) and said in ORDER, f"the diagnosis should be one of {ORDER}",
          f"got {describe(said)}", hint="lines")
    if said != fault:
        signs = shown(figures)[:-1]     # "healthy" is always last
        if said in signs:
            hint = "order"          # a sign that shows, but not the first in the table's order
        elif said == "bn_eval_mode" or fault == "bn_eval_mode":
            hint = "bn"
        elif fault == "healthy":
            hint = "healthy"
        else:
            hint = "lines"
        key = EVIDENCE[fault]
        check(False, f"{name} should be diagnosed {fault!r}: its {key} is {figures[key]:.3f} ({SIGN[fault]})",
              f"yours says {said!r}", hint=hint)
    key = EVIDENCE[fault]
    check(is_number(evidence) and agrees(evidence, figures[key]),
          f"{name}: the evidence of {fault!r} is its {key}, {figures[key]:.4f}",
          f"yours is {describe(evidence) if not is_number(evidence) else round(number(evidence), 4)}",
          hint="evidence")


# ---------------------------------------------------------------- run_figures
@exercise("mystery.run_figures")
def test_figures_without_batchnorm(mystery):
    for fault, seed in FIGURES_PLAIN:
        check_figures(mystery, fault, seed, name=f"the public run {fault} #{seed}")


@exercise("mystery.run_figures")
def test_figures_with_batchnorm(mystery):
    for fault, seed in FIGURES_BN:
        check_figures(mystery, fault, seed, name=f"the public run {fault} #{seed}")


# ---------------------------------------------------------------- diagnose_run
@exercise("mystery.diagnose_run")
def test_faults_seen_at_the_start(mystery):
    for fault, seed in PUBLIC_START:
        check_diagnosis(mystery, fault, seed, name=f"the public run {fault} #{seed}")


@exercise("mystery.diagnose_run")
def test_faults_seen_as_the_run_goes(mystery):
    for fault, seed in PUBLIC_LATER:
        check_diagnosis(mystery, fault, seed, name=f"the public run {fault} #{seed}")
