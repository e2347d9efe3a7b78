"""Correct versions of lecture 3's tuning exercises in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- lr_finder
    ("tuning.lr_finder", "lecture style: its own loop, p.data += -lr * p.grad", '''
import torch.nn.functional as F

def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    lossi = []
    for lr in lrs:
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        loss = F.cross_entropy(mlp.forward(params, X[ix]), Y[ix])
        for p in params.values():
            p.grad = None
        loss.backward()
        for p in params.values():
            p.data += -float(lr) * p.grad
        lossi.append(loss.item())
    return lossi
'''),
    ("tuning.lr_finder", "mlp.train once per rate, a tuple", '''
def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    out = ()
    for lr in list(lrs):
        out += tuple(mlp.train(params, X, Y, 1, batch_size=batch_size, lr=float(lr), generator=generator))
    return out
'''),
    ("tuning.lr_finder", "one mlp.train call with the rates as a schedule", '''
def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    rates = [float(r) for r in lrs]
    losses = mlp.train(params, X, Y, steps=len(rates), batch_size=batch_size,
                       lr=lambda step: rates[min(step, len(rates) - 1)], generator=generator)
    return [float(v) for v in losses]
'''),
    # ---------------------------------------------------------------- pick_lr
    ("tuning.pick_lr", "plain Python: a centred window by slicing", '''
def pick_lr(lrs, losses, window=50):
    values = [float(v) for v in losses]
    n = len(values)
    w = max(1, min(int(window), n))
    smooth = []
    for i in range(n):
        part = values[max(0, i - w // 2): min(n, i + (w - 1) // 2 + 1)]
        smooth.append(sum(part) / len(part))
    best = min(range(n), key=smooth.__getitem__)
    return float(lrs[best])
'''),
    ("tuning.pick_lr", "numpy: convolve the losses and the counts", '''
import numpy as np

def pick_lr(lrs, losses, window=50):
    y = np.asarray([float(v) for v in losses])
    w = max(1, min(int(window), len(y)))
    pad = (w // 2, (w - 1) // 2)
    sums = np.convolve(np.pad(y, pad), np.ones(w), mode="valid")
    counts = np.convolve(np.pad(np.ones_like(y), pad), np.ones(w), mode="valid")
    return float(np.asarray(lrs, dtype=np.float64)[np.argmin(sums / counts)])
'''),
    ("tuning.pick_lr", "torch cumulative sums, a 0-d tensor", '''
def pick_lr(lrs, losses, window=50):
    y = torch.tensor([float(v) for v in losses], dtype=torch.float64)
    n = len(y)
    w = max(1, min(int(window), n))
    c = torch.cat([torch.zeros(1, dtype=torch.float64), y.cumsum(0)])
    i = torch.arange(n)
    lo, hi = (i - w // 2).clamp(min=0), (i + (w - 1) // 2 + 1).clamp(max=n)
    smooth = (c[hi] - c[lo]) / (hi - lo)
    return torch.as_tensor(lrs, dtype=torch.float64)[smooth.argmin()]
'''),
    # ---------------------------------------------------------------- overfit_batch
    ("tuning.overfit_batch", "lecture style: F.cross_entropy, p.data += -lr * p.grad", '''
import torch.nn.functional as F

def overfit_batch(params, X, Y, steps=300, lr=0.1):
    lossi = []
    for _ in range(steps):
        logits = mlp.forward(params, X)
        loss = F.cross_entropy(logits, Y)
        for p in params.values():
            p.grad = None
        loss.backward()
        for p in params.values():
            p.data += -lr * p.grad
        lossi.append(loss.item())
    return lossi
'''),
    ("tuning.overfit_batch", "torch.optim.SGD, 0-d tensors", '''
def overfit_batch(params, X, Y, steps=300, lr=0.1):
    opt = torch.optim.SGD(list(params.values()), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = mlp.cross_entropy(mlp.forward(params, X), Y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return losses
'''),
    ("tuning.overfit_batch", "torch.autograd.grad, a tuple", '''
def overfit_batch(params, X, Y, steps=300, lr=0.1):
    names = list(params)
    losses = []
    for _ in range(steps):
        loss = mlp.cross_entropy(mlp.forward(params, X), Y)
        grads = torch.autograd.grad(loss, [params[k] for k in names])
        with torch.no_grad():
            for k, g in zip(names, grads):
                params[k].sub_(lr * g)
        losses.append(loss.item())
    return tuple(losses)
'''),
]
