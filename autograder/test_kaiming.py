"""Graders for lecture 4, initialisation (exercises/kaiming.py).

Expected values come from torch itself (torch.nn.init.calculate_gain), from the formula
gain / sqrt(fan_in), and from the empirical spread of large draws. Shapes are never square,
so that fan_in and fan_out cannot be mixed up unnoticed.
"""
import math

import torch

from course.grading.judge.api import check, describe, exercise, expect, is_number, number


# ---------------------------------------------------------------- gain
@exercise("kaiming.gain")
def test_gain_matches_torch(kaiming):
    for name in ("linear", "tanh", "relu"):
        value = kaiming.gain(name)
        expected = torch.nn.init.calculate_gain(name)
        check(is_number(value),
              f"gain({name!r}) should return a number (a float or a 0-d tensor)",
              f"got {describe(value)}", hint="values")
        value = number(value)
        if name == "tanh" and math.isclose(value, math.sqrt(2), rel_tol=1e-6):
            check(False, "gain('tanh') should be 5/3; sqrt(2) is ReLU's gain", hint="values")
        if name == "relu" and math.isclose(value, 5 / 3, rel_tol=1e-6):
            check(False, "gain('relu') should be sqrt(2); 5/3 is tanh's gain", hint="values")
        expect(value).close_to(expected, atol=1e-9, rtol=1e-6,
                               why=f"gain({name!r}) should be torch.nn.init.calculate_gain({name!r}) = {expected:.4f}",
                               hint="values")


@exercise("kaiming.gain")
def test_gain_refuses_unknown_names(kaiming):
    for name in ("sigmoid-ish", "Tanh2"):
        expect(lambda: kaiming.gain(name)).raises(
            ValueError, why=f"gain({name!r}) should raise ValueError: there is no gain for it here", hint="unknown")


# ---------------------------------------------------------------- kaiming_std
@exercise("kaiming.kaiming_std")
def test_kaiming_std_formula(kaiming):
    for fan_in, name in ((30, "tanh"), (200, "relu"), (7, "linear"), (1000, "tanh")):
        value = kaiming.kaiming_std(fan_in, name)
        g = torch.nn.init.calculate_gain(name)
        expected = g / math.sqrt(fan_in)
        check(is_number(value), f"kaiming_std({fan_in}, {name!r}) should return a number (a float or a 0-d tensor)",
              f"got {describe(value)}", hint="formula")
        value = number(value)
        check(not math.isclose(value, g / fan_in, rel_tol=1e-6),
              f"kaiming_std({fan_in}, {name!r}) should be {g:.4g} / sqrt({fan_in}) = {expected:.4g}",
              f"yours is {value:.4g} = {g:.4g} / {fan_in}", hint="sqrt")
        expect(value).close_to(expected, atol=1e-9, rtol=1e-6,
                               why=f"kaiming_std({fan_in}, {name!r}) should be gain / sqrt(fan_in) = {expected:.4g}",
                               hint="formula")


@exercise("kaiming.kaiming_std")
def test_kaiming_std_defaults_to_tanh(kaiming):
    expect(kaiming.kaiming_std(30)).close_to((5 / 3) / math.sqrt(30), atol=1e-9, rtol=1e-6,
                                             why="kaiming_std(30) should use tanh's gain: (5/3) / sqrt(30) = 0.3043",
                                             hint="default")


# ---------------------------------------------------------------- kaiming_normal_
def empirical_std_check(kaiming, shape, name, seed=None, fill=0.0):
    """kaiming_normal_ on a (fan_in, fan_out) tensor filled with `fill`: in place, every entry
    drawn again, std gain / sqrt(fan_in), mean 0, normal. Returns W (the hidden graders go on)."""
    fan_in, fan_out = shape
    W = torch.full(shape, fill)
    out = kaiming.kaiming_normal_(W, nonlinearity=name, generator=torch.Generator().manual_seed(seed or fan_in))
    check(out is W, "kaiming_normal_ should fill W in place and return that same tensor",
          "it returned another tensor" if isinstance(out, torch.Tensor) else f"it returned {describe(out)}",
          hint="inplace")
    expect(W).tensor(shape=shape, what="W after kaiming_normal_", hint="inplace")
    check((W != fill).float().mean().item() > 0.99, "kaiming_normal_ should fill every entry of W itself",
          f"W still holds its old value {fill:g} in places", hint="inplace")
    g = torch.nn.init.calculate_gain(name)
    expected, got = g / math.sqrt(fan_in), W.std().item()
    label = f"W of shape ({fan_in}, {fan_out}) with {name!r}"
    check(not math.isclose(got, g / math.sqrt(fan_out), rel_tol=0.03),
          f"{label}: fan_in is {fan_in}, so the std should be {expected:.4f}",
          f"yours is {got:.4f} = gain / sqrt({fan_out}), which uses fan_out", hint="fan_in")
    check(not math.isclose(got, g / fan_in, rel_tol=0.03),
          f"{label}: the std should be gain / sqrt(fan_in) = {expected:.4f}",
          f"yours is {got:.4f} = gain / {fan_in}", hint="std")
    check(math.isclose(got, expected, rel_tol=0.03),
          f"{label}: the values should have std gain / sqrt(fan_in) = {expected:.4f}",
          f"yours have std {got:.4f}", hint="std")
    check(abs(W.mean().item()) < 0.05 * expected, f"{label}: the values should have mean 0",
          f"yours have mean {W.mean().item():.4g}", hint="std")
    # A normal distribution has 68.3% of its mass within one std (a uniform one 57.7%).
    within = (W.abs() < got).float().mean().item()
    check(abs(within - 0.6827) < 0.02, f"{label}: the values should be drawn from a normal distribution",
          f"{100 * within:.1f}% of yours lie within one std of 0 (normal: 68.3%)", hint="std")
    return W


