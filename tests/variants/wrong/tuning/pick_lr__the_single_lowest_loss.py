"""the single lowest loss"""

def pick_lr(lrs, losses, window=50):
    losses = [float(v) for v in losses]
    return float(lrs[losses.index(min(losses))])
