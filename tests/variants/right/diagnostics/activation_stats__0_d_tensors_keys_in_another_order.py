"""0-d tensors, keys in another order"""

def activation_stats(t, threshold=0.97):
    t = t.detach()
    return {"saturated": (t.abs() > threshold).float().mean(), "std": t.std(), "mean": t.mean()}
