"""saturation as a percentage"""

def activation_stats(t, threshold=0.97):
    return {"mean": t.mean().item(), "std": t.std().item(),
            "saturated": 100 * (t.abs() > threshold).float().mean().item()}
