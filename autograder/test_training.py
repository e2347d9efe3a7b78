"""Graders for lecture 4's training loop with diagnostics and the experiments' set-ups
(exercises/training.py).

The networks the checks train are torch.nn's own layers (nn.Linear, nn.Tanh, nn.BatchNorm1d)
in a list beside an embedding table C, which the contract allows; every expected value is
computed here with plain autograd on a copy of the same network. The loop is checked on a data
set whose every row is the same example, so that any way of drawing minibatches gives the same
trajectory, and on random data for what must hold whatever the batches: the log's loss is the
step's loss, the same seed gives the same run, and the network learns. The set-ups are checked by
the statistics of the weights they draw.
"""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from course.grading.judge.api import check, describe, exercise, is_number, is_sequence, number

TOL = 1e-4


# ---------------------------------------------------------------- a network and its reference
def network(V, block_size, d, widths, seed, batchnorm=False):
    """C and a list of torch.nn layers: [Linear, (BatchNorm1d,) Tanh] per width, then Linear to V."""
    torch.manual_seed(seed)                  # torch.nn's layers draw from the global generator
    C = torch.randn(V, d, generator=torch.Generator().manual_seed(seed)).requires_grad_()
    layers, fan_in = [], block_size * d
    for width in widths:
        layers.append(nn.Linear(fan_in, width, bias=not batchnorm))
        if batchnorm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.Tanh())
        fan_in = width
    layers.append(nn.Linear(fan_in, V))
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():                    # gamma and beta off their start, so every parameter has a spread
        for layer in layers:
            if isinstance(layer, nn.BatchNorm1d):
                layer.weight.copy_(1 + 0.2 * torch.randn(layer.weight.shape, generator=g))
                layer.bias.copy_(0.1 * torch.randn(layer.bias.shape, generator=g))
    return C, layers


def clone(C, layers):
    return C.detach().clone().requires_grad_(), copy.deepcopy(layers)


def params_of(C, layers):
    return [C] + [p for layer in layers for p in layer.parameters()]


def reference_pass(C, layers, X, Y):
    """The loss, the tanh outputs and the gradients of one pass, by plain autograd."""
    params = params_of(C, layers)
    x = C[X].flatten(1)
    acts = []
    for layer in layers:
        x = layer(x)
        if isinstance(layer, nn.Tanh):
            acts.append(x.detach())
    loss = F.cross_entropy(x, Y)
    grads = torch.autograd.grad(loss, params)
    return loss.item(), acts, grads, [p.detach().clone() for p in params]     # as they were at this pass


def ratio(lr, g, p):
    return torch.log10((lr * g).std() / p.detach().std()).item()


def agree(got, want, tol):
    """Two numbers agree within `tol`; an infinite or nan expectation (a parameter whose values are
    all equal has data std 0) wants the same non-finite value."""
    if not math.isfinite(want):
        return got == want or (math.isnan(want) and math.isnan(got))
    return abs(got - want) <= tol


def either_std(value, t):
    return any(math.isclose(value, t.std(unbiased=u).item(), rel_tol=1e-3, abs_tol=1e-7) for u in (True, False))


def read(d, key, what, hint):
    check(isinstance(d, dict) and key in d, f"{what} should be a dict with {key!r}",
          f"got {describe(d if not isinstance(d, dict) else sorted(d))}", hint=hint)
    value = d[key]
    return value


def num(value, what, hint):
    check(is_number(value), f"{what} should be a number (a float, or a 0-d tensor without a graph)",
          f"got {describe(value)}", hint=hint)
    return number(value)


