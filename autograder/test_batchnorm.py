"""Graders for lecture 4, BatchNorm (exercises/batchnorm.py).

The learner's BatchNorm1d runs side by side with torch.nn.BatchNorm1d: the same gamma and
beta, the same batches (non-zero mean, small variance, so that eps and the choice of
variance show), several training steps, then eval. Outputs, running statistics and the
gradients of gamma and beta must match torch's. When they do not, the checks below tell the
usual mistakes apart by computing what each mistake would have given.
"""
import torch

from course.grading.judge.api import backward, check, describe, exercise, expect, fail
from course.manifest import load


def batches(dim, n, steps, seed, mean=3.0, spread=0.02):
    """Batches with a non-zero mean and a small variance (so eps and n vs n - 1 matter)."""
    g = torch.Generator().manual_seed(seed)
    centre = mean + torch.randn(dim, generator=g)
    scale = spread * (0.5 + torch.rand(dim, generator=g))
    return [centre + scale * torch.randn(n, dim, generator=g) for _ in range(steps)]


def flat(t, dim, what, hint):
    """The learner's tensor as (dim,): (1, dim) is accepted too, as in the lecture's notebook."""
    check(isinstance(t, torch.Tensor), f"{what} should be a tensor", f"it is {describe(t)}", hint=hint)
    check(t.numel() == dim, f"{what} should hold {dim} numbers, one per feature",
          f"its shape is {tuple(t.shape)}", hint=hint)
    return t.detach().reshape(dim)


def make_pair(batchnorm, dim, eps, momentum, seed):
    """The learner's layer and torch's, with the same (non-trivial) gamma and beta."""
    mine = batchnorm.BatchNorm1d(dim, eps=eps, momentum=momentum)
    ref = torch.nn.BatchNorm1d(dim, eps=eps, momentum=momentum)
    g = torch.Generator().manual_seed(seed)
    gamma, beta = 1 + 0.5 * torch.randn(dim, generator=g), 0.3 * torch.randn(dim, generator=g)
    with torch.no_grad():
        for t, v in ((mine.gamma, gamma), (mine.beta, beta), (ref.weight, gamma), (ref.bias, beta)):
            t.copy_(v.reshape(t.shape))
    return mine, ref


def diagnose_training_output(y, x, mine, dim, eps, want):
    """Name the mistake when the training output differs from torch's (`want`)."""
    gamma, beta = flat(mine.gamma, dim, "gamma", "init"), flat(mine.beta, dim, "beta", "init")
    mean, n = x.mean(0), x.shape[0]
    biased, unbiased = x.var(0, unbiased=False), x.var(0, unbiased=True)
    guesses = [
        ("biased", gamma * (x - mean) / torch.sqrt(unbiased + eps) + beta),
        ("biased", gamma * (x - mean) / unbiased.sqrt() + beta),          # the notebook's first version
        ("eps", gamma * (x - mean) / (biased.sqrt() + eps) + beta),
        ("affine", (x - mean) / torch.sqrt(biased + eps)),
    ]
    for key, guess in guesses:
        if torch.allclose(y, guess, atol=1e-4, rtol=1e-4):
            why = {
                "biased": f"in training, normalise with the biased variance (divide by n = {n}); yours "
                          "matches the unbiased one (n - 1). That is what the lecture's notebook does, so it is "
                          "an easy one to pick up; torch.nn.BatchNorm1d divides by n, and the course follows torch",
                "eps": f"eps (here {eps:g}) goes inside the square root; yours matches (x - mean) / (std + eps)",
                "affine": "the output should be scaled by gamma and shifted by beta; yours is only normalised",
            }[key]
            fail(why, hint=key)
    diff = (y - want).abs().max().item()
    fail("in training, the output should be gamma * (x - batch mean) / sqrt(batch var + eps) + beta, "
         "as torch.nn.BatchNorm1d gives", f"yours differs by up to {diff:.3g}", hint="affine")


