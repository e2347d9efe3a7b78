"""Hidden graders for lecture 4, initialisation: the same contracts as autograder/test_kaiming.py,
on inputs the learner never saw (other fan-ins, shapes, seeds and vocabulary sizes, other
unknown names), so that an answer written for the public checks' numbers fails here.

Instructors only: `course release` leaves autograder/hidden/ out; `course grade` and the
Gradescope bundle run these with the public graders. Messages say what went wrong, never the
inputs' source.
"""
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from course.grading.judge.api import check, describe, exercise, expect, is_number, number

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the public graders, whose helpers serve here too
from test_kaiming import empirical_std_check  # noqa: E402


@exercise("kaiming.gain")
def test_hidden_gain_any_order_and_other_unknown_names(kaiming):
    for name in ("relu", "linear", "tanh", "relu"):          # another order, one name asked twice
        value = kaiming.gain(name)
        check(is_number(value),
              f"gain({name!r}) should return a number (a float or a 0-d tensor)",
              f"got {describe(value)}", hint="values")
        value = number(value)
        expected = torch.nn.init.calculate_gain(name)
        expect(value).close_to(expected, atol=1e-9, rtol=1e-6,
                               why=f"gain({name!r}) should be {expected:.4f}, as torch.nn.init.calculate_gain",
                               hint="values")
    # torch knows these, the course does not: any name but the three raises
    for name in ("leaky_relu", "selu", "conv1d", ""):
        expect(lambda: kaiming.gain(name)).raises(
            ValueError, why=f"gain({name!r}) should raise ValueError: only 'linear', 'tanh' and 'relu' have a gain "
                            "here", hint="unknown")


@exercise("kaiming.kaiming_std")
def test_hidden_kaiming_std_other_fan_ins(kaiming):
    for fan_in, name in ((48, "relu"), (13, "tanh"), (2, "linear"), (777, "relu"), (1, "tanh")):
        value = kaiming.kaiming_std(fan_in, nonlinearity=name)
        g = torch.nn.init.calculate_gain(name)
        expected = g / math.sqrt(fan_in)
        check(is_number(value),
              f"kaiming_std({fan_in}, nonlinearity={name!r}) should return a number (a float or a 0-d tensor)",
              f"got {describe(value)}",
              hint="formula")
        value = number(value)
        if fan_in > 1 and math.isclose(value, g / fan_in, rel_tol=1e-6):
            check(False, f"kaiming_std({fan_in}, {name!r}) should be gain / sqrt(fan_in) = {expected:.4g}",
                  f"yours is {value:.4g} = gain / fan_in", hint="sqrt")
        expect(value).close_to(expected, atol=1e-9, rtol=1e-6,
                               why=f"kaiming_std({fan_in}, {name!r}) should be gain / sqrt(fan_in) = {expected:.4g}",
                               hint="formula")
    expect(kaiming.kaiming_std(64)).close_to((5 / 3) / 8, atol=1e-9, rtol=1e-6,
                                             why="kaiming_std(64) should use tanh's gain by default: (5/3) / 8",
                                             hint="default")


@exercise("kaiming.kaiming_normal_")
def test_hidden_kaiming_normal_other_shapes(kaiming):
    # (fan_in, fan_out, nonlinearity, seed): one tall, one wide, so fan_in and fan_out differ a lot
    for fan_in, fan_out, name, seed in ((1800, 70, "relu", 313), (25, 6000, "tanh", 4242)):
        W = empirical_std_check(kaiming, (fan_in, fan_out), name, seed=seed, fill=7.0)
        again = kaiming.kaiming_normal_(torch.empty(fan_in, fan_out), nonlinearity=name,
                                        generator=torch.Generator().manual_seed(seed))
        check(torch.equal(again, W), f"W of shape ({fan_in}, {fan_out}) with {name!r}: the same generator seed "
              "should give the same W", "yours differ", hint="generator")


@exercise("kaiming.expected_initial_loss")
def test_hidden_expected_initial_loss_is_uniform_cross_entropy(kaiming):
    for V in (11, 64, 2, 3001):
        value = kaiming.expected_initial_loss(V)
        check(is_number(value),
              f"expected_initial_loss({V}) should return a number (a float or a 0-d tensor)",
              f"got {describe(value)}", hint="uniform")
        value = number(value)
        # the cross-entropy of equal logits over V classes, whatever the targets
        targets = torch.arange(7) % V
        uniform = F.cross_entropy(torch.zeros(7, V, dtype=torch.float64), targets).item()
        check(not math.isclose(float(value), math.log10(V), rel_tol=1e-6),
              f"expected_initial_loss({V}) should be -ln(1/{V}) = {uniform:.4f}",
              f"yours is {float(value):.4f}, a base-10 logarithm", hint="natural")
        expect(value).close_to(uniform, atol=1e-9, rtol=1e-6,
                               why=f"a uniform guess over {V} characters: the cross-entropy of equal logits, "
                                   f"{uniform:.4f}", hint="uniform")
