"""mlp.train with a per-step list of rates, keys in another order"""

def beat_217(train_words, stoi, generator=None):
    steps = 6500
    rates = [0.5] * int(0.7 * steps) + [0.05] * (steps - int(0.7 * steps))
    X, Y = mlp.build_dataset(train_words, stoi, 3)
    p = mlp.init_params(len(stoi), 3, 16, 300, generator)
    p["W2"].data.mul_(0.1)
    p["b2"].data.zero_()
    mlp.train(p, X, Y, steps, 256, lambda step: rates[min(step, steps - 1)], generator)
    return {name: p[name] for name in ("b2", "W2", "b1", "W1", "C")}
