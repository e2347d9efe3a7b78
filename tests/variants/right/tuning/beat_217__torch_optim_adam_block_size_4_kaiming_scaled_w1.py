"""torch.optim.Adam, block_size 4, Kaiming-scaled W1, F.cross_entropy"""

import torch.nn.functional as F

def beat_217(train_words, stoi, generator=None):
    block_size, n_embd, steps = 4, 12, 2500
    X, Y = mlp.build_dataset(train_words, stoi, block_size=block_size)
    params = mlp.init_params(len(stoi), block_size, n_embd=n_embd, n_hidden=300, generator=generator)
    with torch.no_grad():
        params["W1"] *= (5 / 3) / (block_size * n_embd) ** 0.5
        params["b1"] *= 0.01
        params["W2"] *= 0.01
        params["b2"].zero_()
    opt = torch.optim.Adam(params.values(), lr=1e-2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 if s < 0.75 * steps else 0.1)
    for _ in range(steps):
        ix = torch.randint(0, len(X), (256,), generator=generator)
        loss = F.cross_entropy(mlp.forward(params, X[ix]), Y[ix])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return params
