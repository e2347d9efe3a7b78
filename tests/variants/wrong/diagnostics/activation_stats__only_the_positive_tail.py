"""only the positive tail"""

def activation_stats(t, threshold=0.97):
    return {"mean": t.mean().item(), "std": t.std().item(),
            "saturated": (t > threshold).float().mean().item()}
