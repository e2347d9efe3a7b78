"""plain Python: a centred window by slicing"""

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