def diagnose_running(mine, ref, old_mean, old_var, x, momentum, dim):
    """Name the mistake when the running statistics differ from torch's."""
    rm = flat(mine.running_mean, dim, "running_mean", "init")
    rv = flat(mine.running_var, dim, "running_var", "init")
    mean, biased = x.mean(0), x.var(0, unbiased=False)
    if not torch.allclose(rm, ref.running_mean, atol=1e-6, rtol=1e-5):
        if torch.allclose(rm, momentum * old_mean + (1 - momentum) * mean, atol=1e-6, rtol=1e-5):
            fail(f"with momentum {momentum}, running_mean should become {1 - momentum:g} * old + {momentum:g} * "
                 f"batch mean; yours keeps {momentum:g} of the old value", hint="momentum")
        expect(rm).close_to(ref.running_mean, atol=1e-6, rtol=1e-5,
                            why="running_mean should be (1 - momentum) * old + momentum * batch mean, as in torch",
                            hint="momentum")
    if not torch.allclose(rv, ref.running_var, atol=1e-6, rtol=1e-5):
        if torch.allclose(rv, (1 - momentum) * old_var + momentum * biased, atol=1e-6, rtol=1e-5):
            fail("running_var should be updated with the unbiased batch variance (n - 1), as torch does; "
                 "yours uses the biased one", hint="running_unbiased")
        expect(rv).close_to(ref.running_var, atol=1e-6, rtol=1e-5,
                            why="running_var should be (1 - momentum) * old + momentum * unbiased batch variance",
                            hint="momentum")


def training_step(mine, ref, xb, eps, momentum, upstream, lr=0.1):
    """One training step of the learner's layer and torch's on the batch `xb`, compared: the
    output, the running statistics (outside any graph), the gradients of gamma and beta for
    the same `upstream` gradient; then a step of SGD on both, so that gamma and beta move."""
    n, dim = xb.shape
    old_mean = flat(mine.running_mean, dim, "running_mean", "init").clone()
    old_var = flat(mine.running_var, dim, "running_var", "init").clone()
    x = xb.clone().requires_grad_(True)          # as if it came from a layer below
    y = mine(x)
    want = ref(xb)
    expect(y).tensor(shape=(n, dim), what=f"the output for a ({n}, {dim}) batch", hint="affine")
    if not torch.allclose(y, want, atol=1e-4, rtol=1e-4):
        diagnose_training_output(y.detach(), xb, mine, dim, eps, want.detach())
    for name in ("running_mean", "running_var"):
        t = getattr(mine, name)
        check(not t.requires_grad and t.grad_fn is None,
              f"{name} should not be part of the graph", "yours requires grad", hint="nograd")
    diagnose_running(mine, ref, old_mean, old_var, xb, momentum, dim)
    for p in (mine.gamma, mine.beta):
        p.grad = None
    ref.zero_grad()
    backward(y, upstream)                          # d((y * upstream).sum())/dy, where y was computed
    (want * upstream).sum().backward()
    for p, q, name in ((mine.gamma, ref.weight, "gamma"), (mine.beta, ref.bias, "beta")):
        check(p.grad is not None, f"{name} should receive a gradient: the output must be computed from it",
              f"{name}.grad is None", hint="affine")
        expect(p.grad.reshape(dim)).close_to(q.grad, atol=1e-4, rtol=1e-4,
                                             why=f"the gradient of {name} should match torch's", hint="affine")
    with torch.no_grad():
        for p, q in ((mine.gamma, ref.weight), (mine.beta, ref.bias)):
            p -= lr * p.grad
            q -= lr * q.grad


def side_by_side(batchnorm, dim, n, eps, momentum, seed, steps=4, spread=0.02):
    mine, ref = make_pair(batchnorm, dim, eps, momentum, seed)
    for step, xb in enumerate(batches(dim, n, steps, seed, spread=spread)):
        upstream = torch.randn(n, dim, generator=torch.Generator().manual_seed(seed + step))
        training_step(mine, ref, xb, eps, momentum, upstream)
    return mine, ref