@exercise("kaiming.kaiming_normal_")
def test_kaiming_normal_tall_tanh(kaiming):
    empirical_std_check(kaiming, (4000, 50), "tanh")


@exercise("kaiming.kaiming_normal_")
def test_kaiming_normal_wide_relu(kaiming):
    empirical_std_check(kaiming, (40, 5000), "relu")


@exercise("kaiming.kaiming_normal_")
def test_kaiming_normal_default_and_linear(kaiming):
    W = torch.empty(900, 300)
    kaiming.kaiming_normal_(W, generator=torch.Generator().manual_seed(1))
    expect(W.std().item()).close_to((5 / 3) / 30, rtol=0.03,
                                    why="kaiming_normal_(W) with its default 'tanh' and W (900, 300): std (5/3) / 30",
                                    hint="std")
    empirical_std_check(kaiming, (2500, 120), "linear")


@exercise("kaiming.kaiming_normal_")
def test_kaiming_normal_on_a_parameter(kaiming):
    W = torch.zeros(300, 40, requires_grad=True)
    try:
        out = kaiming.kaiming_normal_(W, "tanh", generator=torch.Generator().manual_seed(2))
    except RuntimeError as e:
        check(False, "kaiming_normal_ should work on a W that requires grad",
              f"it raised RuntimeError: {str(e).splitlines()[0][:90].rstrip('.')}", hint="nograd")
    check(out is W, "kaiming_normal_ should return the W it was given", hint="inplace")
    check(W.requires_grad and W.is_leaf and W.grad_fn is None,
          "after kaiming_normal_, W should still be a leaf that requires grad",
          f"requires_grad={W.requires_grad}, is_leaf={W.is_leaf}", hint="nograd")
    check(W.detach().abs().sum().item() > 0, "kaiming_normal_ should fill W", "it is still zeros", hint="inplace")


@exercise("kaiming.kaiming_normal_")
def test_kaiming_normal_uses_the_generator(kaiming):
    a = kaiming.kaiming_normal_(torch.empty(64, 16), "relu", generator=torch.Generator().manual_seed(7)).clone()
    torch.randn(10)                      # disturb the global generator in between
    b = kaiming.kaiming_normal_(torch.empty(64, 16), "relu", generator=torch.Generator().manual_seed(7)).clone()
    check(torch.equal(a, b), "the same generator seed should give the same W", "yours differ", hint="generator")
    c = kaiming.kaiming_normal_(torch.empty(64, 16), "relu", generator=torch.Generator().manual_seed(8))
    check(not torch.equal(a, c), "a different seed should give a different W", "yours are identical",
          hint="generator")


# ---------------------------------------------------------------- expected_initial_loss
@exercise("kaiming.expected_initial_loss")
def test_expected_initial_loss(kaiming):
    for V in (27, 5, 1000):
        value = kaiming.expected_initial_loss(V)
        check(is_number(value), f"expected_initial_loss({V}) should return a number (a float or a 0-d tensor)",
              f"got {describe(value)}", hint="uniform")
        value = number(value)
        check(not math.isclose(float(value), math.log10(V), rel_tol=1e-6) and
              not math.isclose(float(value), math.log2(V), rel_tol=1e-6),
              f"expected_initial_loss({V}) should be -ln(1/{V}) = {math.log(V):.4f}",
              f"yours is {value:.4f}", hint="natural")
        expect(value).close_to(math.log(V), atol=1e-9, rtol=1e-6,
                               why=f"a uniform guess over {V} characters has loss -ln(1/{V}) = {math.log(V):.4f}",
                               hint="uniform")