def check_entry(entry, step, ref, lr, where, hints=None):
    """One log entry against the reference pass `ref` = (loss, acts, grads, params); `hints` maps
    diagnose's hint keys to those of the exercise being checked."""
    def key_of(key):
        return (hints or {}).get(key, key)
    loss, acts, grads, params = ref
    for key in ("step", "loss", "activations", "gradients", "update_to_data"):
        read(entry, key, where, key_of("keys"))
    check(num(entry["step"], f"{where}['step']", key_of("keys")) == step, f"{where}['step'] should be {step}",
          f"it is {entry['step']}", hint=key_of("keys"))
    got = num(entry["loss"], f"{where}['loss']", key_of("keys"))
    check(abs(got - loss) < TOL * max(1, loss), f"{where}['loss'] should be the cross-entropy of this pass, "
          f"{loss:.5f}", f"yours is {got:.5f}", hint=key_of("zero"))
    a = entry["activations"]
    check(is_sequence(a, len(acts)), f"{where}['activations'] should be a list with one entry per tanh layer "
          f"({len(acts)} here)", f"got {describe(a)}", hint=key_of("tanh"))
    for i, (s, t) in enumerate(zip(a, acts)):
        what = f"{where}['activations'][{i}]"
        mean = num(read(s, "mean", what, key_of("keys")), f"{what}['mean']", key_of("keys"))
        sat = num(read(s, "saturated", what, key_of("keys")), f"{what}['saturated']", key_of("keys"))
        std = num(read(s, "std", what, key_of("keys")), f"{what}['std']", key_of("keys"))
        want_sat = (t.abs() > 0.97).float().mean().item()
        check(abs(mean - t.mean().item()) < 1e-4 and abs(sat - want_sat) < 1e-6 and either_std(std, t),
              f"{what} should describe the output of tanh layer {i + 1} on this batch: mean {t.mean().item():.4f}, "
              f"std {t.std().item():.4f}, saturated {want_sat:.3f}",
              f"yours: mean {mean:.4f}, std {std:.4f}, saturated {sat:.3f}", hint=key_of("tanh"))
    gs = entry["gradients"]
    check(is_sequence(gs, len(params)), f"{where}['gradients'] should be a list with one entry per tensor of "
          f"parameters(model) ({len(params)} here: C, then each layer's)", f"got {describe(gs)}", hint=key_of("grad"))
    for i, (s, g, p) in enumerate(zip(gs, grads, params)):
        what = f"{where}['gradients'][{i}]"
        mean = num(read(s, "mean", what, key_of("grad")), f"{what}['mean']", key_of("grad"))
        std = num(read(s, "std", what, key_of("grad")), f"{what}['std']", key_of("grad"))
        g2d = num(read(s, "grad_to_data", what, key_of("grad")), f"{what}['grad_to_data']", key_of("grad"))
        want = (g.std() / p.detach().std()).item()
        ok = (abs(mean - g.mean().item()) < 1e-5 + 1e-3 * g.abs().mean().item() and either_std(std, g)
              and agree(g2d, want, 1e-3 * abs(want) + 1e-8))
        check(ok, f"{what} should describe the gradient of parameter {i} from this pass alone (mean "
              f"{g.mean().item():.4g}, std {g.std().item():.4g}, grad_to_data {want:.4g})",
              f"yours: mean {mean:.4g}, std {std:.4g}, grad_to_data {g2d:.4g}", hint=key_of("zero"))
    ud = entry["update_to_data"]
    check(is_sequence(ud, len(params)), f"{where}['update_to_data'] should be a list, one ratio per tensor of "
          "parameters(model)", f"got {describe(ud)}", hint=key_of("lr"))
    for i, (r, g, p) in enumerate(zip(ud, grads, params)):
        want = ratio(lr, g, p)
        got = num(r, f"{where}['update_to_data'][{i}]", key_of("lr"))
        check(agree(got, want, 2e-3), f"{where}['update_to_data'][{i}] should be log10(std(lr * grad) / std(data)) "
              f"= {want:.3f} with lr {lr} and this pass's gradient", f"yours is {got:.3f}", hint=key_of("lr"))


# ---------------------------------------------------------------- diagnose
@exercise("training.diagnose")
def test_diagnose_measures_one_pass(training):
    C, layers = network(V=6, block_size=2, d=4, widths=(10, 10), seed=1)
    g = torch.Generator().manual_seed(2)
    X, Y = torch.randint(0, 6, (24, 2), generator=g), torch.randint(0, 6, (24,), generator=g)
    mine_C, mine_layers = clone(C, layers)
    ref = reference_pass(mine_C, mine_layers, X, Y)
    C.grad = torch.full_like(C, 5.0)                 # a stale gradient from an earlier pass
    before = C.detach().clone()
    entry = training.diagnose((C, layers), X, Y, 7, 0.05)
    check_entry(entry, 7, ref, 0.05, "diagnose(...)")
    check(torch.equal(C.detach(), before), "diagnose should change no parameter (the loop updates them)",
          hint="zero")


