"""tensors instead of floats"""

def activation_stats(t, threshold=0.97):
    return {"mean": t.mean(), "std": t.std(), "saturated": (t.abs() > threshold).float().mean()}
