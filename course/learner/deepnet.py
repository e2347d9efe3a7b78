"""The learner's deep MLP as an nn.Sequential: lecture 4's network (an embedding of 3 characters,
5 x [Linear -> (BatchNorm1d) -> Tanh], an output layer), every piece of it the target's own.

The target's `layers.deep_mlp` builds it from the target's `Linear`, `Tanh` and
`batchnorm.BatchNorm1d`, its `training.configure` sets up each of the lecture's runs, and its
`mlp.embed` looks the contexts up. The classes here only let those plain objects (a __call__ and
parameters(), as in the lecture) sit in an nn.Sequential, so that torch's hooks (the learner's
record_activations and record_gradients) and model.train() / model.eval() reach them: they
compute nothing themselves.
"""
from __future__ import annotations

from collections import OrderedDict
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F

BLOCK_SIZE, N_EMBD, N_HIDDEN, N_LAYERS = 3, 10, 100, 5


class Embedded(nn.Module):
    """The embedding table C, looked up by the target's mlp.embed."""

    def __init__(self, tk: SimpleNamespace, C: torch.Tensor):
        super().__init__()
        self.embed = tk.mlp.embed
        self.C = nn.Parameter(C.detach().clone())

    def forward(self, X):
        return self.embed(self.C, X)


def _adopt(module: nn.Module, layer) -> None:
    """Make the tensors of `layer.parameters()` parameters of `module`, under the attribute names
    the layer keeps them in; the layer then computes with (and trains) these very tensors."""
    params = list(layer.parameters())
    for attr, value in list(vars(layer).items()):
        if isinstance(value, torch.Tensor) and any(value is p for p in params):
            adopted = nn.Parameter(value.detach().clone())
            setattr(layer, attr, adopted)
            module.register_parameter(attr, adopted)


class Layer(nn.Module):
    """One of the target's layers (Linear, BatchNorm1d) as an nn.Module."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer
        _adopt(self, layer)

    def forward(self, x):
        return self.layer(x)

    def train(self, mode: bool = True):
        super().train(mode)
        if hasattr(self.layer, "train") and hasattr(self.layer, "eval"):      # BatchNorm1d's two modes
            self.layer.train() if mode else self.layer.eval()
        return self


class TanhLayer(nn.Tanh):
    """The target's Tanh as an nn.Tanh, so that record_activations finds it by its type."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x)


def kind(layer) -> str:
    """'linear', 'batchnorm' or 'tanh', from what the layer holds (the target's classes may be
    plain classes or nn.Modules)."""
    if hasattr(layer, "running_mean"):
        return "batchnorm"
    if hasattr(layer, "weight"):
        return "linear"
    return "tanh"


def wrap(tk: SimpleNamespace, C: torch.Tensor, layers: list, tanh: bool = True) -> nn.Sequential:
    """The target's network (C, layers) as an nn.Sequential named for the tables: embed, linear1,
    (bn1), tanh1, ..., out, (bn_out); `tanh=False` leaves the tanh layers out (a linear network).
    The layers compute with (and train) the Sequential's own parameters: the network the target's
    training loop gets is (model.embed.C, layers), the very same tensors."""
    n_linear = sum(kind(layer) == "linear" for layer in layers)
    named: list[tuple[str, nn.Module]] = [("embed", Embedded(tk, C))]
    depth = 0
    for layer in layers:
        what = kind(layer)
        if what == "linear":
            depth += 1
            name = f"linear{depth}" if depth < n_linear else "out"
        elif what == "batchnorm":
            name = f"bn{depth}" if depth < n_linear else "bn_out"
        else:
            name = f"tanh{depth}"
            if not tanh:
                continue
        named.append((name, layer if isinstance(layer, nn.Module) and what != "tanh"
                      else TanhLayer(layer) if what == "tanh" else Layer(layer)))
    return nn.Sequential(OrderedDict(named))


def network_of(model: nn.Sequential) -> tuple[torch.Tensor, list]:
    """The (C, layers) a Sequential of `wrap` holds, as the target's training loop takes it: the
    target's own layer objects, computing with the Sequential's parameters."""
    layers = [module.layer if isinstance(module, (Layer, TanhLayer)) else module
              for name, module in model.named_children() if name != "embed"]
    return model.embed.C, layers


def configured(tk: SimpleNamespace, name: str, vocab_size: int, lr: float, generator: torch.Generator,
               **sizes) -> tuple[nn.Sequential, tuple, float]:
    """One run as the target's training.configure sets it up: (the Sequential, the (C, layers) its
    training loop trains, the learning rate)."""
    sizes = {"block_size": BLOCK_SIZE, "n_embd": N_EMBD, "n_hidden": N_HIDDEN, "n_layers": N_LAYERS, **sizes}
    (C, layers), rate = tk.training.configure(name, vocab_size, lr=lr, generator=generator, **sizes)
    model = wrap(tk, C, list(layers))
    return model, network_of(model), float(rate)


def deep_mlp(tk: SimpleNamespace, vocab_size: int, init: str, batchnorm: bool,
             generator: torch.Generator, gain: float = 5 / 3, tanh: bool = True) -> nn.Sequential:
    """The target's layers.deep_mlp as a Sequential (see `wrap`); init "normal" is the target's
    training.configure("normal") instead (without BatchNorm)."""
    if init == "normal":
        (C, layers), _ = tk.training.configure("normal", vocab_size, block_size=BLOCK_SIZE, n_embd=N_EMBD,
                                               n_hidden=N_HIDDEN, n_layers=N_LAYERS, generator=generator)
    else:
        C, layers = tk.layers.deep_mlp(vocab_size, block_size=BLOCK_SIZE, n_embd=N_EMBD, n_hidden=N_HIDDEN,
                                       n_layers=N_LAYERS, batchnorm=batchnorm, gain=gain, generator=generator)
    return wrap(tk, C, list(layers), tanh=tanh)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def calibrate_all(tk: SimpleNamespace, model: nn.Sequential, X: torch.Tensor) -> None:
    """Set every BatchNorm's running statistics from the whole training set, layer by layer
    (the learner's `calibrate`), each layer seeing what the calibrated layers before it give."""
    model.eval()
    h = X
    for module in model:
        if kind(module.layer if isinstance(module, Layer) else module) == "batchnorm":
            tk.batchnorm.calibrate(module.layer if isinstance(module, Layer) else module, h)
        h = module(h)


@torch.no_grad()
def evaluate(model: nn.Module, X: torch.Tensor, Y: torch.Tensor) -> float:
    model.eval()
    loss = F.cross_entropy(model(X), Y).item()
    model.train()
    return loss