@exercise("training.diagnose")
def test_diagnose_with_batchnorm_and_one_tanh(training):
    C, layers = network(V=9, block_size=3, d=2, widths=(12,), seed=3, batchnorm=True)
    g = torch.Generator().manual_seed(4)
    X, Y = torch.randint(0, 9, (30, 3), generator=g), torch.randint(0, 9, (30,), generator=g)
    mine_C, mine_layers = clone(C, layers)
    ref = reference_pass(mine_C, mine_layers, X, Y)
    entry = training.diagnose((C, layers), X, Y, 0, 0.2)
    check_entry(entry, 0, ref, 0.2, "diagnose(...) on a network with BatchNorm1d")


# ---------------------------------------------------------------- train_with_diagnostics
def reference_run(C, layers, X, Y, steps, lr, every):
    """Plain SGD on the batch X, Y: the losses and the reference passes logged."""
    C, layers = clone(C, layers)
    params = params_of(C, layers)
    losses, logged = [], {}
    for step in range(steps):
        ref = reference_pass(C, layers, X, Y)
        if step % every == 0:
            logged[step] = ref
        with torch.no_grad():
            for p, g in zip(params, ref[2]):
                p -= lr * g
        losses.append(ref[0])
    return losses, logged, (C, layers)


def unpack(result, steps, hint="losses"):
    check(is_sequence(result, 2), "train_with_diagnostics should return (losses, log)", f"got {describe(result)}",
          hint=hint)
    losses, log = result
    check(is_sequence(losses, steps) and all(is_number(v) for v in losses),
          f"losses should be a list of {steps} numbers, one per step", f"got {describe(losses)}", hint="losses")
    check(is_sequence(log), "log should be a list of diagnose entries", f"got {describe(log)}", hint="losses")
    return [number(v) for v in losses], list(log)


def logged_steps(log):
    return [number(e["step"]) if isinstance(e, dict) and "step" in e and is_number(e["step"]) else None for e in log]


@exercise("training.train_with_diagnostics")
def test_the_loop_logs_every_k_steps_before_the_update(training):
    C, layers = network(V=7, block_size=3, d=4, widths=(16, 16), seed=5)
    X = torch.tensor([[2, 5, 1]]).repeat(8, 1)        # every row the same: any minibatch is the whole story
    Y = torch.full((8,), 3)
    steps, lr, every = 12, 0.3, 5
    want, logged, (ref_C, ref_layers) = reference_run(C, layers, X, Y, steps, lr, every)
    start = C.detach().clone()
    losses, log = unpack(training.train_with_diagnostics((C, layers), X, Y, steps, lr=lr, batch_size=8, every=every,
                                                         generator=torch.Generator().manual_seed(6)), steps)
    got_steps = logged_steps(log)
    check(got_steps == [0, 5, 10], f"with steps={steps} and every={every} the log should hold steps [0, 5, 10]",
          f"yours holds {got_steps}", hint="every")
    check(not torch.equal(C.detach(), start), "the loop should train every tensor of parameters(model), C included",
          "C is as it was", hint="update")
    check(all(abs(a - b) < TOL * max(1, b) for a, b in zip(losses, want)),
          "each step should be one SGD step, p -= lr * p.grad with fresh gradients, its loss recorded before the update",
          f"yours: {[round(v, 4) for v in losses[:5]]} …, expected {[round(v, 4) for v in want[:5]]} …", hint="zero")
    for entry in log:
        step = int(number(entry["step"]))
        check_entry(entry, step, logged[step], lr, f"the log's entry of step {step}",
                    hints={k: "before" for k in ("keys", "tanh", "zero", "grad", "lr")})
    check(torch.allclose(C.detach(), ref_C.detach(), atol=1e-4), "the loop should train the model in place, C included",
          "C is not what the steps make of it", hint="update")
    for i, (a, b) in enumerate(zip(params_of(C, layers)[1:], params_of(ref_C, ref_layers)[1:])):
        check(torch.allclose(a.detach(), b.detach(), atol=1e-4), "the loop should train every layer's parameters in "
              "place", f"parameter {i + 1} of the layers is not what the steps make of it", hint="update")


