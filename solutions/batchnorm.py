"""Lecture 4 — Batch normalisation (Ioffe & Szegedy 2015), in training and in eval.

BatchNorm makes the pre-activations of a layer unit Gaussian by force: subtract the batch's
mean, divide by the batch's standard deviation, then let the network scale and shift the
result with two learned vectors, gamma and beta. Initialisation matters much less once
every layer is renormalised like this.

The price: in training, an example's output depends on the other examples of its batch. At
eval time there may be one example, or the batch may be unrepresentative, so BatchNorm keeps
running estimates of the mean and variance during training and uses those alone in eval.

Numbers match torch.nn.BatchNorm1d exactly:
- training: normalise with the batch mean and the *biased* variance (divide by n), then
  update  running = (1 - momentum) * running + momentum * batch_statistic,  where the
  running variance takes the *unbiased* batch variance (divide by n - 1);
- eval: normalise with the running statistics alone, and leave them untouched;
- eps goes inside the square root: (x - mean) / sqrt(var + eps).
"""
from __future__ import annotations

import torch


class BatchNorm1d:
    """Batch normalisation over the features of (N, dim) inputs, as torch.nn.BatchNorm1d.

    gamma (ones) and beta (zeros) are trainable, of shape (dim,). running_mean (zeros) and
    running_var (ones) are buffers of shape (dim,) (or (1, dim), as in the lecture), updated in
    training, never part of a graph. `training` is True after construction; eval() and train()
    switch it. parameters() gives [gamma, beta] (any iterable: a list, a tuple, or the generator
    of an nn.Module, which this class may also be).

    The same numbers as torch.nn.BatchNorm1d in both modes. In training, x is normalised with
    the batch's mean and biased variance (divided by n), with eps inside the square root, then
    scaled by gamma and shifted by beta; the running statistics move towards the batch's with
    weight `momentum` (the new batch's share), running_var towards the unbiased variance
    (divided by n - 1). In eval, x is normalised with the running statistics alone, which stay
    untouched.

    >>> torch.manual_seed(0) is not None
    True
    >>> bn = BatchNorm1d(3)
    >>> x = 5 + 2 * torch.randn(64, 3)
    >>> y = bn(x)                                   # training: the batch's own statistics
    >>> [round(v, 3) for v in y.mean(0).tolist()], round(y.std(0, unbiased=False).mean().item(), 3)
    ([0.0, 0.0, -0.0], 1.0)
    >>> bool(((bn.running_mean - 0.1 * x.mean(0)).abs() < 1e-5).all())   # 0.9 * 0 + 0.1 * batch mean
    True
    >>> bn.eval().training, tuple(bn(x[:1]).shape)  # eval works on a single example
    (False, (1, 3))
    """

    def __init__(self, dim: int, eps: float = 1e-5, momentum: float = 0.1):
        ### BEGIN SOLUTION
        # TODO: set up the layer's state: its settings, what it learns (gamma, beta), what it
        #       estimates on the side (the running statistics) and its mode (training).
        self.eps = eps
        self.momentum = momentum
        self.training = True
        # trained by backprop
        self.gamma = torch.ones(dim, requires_grad=True)
        self.beta = torch.zeros(dim, requires_grad=True)
        # buffers: estimated on the side during training, never trained by backprop
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)
        ### END SOLUTION

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        # TODO: return x normalised with the statistics its mode calls for, then scaled and
        #       shifted; in training, also keep the running statistics up to date (outside any graph).
        if self.training:
            mean = x.mean(0)
            # The biased variance (divide by n) normalises, as in the paper and in torch.
            var = x.var(0, unbiased=False)
            with torch.no_grad():
                # The running variance estimates the population's, so it takes the unbiased one.
                # no_grad: the buffers must not hold on to this step's graph.
                n = x.shape[0]
                unbiased = var * n / (n - 1)
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * unbiased
        else:
            mean, var = self.running_mean, self.running_var
        xhat = (x - mean) / torch.sqrt(var + self.eps)
        return self.gamma * xhat + self.beta
        ### END SOLUTION

    def train(self) -> "BatchNorm1d":
        """Training mode: normalise with each batch's statistics and update the running ones."""
        self.training = True
        return self

    def eval(self) -> "BatchNorm1d":
        """Eval mode: normalise with the running statistics alone; leave them as they are."""
        self.training = False
        return self

    def parameters(self) -> list[torch.Tensor]:
        """The trainable tensors: [gamma, beta]."""
        return [self.gamma, self.beta]


def calibrate(bn, x: torch.Tensor) -> None:
    """Set bn's running statistics from one pass over a whole data set.

    `x` (N, dim) is what reaches `bn` for every example of the data set. After training, this
    replaces the running estimates by the exact mean and (unbiased) variance, as the lecture
    does before evaluating. Works on the course's BatchNorm1d and on torch.nn.BatchNorm1d.

    >>> bn = BatchNorm1d(2)
    >>> calibrate(bn, torch.tensor([[1.0, 10.0], [3.0, 10.0], [5.0, 40.0]]))
    >>> bn.running_mean.tolist(), bn.running_var.tolist()
    ([3.0, 20.0], [4.0, 300.0])
    """
    ### BEGIN SOLUTION
    # TODO: make bn's running statistics those of the whole of x.
    with torch.no_grad():
        # copy_ keeps the buffers' own tensors (torch's module holds them as registered buffers).
        bn.running_mean.copy_(x.mean(0))
        bn.running_var.copy_(x.var(0, unbiased=True))
    ### END SOLUTION
