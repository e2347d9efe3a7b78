"""Graders for lecture 4's layers (exercises/layers.py): the fixed initialisation of lecture 3's
MLP, and the network PyTorch-ified.

Expected values come from properties (the first loss of an unsure model is ln V; a
saturated unit has |h| > 0.97; a parameter count follows from the shapes) and from torch's
own layers (torch.nn.Linear and torch.nn.Tanh given the learner's weights). Sizes, alphabets
and seeds differ from the defaults, so nothing may assume 27 characters or 100 units.
Learner objects (a Linear, a list of layers) live beside the learner's code; what the checks
read from them are copies.
"""
import math

import torch
import torch.nn.functional as F

from course.grading.judge.api import check, describe, exercise, expect, fail

SATURATED = 0.97
# The most of fixed_init_params' hidden units that may saturate: the lecture's Kaiming init for
# tanh, gain 5/3, saturates about 20% (up to 29% at these shapes, whatever the seed); lecture 3's
# N(0, 1) W1 saturates 60% or more.
MOST_SATURATED = 1 / 3


def contexts(V, block_size, n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, V, (n, block_size), generator=g), torch.randint(0, V, (n,), generator=g)


def hidden_and_logits(p, X):
    """Lecture 3's forward pass, as its contract states it (mlp.forward's docstring)."""
    h = torch.tanh(p["C"][X].flatten(1) @ p["W1"] + p["b1"])
    return h, h @ p["W2"] + p["b2"]


def kinds(layers):
    """'Linear', 'BatchNorm1d', 'Tanh': the learner's class names, as the contract names them."""
    return [type(layer).__name__ for layer in layers]


def kept_output(layer, what):
    """The layer's `out` attribute; a failure naming it when there is none."""
    try:
        return layer.out
    except AttributeError:
        fail(f"after a call, {what}.out should hold the output (the diagnostics read it)", "yours has no .out",
             hint="out")


def set_bias(layer, value):
    """Give the learner's layer a non-zero bias, whatever holds it: a trainable tensor (an
    nn.Parameter of an nn.Module, say) is written in place, a plain attribute is replaced."""
    bias = layer.bias
    if bias.requires_grad:
        with torch.no_grad():
            bias.copy_(value)         # the learner's own tensor: the change reaches it
    else:
        layer.bias = value


def count(C, layers):
    return C.numel() + sum(p.numel() for layer in layers for p in layer.parameters())


# ---------------------------------------------------------------- fixed_init_params
SHAPES = dict(vocab_size=11, block_size=4, n_embd=6, n_hidden=64)


@exercise("layers.fixed_init_params")
def test_fixed_init_params_shapes_and_leaves(layers):
    p = layers.fixed_init_params(**SHAPES, generator=torch.Generator().manual_seed(1))
    V, bs, d, nh = SHAPES.values()
    want = {"C": (V, d), "W1": (bs * d, nh), "b1": (nh,), "W2": (nh, V), "b2": (V,)}
    check(isinstance(p, dict) and set(p) == set(want), "fixed_init_params should return a dict with C, W1, b1, W2, b2",
          f"got {describe(p if not isinstance(p, dict) else sorted(p))}", hint="shapes")
    for name, shape in want.items():
        expect(p[name]).tensor(shape=shape, dtype=torch.float32, what=f"{name} for V=11, block_size=4, n_embd=6, "
                               "n_hidden=64", hint="shapes")
        check(p[name].requires_grad, f"{name} should require grad, to be trained", hint="shapes")
        check(p[name].is_leaf, f"{name} should be a leaf tensor (make it require grad after scaling it): "
              "the result of an operation on a tensor that requires grad gets no .grad", hint="leaf")