# ---------------------------------------------------------------- BatchNorm1d
@exercise("batchnorm.BatchNorm1d")
def test_a_new_layer(batchnorm):
    bn = batchnorm.BatchNorm1d(5)
    check(getattr(bn, "training", None) is True, "a new BatchNorm1d should be in training mode (training = True)",
          f"training is {getattr(bn, 'training', None)!r}", hint="init")
    for name, value in (("gamma", 1.0), ("beta", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
        check(hasattr(bn, name), f"BatchNorm1d should have an attribute `{name}`", hint="init")
        t = flat(getattr(bn, name), 5, name, "init")
        expect(t).close_to(torch.full((5,), value), why=f"a new layer's {name} should be all {value:g}", hint="init")
    for name in ("gamma", "beta"):
        check(getattr(bn, name).requires_grad, f"{name} is trained: it should require grad", hint="init")
    for name in ("running_mean", "running_var"):
        check(not getattr(bn, name).requires_grad, f"{name} is a buffer, not trained: it should not require grad",
              hint="init")
    params = list(bn.parameters())
    check(len(params) == 2 and params[0] is bn.gamma and params[1] is bn.beta,
          "parameters() should return [gamma, beta]", f"got {len(params)} tensors", hint="init")
    check(getattr(bn, "eps", None) == 1e-5 and getattr(bn, "momentum", None) == 0.1,
          "the defaults should be eps=1e-5 and momentum=0.1, as in torch",
          f"yours are eps={getattr(bn, 'eps', None)}, momentum={getattr(bn, 'momentum', None)}", hint="init")


@exercise("batchnorm.BatchNorm1d")
def test_train_and_eval_switch_the_mode(batchnorm):
    bn = batchnorm.BatchNorm1d(3)
    bn.eval()
    check(bn.training is False, "after eval(), training should be False", f"it is {bn.training!r}", hint="modes")
    bn.train()
    check(bn.training is True, "after train(), training should be True", f"it is {bn.training!r}", hint="modes")


@exercise("batchnorm.BatchNorm1d")
def test_training_matches_torch(batchnorm):
    side_by_side(batchnorm, dim=6, n=32, eps=1e-5, momentum=0.1, seed=0)


@exercise("batchnorm.BatchNorm1d")
def test_training_matches_torch_other_eps_and_momentum(batchnorm):
    # a large spread and a small batch: the running variance shows n versus n - 1 clearly
    side_by_side(batchnorm, dim=4, n=8, eps=1e-3, momentum=0.3, seed=1, steps=5, spread=2.0)


def check_eval(batchnorm, dim, n, eps, momentum, seed):
    mine, ref = side_by_side(batchnorm, dim, n, eps, momentum, seed)
    mine.eval()
    ref.eval()
    rm, rv = mine.running_mean.clone(), mine.running_var.clone()
    # an eval batch with other statistics than the training ones
    x = batches(dim, 7, 1, seed + 100, mean=2.0, spread=0.05)[0]
    y = mine(x)
    want = ref(x)
    expect(y).tensor(shape=(7, dim), what=f"the eval output for a (7, {dim}) batch", hint="eval")
    y, want = y.detach(), want.detach()
    with torch.no_grad():      # what the batch's own statistics would give (biased or unbiased variance)
        w, b = ref.weight, ref.bias
        guesses = [w * (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=u) + eps) + b for u in (False, True)]
    for stats in guesses:
        if torch.allclose(y, stats, atol=1e-4, rtol=1e-4):
            fail("in eval mode, normalise with the running statistics; yours uses the batch's own", hint="eval")
    check(torch.equal(mine.running_mean, rm) and torch.equal(mine.running_var, rv),
          "eval must leave the running statistics as they are", "yours changed them", hint="untouched")
    if not torch.allclose(y, want, atol=1e-4, rtol=1e-4):
        diff = (y - want).abs().max().item()
        fail("in eval mode, the output should be gamma * (x - running_mean) / sqrt(running_var + eps) + beta",
             f"yours differs from torch's by up to {diff:.3g}", hint="eval")
    one = mine(x[:1])
    expect(one).tensor(shape=(1, dim), what="the eval output for a batch of one", hint="eval")
    expect(one).close_to(ref(x[:1]), atol=1e-4, rtol=1e-4,
                         why="in eval, a batch of one example must give the same numbers as torch's", hint="eval")
    expect(one).close_to(y[:1], atol=1e-5, rtol=1e-5,
                         why="in eval, an example's output must not depend on the rest of its batch", hint="eval")
    # back to training: batch statistics again, and the running statistics move on
    mine.train()
    ref.train()
    x = batches(dim, n, 1, seed + 200)[0]
    expect(mine(x)).close_to(ref(x), atol=1e-4, rtol=1e-4,
                             why="after train(), the output should use the batch's statistics again", hint="modes")
    expect(mine.running_mean.reshape(dim)).close_to(ref.running_mean, atol=1e-5, rtol=1e-4,
                                                    why="after train(), the running mean should be updated again",
                                                    hint="untouched")


@exercise("batchnorm.BatchNorm1d")
def test_eval_uses_the_running_statistics(batchnorm):
    check_eval(batchnorm, dim=5, n=16, eps=1e-5, momentum=0.1, seed=3)


@exercise("batchnorm.BatchNorm1d")
def test_eval_other_eps_and_momentum(batchnorm):
    check_eval(batchnorm, dim=3, n=9, eps=1e-2, momentum=0.5, seed=4)


# ---------------------------------------------------------------- calibrate
def data_set(dim, n=4000, seed=5):
    g = torch.Generator().manual_seed(seed)
    centre, spread = -1.5 + torch.randn(dim, generator=g), 0.2 + torch.rand(dim, generator=g)
    return centre + spread * torch.randn(n, dim, generator=g)


@exercise("batchnorm.calibrate")
def test_calibrate_torch_layer(batchnorm):
    # A torch layer, so that this check does not depend on your BatchNorm1d.
    dim = 6
    x = data_set(dim)
    bn = torch.nn.BatchNorm1d(dim)
    result = batchnorm.calibrate(bn, x)
    check(result is None or result is bn, "calibrate changes bn in place", f"it returned {describe(result)}",
          hint="inplace")
    # n = 4000: the biased and unbiased variances differ by 0.025%, so either passes
    expect(bn.running_mean).close_to(x.mean(0), atol=1e-5, rtol=1e-4,
                                     why="after calibrate, running_mean should be the mean of x per feature",
                                     hint="stats")
    expect(bn.running_var).close_to(x.var(0), atol=1e-5, rtol=1e-3,
                                    why="after calibrate, running_var should be the variance of x per feature",
                                    hint="stats")
    check(not bn.running_mean.requires_grad and not bn.running_var.requires_grad,
          "the running statistics must not require grad", hint="inplace")


@exercise("batchnorm.calibrate")
def test_calibrate_from_a_graph(batchnorm):
    # x comes out of a layer with parameters, as in a network: calibrate must not keep its graph.
    dim = 4
    W = torch.randn(3, dim, generator=torch.Generator().manual_seed(6), requires_grad=True)
    x = data_set(3, n=3000, seed=7) @ W
    bn = torch.nn.BatchNorm1d(dim)
    batchnorm.calibrate(bn, x)
    check(bn.running_mean.grad_fn is None and not bn.running_var.requires_grad,
          "the running statistics must not be part of the graph of x", hint="inplace")
    expect(bn.running_mean).close_to(x.detach().mean(0), atol=1e-4, rtol=1e-4,
                                     why="running_mean should be the mean of x per feature", hint="stats")


@exercise("batchnorm.calibrate")
def test_calibrate_your_layer_then_eval(batchnorm):
    dim = 5
    x = data_set(dim, seed=8)
    bn = batchnorm.BatchNorm1d(dim)
    for xb in x.split(64)[:3]:               # a little training first: the estimates are off
        bn(xb)
    batchnorm.calibrate(bn, x)
    # calibrate's own work first: the statistics it wrote into your layer
    expect(torch.as_tensor(bn.running_mean).flatten()).close_to(
        x.mean(0), atol=1e-4, rtol=1e-4, why="after calibrate, your layer's running_mean should be the mean of x per "
        "feature", hint="stats")
    expect(torch.as_tensor(bn.running_var).flatten()).close_to(
        x.var(0), atol=1e-4, rtol=1e-3, why="after calibrate, your layer's running_var should be the variance of x per "
        "feature", hint="stats")
    bn.eval()
    y = bn(x[:10])
    want = (x[:10] - x.mean(0)) / torch.sqrt(x.var(0) + bn.eps)
    if not torch.allclose(torch.as_tensor(y).detach().double(), want.double(), atol=1e-3, rtol=1e-3):
        fail("calibrate set the running statistics right, yet in eval mode your BatchNorm1d does not normalise with "
             "them", "the fault is in batchnorm.BatchNorm1d (eval mode), not in calibrate: `pytest autograder -k "
             "BatchNorm1d` says more.\nhint (batchnorm.BatchNorm1d): " + load().exercise("batchnorm.BatchNorm1d").hints["eval"])
