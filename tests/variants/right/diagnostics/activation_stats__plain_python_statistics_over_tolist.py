"""plain Python: statistics over tolist()"""

import statistics

def activation_stats(t, threshold=0.97):
    values = t.detach().flatten().tolist()
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values),
        "saturated": sum(abs(v) > threshold for v in values) / len(values),
    }
