"""Lecture 4 lab — "What is wrong with this run?"

Someone trained a small deep MLP and it went quietly wrong, in one of the ways lecture 4 teaches.
You get what they kept: the network, the loss of every step and the diagnostic log their loop
wrote (the entries training.diagnose makes). Your diagnostics say what went wrong, and with which
number — as you would on your own runs.

A run is a dict:

    {"model": (C, layers),   the network after training: C (V, n_embd) and a list of layers
                             (torch.nn's Linear, BatchNorm1d, Tanh, or yours), handed back in
                             eval mode, so that a forward pass changes nothing in it;
     "losses": [...],        the loss of every step, before that step's update;
     "log": [entry, ...],    the diagnostic log, at steps 0, every, 2 * every, ... (first at step 0),
                             each entry as training.diagnose returns it: "step", "loss",
                             "activations" (activation_stats of every tanh layer's output on that
                             step's batch), "gradients" and "update_to_data" (one per tensor of
                             training.parameters(model): C, then each layer's parameters(), in
                             order), measured on the gradients the loop really had at that step;
     "X": X, "Y": Y}         a sample of the training data: contexts (N, block_size), targets (N,).

The figures (`run_figures`), all numbers except where said:

- "start_gap": the first loss minus ln V (V = C.shape[0]): how far above a perfectly unsure
  start the run began;
- "saturation": the largest, over the tanh layers, of the log's first entry's "saturated"
  fraction (|t| > 0.97) of that layer's output;
- "dead": the largest, over the tanh layers, of the fraction of that layer's units (columns) whose
  output is saturated (|t| > 0.97) on every row of X, in a forward pass of the model as handed
  over (eval mode) on X: units that pass no gradient for any example, the lecture's white columns;
- "bn_drift": how far the BatchNorm layers' running statistics moved from where they start: the
  largest |running_mean| and |running_var - 1| over every feature of every BatchNorm1d layer
  (a layer whose class is named BatchNorm1d); None when the network has none;
- "step0_ratio": the mean of the log's first entry's "update_to_data" over the 2-d parameters
  (C and the weight matrices, those of training.parameters(model) with p.dim() == 2);
- "ratio_rise": the mean of that same per-entry figure (the mean update-to-data ratio of the
  2-d parameters) over every later entry of the log, minus the first entry's.

The diagnoses (`diagnose_run`), each with the sign it shows and the figure it rests on. One fault
causes others (a learning rate far too high kills units too), so the diagnosis is the *first*
line of this list whose sign the run shows:

    diagnosis             sign                               evidence
    "overconfident_init"  start_gap > START_GAP (1.0)         start_gap
    "saturated_tanh"      saturation > SATURATED (0.6)        saturation
    "lr_too_high"         step0_ratio > HIGH (-1.8)           step0_ratio
    "lr_too_low"          step0_ratio < LOW (-4.0)            step0_ratio
    "bn_eval_mode"        bn_drift < STILL (1e-6)             bn_drift
    "grads_not_zeroed"    ratio_rise > RISE (0.85)            ratio_rise
    "dead_units"          dead > DEAD (0.1)                   dead
    "healthy"             none of these                       step0_ratio

The checks' runs show their sign far from these lines, so any correct way of computing a figure
gives the same diagnosis. A figure (and an evidence) must agree with the checks' own computation
of it within 1e-3, or within 1e-3 of its size when that is larger than 1.
"""
from __future__ import annotations

import math

import torch

from training import forward, is_tanh, parameters  # noqa: F401 - the helpers you may want

DIAGNOSES = ("overconfident_init", "saturated_tanh", "lr_too_high", "lr_too_low", "bn_eval_mode",
             "grads_not_zeroed", "dead_units", "healthy")
THRESHOLD = 0.97                  # |t| beyond this is saturated (activation_stats' default)
START_GAP = 1.0
SATURATED = 0.6
HIGH, LOW = -1.8, -4.0
STILL = 1e-6
RISE = 0.85
DEAD = 0.1
EVIDENCE = {"overconfident_init": "start_gap", "saturated_tanh": "saturation", "lr_too_high": "step0_ratio",
            "lr_too_low": "step0_ratio", "bn_eval_mode": "bn_drift", "grads_not_zeroed": "ratio_rise",
            "dead_units": "dead", "healthy": "step0_ratio"}


def run_figures(run: dict) -> dict:
    """The six figures of a run, as the module's docstring defines them: {"start_gap",
    "saturation", "dead", "bn_drift", "step0_ratio", "ratio_rise"}, each a number (a float or a
    0-d tensor without a graph), bn_drift None for a network without BatchNorm1d. Changes nothing
    in the run.

    >>> import torch.nn as nn
    >>> C = torch.randn(4, 2)
    >>> layers = [nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 4)]
    >>> acts = [{"mean": 0.0, "std": 0.5, "saturated": 0.25}]
    >>> log = [{"step": s, "loss": 1.5, "activations": acts, "gradients": [],
    ...         "update_to_data": [r, r, -9.0, r, -9.0]} for s, r in ((0, -3.0), (10, -2.0))]
    >>> X, Y = torch.zeros(5, 2, dtype=torch.long), torch.zeros(5, dtype=torch.long)
    >>> f = run_figures({"model": (C, layers), "losses": [1.5, 1.4], "log": log, "X": X, "Y": Y})
    >>> round(f["start_gap"], 4), f["saturation"], f["bn_drift"], f["step0_ratio"], f["ratio_rise"]
    (0.1137, 0.25, None, -3.0, 1.0)
    """
    # TODO (mystery.run_figures): compute each figure from the run's losses, log and model, with your diagnostics.
    raise NotImplementedError("mystery.run_figures is not started yet; hints: course.toml, or `course hint run_figures`")


def diagnose_run(run: dict) -> tuple[str, float]:
    """What is wrong with this run: (diagnosis, evidence), the diagnosis one of DIAGNOSES, the
    first in the module docstring's table whose sign the run shows ("healthy" when none does),
    and the evidence the figure the table names for it, a number (run_figures' value).

    >>> import torch.nn as nn
    >>> C = torch.randn(4, 2)
    >>> layers = [nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 4)]
    >>> acts = [{"mean": 0.0, "std": 0.9, "saturated": 0.8}]
    >>> log = [{"step": s, "loss": 1.5, "activations": acts, "gradients": [],
    ...         "update_to_data": [-3.0, -3.0, 0.0, -3.0, 0.0]} for s in (0, 10)]
    >>> X, Y = torch.zeros(5, 2, dtype=torch.long), torch.zeros(5, dtype=torch.long)
    >>> diagnose_run({"model": (C, layers), "losses": [1.5, 1.4], "log": log, "X": X, "Y": Y})
    ('saturated_tanh', 0.8)
    """
    # TODO (mystery.diagnose_run): look at the figures in the table's order; the first sign you see is the diagnosis.
    raise NotImplementedError("mystery.diagnose_run is not started yet; hints: course.toml, or `course hint diagnose_run`")