@exercise("layers.fixed_init_params")
def test_fixed_init_params_start_unsure(layers):
    for V, seed in ((11, 2), (27, 3)):
        p = layers.fixed_init_params(V, 3, 10, 200, generator=torch.Generator().manual_seed(seed))
        X, Y = contexts(V, 3, 2000, seed)
        with torch.no_grad():
            _, logits = hidden_and_logits(p, X)
            loss = F.cross_entropy(logits, Y).item()
        check(abs(loss - math.log(V)) < 0.1, f"the loss at step 0 should be within 0.1 of -ln(1/V) = {math.log(V):.3f} "
              f"(V = {V}): an unsure model gives every character about 1/V", f"yours is {loss:.3f}", hint="logits")
        check(p["W2"].abs().max().item() > 0, "W2 should be small, not zero: with W2 = 0 no gradient reaches the "
              "hidden layer at the first step", "yours is all zeros", hint="zero")


@exercise("layers.fixed_init_params")
def test_fixed_init_params_hidden_layer_alive_and_unsaturated(layers):
    for V, bs, d, nh, seed in ((27, 3, 10, 200, 4), (13, 5, 8, 120, 5)):
        p = layers.fixed_init_params(V, bs, d, nh, generator=torch.Generator().manual_seed(seed))
        X, _ = contexts(V, bs, 2000, seed)
        with torch.no_grad():
            h, _ = hidden_and_logits(p, X)
        saturated = (h.abs() > SATURATED).float().mean().item()
        check(saturated < MOST_SATURATED, f"fewer than a third of the hidden units should be saturated "
              f"(|h| > {SATURATED}) on a batch (block_size={bs}, n_embd={d})", f"yours: {saturated:.1%}",
              hint="saturation")
        spread = h.std().item()
        check(spread > 0.2, "the hidden layer should not be dead: its activations need a spread (std above 0.2)",
              f"yours have std {spread:.3f}", hint="dead")


@exercise("layers.fixed_init_params")
def test_fixed_init_params_uses_the_generator(layers):
    a = layers.fixed_init_params(**SHAPES, generator=torch.Generator().manual_seed(7))
    b = layers.fixed_init_params(**SHAPES, generator=torch.Generator().manual_seed(7))
    c = layers.fixed_init_params(**SHAPES, generator=torch.Generator().manual_seed(8))
    check(all(torch.equal(a[k], b[k]) for k in a), "the same generator seed should give the same parameters",
          hint="generator")
    check(not torch.equal(a["W1"], c["W1"]), "another seed should give other parameters", hint="generator")


# ---------------------------------------------------------------- Linear
@exercise("layers.Linear")
def test_linear_shapes_and_parameters(layers):
    layer = layers.Linear(7, 5, generator=torch.Generator().manual_seed(0))
    expect(layer.weight).tensor(shape=(7, 5), dtype=torch.float32, what="Linear(7, 5).weight (fan_in, fan_out)",
                                hint="shapes")
    expect(layer.bias).tensor(shape=(5,), what="Linear(7, 5).bias", hint="shapes")
    expect(layer.bias).equals(torch.zeros(5), why="the bias should start at 0", hint="shapes")
    params = list(layer.parameters())
    check(len(params) == 2, "Linear(7, 5).parameters() should give [weight, bias]", f"it gave {len(params)} tensors",
          hint="parameters")
    no_bias = layers.Linear(7, 5, bias=False)
    check(no_bias.bias is None, "Linear(..., bias=False) should have bias None", f"it is {describe(no_bias.bias)}",
          hint="bias")
    check(len(list(no_bias.parameters())) == 1, "without a bias, parameters() should give [weight] alone",
          hint="bias")


@exercise("layers.Linear")
def test_linear_matches_torch(layers):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(9, 6, generator=g)
    for bias in (True, False):
        layer = layers.Linear(6, 4, bias=bias, generator=g)
        ref = torch.nn.Linear(6, 4, bias=bias)
        with torch.no_grad():                      # torch's layer with the learner's numbers
            ref.weight.copy_(layer.weight.T)       # torch stores (fan_out, fan_in)
            if bias:
                ref.bias.copy_(torch.randn(4, generator=g))
                set_bias(layer, ref.bias.detach().clone())
        y = layer(x)
        with torch.no_grad():
            want = ref(x)
        expect(y).close_to(want, why=f"Linear(6, 4, bias={bias})(x) should be x @ weight" + (" + bias" if bias else "")
                           + ", as torch.nn.Linear gives with the same numbers", hint="call")
        expect(kept_output(layer, "Linear")).close_to(want, why="after a call, self.out should hold the output",
                                                     hint="out")


