"""threshold ignored"""

def activation_stats(t, threshold=0.97):
    return {"mean": t.mean().item(), "std": t.std().item(),
            "saturated": (t.abs() > 0.97).float().mean().item()}