@exercise("training.train_with_diagnostics")
def test_the_log_is_of_the_steps_own_batch(training):
    C, layers = network(V=8, block_size=2, d=3, widths=(12,), seed=7)
    g = torch.Generator().manual_seed(8)
    X, Y = torch.randint(0, 8, (300, 2), generator=g), torch.randint(0, 8, (300,), generator=g)
    losses, log = unpack(training.train_with_diagnostics((C, layers), X, Y, 10, lr=0.1, batch_size=16, every=3,
                                                         generator=torch.Generator().manual_seed(9)), 10)
    check(logged_steps(log) == [0, 3, 6, 9], "with steps=10 and every=3 the log should hold steps [0, 3, 6, 9]",
          f"yours holds {logged_steps(log)}", hint="every")
    for entry in log:
        step = int(number(entry["step"]))
        got = num(entry["loss"], f"the log's loss of step {step}", "batch")
        check(abs(got - losses[step]) < 1e-5 * max(1, abs(got)), f"the log's loss of step {step} should be that "
              f"step's own loss, {losses[step]:.5f} (its minibatch, before its update)", f"yours is {got:.5f}",
              hint="batch")


@exercise("training.train_with_diagnostics")
def test_the_loop_still_trains_and_uses_the_generator(training):
    g = torch.Generator().manual_seed(10)
    X = torch.randint(0, 9, (400, 3), generator=g)
    Y = X[:, 2].clone()                                     # learnable: the next character repeats the last
    runs = []
    for seed in (11, 11, 12):
        C, layers = network(V=9, block_size=3, d=4, widths=(32,), seed=13, batchnorm=True)
        losses, log = unpack(training.train_with_diagnostics((C, layers), X, Y, 150, lr=0.5, batch_size=32,
                                                             every=50, generator=torch.Generator().manual_seed(seed)),
                             150)
        runs.append((losses, layers))
    (a, layers), (b, _), (c, _) = runs
    check(a == b, "the same generator seed should give the same run (draw the minibatches with it)", hint="batch")
    check(a != c, "another seed should draw other minibatches", hint="batch")
    early, late = sum(a[:10]) / 10, sum(a[-10:]) / 10
    check(late < early - 0.5, "150 steps at lr 0.5 on data this easy should bring the loss well down",
          f"yours went from {early:.3f} to {late:.3f} (means of the first and last 10 steps)", hint="update")
    check(layers[1].running_mean.abs().max().item() > 1e-3,
          "the BatchNorm layer should have trained in training mode (its running mean moves)",
          "its running statistics never changed", hint="update")


# ---------------------------------------------------------------- configure
SIZES = dict(block_size=4, n_embd=6, n_hidden=200, n_layers=2)


def built(training, name, V=11, lr=0.3, seed=0, sizes=SIZES):
    result = training.configure(name, V, lr=lr, generator=torch.Generator().manual_seed(seed), **sizes)
    check(is_sequence(result, 2) and is_sequence(result[0], 2),
          f"configure({name!r}, ...) should return ((C, layers), lr)", f"got {describe(result)}", hint="lr")
    (C, layers), rate = result
    check(is_number(rate), f"configure({name!r}, ...)'s lr should be a number", f"got {describe(rate)}", hint="lr")
    return C, list(layers), number(rate)


def kinds(layers):
    return [type(layer).__name__ for layer in layers]


def weight_stds(layers):
    """The std of every Linear's weight, in order, and its fan_in (the course's (fan_in, fan_out) weights)."""
    out = []
    for layer in layers:
        if type(layer).__name__ == "Linear":
            W = layer.weight
            out.append((W.std().item(), W.shape[0]))
    return out


def near(got, want, rel=0.1):
    return abs(got / want - 1) < rel