@exercise("layers.Linear")
def test_linear_is_kaiming_scaled(layers):
    for fan_in, fan_out in ((400, 300), (16, 500)):
        W = layers.Linear(fan_in, fan_out, generator=torch.Generator().manual_seed(fan_in)).weight
        want = 1 / math.sqrt(fan_in)
        check(abs(W.mean().item()) < 0.1 * want, "the weights should be centred on 0", f"their mean is {W.mean():.3g}",
              hint="scale")
        check(abs(W.std().item() / want - 1) < 0.06, f"Linear({fan_in}, {fan_out}) should draw its weight with std "
              f"1 / sqrt(fan_in) = {want:.4f}, so the outputs keep the inputs' spread", f"yours has std {W.std():.4f}",
              hint="scale")


@exercise("layers.Linear")
def test_linear_uses_the_generator(layers):
    a = layers.Linear(6, 4, generator=torch.Generator().manual_seed(3)).weight
    torch.randn(5)                                       # disturb the global generator
    b = layers.Linear(6, 4, generator=torch.Generator().manual_seed(3)).weight
    c = layers.Linear(6, 4, generator=torch.Generator().manual_seed(4)).weight
    check(torch.equal(a, b) and not torch.equal(a, c), "the same generator seed should give the same weight, "
          "another seed another", hint="generator")


# ---------------------------------------------------------------- Tanh
@exercise("layers.Tanh")
def test_tanh_matches_torch(layers):
    x = torch.linspace(-6, 6, 49).view(7, 7)
    layer = layers.Tanh()
    y = layer(x)
    expect(y).close_to(torch.nn.Tanh()(x), why="Tanh()(x) should be torch.tanh(x), as torch.nn.Tanh gives", hint="call")
    expect(kept_output(layer, "Tanh")).close_to(torch.tanh(x), why="after a call, self.out should hold the output",
                                                hint="out")
    check(list(layer.parameters()) == [], "a tanh has no parameters: parameters() should give []", hint="parameters")


# ---------------------------------------------------------------- deep_mlp
SMALL = dict(block_size=4, n_embd=6, n_hidden=32, n_layers=3)


def expected_count(V, block_size, n_embd, n_hidden, n_layers, batchnorm):
    linears = [block_size * n_embd * n_hidden] + [n_hidden * n_hidden] * (n_layers - 1) + [n_hidden * V]
    extra = 2 * (n_layers * n_hidden + V) if batchnorm else n_layers * n_hidden + V   # gamma, beta / biases
    return V * n_embd + sum(linears) + extra


@exercise("layers.deep_mlp")
def test_deep_mlp_is_the_lectures_list(layers):
    for batchnorm in (False, True):
        C, net = layers.deep_mlp(11, **SMALL, batchnorm=batchnorm, generator=torch.Generator().manual_seed(0))
        expect(C).tensor(shape=(11, 6), what="C for V=11, n_embd=6", hint="order")
        want = (["Linear", "BatchNorm1d", "Tanh"] if batchnorm else ["Linear", "Tanh"]) * 3 + \
            (["Linear", "BatchNorm1d"] if batchnorm else ["Linear"])
        got = kinds(net)
        check(got == want, f"with batchnorm={batchnorm} and n_layers=3 the layers should be {want}", f"yours: {got}",
              hint="order")
        n = count(C, net)
        want_n = expected_count(11, **SMALL, batchnorm=batchnorm)
        check(n == want_n, f"with batchnorm={batchnorm}: C and the layers' parameters should count {want_n:,} numbers",
              f"yours count {n:,}", hint="bias")
    C, net = layers.deep_mlp(27, generator=torch.Generator().manual_seed(0))
    check(count(C, net) == 47_024, "with the defaults and V = 27, the lecture's network has 47,024 parameters",
          f"yours has {count(C, net):,}", hint="bias")


