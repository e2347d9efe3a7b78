"""numpy round trip, std with ddof=1"""

import numpy as np

def activation_stats(t, threshold=0.97):
    a = t.detach().cpu().numpy()
    return {"mean": float(a.mean()), "std": float(a.std(ddof=1)),
            "saturated": float((np.abs(a) > threshold).mean())}