def check_stds(name, layers, want, hint):
    stds = weight_stds(layers)
    check(len(stds) == len(want), f"configure({name!r}) should have {len(want)} Linear layers",
          f"yours has {len(stds)}", hint=hint)
    for i, ((got, fan_in), w) in enumerate(zip(stds, want)):
        target = w(fan_in)
        check(near(got, target), f"configure({name!r}): Linear {i + 1} (fan_in {fan_in}) should have a weight of "
              f"std {target:.4g}", f"yours has std {got:.4g}", hint=hint)


WITHOUT_BN = ["Linear", "Tanh"] * 2 + ["Linear"]
WITH_BN = ["Linear", "BatchNorm1d", "Tanh"] * 2 + ["Linear", "BatchNorm1d"]


@exercise("training.configure")
def test_configure_the_two_layer_fixes(training):
    kaiming = 5 / 3
    wants = {
        "normal": ([lambda f: 1.0] * 3, "normal"),
        "softmax_fix": ([lambda f: 1.0] * 2 + [lambda f: 0.01], "softmax"),
        "tanh_fix": ([lambda f: 1 / math.sqrt(f)] * 2 + [lambda f: 0.01], "tanh"),
        "kaiming": ([lambda f: kaiming / math.sqrt(f)] * 2 + [lambda f: 0.1 / math.sqrt(f)], "batchnorm"),
    }
    for name, (want, hint) in wants.items():
        C, layers, rate = built(training, name)
        check(kinds(layers) == WITHOUT_BN, f"configure({name!r}) with n_layers=2 should be {WITHOUT_BN}",
              f"yours: {kinds(layers)}", hint=hint)
        check_stds(name, layers, want, hint)
        check(C.requires_grad and tuple(C.shape) == (11, 6), f"configure({name!r})'s C should be (V, n_embd) and "
              "require grad", f"got {describe(C)}", hint="batchnorm")
        check(rate == 0.3, f"configure({name!r}, lr=0.3) should return the lr it was given", f"yours: {rate}", hint="lr")
        if name == "normal":
            biases = [layer.bias for layer in layers if type(layer).__name__ == "Linear"]
            check(all(b is not None and b.abs().max().item() == 0 for b in biases),
                  "configure('normal'): the biases stay 0 (deep_mlp's)", hint="normal")


@exercise("training.configure")
def test_configure_batchnorm_gain_and_low_lr(training):
    kaiming = 5 / 3
    wants = {"batchnorm": (kaiming, "batchnorm", 0.3), "bad_gain": (0.2, "gain", 0.3), "low_lr": (kaiming, "lr", 0.003)}
    for name, (gain, hint, lr) in wants.items():
        C, layers, rate = built(training, name)
        check(kinds(layers) == WITH_BN, f"configure({name!r}) with n_layers=2 should be {WITH_BN}",
              f"yours: {kinds(layers)}", hint=hint)
        check_stds(name, layers, [lambda f: gain / math.sqrt(f)] * 2 + [lambda f: 1 / math.sqrt(f)], hint)
        gamma = layers[-1].gamma
        check(torch.allclose(gamma, torch.full_like(gamma, 0.1)), f"configure({name!r}): the last BatchNorm1d's gamma "
              "should be 0.1 (deep_mlp's unsure start)", f"got {describe(gamma)}", hint="batchnorm")
        check(abs(rate - lr) < 1e-9, f"configure({name!r}, lr=0.3) should return lr {lr}", f"yours: {rate}", hint="lr")


@exercise("training.configure")
def test_configure_other_names_and_the_generator(training):
    def unknown():
        training.configure("no_such_run", 11, generator=torch.Generator().manual_seed(1), **SIZES)
    try:
        unknown()
    except ValueError:
        pass
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, named
        check(False, "an unknown name should raise ValueError", f"it raised {type(exc).__name__}", hint="unknown")
    else:
        check(False, "an unknown name should raise ValueError", "it returned a network", hint="unknown")
    a, _, _ = built(training, "normal", seed=5)
    b, _, _ = built(training, "normal", seed=5)
    c, _, _ = built(training, "normal", seed=6)
    check(torch.equal(a, b) and not torch.equal(a, c), "the same generator seed should give the same network, "
          "another seed another (pass the generator on)", hint="normal")