@exercise("layers.deep_mlp")
def test_deep_mlp_starts_unsure_and_spread(layers):
    for batchnorm in (False, True):
        V = 13
        C, net = layers.deep_mlp(V, **SMALL, batchnorm=batchnorm, generator=torch.Generator().manual_seed(5))
        X, Y = contexts(V, 4, 1000, 6)
        loss = F.cross_entropy(layers.forward(C, net, X).detach(), Y).item()
        check(abs(loss - math.log(V)) < 0.15, f"with batchnorm={batchnorm} the first loss should be near "
              f"-ln(1/V) = {math.log(V):.3f}", f"yours is {loss:.3f}", hint="last")
        for i, layer in enumerate(m for m in net if type(m).__name__ == "Tanh"):
            out = kept_output(layer, "Tanh")
            sat = (out.abs() > SATURATED).float().mean().item()
            check(i == 0 or sat < 0.15, f"with batchnorm={batchnorm}, tanh layer {i + 1} should start with few "
                  "saturated units", f"{sat:.0%} of yours are", hint="gain")
            check(out.std().item() > 0.3, f"with batchnorm={batchnorm}, tanh layer {i + 1} should keep a spread",
                  f"its std is {out.std():.3f}: the signal shrinks layer after layer", hint="gain")


@exercise("layers.deep_mlp")
def test_deep_mlp_gain_and_gradients(layers):
    seed = torch.Generator().manual_seed
    C1, one = layers.deep_mlp(11, **SMALL, batchnorm=False, gain=1.0, generator=seed(9))
    C2, two = layers.deep_mlp(11, **SMALL, batchnorm=False, gain=2.0, generator=seed(9))
    linear1 = [m.weight for m in one if type(m).__name__ == "Linear"]
    linear2 = [m.weight for m in two if type(m).__name__ == "Linear"]
    check(all(torch.allclose(b, 2 * a, atol=1e-6) for a, b in zip(linear1[:-1], linear2[:-1])),
          "`gain` should multiply the weights of every Linear that feeds a tanh (gain=2 gives twice gain=1's, same seed)",
          hint="gain")
    check(torch.allclose(linear1[-1], linear2[-1]), "`gain` is for the Linears that feed a tanh: the last Linear "
          "(the logits) should be the same whatever the gain", "yours changes with it", hint="gain")
    for C, net in ((C1, one), layers.deep_mlp(11, **SMALL, batchnorm=True, generator=seed(9))):
        params = [C] + [p for layer in net for p in layer.parameters()]
        check(all(p.requires_grad for p in params), "C and every layer's parameters should require grad", hint="grad")
        check(all(p.is_leaf for p in params), "C and every layer's parameters should be leaf tensors, so that "
              "training updates them: scale them in place under torch.no_grad() (gamma *= 0.1), not as a new tensor "
              "(gamma = gamma * 0.1) once they require grad", hint="leaf")


@exercise("layers.deep_mlp")
def test_deep_mlp_uses_the_generator(layers):
    def numbers(net):
        C, layer_list = net
        return [C] + [p for layer in layer_list for p in layer.parameters()]

    for batchnorm in (True, False):
        a = numbers(layers.deep_mlp(7, **SMALL, batchnorm=batchnorm, generator=torch.Generator().manual_seed(12)))
        torch.randn(3)                                       # disturb the global generator
        b = numbers(layers.deep_mlp(7, **SMALL, batchnorm=batchnorm, generator=torch.Generator().manual_seed(12)))
        c = numbers(layers.deep_mlp(7, **SMALL, batchnorm=batchnorm, generator=torch.Generator().manual_seed(13)))
        same = len(a) == len(b) and all(x.shape == y.shape and torch.equal(x, y) for x, y in zip(a, b))
        check(same, f"with batchnorm={batchnorm}, the same generator seed should give the same network: C and every "
              "layer's parameters", hint="generator")
        check(not torch.equal(a[0], c[0]) and not torch.equal(a[1], c[1]),
              "another seed should give another C and other weights", hint="generator")
