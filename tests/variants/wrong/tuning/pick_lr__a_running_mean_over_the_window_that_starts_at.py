"""a running mean over the window that starts at each position"""

def pick_lr(lrs, losses, window=50):
    values = [float(v) for v in losses]
    smooth = [sum(values[i:i + window]) / len(values[i:i + window]) for i in range(len(values))]
    return float(lrs[smooth.index(min(smooth))])
